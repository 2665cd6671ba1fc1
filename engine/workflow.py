"""Workflow JSON (n8n's shape) parsed into an immutable graph, with specific validation errors."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import orjson

from .errors import WorkflowValidationError
from .items import Item, items_from_json

if TYPE_CHECKING:
    from .registry import NodeRegistry

ON_ERROR_VALUES = ("stopWorkflow", "continueRegularOutput", "continueErrorOutput")
MAIN = "main"


@dataclass(frozen=True)
class NodeSpec:
    """One node of a workflow, as the executor reads it. `parameters` must never be mutated."""

    name: str
    type: str
    type_version: float
    parameters: Mapping[str, Any]
    id: str = ""
    position: tuple[float, float] = (0.0, 0.0)
    credentials: Mapping[str, Any] = field(default_factory=dict)
    disabled: bool = False
    retry_on_fail: bool = False
    max_tries: int = 3
    wait_between_tries: int = 1000
    on_error: str = "stopWorkflow"
    always_output_data: bool = False
    execute_once: bool = False
    notes: str = ""
    webhook_id: str = ""

    @property
    def continue_on_fail(self) -> bool:
        return self.on_error != "stopWorkflow"


@dataclass(frozen=True)
class Connection:
    """An edge seen from its source: goes to input `index` of `node`."""

    node: str
    index: int
    type: str = MAIN


@dataclass(frozen=True)
class IncomingConnection:
    """An edge seen from its destination: comes from output `output` of `source`."""

    source: str
    output: int
    input: int


@dataclass(frozen=True)
class Workflow:
    id: str
    name: str
    nodes: Mapping[str, NodeSpec]  # by name, in document order
    # source name -> output index -> connections (main only; other types are kept in `raw`)
    outputs: Mapping[str, tuple[tuple[Connection, ...], ...]]
    # destination name -> incoming main connections
    inputs: Mapping[str, tuple[IncomingConnection, ...]]
    settings: Mapping[str, Any]
    pin_data: Mapping[str, list[Item]]
    static_data: dict[str, Any]  # nodes change it in place (ctx.static_data); saved after production runs
    raw: Mapping[str, Any]
    active: bool = False
    # (node name, parameter path) -> (stored or default value, evaluation plan); filled lazily
    parameter_cache: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict, compare=False, repr=False)

    def node(self, name: str) -> NodeSpec:
        return self.nodes[name]

    def children(self, name: str, output: int | None = None) -> list[Connection]:
        outputs = self.outputs.get(name, ())
        if output is not None:
            return list(outputs[output]) if output < len(outputs) else []
        return [conn for conns in outputs for conn in conns]

    def parents(self, name: str) -> list[str]:
        seen: dict[str, None] = {}
        for incoming in self.inputs.get(name, ()):
            seen[incoming.source] = None
        return list(seen)

    @property
    def execution_order(self) -> str:
        return "v1" if self.settings.get("executionOrder") == "v1" else "v0"

    def to_json(self) -> dict[str, Any]:
        return dict(self.raw)


def load_workflow_text(text: str | bytes, registry: NodeRegistry) -> Workflow:
    """Parse workflow JSON text. Raises WorkflowValidationError (never a bare JSONDecodeError)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise WorkflowValidationError(
            [f"Workflow JSON is not valid: {error.msg} at line {error.lineno}, column {error.colno}"]
        ) from None
    return parse_workflow(data, registry)


def parse_workflow(data: Any, registry: NodeRegistry) -> Workflow:
    """Validate n8n workflow JSON and build the graph; every problem is listed, not only the first."""
    problems: list[str] = []
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        data = data[0]  # `n8n export:workflow` writes an array of workflows
    if not isinstance(data, dict):
        raise WorkflowValidationError([f"A workflow must be a JSON object, got {_kind(data)}"])
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, list):
        raise WorkflowValidationError([f"'nodes' must be a list of node objects, got {_kind(raw_nodes)}"])

    nodes: dict[str, NodeSpec] = {}
    for position, raw in enumerate(raw_nodes):
        node = _parse_node(raw, position, registry, problems)
        if node is None:
            continue
        if node.name in nodes:
            problems.append(f"Node name '{node.name}' is used by more than one node; names must be unique")
            continue
        nodes[node.name] = node

    outputs, inputs = _parse_connections(data.get("connections"), nodes, registry, problems)
    settings = data.get("settings")
    if settings is None:
        settings = {}
    elif not isinstance(settings, dict):
        problems.append(f"'settings' must be an object, got {_kind(settings)}")
        settings = {}
    pin_data = _parse_pin_data(data.get("pinData"), nodes, problems)
    static_data = data.get("staticData") or {}
    # Nodes change static data in place: a copy keeps the caller's document (a cached route's, a
    # snapshot another run reads) as it was.
    static_data = copy.deepcopy(static_data) if isinstance(static_data, dict) else {}
    if problems:
        raise WorkflowValidationError(problems)
    return Workflow(
        id=str(data.get("id") or ""),
        name=str(data.get("name") or ""),
        nodes=MappingProxyType(nodes),
        outputs=MappingProxyType(outputs),
        inputs=MappingProxyType(inputs),
        settings=MappingProxyType(settings),
        pin_data=MappingProxyType(pin_data),
        static_data=static_data,
        raw=MappingProxyType(data),
        active=bool(data.get("active")),
    )


