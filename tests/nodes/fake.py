"""A minimal ExecuteContext for node unit tests that do not need the executor.

Parameters are taken as given (no expressions are evaluated: pass already-resolved values, or
use `per_item` to give a different parameter dict per item index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.items import Item
from engine.ports import Services
from engine.workflow import NodeSpec

_MISSING = object()


def lookup(parameters: dict[str, Any], path: str, default: Any = _MISSING) -> Any:
    value: Any = parameters
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            if default is _MISSING or default is ...:
                raise KeyError(path)
            return default
        value = value[part]
    return value


@dataclass
class FakeContext:
    node: NodeSpec
    inputs: list[list[Item] | None]
    run_index: int = 0
    mode: str = "manual"
    source: list[dict[str, Any] | None] = field(default_factory=list)
    per_item: list[dict[str, Any]] | None = None
    logs: list[str] = field(default_factory=list)
    _node_context: dict[str, Any] = field(default_factory=dict)
    services: Services = field(default_factory=Services)

    @property
    def type_version(self) -> float:
        return self.node.type_version

    @property
    def input_items(self) -> list[Item]:
        for items in self.inputs:
            if items:
                return items
        return self.inputs[0] or [] if self.inputs else []

    def input(self, index: int = 0) -> list[Item]:
        return (self.inputs[index] or []) if index < len(self.inputs) else []

    def input_count(self) -> int:
        return len(self.inputs)

    def param(self, name: str, item_index: int = 0, default: Any = ...) -> Any:
        source = self.per_item[item_index] if self.per_item else dict(self.node.parameters)
        return lookup(source, name, default)

    def raw_param(self, name: str, default: Any = ...) -> Any:
        return lookup(dict(self.node.parameters), name, default)

    def evaluate(self, value: Any, item_index: int = 0, parameter: str = "") -> Any:
        return value

    @property
    def continue_on_fail(self) -> bool:
        return self.node.continue_on_fail

    @property
    def node_context(self) -> dict[str, Any]:
        return self._node_context

    def log(self, message: str) -> None:
        self.logs.append(message)

    def proxy(self, item_index: int = 0) -> Any:
        raise NotImplementedError("FakeContext has no expression proxy")


def make_node(type_name: str, version: float, parameters: dict[str, Any], **flags: Any) -> NodeSpec:
    return NodeSpec(name=flags.pop("name", "Node"), type=type_name, type_version=version, parameters=parameters, **flags)
