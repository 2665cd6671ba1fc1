"""Errors the engine raises.

    KnotworkError
    ├── WorkflowValidationError   the workflow JSON is unusable (names node and field)
    ├── NodeError                 a node failed while running; the executor records it on the task
    │   ├── NodeOperationError    bad parameters or data for this node (user-fixable)
    │   ├── NodeApiError          a remote service answered with an error
    │   ├── ExpressionError       an expression could not be evaluated (names parameter, item, text)
    │   └── SandboxError          user code failed, timed out or ran out of memory
    └── ExecutionCanceled         cooperative cancellation or timeout stopped the run
"""

from __future__ import annotations

from typing import Any


class KnotworkError(Exception):
    """Base class of every error Knotwork raises on purpose."""


class WorkflowValidationError(KnotworkError):
    """The workflow JSON cannot be run; `problems` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class NodeError(KnotworkError):
    """A node failed. `node` is filled in by the executor when the node did not set it."""

    name = "NodeError"

    def __init__(
        self,
        message: str,
        *,
        node: str | None = None,
        description: str | None = None,
        item_index: int | None = None,
        context: dict[str, Any] | None = None,
        parameter: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.node = node
        self.description = description
        self.item_index = item_index
        self.context = dict(context or {})
        if parameter:  # which parameter is wrong, for the editor to point at
            self.context.setdefault("parameter", parameter)

    def to_dict(self) -> dict[str, Any]:
        """The error as stored in run data (n8n's `error` object shape)."""
        data: dict[str, Any] = {"name": self.name, "message": self.message}
        if self.description:
            data["description"] = self.description
        if self.node:
            data["node"] = self.node
        if self.item_index is not None:
            data["itemIndex"] = self.item_index
        if self.context:
            data["context"] = self.context
        return data


class NodeOperationError(NodeError):
    name = "NodeOperationError"


class NodeApiError(NodeError):
    """`retry_after`: seconds the service asked to wait (HTTP Retry-After); node retries wait
    at least that long."""

    name = "NodeApiError"

    def __init__(self, message: str, *, http_code: int | None = None, retry_after: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.http_code = http_code
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.http_code is not None:
            data["httpCode"] = str(self.http_code)
        return data


class ExpressionError(NodeError):
    """An expression failed. `parameter`, `expression` and `item_index` say which and where."""

    name = "ExpressionError"

    def __init__(
        self,
        message: str,
        *,
        parameter: str | None = None,
        expression: str | None = None,
        error_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.parameter = parameter
        self.expression = expression
        self.error_type = error_type

    def __str__(self) -> str:
        where = []
        if self.node:
            where.append(f"node '{self.node}'")
        if self.parameter:
            where.append(f"parameter '{self.parameter}'")
        if self.item_index is not None:
            where.append(f"item {self.item_index}")
        text = self.message
        if where:
            text += f" [{', '.join(where)}]"
        if self.expression:
            text += f" in expression {self.expression!r}"
        return text

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.parameter:
            data["parameter"] = self.parameter
        if self.expression:
            data["expression"] = self.expression
        if self.error_type:
            data.setdefault("context", {})["type"] = self.error_type
        return data


class SandboxError(NodeError):
    name = "SandboxError"


class ExecutionCanceled(KnotworkError):
    """The run was stopped before it finished (cancel request or execution timeout)."""

    def __init__(self, reason: str = "canceled") -> None:
        super().__init__(f"Execution {reason}")
        self.reason = reason
