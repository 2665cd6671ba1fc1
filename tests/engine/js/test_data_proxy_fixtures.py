"""n8n's data-proxy fixtures (_expressions/WorkflowDataProxy/base_*.json) in JavaScript: the values
n8n's workflow-data-proxy test expects (restated in the conformance INDEX.md), read at node `End`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ui.editor.expression import PreviewScope

from ...conformance.harness import conformance_dir

FOLDER = conformance_dir() / "_expressions" / "WorkflowDataProxy"


@pytest.fixture(scope="module")
def scope() -> PreviewScope:
    if not FOLDER.is_dir():
        pytest.skip(f"n8n data-proxy fixtures not found at {FOLDER}")
    workflow = json.loads((FOLDER / "base_workflow.json").read_text())
    workflow.update(id="123", name="test workflow", settings={"expressionLanguage": "javascript"})
    run = json.loads((FOLDER / "base_run.json").read_text())
    return PreviewScope(workflow, run["data"]["resultData"]["runData"], "End")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$('Rename').all().length", 5),
        ("$('Rename').all()[1].json.data", 160),
        ("$('Rename').item", {"json": {"data": 105}, "pairedItem": {"item": 0}}),
        ("$('Function').item.json", {"initialName": 105}),
        ("$('Rename').itemMatching(2).json.data", 121),
        ("$('Rename').first().json.data", 105),
        ("$('Rename').last().json.data", 950),
        ("$('Set').isExecuted", False),
        ("$input.first().json.data", 105),
        ("$input.last().json.data", 950),
        ("$input.item.json.data", 105),
        ("$input.all().length", 5),
        ("$json", {"data": 105}),
        ("$binary", {}),
        ("$itemIndex", 0),
        ("$runIndex", 0),
        ("$prevNode", {"name": "Rename", "outputIndex": 0, "runIndex": 0}),
        ("$workflow", {"active": False, "id": "123", "name": "test workflow"}),
        ("$nodeVersion", 1),
        ("$mode", "manual"),
        ("$items().length", 5),
        ("$jmesPath({user: {details: {age: 7}}}, 'user.details.age')", 7),
        ("$jmespath({a: [1, 2]}, 'a[1]')", 2),
        ("DateTime.isDateTime($now) && DateTime.isDateTime($today)", True),
    ],
)
def test_data_proxy_values(scope: PreviewScope, expression: str, expected: Any) -> None:
    assert scope.evaluate("={{ " + expression + " }}", 0) == (True, expected)


def test_an_unexecuted_node_has_no_item(scope: PreviewScope) -> None:
    ok, message = scope.evaluate("={{ $('Set').item }}", 0)
    assert not ok and message.startswith("Referenced node is unexecuted: 'Set'")
