"""n8n's expression fixtures (../shared/conformance/n8n/_expressions/expression_base_fixtures.json)
evaluated by the JavaScript language the way n8n's test does: node `node`, run 0, item 0, input
= the case's `input` as items, manual mode, strict equality; `{"$undefined": true}` is undefined."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.expressions.js_lang import parse_template
from engine.expressions.proxy import DataProxy
from engine.items import Item
from engine.js.bridge import JsCall
from engine.js.runtime import JsLimitError, runtime
from engine.ports import Services
from engine.registry import NodeRegistry
from engine.runner import WorkflowExecutor
from engine.workflow import parse_workflow

from ...conformance.harness import conformance_dir

UNDEFINED = {"$undefined": True}


def fixture_file() -> Path:
    return conformance_dir() / "_expressions" / "expression_base_fixtures.json"


def cases() -> list[tuple[str, list[dict[str, Any]], Any]]:
    """(expression, input items, expected) for every evaluation case."""
    found = []
    for fixture in json.loads(fixture_file().read_text()):
        for test in fixture["tests"]:
            if test["type"] == "evaluation":
                found.append((fixture["expression"], test.get("input") or [], test.get("output")))
    return found


@lru_cache(maxsize=1)
def _state() -> Any:
    registry = NodeRegistry.from_entry_points()
    data = {"name": "fixtures", "nodes": [{"name": "node", "type": "n8n-nodes-base.noOp", "typeVersion": 1,
                                            "position": [0, 0], "parameters": {}}], "connections": {}}
    workflow = parse_workflow(data, registry)
    return WorkflowExecutor(workflow, registry, Services(), "manual", "fixtures").run_state, workflow


def evaluate_case(expression: str, items: list[dict[str, Any]]) -> tuple[str, Any]:
    """("value", v) | ("undefined", None) | ("error", message) for item 0 (n8n's setup)."""
    state, workflow = _state()
    proxy = DataProxy(state, workflow.node("node"), 0, [Item(dict(j)) for j in items], [None])
    parts, problem = parse_template(expression)
    if problem:
        return "error", problem
    if not any(is_code for is_code, _ in parts):
        return "value", "".join(text for _, text in parts)
    call = JsCall(proxy)
    js = runtime()
    try:
        call.ensure_items(js, 5.0, 2**28)
        source = "".join(part for is_code, part in parts if is_code)
        answer = js.call("evaluate", call.payload(source, parts=parts, indexes=[0], maxSize=10**6),
                         timeout=5.0, max_memory=2**28)[0]
    except JsLimitError as error:
        return "error", str(error)
    if answer[0] == 0:
        return "value", answer[1]
    if answer[0] == 1:
        return "undefined", None
    return "error", answer[1].get("message")


def judge(expression: str, items: list[dict[str, Any]], expected: Any) -> str | None:
    """None when the case passes, else why not."""
    kind, value = evaluate_case(expression, items)
    if expected == UNDEFINED:
        return None if kind == "undefined" else f"expected undefined, got {kind} {value!r}"
    if isinstance(expected, dict) and "$error" in expected:
        return None if kind == "error" else f"expected an error, got {kind} {value!r}"
    if kind != "value":
        return f"expected {expected!r}, got {kind} {value!r}"
    if isinstance(expected, float) and isinstance(value, (int, float)) and math.isclose(expected, value):
        return None
    if type(expected) is not type(value) and not (isinstance(expected, (int, float)) and isinstance(value, (int, float))
                                                  and not isinstance(value, bool) and not isinstance(expected, bool)):
        return f"expected {expected!r}, got {value!r}"
    return None if expected == value else f"expected {expected!r}, got {value!r}"
