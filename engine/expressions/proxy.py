"""The data an expression can read: n8n's `$json`, `$input`, `$('Node')`, `$node`, `$now`...

One `DataProxy` serves one node run; the executor moves `item_index` along as it resolves
parameters item by item. Language bindings (Python now, JavaScript later) map their names onto
its attributes. Public attributes of the classes here are the expression API; anything starting
with `_` is invisible to user code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import jmespath

from ..errors import ExpressionError
from ..items import Item, paired_to_json, refs_of
from ..run_data import SourceRef, TaskData
from ..workflow import NodeSpec, Workflow
from .paired import paired_error, resolve_paired_item
from .views import unwrap, wrap


class ExecutionState(Protocol):
    """What the executor exposes to expressions (read-only)."""

    workflow: Workflow
    run_data: dict[str, list[TaskData]]
    mode: str
    execution_id: str
    node_contexts: dict[str, dict[str, Any]]
    timezone: ZoneInfo

    @property
    def variables(self) -> Mapping[str, str]: ...

    @property
    def uses_pin_data(self) -> bool: ...

    def now(self) -> dt.datetime: ...

    @property
    def resume_url(self) -> str: ...


class ItemView:
    """An item as expressions see it: `.json`, `.binary`, `.pairedItem`."""

    __slots__ = ("_item",)

    def __init__(self, item: Item) -> None:
        self._item = item

    @property
    def json(self) -> Any:
        return wrap(self._item.json)

    @property
    def binary(self) -> Any:
        return wrap(self._item.binary or {})

    @property
    def pairedItem(self) -> Any:  # noqa: N802 - n8n's name
        return paired_to_json(self._item.paired)

    def _unwrap_(self) -> dict[str, Any]:
        return self._item.to_dict()

    def __repr__(self) -> str:
        return repr(self._item.to_dict())


def view_item(item: Item | None) -> ItemView | None:
    return None if item is None else ItemView(item)


class InputAccessor:
    """`$input`: the current node's input."""

    __slots__ = ("_proxy",)

    def __init__(self, proxy: DataProxy) -> None:
        self._proxy = proxy

    @property
    def item(self) -> Any:
        items = self._proxy._input_items
        index = self._proxy.item_index
        return self._proxy._wrap_item(items[index]) if index < len(items) else None

    def all(self, branch: int | None = None, run: int | None = None) -> list[Any]:
        return [self._proxy._wrap_item(item) for item in self._proxy._input_items]

    def first(self, branch: int | None = None, run: int | None = None) -> Any:
        items = self._proxy._input_items
        return self._proxy._wrap_item(items[0]) if items else None

    def last(self, branch: int | None = None, run: int | None = None) -> Any:
        items = self._proxy._input_items
        return self._proxy._wrap_item(items[-1]) if items else None

    @property
    def params(self) -> Any:
        return wrap(dict(self._proxy._node.parameters))

    @property
    def context(self) -> Any:
        return wrap(self._proxy._state.node_contexts.setdefault(self._proxy._node.name, {}))


class NodeAccessor:
    """`$('Node')`: another node's output, by lineage (`.item`) or by position."""

    __slots__ = ("_proxy", "_name")

    def __init__(self, proxy: DataProxy, name: str) -> None:
        self._proxy = proxy
        self._name = name

    @property
    def isExecuted(self) -> bool:  # noqa: N802 - n8n's name
        return bool(self._proxy._state.run_data.get(self._name))

    def all(self, branch: int | None = None, run: int | None = None) -> list[Any]:
        return [self._proxy._wrap_item(item) for item in self._proxy._node_output(self._name, branch, run)]

    def first(self, branch: int | None = None, run: int | None = None) -> Any:
        items = self._proxy._node_output(self._name, branch, run)
        return self._proxy._wrap_item(items[0]) if items else None

    def last(self, branch: int | None = None, run: int | None = None) -> Any:
        items = self._proxy._node_output(self._name, branch, run)
        return self._proxy._wrap_item(items[-1]) if items else None

    @property
    def item(self) -> Any:
        return self._proxy._wrap_item(self._proxy._paired_item(self._name, self._proxy.item_index))

    def itemMatching(self, item_index: int) -> Any:  # noqa: N802 - n8n's name
        return self._proxy._wrap_item(self._proxy._paired_item(self._name, item_index))

    def pairedItem(self, item_index: int | None = None) -> Any:  # noqa: N802 - n8n's name
        index = self._proxy.item_index if item_index is None else item_index
        return self._proxy._wrap_item(self._proxy._paired_item(self._name, index))

    @property
    def params(self) -> Any:
        return wrap(dict(self._proxy._existing_node(self._name).parameters))

    @property
    def context(self) -> Any:
        return wrap(self._proxy._state.node_contexts.get(self._name, {}))


