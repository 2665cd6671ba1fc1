"""The rules of the editor's workflow document, apart from the graph that applies them: node names
(n8n's numbering, references in expressions renamed with a node), a workflow normalised on load,
node settings and positions checked as n8n stores them. ui.editor.graph.EditorGraph uses these."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, cast

import orjson

from engine.errors import KnotworkError
from engine.node_api import NodeDescription
from engine.workflow import MAIN, ON_ERROR_VALUES, NodeSpec

CODE_NODE = "knotwork.code"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class GraphError(KnotworkError):
    """A change the editor refuses; the message names what is wrong, for the person editing."""


# ---- names ---------------------------------------------------------------------------------------
def default_node_name(description: NodeDescription) -> str:
    """The name n8n gives a new node: the display name without its "(...)" note."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", description.display_name) or description.display_name


def unique_name(wanted: str, used: Iterable[str]) -> str:
    """n8n's rule: a taken name gets the first free number ("Edit Fields1"); a trailing number
    counts up from where it is ("Edit Fields1" -> "Edit Fields2")."""
    taken = set(used)
    if wanted not in taken:
        return wanted
    match = re.fullmatch(r"(.*\D)?(\d*)", wanted, flags=re.DOTALL)
    base, digits = (match.group(1) or "", match.group(2)) if match else (wanted, "")
    index = int(digits) if digits else 1
    while f"{base}{index}" in taken:
        index += 1
    return f"{base}{index}"


def clean_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise GraphError("A name must not be empty")
    return name.strip()