class ParsedWorkflows:
    """Workflows parsed before, found again by their content. A process runs the same few workflows
    over and over, and for a small one parsing it and looking up its nodes' parameter defaults (kept
    in `parameter_cache`) costs more than running it. Each call gets a Workflow of its own that
    shares the parsed graph and that cache (both read-only while running) but not the static data
    nodes change, nor the document. Workflows with pinned data are parsed each time: their items
    are handed to nodes."""

    def __init__(self, registry: NodeRegistry, size: int = 64) -> None:
        self.registry = registry
        self.size = size
        self._parsed: OrderedDict[bytes, Workflow] = OrderedDict()
        self._lock = threading.Lock()

    def parse(self, data: Any) -> Workflow:
        """parse_workflow(data), from the cache when this content was parsed before."""
        if not isinstance(data, dict) or data.get("pinData"):
            return parse_workflow(data, self.registry)
        try:  # everything but the static data, which each run gets a copy of anyway
            content = orjson.dumps({k: v for k, v in data.items() if k != "staticData"},
                                   option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # not JSON (never from a saved workflow)
            return parse_workflow(data, self.registry)
        key = hashlib.blake2b(content, digest_size=16).digest()
        with self._lock:
            parsed = self._parsed.get(key)
            if parsed is not None:
                self._parsed.move_to_end(key)
        if parsed is None:
            parsed = parse_workflow(data, self.registry)  # raises for an invalid one: nothing kept
            with self._lock:
                self._parsed[key] = parsed
                while len(self._parsed) > self.size:
                    self._parsed.popitem(last=False)
            return parsed
        static_data = data.get("staticData") or {}
        return dataclasses.replace(
            parsed, static_data=copy.deepcopy(static_data) if isinstance(static_data, dict) else {},
            raw=MappingProxyType(data), parameter_cache=parsed.parameter_cache)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _parse_node(raw: Any, position: int, registry: NodeRegistry, problems: list[str]) -> NodeSpec | None:
    where = f"Node #{position + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{where} must be an object, got {_kind(raw)}")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        problems.append(f"{where} has no 'name' (a non-empty string is required)")
        return None
    where = f"Node '{name}'"
    type_name = raw.get("type")
    if not isinstance(type_name, str) or not type_name:
        problems.append(f"{where} has no 'type'")
        return None
    node_type = registry.resolve(type_name)
    version_raw = raw.get("typeVersion", 1)
    if isinstance(version_raw, bool) or not isinstance(version_raw, (int, float)):
        problems.append(f"{where}: 'typeVersion' must be a number, got {_kind(version_raw)}")
        version_raw = 1
    version = float(version_raw)
    if node_type is None:
        suggestion = registry.suggest(type_name)
        hint = f"; did you mean '{suggestion}'?" if suggestion else ""
        problems.append(f"{where} has unknown node type '{type_name}'{hint}")
    elif version not in node_type.description.versions:
        supported = ", ".join(_fmt_version(v) for v in node_type.description.versions)
        problems.append(
            f"{where} ({type_name}) has typeVersion {_fmt_version(version)}, which is not supported; "
            f"supported versions: {supported}"
        )
    parameters = raw.get("parameters", {})
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        problems.append(f"{where}: 'parameters' must be an object, got {_kind(parameters)}")
        parameters = {}
    on_error = raw.get("onError")
    if on_error is None:
        on_error = "continueRegularOutput" if raw.get("continueOnFail") else "stopWorkflow"
    elif on_error not in ON_ERROR_VALUES:
        problems.append(f"{where}: 'onError' must be one of {', '.join(ON_ERROR_VALUES)}, got {on_error!r}")
        on_error = "stopWorkflow"
    credentials = raw.get("credentials") or {}
    if not isinstance(credentials, dict):
        problems.append(f"{where}: 'credentials' must be an object, got {_kind(credentials)}")
        credentials = {}
    return NodeSpec(
        name=name,
        type=type_name,
        type_version=version,
        parameters=parameters,
        id=str(raw.get("id") or ""),
        position=_parse_position(raw.get("position")),
        credentials=credentials,
        disabled=bool(raw.get("disabled")),
        retry_on_fail=bool(raw.get("retryOnFail")),
        max_tries=_clamp_int(raw.get("maxTries"), 3, 2, 5),
        wait_between_tries=_clamp_int(raw.get("waitBetweenTries"), 1000, 0, 5000),
        on_error=on_error,
        always_output_data=bool(raw.get("alwaysOutputData")),
        execute_once=bool(raw.get("executeOnce")),
        notes=str(raw.get("notes") or ""),
        webhook_id=str(raw.get("webhookId") or ""),
    )