class LegacyNode:
    """`$node["Node"]`: the item of that node at the current item index (n8n's old syntax)."""

    __slots__ = ("_proxy", "_name")

    def __init__(self, proxy: DataProxy, name: str) -> None:
        self._proxy = proxy
        self._name = name

    def _item(self) -> Item | None:
        items = self._proxy._node_output(self._name, 0, None)
        index = self._proxy.item_index
        return items[index] if index < len(items) else None

    @property
    def json(self) -> Any:
        item = self._item()
        return wrap(item.json) if item else None

    @property
    def binary(self) -> Any:
        item = self._item()
        return wrap(item.binary or {}) if item else None

    @property
    def parameter(self) -> Any:
        return wrap(dict(self._proxy._existing_node(self._name).parameters))

    @property
    def context(self) -> Any:
        return wrap(self._proxy._state.node_contexts.get(self._name, {}))

    @property
    def runIndex(self) -> int:  # noqa: N802 - n8n's name
        return max(len(self._proxy._state.run_data.get(self._name, [])) - 1, 0)


class LegacyNodes:
    """`$node`: indexable by node name."""

    __slots__ = ("_proxy",)

    def __init__(self, proxy: DataProxy) -> None:
        self._proxy = proxy

    def __getitem__(self, name: str) -> LegacyNode:
        self._proxy._existing_node(name)
        return LegacyNode(self._proxy, name)

    def __getattr__(self, name: str) -> LegacyNode:
        return self[name]


