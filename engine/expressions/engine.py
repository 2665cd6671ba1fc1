"""Template evaluation with caching, resource budgets and errors that say where."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

from ..errors import ExpressionError
from ..sandbox import limits
from .proxy import DataProxy
from .template import TemplateSyntaxError, split_template, to_text
from .views import unwrap


class ExpressionLanguage(Protocol):
    name: str

    def __hash__(self) -> int: ...  # compiled templates are cached per language instance

    def compile(self, code: str) -> Any:
        """Compile one `{{ }}` segment; raise SyntaxError with a readable message."""
        ...

    def evaluate(self, compiled: Any, proxy: DataProxy) -> Any: ...


def is_expression(value: Any) -> bool:
    return type(value) is str and value.startswith("=")


class CompiledTemplate:
    """A parsed `=...` string: literal parts and compiled code parts."""

    __slots__ = ("parts", "single", "text", "error", "needs_budget")

    def __init__(self, text: str, parts: list[tuple[bool, Any]], error: str | None = None) -> None:
        self.text = text
        self.parts = parts
        self.single = len(parts) == 1 and parts[0][0]
        self.error = error  # a syntax error is reported per evaluation, with node and item
        self.needs_budget = any(getattr(part, "needs_budget", True) for is_code, part in parts if is_code)


@lru_cache(maxsize=8192)
def compile_template(language: ExpressionLanguage, text: str) -> CompiledTemplate:
    """Parse and compile a `=...` string once per process (templates are immutable)."""
    try:
        segments = split_template(text[1:])
    except TemplateSyntaxError as error:
        return CompiledTemplate(text, [], str(error))
    parts: list[tuple[bool, Any]] = []
    for is_code, segment in segments:
        if not is_code:
            parts.append((False, segment))
            continue
        try:
            parts.append((True, language.compile(segment)))
        except SyntaxError as error:
            return CompiledTemplate(text, [], f"Invalid syntax: {error.args[0] if error.args else error}")
    return CompiledTemplate(text, parts)


class ExpressionEngine:
    """Evaluates parameter values for one language, compiling each template text once."""

    def __init__(
        self,
        language: ExpressionLanguage,
        *,
        timeout: float = 5.0,
        max_size: int = 1_000_000,
        max_memory: int = 256 * 2**20,
    ) -> None:
        self.language = language
        self._timeout = timeout
        self._max_size = max_size
        self._max_memory = max_memory
        self._whole_template = getattr(language, "evaluate_text", None)

    def compile(self, text: str) -> CompiledTemplate:
        """The compiled template, from a cache shared by every execution in this process."""
        return compile_template(self.language, text)

    def evaluate(self, text: str, proxy: DataProxy, *, node: str, parameter: str) -> Any:
        """Evaluate a `=...` string for `proxy.item_index`. Raises ExpressionError."""
        if self._whole_template is not None:  # JavaScript: templates rendered and batched on its side
            return self._whole_template(text, proxy, node=node, parameter=parameter, timeout=self._timeout,
                                        max_size=self._max_size, max_memory=self._max_memory)
        template = self.compile(text)
        if template.error is not None:
            raise self._error(template.error, text, node, parameter, proxy.item_index, "syntax")
        if not template.parts:
            return ""
        try:
            if not template.needs_budget:
                return self._render(template, proxy)
            with limits.budget(self._timeout, self._max_size, self._max_memory):
                return self._render(template, proxy)
        except ExpressionError as error:
            error.node = error.node or node
            error.parameter = error.parameter or parameter
            error.expression = error.expression or text
            if error.item_index is None:
                error.item_index = proxy.item_index
            raise
        except limits.ResourceLimitError as error:
            raise self._error(f"Expression stopped: it {error}", text, node, parameter, proxy.item_index, "limit") from None
        except Exception as error:  # user code: any failure becomes a located ExpressionError
            message = f"{type(error).__name__}: {error}"
            raise self._error(message, text, node, parameter, proxy.item_index, "runtime") from None

    def _render(self, template: CompiledTemplate, proxy: DataProxy) -> Any:
        language = self.language
        if template.single:
            return unwrap(language.evaluate(template.parts[0][1], proxy))
        pieces = []
        for is_code, part in template.parts:
            pieces.append(to_text(unwrap(language.evaluate(part, proxy))) if is_code else part)
        return "".join(pieces)

    @staticmethod
    def _error(message: str, text: str, node: str, parameter: str, item_index: int, kind: str) -> ExpressionError:
        return ExpressionError(
            message,
            node=node,
            parameter=parameter,
            expression=text,
            item_index=item_index,
            error_type=kind,
        )
