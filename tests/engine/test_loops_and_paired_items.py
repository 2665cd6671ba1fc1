"""Cycles with runIndex, the endless-loop guard, and paired-item lineage through the executor."""

from __future__ import annotations

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import Services
from engine.runner import StackEntry, WorkflowExecutor, execute_workflow
from engine.workflow import parse_workflow

from .nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()
TRIGGER = node("T", "n8n-nodes-base.manualTrigger")


async def run(data: dict, **options):
    return await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, **options)


async def test_a_cycle_reruns_its_nodes_with_increasing_run_index():
    # Given Countdown -> (again) -> Body -> Countdown
    data = workflow(
        [TRIGGER, node("C", "countdown", 200, 0, parameters={"times": 2}),
         node("Body", "evaluate", 400, 100, parameters={"value": "={{ $runIndex }}"}),
         node("Done", "n8n-nodes-base.noOp", 400, -100)],
        connect(("T", "C"), ("C", "Done", 0), ("C", "Body", 1), ("Body", "C")),
    )
    result = await run(data)
    assert result.status == "success"
    assert len(result.run_data["C"]) == 3
    assert [r.output(0)[0].json for r in result.run_data["Body"]] == [{"value": 0}, {"value": 1}]
    assert len(result.run_data["Done"]) == 1
    # the second run of C was fed by Body's first run
    assert result.run_data["C"][1].source[0].previous_node == "Body"


async def test_endless_loop_guard_stops_a_node_that_keeps_waiting_for_input():
    # Given (legacy order) a two-input node on the stack without data for its second input
    data = workflow(
        [TRIGGER, node("A", "emit", 200, 0), node("B", "emit", 200, 200), node("J", "join", 400, 100)],
        connect(("T", "A"), ("A", "J", 0, 0), ("B", "J", 0, 1)),
        order=None,
    )
    executor = WorkflowExecutor(parse_workflow(data, REGISTRY), REGISTRY, Services(), "manual", "x")
    executor.run_state.stack = [StackEntry("J", [[Item({})], None], [None, None])]
    # When the executor processes it, it goes back to the stack, and the second time it stops
    with pytest.raises(NodeOperationError, match="endless loop"):
        await executor._process_stack()


async def test_item_expression_follows_paired_items_back_several_nodes():
    items = [{"n": 1}, {"n": 2}, {"n": 3}]
    data = workflow(
        [TRIGGER, node("Src", "emit", 200, 0, parameters={"items": items}),
         node("Mid", "evaluate", 400, 0, parameters={"value": "={{ $json.n * 10 }}"}),
         node("End", "evaluate", 600, 0, parameters={"value": "={{ $('Src').item.json.n + $json.value }}"})],
        connect(("T", "Src"), ("Src", "Mid"), ("Mid", "End")),
    )
    result = await run(data)
    assert [i.json["value"] for i in result.output_of("End")] == [11, 22, 33]
    # paired items were auto-filled by position (one input, one output, same count)
    assert [i.paired for i in result.output_of("Mid")] == [(0, 0), (1, 0), (2, 0)]


async def test_item_expression_without_lineage_fails_loudly():
    data = workflow(
        [TRIGGER, node("Src", "emit", 200, 0, parameters={"items": [{"n": 1}, {"n": 2}]}),
         node("Three", "emit", 400, 0, parameters={"items": [{"a": 1}, {"a": 2}, {"a": 3}]}),
         node("End", "evaluate", 600, 0, parameters={"value": "={{ $('Src').item.json.n }}"})],
        connect(("T", "Src"), ("Src", "Three"), ("Three", "End")),
    )
    result = await run(data)
    assert result.status == "error"
    error = result.run_data["End"][0].error
    assert error["context"]["type"] == "paired_item_no_info"
    assert error["parameter"] == "value" and error["itemIndex"] == 0
    assert "Three" in error["description"]


async def test_paired_item_through_a_multi_input_node_uses_the_input_index():
    data = workflow(
        [TRIGGER, node("A", "emit", 200, 0, parameters={"items": [{"v": "a"}]}),
         node("B", "emit", 200, 200, parameters={"items": [{"v": "b"}]}),
         node("J", "join", 400, 100),
         node("End", "evaluate", 600, 100, parameters={"value": "={{ $('B').item.json.v if $itemIndex == 1 else $('A').item.json.v }}"})],
        connect(("T", "A"), ("T", "B"), ("A", "J", 0, 0), ("B", "J", 0, 1), ("J", "End")),
    )
    result = await run(data)
    assert result.status == "success", result.error
    assert [i.json["value"] for i in result.output_of("End")] == ["a", "b"]
    assert [i.paired for i in result.output_of("J")] == [(0, 0), (0, 1)]


def test_items_keep_identity_of_json_between_pass_through_nodes():
    item = Item({"a": 1})
    assert item.with_paired((0, 0)).json is item.json