class DataProxy:
    """All `$` names for one node run. `item_index` is set by the caller before each evaluation."""

    def __init__(
        self,
        state: ExecutionState,
        node: NodeSpec,
        run_index: int,
        input_items: list[Item],
        source: list[SourceRef | None],
        wrap_items: bool = True,
    ) -> None:
        self._state = state
        self._node = node
        self.run_index = run_index
        self._input_items = input_items
        self._source = source
        self.item_index = 0
        self._wrap_item: Callable[[Item | None], Any] = view_item if wrap_items else _identity
        # Names a node adds for one evaluation (HTTP Request pagination: `$response`, `$pageCount`).
        self.extra: Mapping[str, Any] = {}

    # ---- the `$` names -------------------------------------------------------------------
    @property
    def json(self) -> Any:
        items = self._input_items
        index = self.item_index
        if index >= len(items):
            return None
        return items[index].json

    @property
    def binary(self) -> Any:
        items = self._input_items
        index = self.item_index
        return (items[index].binary or {}) if index < len(items) else {}

    @property
    def input(self) -> InputAccessor:
        return InputAccessor(self)

    def node(self, name: str) -> NodeAccessor:
        """`$('Node')`."""
        self._existing_node(name)
        return NodeAccessor(self, name)

    @property
    def legacy_nodes(self) -> LegacyNodes:
        return LegacyNodes(self)

    @property
    def prev_node(self) -> dict[str, Any] | None:
        source = self._source[0] if self._source else None
        if source is None:
            return None
        return {"name": source.previous_node, "outputIndex": source.previous_node_output, "runIndex": source.previous_node_run}

    @property
    def now(self) -> dt.datetime:
        return self._state.now().astimezone(self._state.timezone)

    @property
    def today(self) -> dt.datetime:
        return self.now.replace(hour=0, minute=0, second=0, microsecond=0)

    @property
    def workflow(self) -> dict[str, Any]:
        workflow = self._state.workflow
        return {"id": workflow.id, "name": workflow.name, "active": workflow.active}

    @property
    def execution(self) -> dict[str, Any]:
        mode = "test" if self._state.mode == "manual" else "production"
        return {"id": self._state.execution_id, "mode": mode, "resumeUrl": self._state.resume_url, "customData": {}}

    @property
    def variables(self) -> Mapping[str, str]:
        return self._state.variables

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._node.parameters)

    @property
    def mode(self) -> str:
        return self._state.mode

    def items(self, node: str | None = None, output: int = 0, run: int | None = None) -> list[Any]:
        """Legacy `$items(node?, output?, run?)`: a node's output items (input when no node)."""
        if node is None:
            return [self._wrap_item(item) for item in self._input_items]
        self._existing_node(node)
        return [self._wrap_item(item) for item in self._node_output(node, output, run)]

    # ---- helpers the accessors use --------------------------------------------------------
    def _existing_node(self, name: str) -> NodeSpec:
        node = self._state.workflow.nodes.get(name)
        if node is None:
            raise ExpressionError(
                f"Referenced node doesn't exist: '{name}'",
                description="Check the node name; expressions refer to nodes by their exact name.",
                error_type="node_not_found",
            )
        return node

    def _node_output(self, name: str, branch: int | None, run: int | None) -> list[Item]:
        self._existing_node(name)
        runs = self._state.run_data.get(name)
        if not runs:
            pinned = self._state.workflow.pin_data.get(name) if self._state.uses_pin_data else None
            if pinned is not None:
                return pinned
            raise ExpressionError(
                f"Referenced node is unexecuted: '{name}'",
                description=f"'{name}' has not run in this execution, so there is no data to read. "
                "Check that it runs before this node.",
                error_type="no_node_execution_data",
            )
        run_index = len(runs) - 1 if run is None or run == -1 else run
        if not 0 <= run_index < len(runs):
            raise ExpressionError(
                f"Run {run_index} of node '{name}' does not exist (it ran {len(runs)} time(s))",
                error_type="no_node_execution_data",
            )
        output = self._default_branch(name) if branch is None else branch
        return runs[run_index].output(output)

    def _default_branch(self, name: str) -> int:
        """The output of `name` through which data flows to this node (0 when unconnected)."""
        workflow = self._state.workflow
        target = self._node.name
        for output_index, connections in enumerate(workflow.outputs.get(name, ())):
            for connection in connections:
                if connection.node == target or _reaches(workflow, connection.node, target):
                    return output_index
        return 0

    def _paired_item(self, name: str, item_index: int) -> Item:
        self._existing_node(name)
        if not self._state.run_data.get(name):
            pinned = self._state.workflow.pin_data.get(name) if self._state.uses_pin_data else None
            if pinned is None:
                raise paired_error(
                    f"Referenced node is unexecuted: '{name}'",
                    "no_node_execution_data",
                    f"'{name}' has not run in this execution, so no item of it matches item {item_index}.",
                )
        if item_index >= len(self._input_items):
            raise paired_error(
                f"Item {item_index} does not exist in the input of this node",
                "paired_item_invalid_info",
            )
        refs = refs_of(self._input_items[item_index].paired)
        if not refs:
            raise paired_error("Paired item data is unavailable", "paired_item_no_info")
        ref = refs[0]
        source = self._source[ref[1]] if ref[1] < len(self._source) else None
        if source is None:
            if name == self._node.name:
                return self._input_items[item_index]
            raise paired_error(
                f"No path back to node '{name}'", "paired_item_no_connection",
                "This node has no input connection through which the item could be traced.",
            )
        return resolve_paired_item(self._state.run_data, name, source, ref, item_index)


def _identity(item: Item | None) -> Any:
    return item


def _reaches(workflow: Workflow, start: str, target: str) -> bool:
    seen = {start}
    frontier = [start]
    while frontier:
        current = frontier.pop()
        for connection in workflow.children(current):
            if connection.node == target:
                return True
            if connection.node not in seen:
                seen.add(connection.node)
                frontier.append(connection.node)
    return False


def jmespath_search(data: Any, expression: str) -> Any:
    """`$jmespath(object, expression)` (n8n's argument order)."""
    return jmespath.search(expression, unwrap(data))


def if_(condition: Any, when_true: Any, when_false: Any = None) -> Any:
    return when_true if condition else when_false


def if_empty(value: Any, default: Any) -> Any:
    """`$ifEmpty`: the default when value is None, "", [] or {}."""
    plain = unwrap(value)
    if plain is None or plain == "" or plain == [] or plain == {}:
        return default
    return value


def min_(*values: Any) -> Any:
    return min(values)


def max_(*values: Any) -> Any:
    return max(values)
