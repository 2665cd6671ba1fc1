"""Execute Workflow, Execute Workflow Trigger and Error Trigger, run by the engine with the in-process
sub-workflow runner (engine.ports.InProcessSubWorkflows): sources, modes, inputs, outputs, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import InMemoryWorkflowLoader, RecordingEventSink, Services
from engine.run_data import ExecutionResult
from nodes.core.error_trigger import SAMPLE, ErrorTrigger
from nodes.core.execute_workflow import check_input
from tests.engine.nodes_for_tests import connect
from tests.nodes.fake import FakeContext, make_node

CHILD_ID = "child-1"


def node(name: str, type_name: str, x: float = 0, version: float = 1, **fields: Any) -> dict[str, Any]:
    return {"name": name, "type": f"n8n-nodes-base.{type_name}", "typeVersion": version, "position": [x, 0],
            "parameters": fields.pop("parameters", {}), **fields}


def flow(nodes: list[dict[str, Any]], *edges: tuple[str, str] | tuple[str, str, int], **extra: Any) -> dict[str, Any]:
    return {"name": extra.pop("name", "wf"), "nodes": nodes, "connections": connect(*edges),
            "settings": {"executionOrder": "v1"}, **extra}


def set_fields(name: str, x: float, **values: str) -> dict[str, Any]:
    assignments = [{"id": key, "name": key, "value": value, "type": "string"} for key, value in values.items()]
    return node(name, "set", x, 3.4, parameters={"assignments": {"assignments": assignments},
                                                   "includeOtherFields": True, "options": {}})


def trigger(version: float = 1.1, **parameters: Any) -> dict[str, Any]:
    return node("Input", "executeWorkflowTrigger", 0, version, parameters=parameters)


def child(*after: dict[str, Any], start: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A sub-workflow: its trigger, then `after` in a chain."""
    nodes = [start or trigger(inputSource="passthrough"), *after]
    edges = [(nodes[i]["name"], nodes[i + 1]["name"]) for i in range(len(nodes) - 1)]
    return flow(nodes, *edges, id=CHILD_ID, name="child", **extra)


def caller(parameters: dict[str, Any], items: list[dict[str, Any]], version: float = 1.2, **flags: Any) -> dict[str, Any]:
    """Manual Trigger → items → Execute Workflow (`parameters`)."""
    nodes = [node("Start", "manualTrigger"),
             node("Items", "noOp", 100),
             node("Call", "executeWorkflow", 200, version, parameters=parameters, **flags)]
    return flow(nodes, ("Start", "Items"), ("Items", "Call"), pinData={"Items": [{"json": j} for j in items]})


def by_id(**parameters: Any) -> dict[str, Any]:
    return {"source": "database", "workflowId": {"__rl": True, "value": CHILD_ID, "mode": "id"}, **parameters}


async def call(run: Any, parent: dict[str, Any], *workflows: dict[str, Any], events: Any = None) -> ExecutionResult:
    loader = InMemoryWorkflowLoader({w["id"]: w for w in workflows})
    services = Services(workflows=loader, events=events or RecordingEventSink())
    return await run(parent, services=services)


def output(result: ExecutionResult, name: str = "Call", index: int = 0) -> list[dict[str, Any]]:
    return [item.to_dict() for item in result.output_of(name, output=index)]


def jsons(result: ExecutionResult, name: str = "Call") -> list[dict[str, Any]]:
    return [item["json"] for item in output(result, name)]


def child_runs(events: RecordingEventSink) -> int:
    return sum(1 for event, payload in events.events if event == "workflow.started" and payload["mode"] == "integrated")


# ---- modes ----------------------------------------------------------------------------------------

async def test_once_sends_all_items_to_one_run_and_outputs_its_last_node(run: Any) -> None:
    # Given a sub-workflow that counts the items it received and a caller with two items
    sub = child(set_fields("Count", 100, count="={{ len($input.all()) }}"))
    events = RecordingEventSink()
    # When the caller runs it once with all items
    result = await call(run, caller(by_id(mode="once"), [{"n": 1}, {"n": 2}]), sub, events=events)
    # Then one child run saw both items, and its last node's items pair with the caller's items
    assert result.status == "success", result.error
    assert child_runs(events) == 1
    assert output(result) == [{"json": {"n": 1, "count": "2"}, "pairedItem": {"item": 0}},
                              {"json": {"n": 2, "count": "2"}, "pairedItem": {"item": 1}}]