def _fmt_version(version: float) -> str:
    return str(int(version)) if version == int(version) else str(version)


def _clamp_int(value: Any, default: int, low: int, high: int) -> int:
    """n8n clamps retry settings instead of rejecting them."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return int(min(max(value, low), high))


def _parse_position(value: Any) -> tuple[float, float]:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        return (float(value[0]), float(value[1]))
    return (0.0, 0.0)


def _parse_connections(
    raw: Any, nodes: dict[str, NodeSpec], registry: NodeRegistry, problems: list[str]
) -> tuple[dict[str, tuple[tuple[Connection, ...], ...]], dict[str, tuple[IncomingConnection, ...]]]:
    outputs: dict[str, tuple[tuple[Connection, ...], ...]] = {}
    incoming: dict[str, list[IncomingConnection]] = {}
    if raw is None:
        return outputs, {}
    if not isinstance(raw, dict):
        problems.append(f"'connections' must be an object keyed by source node name, got {_kind(raw)}")
        return outputs, {}
    for source, by_type in raw.items():
        if source not in nodes:
            problems.append(f"Connections come from node '{source}', which does not exist")
            continue
        if not isinstance(by_type, dict):
            problems.append(f"Connections of node '{source}' must be an object keyed by connection type")
            continue
        for conn_type, per_output in by_type.items():
            if not isinstance(per_output, list):
                problems.append(f"Connections '{conn_type}' of node '{source}' must be a list of outputs")
                continue
            parsed = _parse_outputs(source, conn_type, per_output, nodes, registry, problems)
            if conn_type != MAIN:
                continue  # AI sub-node wiring: validated, not executed by the main stack
            outputs[source] = parsed
            for output_index, conns in enumerate(parsed):
                for conn in conns:
                    incoming.setdefault(conn.node, []).append(IncomingConnection(source, output_index, conn.index))
    return outputs, {name: tuple(conns) for name, conns in incoming.items()}


def _parse_outputs(
    source: str,
    conn_type: str,
    per_output: list[Any],
    nodes: dict[str, NodeSpec],
    registry: NodeRegistry,
    problems: list[str],
) -> tuple[tuple[Connection, ...], ...]:
    source_node = nodes[source]
    output_count = registry.output_count(source_node) if conn_type == MAIN else None
    result: list[tuple[Connection, ...]] = []
    for output_index, conns in enumerate(per_output):
        if conns is None:
            result.append(())
            continue
        if not isinstance(conns, list):
            problems.append(f"Output {output_index} of node '{source}' must be a list of connections")
            result.append(())
            continue
        parsed: list[Connection] = []
        for conn in conns:
            target = conn.get("node") if isinstance(conn, dict) else None
            index = conn.get("index", 0) if isinstance(conn, dict) else None
            if not isinstance(target, str) or isinstance(index, bool) or not isinstance(index, int):
                problems.append(f"Output {output_index} of node '{source}' has a malformed connection: {conn!r}")
                continue
            if target not in nodes:
                problems.append(f"Node '{source}' output {output_index} connects to node '{target}', which does not exist")
                continue
            if output_count is not None and output_index >= output_count:
                problems.append(
                    f"Node '{source}' has {output_count} output(s), but a connection leaves from output "
                    f"{output_index} (to '{target}')"
                )
                continue
            input_count = registry.input_count(nodes[target]) if conn_type == MAIN else None
            if input_count is not None and not 0 <= index < input_count:
                problems.append(
                    f"Node '{target}' has {input_count} input(s), but node '{source}' connects to input {index}"
                )
                continue
            parsed.append(Connection(target, index, conn_type))
        result.append(tuple(parsed))
    return tuple(result)


def _parse_pin_data(raw: Any, nodes: dict[str, NodeSpec], problems: list[str]) -> dict[str, list[Item]]:
    if not raw:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"'pinData' must be an object keyed by node name, got {_kind(raw)}")
        return {}
    pinned: dict[str, list[Item]] = {}
    for name, items in raw.items():
        if name not in nodes:
            continue  # n8n keeps pin data of deleted nodes around; it is harmless
        if not isinstance(items, list):
            problems.append(f"Pinned data of node '{name}' must be a list of items")
            continue
        try:
            pinned[name] = items_from_json(items)
        except TypeError as error:
            problems.append(f"Pinned data of node '{name}': {error}")
    return pinned
