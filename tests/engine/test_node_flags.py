"""Node flags: disabled, pinData, executeOnce, alwaysOutputData, retries, onError, timeouts."""

from __future__ import annotations

import asyncio
import time

from engine.ports import RecordingEventSink, Services
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()
TRIGGER = node("T", "n8n-nodes-base.manualTrigger")


async def run(data: dict, **options):
    return await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, **options)


def jsons(result, name: str, output: int = 0, run_index: int = -1) -> list[dict]:
    runs = result.run_data[name]
    return [item.json for item in runs[run_index].output(output)]


def two_items(name: str = "E", **flags) -> dict:
    return node(name, "emit", 200, 0, parameters={"items": [{"n": 1}, {"n": 2}]}, **flags)


async def test_disabled_node_passes_first_input_through():
    data = workflow(
        [TRIGGER, two_items(), node("F", "fail", 400, 0, disabled=True), node("N", "n8n-nodes-base.noOp", 600, 0)],
        connect(("T", "E"), ("E", "F"), ("F", "N")),
    )
    result = await run(data)
    assert result.status == "success"
    assert jsons(result, "F") == [{"n": 1}, {"n": 2}]
    assert jsons(result, "N") == [{"n": 1}, {"n": 2}]


async def test_pin_data_replaces_a_node_in_manual_mode_only():
    data = workflow(
        [TRIGGER, node("F", "fail", 200, 0), node("N", "n8n-nodes-base.noOp", 400, 0)],
        connect(("T", "F"), ("F", "N")),
        pinData={"F": [{"json": {"pinned": True}}]},
    )
    manual = await run(data, mode="manual")
    assert manual.status == "success"
    assert jsons(manual, "N") == [{"pinned": True}]
    production = await run(data, mode="trigger")
    assert production.status == "error"
    assert production.last_node_executed == "F"


async def test_execute_once_uses_only_the_first_item():
    data = workflow(
        [TRIGGER, two_items(), node("V", "evaluate", 400, 0, executeOnce=True, parameters={"value": "={{ $json.n }}"})],
        connect(("T", "E"), ("E", "V")),
    )
    assert jsons(await run(data), "V") == [{"value": 1}]


async def test_always_output_data_emits_one_empty_item_paired_to_all_inputs():
    data = workflow(
        [TRIGGER, two_items(), node("Z", "emit", 400, 0, alwaysOutputData=True, parameters={"items": []}),
         node("N", "n8n-nodes-base.noOp", 600, 0)],
        connect(("T", "E"), ("E", "Z"), ("Z", "N")),
    )
    result = await run(data)
    [item] = result.run_data["Z"][0].output(0)
    assert item.json == {} and item.paired == [(0, 0), (1, 0)]
    assert jsons(result, "N") == [{}]


async def test_retry_on_fail_retries_until_success():
    data = workflow(
        [TRIGGER, node("F", "fail", 200, 0, retryOnFail=True, maxTries=3, waitBetweenTries=0,
                       parameters={"failTimes": 2})],
        connect(("T", "F")),
    )
    result = await run(data)
    assert result.status == "success"
    assert jsons(result, "F") == [{"calls": 3}]
    assert len(result.run_data["F"]) == 1


async def test_retry_gives_up_after_max_tries_which_is_clamped_to_five():
    data = workflow(
        [TRIGGER, node("F", "fail", 200, 0, retryOnFail=True, maxTries=50, waitBetweenTries=0)],
        connect(("T", "F")),
    )
    result = await run(data)
    assert result.status == "error"
    assert result.run_data["F"][0].error["message"] == "boom (call 5)"
    assert parse_workflow(data, REGISTRY).node("F").max_tries == 5


async def test_stop_workflow_on_error_records_the_error_and_stops():
    data = workflow(
        [TRIGGER, node("F", "fail", 200, 0), node("N", "n8n-nodes-base.noOp", 400, 0)],
        connect(("T", "F"), ("F", "N")),
    )
    result = await run(data)
    assert result.status == "error"
    assert result.error["message"] == "boom (call 1)" and result.error["node"] == "F"
    assert result.run_data["F"][0].execution_status == "error"
    assert "N" not in result.run_data
    assert result.last_node_executed == "F"


async def test_continue_regular_output_passes_input_through_and_keeps_the_error():
    data = workflow(
        [TRIGGER, two_items(), node("F", "fail", 400, 0, onError="continueRegularOutput"),
         node("N", "n8n-nodes-base.noOp", 600, 0)],
        connect(("T", "E"), ("E", "F"), ("F", "N")),
    )
    result = await run(data)
    assert result.status == "success"
    assert result.run_data["F"][0].error["message"] == "boom (call 1)"
    assert jsons(result, "N") == [{"n": 1}, {"n": 2}]