async def test_each_runs_once_per_item(run: Any) -> None:
    sub = child(set_fields("Count", 100, count="={{ len($input.all()) }}"))
    events = RecordingEventSink()
    result = await call(run, caller(by_id(mode="each"), [{"n": 1}, {"n": 2}, {"n": 3}]), sub, events=events)
    assert child_runs(events) == 3
    assert output(result) == [{"json": {"n": n, "count": "1"}, "pairedItem": {"item": n - 1}} for n in (1, 2, 3)]


async def test_once_pairs_through_the_child_lineage_when_counts_differ(run: Any) -> None:
    # Given a sub-workflow that keeps only the second item
    keep_second = node("Keep", "filter", 100, 2, parameters={"conditions": {
        "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict"},
        "conditions": [{"id": "1", "leftValue": "={{ $json.n }}", "rightValue": 2,
                        "operator": {"type": "number", "operation": "equals"}}],
        "combinator": "and"}})
    result = await call(run, caller(by_id(), [{"n": 1}, {"n": 2}]), child(keep_second))
    # Then the one item out pairs with the caller's second item, found through the child's run data
    assert output(result) == [{"json": {"n": 2}, "pairedItem": {"item": 1}}]


async def test_every_output_of_the_last_child_node_is_returned(run: Any) -> None:
    is_big = node("Big?", "if", 100, 2, parameters={"conditions": {
        "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict"},
        "conditions": [{"id": "1", "leftValue": "={{ $json.n }}", "rightValue": 1,
                        "operator": {"type": "number", "operation": "gt"}}],
        "combinator": "and"}})
    result = await call(run, caller(by_id(), [{"n": 1}, {"n": 2}]), child(is_big))
    assert jsons(result) == [{"n": 2}]
    assert [item.json for item in result.run_data["Call"][0].outputs[1]] == [{"n": 1}]  # type: ignore[index]


async def test_not_waiting_outputs_the_input_items_and_still_starts_the_child(run: Any) -> None:
    sub = child(set_fields("Mark", 100, seen="yes"))
    events = RecordingEventSink()
    parameters = by_id(mode="once", options={"waitForSubWorkflow": False})
    result = await call(run, caller(parameters, [{"n": 1}, {"n": 2}]), sub, events=events)
    assert output(result) == [{"json": {"n": 1}, "pairedItem": {"item": 0}}, {"json": {"n": 2}, "pairedItem": {"item": 1}}]
    assert child_runs(events) == 1


async def test_not_waiting_in_each_mode(run: Any) -> None:
    events = RecordingEventSink()
    parameters = by_id(mode="each", options={"waitForSubWorkflow": False})
    result = await call(run, caller(parameters, [{"n": 1}, {"n": 2}]), child(), events=events)
    assert jsons(result) == [{"n": 1}, {"n": 2}] and child_runs(events) == 2


# ---- sources ------------------------------------------------------------------------------------

@pytest.mark.parametrize("as_text", [True, False])
async def test_inline_json_source(run: Any, as_text: bool) -> None:
    sub = child(set_fields("Mark", 100, via="inline"))
    document: Any = json.dumps(sub) if as_text else sub
    parameters = {"source": "parameter", "workflowJson": document}
    result = await call(run, caller(parameters, [{"n": 1}]))
    assert jsons(result) == [{"n": 1, "via": "inline"}]


async def test_v1_workflow_id_is_a_plain_string_and_may_be_an_expression(run: Any) -> None:
    parameters = {"workflowId": "={{ 'child-' + str($json.n) }}"}
    result = await call(run, caller(parameters, [{"n": 1}], version=1), child(set_fields("M", 100, ok="1")))
    assert jsons(result) == [{"n": 1, "ok": "1"}]


async def test_a_resource_locator_edited_as_text(run: Any) -> None:
    located = json.dumps({"__rl": True, "value": CHILD_ID, "mode": "id"})
    result = await call(run, caller({"workflowId": located}, [{"n": 1}]), child(set_fields("M", 100, ok="1")))
    assert jsons(result) == [{"n": 1, "ok": "1"}]


async def test_inline_json_that_is_not_json(run: Any) -> None:
    result = await call(run, caller({"source": "parameter", "workflowJson": "{nope"}, [{"n": 1}]))
    assert result.status == "error" and "The workflow JSON is not valid JSON" in result.error["message"]  # type: ignore[index]


async def test_unknown_workflow_id(run: Any) -> None:
    result = await call(run, caller(by_id(), [{"n": 1}]))
    assert result.error["message"] == f"Workflow '{CHILD_ID}' not found"  # type: ignore[index]


