"""The node details view on a real run: input and output data, live previews, field mapping, pinned
data, settings and credentials, every edit reported as a whole new node dict."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing.user import User

from engine.node_api import CredentialSlot, NodeDescription, Parameter
from engine.registry import NodeRegistry
from ui.editor.completions import completions
from ui.editor.expression import PreviewScope, preview
from ui.editor.node_details import NodeDetails
from ui.editor.node_values import apply_setting, parent_nodes, parse_pin_data

from .test_parameters import element, open_page, set_value

CONDITIONS = {
    "conditions": {
        "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict", "version": 2},
        "conditions": [{"id": "c1", "leftValue": "={{ $json.a }}", "rightValue": 10,
                        "operator": {"type": "number", "operation": "gt"}}],
        "combinator": "and",
    },
    "options": {},
}
WORKFLOW: dict[str, Any] = {
    "name": "NDV",
    "settings": {"executionOrder": "v1"},
    "nodes": [
        {"id": "1", "name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
         "position": [0, 0], "parameters": {}},
        {"id": "2", "name": "<b>x</b>", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 0],
         "parameters": {"assignments": {"assignments": [
             {"id": "d", "name": "double", "type": "number", "value": "={{ $json.a * 2 }}"}]},
             "includeOtherFields": True, "options": {}}},
        {"id": "3", "name": "Check", "type": "n8n-nodes-base.if", "typeVersion": 2.2, "position": [400, 0],
         "parameters": CONDITIONS},
        {"id": "4", "name": "Big", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [600, -100],
         "parameters": {}},
        {"id": "5", "name": "Small", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [600, 100],
         "parameters": {}},
    ],
    "connections": {
        "Start": {"main": [[{"node": "<b>x</b>", "type": "main", "index": 0}]]},
        "<b>x</b>": {"main": [[{"node": "Check", "type": "main", "index": 0}]]},
        "Check": {"main": [[{"node": "Big", "type": "main", "index": 0}], [{"node": "Small", "type": "main", "index": 0}]]},
    },
}
START_ITEMS = [{"a": 21, "name": "Ada"}, {"a": 5, "name": "<i>Bob</i>"}]


@pytest.fixture
async def run_data(run: Any) -> dict[str, Any]:
    """`runData` of a real execution of WORKFLOW."""
    result = await run(WORKFLOW, start_items=START_ITEMS)
    assert result.status == "success"
    return result.to_json()["runData"]  # type: ignore[no-any-return]


@dataclass
class Calls:
    changes: list[dict[str, Any]] = field(default_factory=list)
    pins: list[tuple[str, Any]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


def node(name: str) -> dict[str, Any]:
    return next(n for n in WORKFLOW["nodes"] if n["name"] == name)


@asynccontextmanager
async def open_details(
    registry: NodeRegistry,
    name: str,
    run_data: dict[str, Any] | None,
    *,
    description: NodeDescription | None = None,
    workflow: dict[str, Any] | None = None,
    credentials: Callable[[str], list[tuple[str, str]]] = lambda kind: [],
    **options: Any,
) -> AsyncIterator[tuple[User, Calls]]:
    calls = Calls()
    given = node(name) if workflow is None else next(n for n in workflow["nodes"] if n["name"] == name)
    node_type = registry.resolve(given["type"])
    assert node_type is not None

    def root() -> None:
        NodeDetails(
            given, description or node_type.description, workflow=workflow or WORKFLOW, run_data=run_data,
            credentials_for=credentials, on_change=calls.changes.append,
            on_pin=lambda node_name, items: calls.pins.append((node_name, items)),
            on_create_credential=calls.created.append, **options,
        )

    async with open_page(root) as user:
        yield user, calls


# ---- the preview, as a pure function -------------------------------------------------------------


def test_preview_evaluates_for_the_chosen_input_item(run_data: dict[str, Any]) -> None:
    assert preview("={{ $json.a * 2 }}", WORKFLOW, run_data, "Check", 0) == (True, 42)
    assert preview("={{ $json.a * 2 }}", WORKFLOW, run_data, "Check", 1) == (True, 10)
    assert preview("=Hi {{ $json.name }}!", WORKFLOW, run_data, "Check", 0) == (True, "Hi Ada!")
    assert preview("={{ $('<b>x</b>').item.json.double }}", WORKFLOW, run_data, "Big", 0) == (True, 42)
    assert preview("={{ $('Start').first().json.name }}", WORKFLOW, run_data, "Small", 0) == (True, "Ada")
    assert preview("plain text", WORKFLOW, run_data, "Check", 0) == (True, "plain text")


def test_preview_reports_errors_instead_of_raising(run_data: dict[str, Any]) -> None:
    ok, message = preview("={{ $json.a. }}", WORKFLOW, run_data, "Check", 0)
    assert not ok and message.startswith("Invalid syntax")
    ok, message = preview("={{ $('Nope').item.json.a }}", WORKFLOW, run_data, "Check", 0)
    assert not ok and message.startswith("Referenced node doesn't exist: 'Nope'")
    ok, message = preview("={{ __import__('os') }}", WORKFLOW, run_data, "Check", 0)
    assert not ok  # the same restricted evaluation as runs: no builtins to escape with
    ok, message = preview("={{ $json.a * 2 }}", WORKFLOW, None, "Check", 0)
    assert not ok and "No input data yet" in message


def test_preview_of_a_node_that_has_not_run_uses_its_parents_output(run_data: dict[str, Any]) -> None:
    workflow = copy.deepcopy(WORKFLOW)
    workflow["nodes"].append({"name": "Later", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}})
    workflow["connections"]["Big"] = {"main": [[{"node": "Later", "type": "main", "index": 0}]]}
    assert preview("={{ $json.double }}", workflow, run_data, "Later", 0) == (True, 42)


def test_completions_offer_names_nodes_and_fields(run_data: dict[str, Any]) -> None:
    scope = PreviewScope(WORKFLOW, run_data, "Check")

    def inserts(text: str) -> list[str]:
        return [completion.insert for completion in completions(text, scope)]

    assert "on" in inserts("={{ $js")
    assert inserts("={{ $json.") == ["a", "name", "double"]
    assert inserts("={{ $json.na") == ["me"]
    assert "<b>x</b>')" in inserts("={{ $('")
    assert "item" in inserts("={{ $('Start').")
    assert inserts("={{ $('Start').item.json.") == ["a", "name"]
    assert "first()" in inserts("={{ $input.")
    assert inserts("= $json.") == []  # outside {{ }} nothing is code


def test_parents_are_listed_nearest_first() -> None:
    links = parent_nodes(WORKFLOW, "Big")
    assert [(link.name, link.output, link.direct) for link in links] == [
        ("Check", 0, True), ("<b>x</b>", 0, False), ("Start", 0, False),
    ]
    assert [link.output for link in parent_nodes(WORKFLOW, "Small")] == [1, 0, 0]


def test_pin_data_must_be_a_list_of_objects() -> None:
    assert parse_pin_data('[{"a": 1}, {"json": {"b": 2}}]') == ([{"json": {"a": 1}}, {"json": {"b": 2}}], None)
    assert parse_pin_data('{"a": 1}')[1] == 'Pinned data must be a list of objects, like [{"name": "Ada"}]'
    assert parse_pin_data("[1]")[1] == "Item 1 is not an object"
    assert (parse_pin_data("[{")[1] or "").startswith("Invalid JSON")


def test_settings_at_their_default_are_not_stored() -> None:
    settings: dict[str, Any] = {"continueOnFail": True, "maxTries": 4}
    apply_setting(settings, "onError", "continueErrorOutput")
    apply_setting(settings, "maxTries", 3)
    assert settings == {"onError": "continueErrorOutput"}


async def test_names_and_data_are_shown_as_text(registry: NodeRegistry, run_data: dict[str, Any]) -> None:
    async with open_details(registry, "<b>x</b>", run_data) as (user, _):
        assert element(user, "ndv-name").text == "<b>x</b>"
        await user.should_see("2 items")
        await user.should_not_see(kind=ui.html)
        with user:
            element(user, "output-mode").value = "json"
        assert '"name": "<i>Bob</i>"' in element(user, "output-json").text


async def test_input_and_output_panels_show_the_last_run(registry: NodeRegistry, run_data: dict[str, Any]) -> None:
    async with open_details(registry, "Check", run_data) as (user, _):
        input_table = element(user, "input-table")
        assert [column["name"] for column in input_table.columns] == ["a", "name", "double"]
        assert [row["double"] for row in input_table.rows] == ["42", "10"]
        branches = element(user, "output-branch")
        assert list(branches.options.values()) == ["true (1)", "false (1)"]
        assert [row["a"] for row in element(user, "output-table").rows] == ["21"]
        set_value(user, "output-branch", 1)
        assert [row["a"] for row in element(user, "output-table").rows] == ["5"]
        set_value(user, "input-mode", "schema")
        await user.should_see(marker="input-field:double")
        await user.should_see("number")
        set_value(user, "input-mode", "json")
        assert '"double": 42' in element(user, "input-json").text


async def test_previews_follow_the_chosen_input_item(registry: NodeRegistry, run_data: dict[str, Any]) -> None:
    marker = "param:conditions.conditions[0].leftValue"
    async with open_details(registry, "Check", run_data) as (user, _):
        await user.should_see("Result: 21")
        user.find(marker=marker).clear().type("{{ $json.a * 2 }}")
        await user.should_see("Result: 42")
        await user.should_see("Expressions preview item 1 of 2")
        user.find(marker="input-item-next").click()
        await user.should_see("Expressions preview item 2 of 2")
        await user.should_see("Result: 10")
        user.find(marker=marker).clear().type("{{ $json.a. }}")
        await user.should_see("⚠ Invalid syntax")


async def test_edits_report_a_whole_new_node_dict_after_a_pause(
    registry: NodeRegistry, run_data: dict[str, Any]
) -> None:
    original = copy.deepcopy(node("Check"))
    async with open_details(registry, "Check", run_data) as (user, calls):
        user.find(marker="param:conditions.conditions[0].rightValue").clear().type("3")
        assert calls.changes == []  # typing is debounced
        await asyncio.sleep(0.45)
        assert len(calls.changes) == 1
        changed = calls.changes[-1]
        assert {k: changed[k] for k in ("id", "name", "type", "typeVersion", "position")} == {
            k: original[k] for k in ("id", "name", "type", "typeVersion", "position")}
        assert changed["parameters"]["conditions"]["conditions"][0]["rightValue"] == 3
        set_value(user, "operator:conditions.conditions[0]", "number:lt")  # choices are reported at once
        assert calls.changes[-1]["parameters"]["conditions"]["conditions"][0]["operator"]["operation"] == "lt"
    assert node("Check") == original  # the given node is never mutated


async def test_fields_from_the_input_map_into_parameters(registry: NodeRegistry, run_data: dict[str, Any]) -> None:
    async with open_details(registry, "Check", run_data) as (user, calls):
        set_value(user, "input-mode", "schema")
        user.find(marker="input-field:name").trigger("dragstart")
        user.find(marker="drop:conditions.conditions[0].rightValue").trigger("drop")
        assert calls.changes[-1]["parameters"]["conditions"]["conditions"][0]["rightValue"] == "={{ $json.name }}"
        await user.should_see("Result: Ada")
        # click-to-insert: the parameter focused last receives the clicked field
        user.find(marker="param:conditions.conditions[0].rightValue").trigger("focus")
        user.find(marker="input-field:double").click()
        assert (calls.changes[-1]["parameters"]["conditions"]["conditions"][0]["rightValue"]
                == "={{ $json.name }}{{ $json.double }}")


async def test_an_earlier_node_maps_by_name(registry: NodeRegistry, run_data: dict[str, Any]) -> None:
    async with open_details(registry, "Big", run_data) as (user, _):
        set_value(user, "input-parent", '["Start", 0, 0]')
        set_value(user, "input-mode", "schema")
        await user.should_see(marker="input-field:a")


async def test_output_is_pinned_edited_and_unpinned(registry: NodeRegistry, run_data: dict[str, Any]) -> None:
    async with open_details(registry, "Check", run_data) as (user, calls):
        user.find(marker="pin").click()
        assert calls.pins == [("Check", [{"json": {"a": 21, "name": "Ada", "double": 42}}])]
        await user.should_see(marker="pinned-badge")
        user.find(marker="pin-edit").click()
        set_value(user, "pin-editor", '{"a": 1}')
        await user.should_see("Pinned data must be a list of objects")
        assert not element(user, "pin-save").enabled
        set_value(user, "pin-editor", '[{"a": 1}]')
        user.find(marker="pin-save").click()
        assert calls.pins[-1] == ("Check", [{"json": {"a": 1}}])
        await user.should_see("1 item")
        user.find(marker="unpin").click()
        assert calls.pins[-1] == ("Check", None)
        await user.should_not_see(marker="pinned-badge")


async def test_pinned_data_of_the_workflow_is_shown(registry: NodeRegistry) -> None:
    workflow = {**WORKFLOW, "pinData": {"Check": [{"json": {"pinned": True}}]}}
    async with open_details(registry, "Check", None, workflow=workflow) as (user, _):
        await user.should_see(marker="pinned-badge")
        assert element(user, "output-table").rows[0]["pinned"] == "true"
        await user.should_see("No data from '<b>x</b>' yet. Execute the previous nodes to see it here.")


async def test_settings_tab(registry: NodeRegistry, run_data: dict[str, Any]) -> None:
    async with open_details(registry, "Check", run_data) as (user, calls):
        await user.should_not_see(marker="setting:maxTries")
        user.find(marker="setting:retryOnFail").click()
        assert calls.changes[-1]["retryOnFail"] is True
        await user.should_see(marker="setting:maxTries")
        user.find(marker="setting:maxTries").clear().type("9")
        await user.should_see("Must be between 2 and 5")
        set_value(user, "setting:onError", "continueErrorOutput")
        assert calls.changes[-1]["onError"] == "continueErrorOutput"
        assert calls.changes[-1]["maxTries"] == 9
        user.find(marker="setting:notes").type("check ages")
        user.find(marker="setting:notes").trigger("blur")
        assert calls.changes[-1]["notes"] == "check ages"


async def test_credentials_are_chosen_or_created(registry: NodeRegistry) -> None:
    description = NodeDescription(
        name="knotwork.httpTest", display_name="HTTP Test", group="transform", description="",
        versions=(1.0,), default_version=1.0,
        parameters=(Parameter("url", "URL", "string", default="", required=True),),
        credentials=(CredentialSlot("httpBasicAuth", required=True),),
    )
    workflow = {"nodes": [{"name": "Call", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}}]}
    async with open_details(registry, "Call", None, description=description, workflow=workflow,
                            credentials=lambda kind: [("c1", "Prod"), ("c2", "Test")]) as (user, calls):
        await user.should_see("URL is required")
        await user.should_see("Choose a credential")
        set_value(user, "credential:httpBasicAuth", "c2")
        assert calls.changes[-1]["credentials"] == {"httpBasicAuth": {"id": "c2", "name": "Test"}}
        set_value(user, "credential:httpBasicAuth", "__create__")
        assert calls.created == ["httpBasicAuth"]
        assert element(user, "credential:httpBasicAuth").value == "c2"


async def test_read_only_panels_offer_no_edits(registry: NodeRegistry, run_data: dict[str, Any]) -> None:
    async with open_details(registry, "Check", run_data, read_only=True) as (user, _):
        await user.should_see("Read only")
        await user.should_not_see(marker="pin")
        assert not element(user, "setting:retryOnFail").enabled
        assert not element(user, "operator:conditions.conditions[0]").enabled


async def test_runs_and_errors_are_shown(registry: NodeRegistry) -> None:
    run_data = {
        "Start": [{"startTime": 0, "executionTime": 0, "executionStatus": "success", "source": [],
                   "data": {"main": [[{"json": {"run": 1}}]]}}],
        "Check": [
            {"startTime": 0, "executionTime": 1, "executionStatus": "success", "source": [{"previousNode": "<b>x</b>"}],
             "data": {"main": [[{"json": {"first": True}}], []]}},
            {"startTime": 1, "executionTime": 1, "executionStatus": "error", "source": [{"previousNode": "<b>x</b>"}],
             "error": {"message": "Wrong type: 'x' is a string", "description": "<p>Try <code>.toNumber()</code></p>"}},
        ],
    }
    async with open_details(registry, "Check", run_data) as (user, _):
        await user.should_see("Wrong type: 'x' is a string")
        await user.should_see("Try .toNumber()")
        set_value(user, "output-run", 0)
        await user.should_not_see(marker="output-error")
        assert element(user, "output-table").rows[0]["first"] == "true"