# ---- renaming references in expressions ---------------------------------------------------------
_QUOTED = r"""('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_REFERENCE = re.compile(
    rf"(?P<call>[$_]\(\s*){_QUOTED}(?=\s*\))"  # $('Node')  and _('Node') in Python code
    rf"|(?P<index>[$_]node\[\s*){_QUOTED}(?=\s*\])"  # $node["Node"]
    rf"|(?P<items>[$_]items\(\s*){_QUOTED}(?=\s*[,)])"  # $items("Node") and $items("Node", 0)
    r"|(?P<dot>[$_]node\.)(?P<ident>[A-Za-z_$][\w$]*)"  # $node.Node
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def rename_references(value: Any, mapping: Mapping[str, str], *, code: bool = False) -> Any:
    """A copy of a parameter value where references to renamed nodes use the new names. Only
    expression strings (starting with "=") are rewritten, and every string when `code` is true
    (a Code node's code). All renames apply in one pass, so A->B, B->C never turns A into C."""
    if isinstance(value, dict):
        return {key: rename_references(item, mapping, code=code) for key, item in value.items()}
    if isinstance(value, list):
        return [rename_references(item, mapping, code=code) for item in value]
    if isinstance(value, str) and (code or value.startswith("=")):
        return _REFERENCE.sub(lambda match: _renamed(match, mapping), value)
    return value


def _renamed(match: re.Match[str], mapping: Mapping[str, str]) -> str:
    if match.group("dot"):
        new = mapping.get(match.group("ident"))
        if new is None:
            return match.group(0)
        prefix = match.group("dot")
        return prefix + new if _IDENTIFIER.fullmatch(new) else f'{prefix[:-1]}[{_quote(new, chr(34))}]'
    for group, literal in (("call", 2), ("index", 4), ("items", 6)):
        if match.group(group):
            quoted = match.group(literal)
            new = mapping.get(re.sub(r"\\(.)", r"\1", quoted[1:-1]))
            return match.group(0) if new is None else match.group(group) + _quote(new, quoted[0])
    return match.group(0)


def _quote(name: str, quote: str) -> str:
    return quote + name.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


# ---- documents and nodes -------------------------------------------------------------------------
def blank_workflow() -> dict[str, Any]:
    return {"name": "My workflow", "nodes": [], "connections": {}, "settings": {"executionOrder": "v1"},
            "pinData": {}}


def normalised_workflow(workflow: Any) -> dict[str, Any]:
    """A private copy the graph can rely on: named unique nodes with safe unique ids, numeric
    positions, and main connections only between existing nodes."""
    if isinstance(workflow, list) and len(workflow) == 1:
        workflow = workflow[0]
    if not isinstance(workflow, Mapping) or not isinstance(workflow.get("nodes"), list):
        raise GraphError("A workflow must be an object with a \"nodes\" list")
    try:
        doc: dict[str, Any] = orjson.loads(orjson.dumps(dict(workflow)))
    except orjson.JSONEncodeError as error:
        raise GraphError(f"A workflow must be JSON: {error}") from None
    doc["nodes"] = [checked_node(raw) for raw in doc["nodes"]]
    names = [node["name"] for node in doc["nodes"]]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise GraphError(f"Node names must be unique; used more than once: {', '.join(twice)}")
    ids: set[str] = set()
    for node in doc["nodes"]:
        if not isinstance(node.get("id"), str) or not _SAFE_ID.fullmatch(node["id"]) or node["id"] in ids:
            node["id"] = str(uuid.uuid4())  # the canvas addresses nodes by id
        ids.add(node["id"])
        node["position"] = checked_position(position_of(node))
    connections = doc.get("connections")
    doc["connections"] = {
        source: by_type for source, by_type in (connections.items() if isinstance(connections, dict) else ())
        if source in names and isinstance(by_type, dict)
    }
    for by_type in doc["connections"].values():
        outputs = by_type.get(MAIN)
        if MAIN in by_type:
            by_type[MAIN] = [
                [conn for conn in (conns if isinstance(conns, list) else []) if _conn_ok(conn, names)]
                for conns in (outputs if isinstance(outputs, list) else [])
            ]
    return doc


def _conn_ok(conn: Any, names: list[str]) -> bool:
    index = conn.get("index", 0) if isinstance(conn, dict) else None
    return isinstance(conn, dict) and conn.get("node") in names and isinstance(index, int) and not isinstance(index, bool)


def checked_node(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise GraphError("Every node needs a name")
    if not isinstance(raw.get("type"), str) or not raw["type"]:
        raise GraphError(f"Node '{raw['name']}' has no type")
    node: dict[str, Any] = orjson.loads(orjson.dumps(raw))
    if not isinstance(node.get("parameters"), dict):
        node["parameters"] = {}
    return node


def port_spec(node: Mapping[str, Any]) -> NodeSpec:
    """The little of a node the node type's port methods read."""
    version = node.get("typeVersion", 1)
    on_error = node.get("onError") or ("continueRegularOutput" if node.get("continueOnFail") else "stopWorkflow")
    return NodeSpec(
        name=node["name"], type=node["type"], parameters=node.get("parameters") or {},
        type_version=float(version) if isinstance(version, (int, float)) and not isinstance(version, bool) else 1.0,
        on_error=on_error if on_error in ON_ERROR_VALUES else "stopWorkflow",
    )


def is_code_node(node: Mapping[str, Any]) -> bool:
    return node.get("type") in (CODE_NODE, "n8n-nodes-base.code")


def required_defaults(description: NodeDescription) -> dict[str, Any]:
    """What n8n stores for a new node: required parameters (visible at the default version) with
    their defaults; everything else stays out and is defaulted at run time (engine.context)."""
    version = description.default_version
    defaults = {p.name: p.default for p in description.parameters}
    return {
        p.name: p.default for p in description.parameters
        if p.required and p.default is not None and p.visible(defaults, version)
    }


_SETTINGS: dict[str, type | tuple[type, ...]] = {
    "retryOnFail": bool, "maxTries": int, "waitBetweenTries": int, "onError": str, "alwaysOutputData": bool,
    "executeOnce": bool, "notes": str, "notesInFlow": bool, "credentials": dict, "color": int,
}
_RANGES: dict[str, tuple[int, int]] = {"maxTries": (2, 5), "waitBetweenTries": (0, 5000), "color": (1, 7)}


def check_setting(key: str, value: Any, *, sticky: bool) -> None:
    if key not in _SETTINGS:
        raise GraphError(f"Unknown node setting '{key}'; known: {', '.join(_SETTINGS)}")
    if key == "color" and not sticky:
        raise GraphError("Only sticky notes have a color")
    if value is None:
        return
    kind = _SETTINGS[key]
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        raise GraphError(f"Node setting '{key}' has the wrong type: {value!r}")
    low, high = _RANGES.get(key, (0, 0))
    if key in _RANGES and not low <= cast(int, value) <= high:
        raise GraphError(f"Node setting '{key}' must be between {low} and {high}, got {value}")
    if key == "onError" and value not in ON_ERROR_VALUES:
        raise GraphError(f"onError must be one of {', '.join(ON_ERROR_VALUES)}, got {value!r}")


def position_of(node: Mapping[str, Any]) -> tuple[float, float]:
    value = node.get("position")
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(_finite(v) for v in value):
        return (float(value[0]), float(value[1]))
    return (0.0, 0.0)


def checked_position(position: Any) -> list[int | float]:
    if not (isinstance(position, (list, tuple)) and len(position) == 2 and all(_finite(v) for v in position)):
        raise GraphError(f"A position must be two numbers, got {position!r}")
    return [json_number(round(float(position[0]), 2)), json_number(round(float(position[1]), 2))]


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def json_number(value: float) -> int | float:
    """n8n writes whole numbers without a fraction (typeVersion 1, position [220, 0])."""
    return int(value) if float(value).is_integer() else value


def paste_shift(nodes: list[dict[str, Any]], offset: tuple[float, float], at: tuple[float, float] | None) -> tuple[float, float]:
    if at is None:
        return (float(offset[0]), float(offset[1]))
    positions = [position_of(node) for node in nodes]
    return (at[0] - min(x for x, _ in positions), at[1] - min(y for _, y in positions))