async def test_a_workflow_without_a_start_node_cannot_be_called(run: Any) -> None:
    lonely = flow([node("Only", "noOp")], id=CHILD_ID)
    result = await call(run, caller(by_id(), [{"n": 1}]), lonely)
    assert result.error["message"] == "Missing node to start execution"  # type: ignore[index]


async def test_local_file_and_url_sources_are_refused(run: Any) -> None:
    result = await call(run, caller({"source": "localFile", "workflowPath": "/x.json"}, [{}], version=1))
    assert result.error["message"] == "Loading the workflow from source 'localFile' is not supported"  # type: ignore[index]


async def test_the_execute_workflow_trigger_wins_over_a_manual_trigger(run: Any) -> None:
    # Given a sub-workflow that also has a Manual Trigger (listed first)
    sub = flow([node("Manual", "manualTrigger"), set_fields("FromManual", 100, path="manual"),
                trigger(inputSource="passthrough"), set_fields("FromCall", 100, path="call")],
               ("Manual", "FromManual"), ("Input", "FromCall"), id=CHILD_ID)
    result = await call(run, caller(by_id(), [{"n": 1}]), sub)
    assert jsons(result) == [{"n": 1, "path": "call"}]


# ---- workflow inputs (v1.2 caller, v1.1 trigger) ----------------------------------------------------

def inputs(value: dict[str, Any] | None, schema: list[dict[str, Any]] = (), **options: Any) -> dict[str, Any]:  # type: ignore[assignment]
    return {"mappingMode": "defineBelow", "value": value, "schema": list(schema), **options}


async def test_mapped_inputs_are_evaluated_per_item_and_merged(run: Any) -> None:
    declared = trigger(inputSource="workflowInputs",
                       workflowInputs={"values": [{"name": "name", "type": "string"}, {"name": "age", "type": "number"}]})
    parameters = by_id(workflowInputs=inputs({"name": "={{ $json.first.upper() }}", "age": "={{ $json.n * 10 }}"},
                                             [{"id": "name", "type": "string"}, {"id": "age", "type": "number"}]))
    result = await call(run, caller(parameters, [{"first": "ada", "n": 3, "extra": True}]), child(start=declared))
    # The trigger emits only the declared inputs, in its order
    assert jsons(result) == [{"name": "ADA", "age": 30}]


async def test_workflow_inputs_edited_as_json_text(run: Any) -> None:
    mapping = json.dumps(inputs({"double": "={{ $json.n * 2 }}"}, [{"id": "double", "type": "number"}]))
    result = await call(run, caller(by_id(workflowInputs=mapping), [{"n": 4}]), child())
    assert jsons(result) == [{"n": 4, "double": 8}]


async def test_the_trigger_gives_null_for_a_declared_input_not_sent(run: Any) -> None:
    declared = trigger(inputSource="workflowInputs", workflowInputs={"values": [{"name": "a"}, {"name": "b"}]})
    result = await call(run, caller(by_id(), [{"a": 1, "c": 3}]), child(start=declared))
    assert jsons(result) == [{"a": 1, "b": None}]


async def test_removed_inputs_are_not_sent(run: Any) -> None:
    parameters = by_id(workflowInputs=inputs({}, [{"id": "secret", "displayName": "secret", "removed": True}]))
    result = await call(run, caller(parameters, [{"keep": 1, "secret": 2}]), child())
    assert jsons(result) == [{"keep": 1}]


async def test_json_example_declares_the_inputs(run: Any) -> None:
    declared = trigger(inputSource="jsonExample", jsonExample='{"city": "Oslo", "tags": [], "any": null}')
    result = await call(run, caller(by_id(), [{"city": "Rome", "other": 1}]), child(start=declared))
    assert jsons(result) == [{"city": "Rome", "tags": None, "any": None}]


async def test_v1_trigger_and_accept_all_data_pass_everything_through(run: Any) -> None:
    for start in (trigger(1), trigger(inputSource="passthrough")):
        result = await call(run, caller(by_id(), [{"a": 1, "b": {"c": 2}}]), child(start=start))
        assert jsons(result) == [{"a": 1, "b": {"c": 2}}]


async def test_a_mapped_input_of_the_wrong_type_fails_the_caller(run: Any) -> None:
    parameters = by_id(workflowInputs=inputs({"age": "={{ $json.age }}"}, [{"id": "age", "type": "number"}]))
    result = await call(run, caller(parameters, [{"age": "12"}]), child())
    assert result.error["message"] == "Invalid input for 'age' [item 0]"  # type: ignore[index]
    assert result.error["description"] == "'age' expects a number but we got '12'"  # type: ignore[index]


