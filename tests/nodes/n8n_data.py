"""Run single nodes of n8n's conformance workflows, read at test time from the shared folder.

Nothing from the conformance folder is copied into the repository (licence): workflows, derived
Code outputs and expected pinData are loaded from disk, and the tests skip when it is absent.
`run_workflow_node` is a tiny stand-in for the executor: it runs an acyclic chain of parents once
each, takes Code outputs from `_derived/`, and evaluates only the simplest expressions
(`={{ $json.a.b }}`, `={{ $json["a"] }}`, `={{ null }}`, `={{ undefined }}`, `=text`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engine.items import Item, items_from_json
from engine.node_api import NodeType
from engine.workflow import NodeSpec
from nodes.core.dot_path import MISSING, get_path, split_path
from nodes.core.set_convert import js_string, parse_js_object
from tests.nodes.fake import FakeContext, lookup

CONFORMANCE = Path(os.environ.get("KNOTWORK_N8N_CONFORMANCE", "/work/shared/conformance/n8n"))
needs_conformance = pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="n8n conformance data not available")

_EXPRESSION = re.compile(r"^=\{\{\s*(.*?)\s*\}\}$", re.DOTALL)
_RESOLVABLE = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)


def load_workflow(relative: str) -> dict[str, Any]:
    return json.loads((CONFORMANCE / relative).read_text())


def derived_outputs(relative: str) -> dict[str, list[Item]]:
    path = CONFORMANCE / "_derived" / "code-outputs" / relative.replace(".json", ".code-outputs.json")
    if not path.exists():
        return {}
    nodes = json.loads(path.read_text())["nodes"]
    return {name: items_from_json(node["output"]) for name, node in nodes.items()}


def expected_json(workflow: dict[str, Any], node_name: str) -> list[dict[str, Any]]:
    return [entry["json"] for entry in workflow["pinData"][node_name]]


def evaluate_simple(value: Any, item_json: dict[str, Any]) -> Any:
    """The few expression forms the Set/Merge conformance files use."""
    if isinstance(value, dict):
        return {key: evaluate_simple(entry, item_json) for key, entry in value.items()}
    if isinstance(value, list):
        return [evaluate_simple(entry, item_json) for entry in value]
    if not isinstance(value, str) or not value.startswith("="):
        return value
    match = _EXPRESSION.match(value)
    if match is None or "{{" in match.group(1):  # a template: each {{ }} becomes text
        return _RESOLVABLE.sub(lambda part: js_string(_simple(part.group(1), item_json)), value[1:])
    return _simple(match.group(1), item_json)


def _simple(expression: str, item_json: dict[str, Any]) -> Any:
    if expression in ("null", "undefined"):
        return None
    if expression.startswith("$json"):
        path = expression[len("$json") :].lstrip(".")
        found = get_path(item_json, ".".join(split_path(path))) if path else item_json
        return None if found is MISSING else found
    raise NotImplementedError(f"expression not supported by the test evaluator: {expression}")


@dataclass
class ExpressionContext(FakeContext):
    """FakeContext that evaluates the simple expressions above against the current item."""

    source: list[dict[str, Any] | None] | None = field(default=None)

    def _json(self, item_index: int) -> dict[str, Any]:
        items = self.input_items
        return items[item_index].json if 0 <= item_index < len(items) else {}

    def param(self, name: str, item_index: int = 0, default: Any = ...) -> Any:
        return evaluate_simple(lookup(dict(self.node.parameters), name, default), self._json(item_index))

    def evaluate(self, value: Any, item_index: int = 0, parameter: str = "") -> Any:
        return evaluate_simple(value, self._json(item_index))


def node_spec(node: dict[str, Any]) -> NodeSpec:
    on_error = node.get("onError") or ("continueRegularOutput" if node.get("continueOnFail") else "stopWorkflow")
    return NodeSpec(
        name=node["name"],
        type=node["type"],
        type_version=float(node.get("typeVersion", 1)),
        parameters=node.get("parameters", {}),
        on_error=on_error,
    )


def code_literal_output(js_code: str) -> list[Item]:
    """Output of a Code node that returns one literal object (comments dropped, `$now` as null)."""
    text = re.sub(r"//[^\n]*", "", js_code).replace("$now", "null")
    body = text[text.index("[") + 1 : text.rindex("]")].strip().rstrip(",")
    return [Item(parse_js_object(body))]


async def run_workflow_node(
    workflow: dict[str, Any],
    relative: str,
    name: str,
    node_types: dict[str, NodeType],
    cache: dict[str, list[list[Item]]] | None = None,
) -> list[list[Item]]:
    """All outputs of one node, running its parents first (each node runs once)."""
    cache = {} if cache is None else cache
    if name in cache:
        return cache[name]
    node = next(entry for entry in workflow["nodes"] if entry["name"] == name)
    kind = node["type"].rsplit(".", 1)[-1]
    derived = derived_outputs(relative)
    if name in derived:
        outputs = [derived[name]]
    elif kind == "manualTrigger":
        outputs = [[Item({})]]
    elif kind == "code":
        outputs = [code_literal_output(node["parameters"]["jsCode"])]
    else:
        inputs = await _inputs_of(workflow, relative, name, node_types, cache)
        if kind == "noOp":
            outputs = [inputs[0] or []]
        else:
            spec = node_spec(node)
            context = ExpressionContext(spec, inputs)
            outputs = await node_types[node["type"]].execute(context)
    cache[name] = outputs
    return outputs


async def _inputs_of(
    workflow: dict[str, Any],
    relative: str,
    name: str,
    node_types: dict[str, NodeType],
    cache: dict[str, list[list[Item]]],
) -> list[list[Item] | None]:
    inputs: list[list[Item] | None] = [None, None]
    for source, connection in workflow["connections"].items():
        for output_index, targets in enumerate(connection.get("main", [])):
            for target in targets or []:
                if target["node"] != name:
                    continue
                produced = await run_workflow_node(workflow, relative, source, node_types, cache)
                while len(inputs) <= target["index"]:
                    inputs.append(None)
                items = produced[output_index] if output_index < len(produced) else []
                inputs[target["index"]] = (inputs[target["index"]] or []) + items
    return inputs
