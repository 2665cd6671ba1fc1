"""What a node sees while it runs: `NodeExecuteContext`, the executor's ExecuteContext."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import NodeOperationError
from .expressions.proxy import DataProxy
from .items import Item
from .node_api import NodeType, Parameter, effective_values
from .run_data import SourceRef
from .workflow import NodeSpec

if TYPE_CHECKING:
    from .runner import ExecutionRun

_MISSING: Any = ...


class NodeExecuteContext:
    """One run of one node. Parameters resolve per item; expressions compile once per text."""

    def __init__(
        self,
        run: ExecutionRun,
        node: NodeSpec,
        node_type: NodeType,
        run_index: int,
        inputs: list[list[Item] | None],
        source: list[SourceRef | None],
        logs: list[str],
    ) -> None:
        self._run = run
        self.node = node
        self._node_type = node_type
        self.run_index = run_index
        self.mode = run.mode
        self._inputs = inputs
        self.source = [ref.to_json() if ref else None for ref in source]
        self._source_refs = source
        self._logs = logs
        self._input_items = _connection_input(inputs, run.workflow.execution_order)
        self._expression_proxy: DataProxy | None = None

    # ---- inputs ----------------------------------------------------------------------------
    @property
    def type_version(self) -> float:
        return self.node.type_version

    @property
    def input_items(self) -> list[Item]:
        return self._input_items

    def input(self, index: int = 0) -> list[Item]:
        if index >= len(self._inputs):
            return []
        return self._inputs[index] or []

    def input_count(self) -> int:
        return len(self._inputs)

    # ---- parameters ------------------------------------------------------------------------
    def _stored_param(self, name: str) -> tuple[Any, Any]:
        """(value as stored or defaulted, its evaluation plan or None), cached per workflow:
        nodes ask for the same parameters item after item and run after run."""
        key = (self.node.name, name)
        cache = self._run.workflow.parameter_cache
        entry = cache.get(key)
        if entry is None:
            value = _lookup(self.node.parameters, name)
            if value is _NOT_FOUND:
                value = description_default(self._node_type, self.node, name)
            entry = cache[key] = (value, plan_evaluation(value, name))
        return entry

    def raw_param(self, name: str, default: Any = _MISSING) -> Any:
        value = self._stored_param(name)[0]
        if value is not _NOT_FOUND:
            return value
        if default is not _MISSING:
            return default
        raise NodeOperationError(f"Node '{self.node.name}' has no parameter '{name}'", node=self.node.name)

    def param(self, name: str, item_index: int = 0, default: Any = _MISSING) -> Any:
        value, plan = self._stored_param(name)
        if value is _NOT_FOUND:
            return self.raw_param(name, default)
        if plan is None:
            return value
        return self._apply_plan(plan, value, item_index)

    def evaluate(self, value: Any, item_index: int = 0, parameter: str = "",
                 extra: Mapping[str, Any] | None = None) -> Any:
        plan = plan_evaluation(value, parameter)
        if plan is None:
            return value
        if not extra:
            return self._apply_plan(plan, value, item_index)
        proxy = self._proxy_for_expressions()
        proxy.extra = extra
        try:
            return self._apply_plan(plan, value, item_index)
        finally:
            proxy.extra = {}

    def _apply_plan(self, plan: Any, value: Any, item_index: int) -> Any:
        """Evaluate the expressions a plan points at; parts without expressions are shared."""
        kind = plan[0]
        if kind is _EXPRESSION:
            proxy = self._proxy_for_expressions()
            proxy.item_index = item_index
            return self._run.expressions.evaluate(value, proxy, node=self.node.name, parameter=plan[1])
        copy: Any = dict(value) if kind is _DICT else list(value)
        for key, child_plan in plan[1]:
            copy[key] = self._apply_plan(child_plan, value[key], item_index)
        return copy

    def _proxy_for_expressions(self) -> DataProxy:
        if self._expression_proxy is None:
            self._expression_proxy = DataProxy(
                self._run, self.node, self.run_index, self._input_items, self._source_refs
            )
        return self._expression_proxy

    def proxy(self, item_index: int = 0) -> DataProxy:
        """A proxy returning engine Items (for the Code node's `_('Node')` callbacks)."""
        proxy = DataProxy(
            self._run, self.node, self.run_index, self._input_items, self._source_refs, wrap_items=False
        )
        proxy.item_index = item_index
        return proxy

    # ---- everything else -------------------------------------------------------------------
    @property
    def continue_on_fail(self) -> bool:
        return self.node.continue_on_fail

    @property
    def node_context(self) -> dict[str, Any]:
        return self._run.node_contexts.setdefault(self.node.name, {})

    def log(self, message: str) -> None:
        self._logs.append(str(message))

    @property
    def services(self) -> Any:
        return self._run.services

    async def get_credentials(self, credential_type: str) -> dict[str, Any]:
        reference = self.node.credentials.get(credential_type)
        if not isinstance(reference, Mapping) or not (reference.get("id") or reference.get("name")):
            raise NodeOperationError(f"No credential of type '{credential_type}' is chosen for this node",
                                     node=self.node.name)
        data = await self._run.services.credentials.get(self.node.name, credential_type, reference)
        return dict(data)

    @property
    def execution_id(self) -> str:
        return self._run.execution_id

    @property
    def timezone(self) -> Any:
        """The workflow's time zone (a ZoneInfo)."""
        return self._run.timezone

    def now(self) -> Any:
        """The current moment, from the execution's clock, in the workflow's time zone."""
        return self._run.now().astimezone(self._run.timezone)

    def static_data(self, scope: str = "node") -> dict[str, Any]:
        """n8n's getWorkflowStaticData: a dict kept with the workflow and saved after production
        runs (not manual ones), `node` scope per node, `global` shared by the workflow's nodes."""
        key = "global" if scope == "global" else f"node:{self.node.name}"
        data = self._run.workflow.static_data
        if not isinstance(data.get(key), dict):
            data[key] = {}
        return data[key]

    def put_execution_to_wait(self, wait_till: Any) -> None:
        """Stop the execution after this node and save it as `waiting` until `wait_till` (an
        aware datetime) or until its resume URL is called; the node re-runs as a pass-through
        (or with the resume request as its output) when the execution resumes."""
        self._run.wait_till = wait_till

    @property
    def resume_url(self) -> str:
        """`$execution.resumeUrl`: where a call resumes this execution when it waits."""
        return self._run.resume_url


def _connection_input(inputs: list[list[Item] | None], order: str) -> list[Item]:
    """n8n's "connection input data": input 0 (v0), or the first input holding items (v1)."""
    first = inputs[0] if inputs else None
    if order == "v1":
        for items in inputs:
            if items:
                return items
    return first or []


_NOT_FOUND: Any = object()


def _lookup(parameters: Any, path: str) -> Any:
    value = parameters
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _NOT_FOUND
        value = value[part]
    return value


_EXPRESSION, _DICT, _LIST = "expression", "dict", "list"


def plan_evaluation(value: Any, path: str) -> Any:
    """Where the expressions in a parameter value are: None when there are none, else
    (EXPRESSION, path) or (DICT|LIST, [(key, child plan), ...]) for the children holding some."""
    kind = type(value)
    if kind is str:
        return (_EXPRESSION, path) if value.startswith("=") else None
    if kind is dict:
        children = [(k, plan_evaluation(v, f"{path}.{k}" if path else k)) for k, v in value.items()]
        dynamic = [(k, child) for k, child in children if child is not None]
        return (_DICT, dynamic) if dynamic else None
    if kind is list:
        children = [(i, plan_evaluation(v, f"{path}[{i}]")) for i, v in enumerate(value)]
        dynamic = [(i, child) for i, child in children if child is not None]
        return (_LIST, dynamic) if dynamic else None
    return None


def description_default(node_type: NodeType, node: NodeSpec, path: str) -> Any:
    """The default n8n would have filled in for a parameter missing from the workflow JSON
    (n8n omits parameters equal to their default when it saves)."""
    parameters: tuple[Parameter, ...] = node_type.description.parameters
    siblings: Any = node.parameters
    parts = path.split(".")
    for depth, part in enumerate(parts):
        match = _visible_parameter(parameters, part, siblings, node.type_version)
        if match is None:
            return _NOT_FOUND
        if depth == len(parts) - 1:
            return match.default
        parameters = match.fields
        siblings = siblings.get(part, {}) if isinstance(siblings, dict) else {}
    return _NOT_FOUND


def _visible_parameter(
    parameters: tuple[Parameter, ...], name: str, siblings: Any, version: float
) -> Parameter | None:
    candidates = [p for p in parameters if p.name == name]
    # Display rules may name siblings that were omitted because they hold their default.
    values = effective_values(parameters, siblings, version)
    for candidate in candidates:
        if candidate.visible(values, version):
            return candidate
    return candidates[0] if candidates else None
