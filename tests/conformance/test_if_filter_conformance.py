"""Node-level conformance: IF and Filter against n8n's own workflow tests (If/, Filter/).

For each expected node in a file's `pinData`, the IF/Filter node feeding it is run alone: its input
is the output n8n's (data-only) Code node produced (`_derived/code-outputs/`), its parameters are
resolved per item by a tiny resolver that knows only `={{ $json.path }}`, `={{ $json["x"] }}` and
literals, and the items that reach the expected node are compared with pairedItem stripped (the
upstream harness rules, INDEX.md). The conformance data is read at run time, never copied.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from engine.items import Item, items_from_json
from nodes.core.filter_node import Filter
from nodes.core.if_node import If
from tests.nodes.fake import FakeContext, make_node

NODE_CLASSES = {"n8n-nodes-base.if": If, "n8n-nodes-base.filter": Filter}
DEFAULT_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "n8n"
CONFORMANCE_DIR = Path(os.environ.get("KNOTWORK_CONFORMANCE_DIR") or DEFAULT_DIR)

_WHOLE_EXPRESSION = re.compile(r"=\{\{\s*(.*?)\s*\}\}", re.DOTALL)
_JSON_PATH = re.compile(r"\$json((?:\.[A-Za-z_$][\w$]*|\[\s*(?:\"[^\"]*\"|'[^']*')\s*\])*)")
_PATH_PART = re.compile(r"\.([A-Za-z_$][\w$]*)|\[\s*(?:\"([^\"]*)\"|'([^']*)')\s*\]")
_LITERALS: dict[str, Any] = {"null": None, "true": True, "false": False}


class UnsupportedExpression(Exception):
    """The parameter needs a real (JavaScript) expression engine."""


def resolve(value: Any, item_json: dict[str, Any]) -> Any:
    """Resolve the simple expressions of one parameter value for one item."""
    if isinstance(value, dict):
        return {key: resolve(inner, item_json) for key, inner in value.items()}
    if isinstance(value, list):
        return [resolve(inner, item_json) for inner in value]
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    if "{{" not in value:
        return value[1:]  # "=text" is the literal text
    whole = _WHOLE_EXPRESSION.fullmatch(value)
    if not whole:
        raise UnsupportedExpression(value)
    return _evaluate(whole.group(1), item_json)


def _evaluate(source: str, item_json: dict[str, Any]) -> Any:
    if source in _LITERALS:
        return _LITERALS[source]
    if re.fullmatch(r"-?\d+(\.\d+)?|\"[^\"]*\"|'[^']*'", source):
        return json.loads(source.replace("'", '"'))
    path = _JSON_PATH.fullmatch(source)
    if not path:
        raise UnsupportedExpression("={{ " + source + " }}")
    current: Any = item_json
    for match in _PATH_PART.finditer(path.group(1)):
        key = next(part for part in match.groups() if part is not None)
        current = current.get(key) if isinstance(current, dict) else None  # JS undefined ~ None
    return current


def strip_for_comparison(items: list[Item]) -> list[dict[str, Any]]:
    """n8n's harness: drop pairedItem and binary, keep json (and error when present)."""
    return [{"json": item.json, **({"error": item.error} if item.error else {})} for item in items]


def expected_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"json": item.get("json", {}), **({"error": item["error"]} if item.get("error") else {})}
        for item in items
    ]


def _cases() -> list[Any]:
    if not CONFORMANCE_DIR.is_dir():
        return [
            pytest.param(
                None,
                None,
                marks=pytest.mark.skip(
                    reason=f"conformance data not found at {CONFORMANCE_DIR} (set KNOTWORK_CONFORMANCE_DIR)"
                ),
                id="no-data",
            )
        ]
    cases = []
    for folder in ("If", "Filter"):
        for path in sorted((CONFORMANCE_DIR / folder).rglob("*.json")):
            workflow = json.loads(path.read_text())
            for expected_node in workflow.get("pinData") or {}:
                relative = path.relative_to(CONFORMANCE_DIR)
                cases.append(pytest.param(relative, expected_node, id=f"{relative}::{expected_node}"))
    return cases


def _source_of(workflow: dict[str, Any], target: str) -> tuple[str, int] | None:
    """The (node, output index) connected to `target`'s first input, when there is exactly one."""
    found = [
        (source, output_index)
        for source, outputs in workflow.get("connections", {}).items()
        for output_index, connections in enumerate(outputs.get("main") or [])
        for connection in connections or []
        if connection.get("node") == target
    ]
    return found[0] if len(found) == 1 else None


def _upstream_items(relative: Path, workflow: dict[str, Any], node_name: str) -> list[Item]:
    source = _source_of(workflow, node_name)
    if source is None:
        pytest.skip(f"'{node_name}' does not have exactly one incoming connection")
    outputs_file = CONFORMANCE_DIR / "_derived" / "code-outputs" / relative.with_suffix(".code-outputs.json")
    if not outputs_file.is_file():
        pytest.skip(f"no derived Code-node output for {relative}")
    derived = json.loads(outputs_file.read_text())["nodes"]
    if source[0] not in derived or source[1] != 0:
        pytest.skip(f"'{node_name}' is not fed by output 0 of a data-only Code node")
    return items_from_json(derived[source[0]]["output"])


@pytest.mark.parametrize(("relative", "expected_node"), _cases())
async def test_conformance(relative: Path, expected_node: str) -> None:
    workflow = json.loads((CONFORMANCE_DIR / relative).read_text())
    nodes = {node["name"]: node for node in workflow["nodes"]}
    if nodes[expected_node]["type"] in NODE_CLASSES:
        node_name, output_index = expected_node, 0
    else:
        source = _source_of(workflow, expected_node)
        if source is None or nodes[source[0]]["type"] not in NODE_CLASSES:
            pytest.skip(f"'{expected_node}' is not fed by an IF/Filter node")
        node_name, output_index = source
        if nodes[expected_node]["type"] != "n8n-nodes-base.noOp":
            pytest.skip(f"'{expected_node}' is not a NoOp sink")
    node = nodes[node_name]
    inputs = _upstream_items(relative, workflow, node_name)
    try:
        per_item = [resolve(node["parameters"], item.json) for item in inputs]
    except UnsupportedExpression as unsupported:
        pytest.skip(f"needs JavaScript-only expression: {unsupported}")
    spec = make_node(node["type"], float(node["typeVersion"]), node["parameters"], name=node_name)
    ctx = FakeContext(spec, [inputs], per_item=per_item)

    outputs = await NODE_CLASSES[node["type"]]().execute(ctx)

    assert strip_for_comparison(outputs[output_index]) == expected_items(workflow["pinData"][expected_node])