async def test_attempt_to_convert_types_converts(run: Any) -> None:
    parameters = by_id(workflowInputs=inputs({"age": "={{ $json.age }}"}, [{"id": "age", "type": "number"}],
                                             attemptToConvertTypes=True))
    result = await call(run, caller(parameters, [{"age": "12"}]), child())
    assert jsons(result) == [{"age": 12}]


@pytest.mark.parametrize(
    ("value", "field_type", "strict", "as_text", "expected"),
    [
        (5, "any", True, False, 5),
        (None, "number", True, False, None),
        (5, "string", True, False, 5),  # strings are only checked with convertFieldsToString
        ("5", "string", True, True, "5"),
        ("true", "boolean", False, False, True),
        ("[1, 2]", "array", False, False, [1, 2]),
        ({"a": 1}, "string", False, True, '{"a":1}'),
    ],
)
def test_check_input(value: Any, field_type: str, strict: bool, as_text: bool, expected: Any) -> None:
    assert check_input("f", value, field_type, strict, as_text, 0) == expected


# ---- failures ------------------------------------------------------------------------------------

def failing_child() -> dict[str, Any]:
    stop = node("Stop", "stopAndError", 100, parameters={"errorMessage": "child broke"})
    return child(stop)


async def test_a_failing_child_fails_the_caller_with_its_error(run: Any) -> None:
    result = await call(run, caller(by_id(), [{"n": 1}]), failing_child())
    assert result.status == "error" and result.last_node_executed == "Call"
    assert result.error["message"] == "child broke" and result.error["node"] == "Call"  # type: ignore[index]


async def test_each_mode_names_the_item_whose_run_failed(run: Any) -> None:
    result = await call(run, caller(by_id(mode="each"), [{"n": 1}]), failing_child())
    assert result.error["message"] == "Error executing workflow with item at index 0"  # type: ignore[index]
    assert result.error["description"] == "child broke"  # type: ignore[index]


@pytest.mark.parametrize("mode", ["once", "each"])
async def test_continue_on_fail_outputs_the_error(run: Any, mode: str) -> None:
    parent = caller(by_id(mode=mode), [{"n": 1}], onError="continueRegularOutput")
    result = await call(run, parent, failing_child())
    assert output(result) == [{"json": {"error": "child broke"}, "pairedItem": {"item": 0} if mode == "each" else [{"item": 0}]}]


async def test_a_failing_child_not_waited_for_does_not_fail_the_caller(run: Any) -> None:
    parent = caller(by_id(options={"waitForSubWorkflow": False}), [{"n": 1}])
    result = await call(run, parent, failing_child())
    assert result.status == "success" and jsons(result) == [{"n": 1}]


# ---- Error Trigger --------------------------------------------------------------------------------

async def test_error_trigger_emits_n8n_sample_data_in_a_manual_run_without_input() -> None:
    ctx = FakeContext(make_node("knotwork.errorTrigger", 1, {}), [[Item({})]], mode="manual")
    [[item]] = await ErrorTrigger().execute(ctx)
    assert item.json == SAMPLE and item.json is not SAMPLE


async def test_error_trigger_passes_the_error_payload_through() -> None:
    payload = {"execution": {"id": "7"}, "workflow": {"id": "w", "name": "n"}}
    for mode in ("error", "manual"):
        ctx = FakeContext(make_node("knotwork.errorTrigger", 1, {}), [[Item(payload)]], mode=mode)
        assert [[item.json for item in out] for out in await ErrorTrigger().execute(ctx)] == [[payload]]


async def test_error_trigger_outside_manual_runs_never_invents_data() -> None:
    ctx = FakeContext(make_node("knotwork.errorTrigger", 1, {}), [[Item({})]], mode="error")
    assert [[item.json for item in out] for out in await ErrorTrigger().execute(ctx)] == [[{}]]


def test_node_types_answer_to_n8n_names(registry: Any) -> None:
    for name in ("executeWorkflow", "executeWorkflowTrigger", "errorTrigger"):
        assert registry.resolve(f"n8n-nodes-base.{name}").description.name == f"knotwork.{name}"


async def test_no_runner_error_is_hidden_as_a_bug() -> None:
    # A runner that refuses raises a NodeOperationError the executor records on the node
    class Refusing:
        async def run(self, call: Any, services: Any) -> Any:
            raise NodeOperationError("refused")

    from nodes.core.execute_workflow import ExecuteWorkflow

    ctx = FakeContext(make_node("knotwork.executeWorkflow", 1.2, by_id()), [[Item({})]],
                      services=Services(subworkflows=Refusing()))
    with pytest.raises(NodeOperationError, match="refused"):
        await ExecuteWorkflow().execute(ctx)
