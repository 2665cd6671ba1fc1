"""n8n's node-test workflows, run end to end through our executor with n8n's harness rules.

The pinData of each file is the expectation (node -> output 0 of its single run). JavaScript
Code/Function nodes that only build literal data are replaced by their derived output (pinned,
manual mode); anything else we cannot run yet is listed in KNOWN_GAPS with the reason, as a strict
xfail, so a gap that closes shows up at once.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from engine.errors import WorkflowValidationError
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .harness import comparable_item, conformance_dir

JS_CODE_TYPES = {"n8n-nodes-base.code", "n8n-nodes-base.function", "n8n-nodes-base.functionItem"}

# file (relative to the conformance folder) -> why it cannot pass yet
_MERGE_COMBINE = "Merge 'combine' modes arrive with the node library (issue 7)"
KNOWN_GAPS: dict[str, str] = {
    "Code/test/workflow.do_not_obfuscate_validation_error.json": "checks the JavaScript Code node's output validation (issue 9)",
    "Filter/test/workflow_v1.json": "uses the JavaScript-only expression `!$json.notes` (issue 9)",
    "Merge/test/node/workflow.combine.mergeByFields.json": _MERGE_COMBINE,
    "Merge/test/node/workflow.combine.mergeByPosition.json": _MERGE_COMBINE,
    "Merge/test/node/workflow.combine.multiplex.json": _MERGE_COMBINE,
    "Merge/test/node/workflow.keep_non_matches.json": _MERGE_COMBINE,
    "Merge/test/node/workflow.update_2_1.json": _MERGE_COMBINE,
}


def _workflow_files() -> list[Any]:
    root = conformance_dir()
    if not root.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"conformance data not found at {root}"))]
    params = []
    for path in sorted(root.rglob("*.json")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("_") or "/test" not in f"/{relative}":
            continue
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or "nodes" not in data:
            continue  # fixtures, not workflows
        marks = [pytest.mark.xfail(reason=KNOWN_GAPS[relative], strict=True)] if relative in KNOWN_GAPS else []
        params.append(pytest.param(relative, id=relative, marks=marks))
    return params


def _derived_outputs(root: Path, relative: str) -> dict[str, Any]:
    derived = root / "_derived" / "code-outputs" / relative.replace(".json", ".code-outputs.json")
    if not derived.is_file():
        return {}
    return json.loads(derived.read_text()).get("nodes", {})


def prepare(relative: str, registry: Any) -> tuple[dict[str, Any], dict[str, Any], str, list[Any] | None]:
    """The runnable workflow, the expectations, the mode and the start items."""
    root = conformance_dir()
    data = json.loads((root / relative).read_text())
    expected = data.pop("pinData", None) or {}
    trigger = data.pop("trigger", None) or {}
    derived = _derived_outputs(root, relative)
    unknown = sorted({n["type"] for n in data["nodes"] if registry.resolve(n["type"]) is None and n["type"] not in JS_CODE_TYPES})
    if unknown:
        pytest.skip(f"needs node types not built yet: {', '.join(unknown)}")
    pinned: dict[str, Any] = {}
    for node in data["nodes"]:
        if node["type"] in JS_CODE_TYPES and node.get("parameters", {}).get("language") not in ("python", "pythonNative"):
            if node["name"] in derived:
                pinned[node["name"]] = derived[node["name"]]["output"]
                node["type"], node["typeVersion"] = "n8n-nodes-base.noOp", 1
                node["parameters"] = {}
            elif not node.get("disabled"):
                pytest.skip(f"node '{node['name']}' needs the JavaScript Code node (issue 9)")
    data["pinData"] = pinned
    mode = "manual" if pinned else trigger.get("mode", "manual")
    start = [trigger["input"]] if trigger.get("input") else None
    return data, expected, mode, start


@pytest.mark.parametrize("relative", _workflow_files())
async def test_workflow_file(relative: str, registry: Any) -> None:
    data, expected, mode, start_items = prepare(relative, registry)
    try:
        workflow = parse_workflow(data, registry)
    except WorkflowValidationError as error:
        raise AssertionError(f"{relative} does not load: {error}") from None
    result = await execute_workflow(workflow, registry, mode=mode, start_items=start_items)
    assert result.status in ("success", "waiting"), f"{result.error} (last node {result.last_node_executed})"
    mismatches = []
    for name, items in expected.items():
        runs = result.run_data.get(name)
        if not runs:
            mismatches.append(f"{name}: did not run")
            continue
        if len(runs) != 1:
            mismatches.append(f"{name}: ran {len(runs)} times")
            continue
        actual = [comparable_item(item) for item in runs[0].output(0)]
        wanted = [comparable_item(copy.deepcopy(item)) for item in items]
        if actual != wanted:
            mismatches.append(f"{name}:\n  expected {wanted}\n  actual   {actual}")
    assert not mismatches, "\n".join(mismatches)