async def test_legacy_continue_on_fail_means_continue_regular_output():
    data = workflow([TRIGGER, node("F", "fail", 200, 0, continueOnFail=True)], connect(("T", "F")))
    assert (await run(data)).status == "success"


async def test_continue_error_output_routes_a_thrown_error_to_the_error_output():
    data = workflow(
        [TRIGGER, two_items(), node("F", "fail", 400, 0, onError="continueErrorOutput"),
         node("Ok", "n8n-nodes-base.noOp", 600, 0), node("Bad", "n8n-nodes-base.noOp", 600, 200)],
        connect(("T", "E"), ("E", "F"), ("F", "Ok", 0), ("F", "Bad", 1)),
    )
    result = await run(data)
    assert result.status == "success"
    assert "Ok" not in result.run_data
    assert jsons(result, "Bad") == [{"n": 1, "error": "boom (call 1)"}, {"n": 2, "error": "boom (call 1)"}]


async def test_continue_error_output_splits_per_item_errors_merged_over_their_input():
    items = [{"n": 1}, {"n": 2, "bad": True}, {"n": 3}]
    data = workflow(
        [TRIGGER, node("E", "emit", 200, 0, parameters={"items": items}),
         node("F", "fail", 400, 0, onError="continueErrorOutput", parameters={"perItem": True, "message": "no"}),
         node("Ok", "n8n-nodes-base.noOp", 600, 0), node("Bad", "n8n-nodes-base.noOp", 600, 200)],
        connect(("T", "E"), ("E", "F"), ("F", "Ok", 0), ("F", "Bad", 1)),
    )
    result = await run(data)
    assert [j["n"] for j in jsons(result, "Ok")] == [1, 3]
    assert jsons(result, "Bad") == [{"n": 2, "bad": True, "error": "no"}]
    # the error item still pairs with its input item
    assert result.run_data["Bad"][0].output(0)[0].paired == (0, 0)
    assert result.run_data["F"][0].output(1)[0].paired == (1, 0)


async def test_connection_to_error_output_requires_the_flag():
    data = workflow(
        [TRIGGER, node("F", "fail", 200, 0), node("Bad", "n8n-nodes-base.noOp", 400, 0)],
        connect(("T", "F"), ("F", "Bad", 1)),
    )
    try:
        parse_workflow(data, REGISTRY)
    except Exception as error:
        assert "has 1 output(s), but a connection leaves from output 1" in str(error)
    else:
        raise AssertionError("expected a validation error")


async def test_execution_timeout_cancels_a_running_node():
    data = workflow([TRIGGER, node("S", "slow", 200, 0)], connect(("T", "S")), settings={"executionTimeout": 0.2})
    result = await run(data)
    assert result.status == "canceled"
    assert "timed out" in result.error["message"]


async def test_cancel_event_stops_a_running_node():
    cancel = asyncio.Event()
    events = RecordingEventSink()
    data = workflow([TRIGGER, node("S", "slow", 200, 0)], connect(("T", "S")))
    running = asyncio.create_task(run(data, services=Services(cancel_event=cancel, events=events)))
    deadline = time.monotonic() + 10
    while ("node.started", "S") not in [(e, p.get("node")) for e, p in events.events]:
        assert time.monotonic() < deadline, "the slow node never started"
        await asyncio.sleep(0.001)
    cancel.set()
    result = await running
    assert result.status == "canceled"
    assert result.error["message"] == "The execution was canceled"
    assert "S" not in result.run_data


async def test_cancel_before_start_runs_nothing():
    cancel = asyncio.Event()
    cancel.set()
    result = await run(workflow([TRIGGER], {}), services=Services(cancel_event=cancel))
    assert result.status == "canceled" and result.run_data == {}


async def test_an_item_level_error_is_retried_too():
    data = workflow(
        [TRIGGER, node("E", "emit", 200, 0, parameters={"items": [{"bad": True}]}),
         node("F", "fail", 400, 0, retryOnFail=True, maxTries=3, waitBetweenTries=0,
              onError="continueRegularOutput", parameters={"perItem": True, "failTimes": 1})],
        connect(("T", "E"), ("E", "F")),
    )
    result = await run(data)
    assert jsons(result, "F") == [{"bad": True, "calls": 2}]


async def test_item_level_errors_stay_when_tries_run_out():
    data = workflow(
        [TRIGGER, node("E", "emit", 200, 0, parameters={"items": [{"bad": True}]}),
         node("F", "fail", 400, 0, retryOnFail=True, maxTries=2, waitBetweenTries=0,
              onError="continueRegularOutput", parameters={"perItem": True, "message": "still bad"})],
        connect(("T", "E"), ("E", "F")),
    )
    result = await run(data)
    assert jsons(result, "F") == [{"error": "still bad"}]
    assert result.run_data["F"][0].error is None
