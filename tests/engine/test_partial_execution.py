"""Partial execution ("execute up to this node"): n8n's v2 algorithm, run by the executor."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType
from engine.partial import (
    DirectedGraph,
    Edge,
    clean_run_data,
    find_start_nodes,
    find_subgraph,
    handle_cycles,
    source_groups,
)
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult, TaskData
from engine.runner import execute_workflow
from engine.workflow import parse_workflow
from nodes.core import NODE_TYPES

from .nodes_for_tests import TEST_NODE_TYPES, connect, node, workflow


class Count(NodeType):
    """Passes its input through and records that it ran (across executions)."""

    description = NodeDescription(
        name="test.count", display_name="Count", group="transform", description="counts its runs",
        versions=(1.0,), default_version=1.0,
    )
    ran: ClassVar[list[str]] = []

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        Count.ran.append(ctx.node.name)
        return [[Item(dict(item.json)) for item in ctx.input_items]]


REGISTRY = NodeRegistry([*NODE_TYPES, *TEST_NODE_TYPES, Count])
TRIGGER = node("T", "n8n-nodes-base.manualTrigger")


@pytest.fixture(autouse=True)
def reset_counter() -> None:
    Count.ran.clear()


async def run(data: dict[str, Any], **options: Any) -> ExecutionResult:
    return await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, **options)


def saved(result: ExecutionResult) -> dict[str, Any]:
    """Run data as it comes back from storage (n8n's JSON)."""
    return json.loads(json.dumps(result.to_json()["runData"]))


def jsons(result: ExecutionResult, name: str, output: int = 0) -> list[dict[str, Any]]:
    return [item.json for item in result.output_of(name, output=output)]


def chain() -> dict[str, Any]:
    return workflow(
        [TRIGGER, node("A", "emit", 200, 0, parameters={"items": [{"n": 1}, {"n": 2}]}),
         node("B", "count", 400, 0), node("C", "count", 600, 0), node("D", "count", 800, 0)],
        connect(("T", "A"), ("A", "B"), ("B", "C"), ("C", "D")),
    )


# ---- the executor ---------------------------------------------------------------------------------

async def test_without_run_data_it_runs_from_the_trigger_up_to_the_destination() -> None:
    result = await run(chain(), destination_node="B")
    assert result.status == "success", result.error
    assert list(result.run_data) == ["T", "A", "B"]
    assert Count.ran == ["B"] and result.last_node_executed == "B"
    assert jsons(result, "B") == [{"n": 1}, {"n": 2}]


async def test_a_sibling_of_the_destination_does_not_run() -> None:
    data = workflow(
        [TRIGGER, node("A", "count", 200, 0), node("S", "count", 200, 200)],
        connect(("T", "A"), ("T", "S")),
    )
    result = await run(data, destination_node="S")
    assert Count.ran == ["S"] and "A" not in result.run_data


async def test_upstream_run_data_is_reused_and_only_the_destination_runs_again() -> None:
    # Given a full run
    full = await run(chain())
    assert Count.ran == ["B", "C", "D"]
    Count.ran.clear()
    # When executing up to C with that run's data
    result = await run(chain(), destination_node="C", previous_run_data=saved(full))
    # Then only C ran; the earlier runs are in the result unchanged, D's is gone
    assert result.status == "success", result.error
    assert Count.ran == ["C"]
    assert list(result.run_data) == ["T", "A", "B", "C"]
    for name in ("T", "A", "B"):
        assert result.run_data[name][0].to_json() == full.run_data[name][0].to_json()
    assert result.run_data["C"][0].execution_index == 3  # after the reused runs
    assert jsons(result, "C") == [{"n": 1}, {"n": 2}]


async def test_a_dirty_node_runs_again_with_everything_after_it() -> None:
    full = await run(chain())
    Count.ran.clear()
    changed = chain()
    changed["nodes"][1]["parameters"]["items"] = [{"n": 7}]
    result = await run(changed, destination_node="C", previous_run_data=full.run_data, dirty_nodes=["A"])
    assert Count.ran == ["B", "C"]
    assert result.run_data["T"][0].to_json() == full.run_data["T"][0].to_json()
    assert jsons(result, "C") == [{"n": 7}]


async def test_item_expressions_reach_into_reused_run_data() -> None:
    data = workflow(
        [TRIGGER, node("A", "emit", 200, 0, parameters={"items": [{"n": 1}, {"n": 2}]}),
         node("B", "count", 400, 0),
         node("E", "evaluate", 600, 0, parameters={"value": "={{ $('A').item.json.n * 10 }}"})],
        connect(("T", "A"), ("A", "B"), ("B", "E")),
    )
    full = await run(data)
    Count.ran.clear()
    result = await run(data, destination_node="E", previous_run_data=saved(full))
    assert result.status == "success", result.error
    assert Count.ran == [] and jsons(result, "E") == [{"value": 10}, {"value": 20}]


async def test_a_node_whose_last_run_failed_runs_again() -> None:
    data = workflow(
        [TRIGGER, node("F", "fail", 200, 0, parameters={"failTimes": 1}), node("C", "count", 400, 0)],
        connect(("T", "F"), ("F", "C")),
    )
    failed = await run(data)
    assert failed.status == "error"
    data["nodes"][1]["parameters"]["failTimes"] = 0  # fixed, but not reported as dirty
    result = await run(data, destination_node="C", previous_run_data=saved(failed))
    assert result.status == "success", result.error
    assert len(result.run_data["F"]) == 1 and result.run_data["F"][0].error is None
    assert Count.ran == ["C"]


async def test_pinned_data_feeds_the_destination_without_running_the_pinned_node() -> None:
    data = workflow(
        [TRIGGER, node("P", "fail", 200, 0), node("B", "count", 400, 0)],
        connect(("T", "P"), ("P", "B")),
        pinData={"P": [{"json": {"pinned": True}}]},
    )
    # Without run data: the trigger runs, P emits its pinned items
    first = await run(data, destination_node="B")
    assert first.status == "success", first.error
    assert jsons(first, "B") == [{"pinned": True}]
    # With the trigger's run data: neither T nor P runs, B reads P's pinned items
    Count.ran.clear()
    trigger_only = {"T": saved(first)["T"]}
    result = await run(data, destination_node="B", previous_run_data=trigger_only)
    assert result.status == "success", result.error
    assert "P" not in result.run_data and Count.ran == ["B"]
    assert jsons(result, "B") == [{"pinned": True}]
    assert result.run_data["B"][0].source[0].previous_node == "P"


async def test_pinned_data_is_ignored_outside_manual_mode_and_partial_runs_are_manual_only() -> None:
    with pytest.raises(ValueError, match="manual mode"):
        await run(chain(), mode="trigger", destination_node="B")
    with pytest.raises(ValueError, match="cannot be combined"):
        await run(chain(), destination_node="B", start_node="A")


def if_workflow() -> dict[str, Any]:
    condition = {
        "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict", "version": 2},
        "conditions": [{"id": "c", "leftValue": "={{ $json.n }}", "rightValue": 2,
                        "operator": {"type": "number", "operation": "gt"}}],
        "combinator": "and",
    }
    return workflow(
        [TRIGGER, node("A", "emit", 200, 0, parameters={"items": [{"n": 1}, {"n": 2}, {"n": 3}]}),
         node("If", "n8n-nodes-base.if", 400, 0, typeVersion=2.2, parameters={"conditions": condition}),
         node("Yes", "count", 600, -100), node("No", "count", 600, 100)],
        connect(("T", "A"), ("A", "If"), ("If", "Yes", 0), ("If", "No", 1)),
    )


async def test_destination_on_the_false_branch_of_an_if() -> None:
    result = await run(if_workflow(), destination_node="No")
    assert result.status == "success", result.error
    assert Count.ran == ["No"] and "Yes" not in result.run_data
    assert jsons(result, "No") == [{"n": 1}, {"n": 2}]
    # again, reusing that run: only the destination runs, fed by the If's false output
    Count.ran.clear()
    again = await run(if_workflow(), destination_node="No", previous_run_data=saved(result))
    assert Count.ran == ["No"] and jsons(again, "No") == [{"n": 1}, {"n": 2}]
    assert again.run_data["No"][0].source[0].previous_node_output == 1


def merge_workflow(b_items: list[dict[str, Any]], order: str | None = "v1") -> dict[str, Any]:
    return workflow(
        [TRIGGER, node("A", "emit", 200, -100, parameters={"items": [{"a": 1}]}),
         node("B", "emit", 200, 100, parameters={"items": b_items}),
         node("CA", "count", 400, -100), node("CB", "count", 400, 100),
         node("M", "n8n-nodes-base.merge", 600, 0, typeVersion=3),
         node("After", "count", 800, 0)],
        connect(("T", "A"), ("T", "B"), ("A", "CA"), ("B", "CB"), ("CA", "M", 0, 0), ("CB", "M", 0, 1),
                ("M", "After")),
        order=order,
    )


@pytest.mark.parametrize("order", ["v1", None])
async def test_merge_reuses_one_input_and_reruns_the_other(order: str | None) -> None:
    full = await run(merge_workflow([{"b": 1}], order))
    assert full.status == "success", full.error
    Count.ran.clear()
    result = await run(merge_workflow([{"b": 2}], order), destination_node="M", previous_run_data=saved(full),
                       dirty_nodes=["B"])
    assert result.status == "success", result.error
    assert Count.ran == ["CB"]  # CA's output was reused; After does not run
    assert jsons(result, "M") == [{"a": 1}, {"b": 2}]
    assert "After" not in result.run_data
    assert [ref.previous_node for ref in result.run_data["M"][0].source] == ["CA", "CB"]


def loop_workflow() -> dict[str, Any]:
    return workflow(
        [TRIGGER, node("E", "emit", 200, 0, parameters={"items": [{"n": 1}, {"n": 2}, {"n": 3}]}),
         node("L", "n8n-nodes-base.splitInBatches", 400, 0, typeVersion=3, parameters={"batchSize": 1}),
         node("Body", "count", 600, 100), node("After", "count", 600, -100)],
        connect(("T", "E"), ("E", "L"), ("L", "After", 0), ("L", "Body", 1), ("Body", "L")),
    )


async def test_destination_inside_a_loop_runs_the_first_batch_only() -> None:
    result = await run(loop_workflow(), destination_node="Body")
    assert result.status == "success", result.error
    assert Count.ran == ["Body"] and len(result.run_data["L"]) == 1
    assert jsons(result, "Body") == [{"n": 1}]
    # again after a full run: the loop starts over (which batch comes next is unknown)
    full = await run(loop_workflow())
    Count.ran.clear()
    again = await run(loop_workflow(), destination_node="Body", previous_run_data=saved(full))
    assert Count.ran == ["Body"] and len(again.run_data["L"]) == 1
    assert again.run_data["E"][0].to_json() == full.run_data["E"][0].to_json()


async def test_after_a_loop_reuses_its_done_output_or_reruns_the_whole_loop() -> None:
    full = await run(loop_workflow())
    assert jsons(full, "After") == [{"n": 1}, {"n": 2}, {"n": 3}]
    Count.ran.clear()
    reused = await run(loop_workflow(), destination_node="After", previous_run_data=saved(full))
    assert Count.ran == ["After"] and jsons(reused, "After") == [{"n": 1}, {"n": 2}, {"n": 3}]
    Count.ran.clear()
    # a dirty node inside the loop: the loop runs whole again, from its entry
    rerun = await run(loop_workflow(), destination_node="After", previous_run_data=saved(full),
                      dirty_nodes=["Body"])
    assert rerun.status == "success", rerun.error
    assert Count.ran == ["Body", "Body", "Body", "After"] and len(rerun.run_data["L"]) == 4


async def test_destination_that_is_the_trigger_runs_alone() -> None:
    result = await run(chain(), destination_node="T")
    assert result.status == "success" and list(result.run_data) == ["T"]


async def test_the_trigger_is_the_one_upstream_of_the_destination() -> None:
    data = workflow(
        [TRIGGER, node("A", "count", 200, 0), node("T2", "n8n-nodes-base.manualTrigger", 0, 200),
         node("B", "count", 200, 200)],
        connect(("T", "A"), ("T2", "B")),
    )
    result = await run(data, destination_node="B")
    assert list(result.run_data) == ["T2", "B"] and Count.ran == ["B"]


async def test_a_node_without_inputs_runs_alone() -> None:
    data = workflow([TRIGGER, node("Lone", "count", 200, 200)], {})
    result = await run(data, destination_node="Lone")
    assert result.status == "success" and list(result.run_data) == ["Lone"] and Count.ran == ["Lone"]


async def test_destination_without_a_trigger_upstream_is_a_clear_error() -> None:
    data = workflow(
        [TRIGGER, node("X", "emit", 200, 200), node("Y", "count", 400, 200)],
        connect(("X", "Y")),
    )
    result = await run(data, destination_node="Y")
    assert result.status == "error" and Count.ran == []
    assert "Connect a trigger" in result.error["message"] and "'Y'" in result.error["message"]
    missing = await run(data, destination_node="Nope")
    assert missing.status == "error" and "'Nope'" in missing.error["message"]


async def test_without_a_trigger_the_closest_parent_with_run_data_is_the_start() -> None:
    data = workflow(
        [TRIGGER, node("X", "emit", 200, 200, parameters={"items": [{"x": 1}]}), node("Y", "count", 400, 200)],
        connect(("X", "Y")),
    )
    alone = await run(data, destination_node="X")
    result = await run(data, destination_node="Y", previous_run_data=saved(alone))
    assert result.status == "success", result.error
    assert jsons(result, "Y") == [{"x": 1}]


async def test_a_disabled_node_on_the_path_passes_items_through() -> None:
    data = workflow(
        [TRIGGER, node("A", "emit", 200, 0, parameters={"items": [{"n": 1}]}),
         node("Off", "count", 400, 0, disabled=True), node("B", "count", 600, 0)],
        connect(("T", "A"), ("A", "Off"), ("Off", "B")),
    )
    result = await run(data, destination_node="B")
    assert result.status == "success", result.error
    assert Count.ran == ["B"] and jsons(result, "B") == [{"n": 1}]
    # reusing A's run: B reads A's output across the disabled node
    Count.ran.clear()
    again = await run(data, destination_node="B", previous_run_data=saved(result))
    assert Count.ran == ["B"] and again.run_data["B"][0].source[0].previous_node == "A"


async def test_a_retried_partial_run_still_stops_at_its_destination() -> None:
    data = workflow(
        [TRIGGER, node("F", "fail", 200, 0, parameters={"failTimes": 1}), node("C", "count", 400, 0)],
        connect(("T", "F"), ("F", "C")),
    )
    parsed = parse_workflow(data, REGISTRY)
    failed = await execute_workflow(parsed, REGISTRY, destination_node="F")
    assert failed.status == "error" and failed.state is not None
    resumed = await execute_workflow(parsed, REGISTRY, resume=json.loads(json.dumps(failed.state)))
    assert resumed.status == "success", resumed.error
    assert "C" not in resumed.run_data and Count.ran == []


# ---- the pure functions ---------------------------------------------------------------------------

def graph_of(data: dict[str, Any]) -> DirectedGraph:
    return DirectedGraph.from_workflow(parse_workflow(data, REGISTRY))


def task(*outputs: list[dict[str, Any]], error: dict[str, Any] | None = None) -> list[TaskData]:
    return [TaskData(0, 0, [], outputs=[[Item(j) for j in output] for output in outputs], error=error)]


def test_a_disabled_node_looping_on_itself_is_bypassed() -> None:
    data = workflow(
        [TRIGGER, node("Off", "count", disabled=True), node("D", "count")],
        connect(("T", "Off"), ("Off", "Off"), ("Off", "D")),
    )
    assert set(graph_of(data).without_disabled().edges()) == {Edge("T", 0, "D", 0)}


def test_subgraph_keeps_the_paths_from_trigger_to_destination_and_bypasses_disabled_nodes() -> None:
    data = workflow(
        [TRIGGER, node("A", "count"), node("Off", "count", disabled=True), node("D", "count"),
         node("After", "count"), node("Side", "count")],
        connect(("T", "A"), ("A", "Off"), ("Off", "D"), ("D", "After"), ("T", "Side")),
    )
    subgraph = find_subgraph(graph_of(data).without_disabled(), "D", "T")
    assert set(subgraph.nodes) == {"T", "A", "D"}
    assert set(subgraph.edges()) == {Edge("T", 0, "A", 0), Edge("A", 0, "D", 0)}
    assert subgraph.bypassed_nodes() == {"Off"}


def test_subgraph_keeps_loops_but_not_what_only_follows_the_destination() -> None:
    graph = graph_of(loop_workflow())
    assert set(find_subgraph(graph, "After", "T").nodes) == {"T", "E", "L", "Body", "After"}
    inside = find_subgraph(graph, "Body", "T")
    assert set(inside.nodes) == {"T", "E", "L", "Body"} and Edge("Body", 0, "L", 0) not in inside.edges()


def test_start_nodes_are_the_first_nodes_without_usable_data() -> None:
    graph = graph_of(chain())
    run_data = {"T": task([{}]), "A": task([{"n": 1}]), "B": task([{"n": 1}])}
    assert find_start_nodes(graph, "T", "D", run_data, {}) == ["C"]
    assert find_start_nodes(graph, "T", "D", run_data, {}, dirty_nodes=["A"]) == ["A"]
    assert find_start_nodes(graph, "T", "B", run_data, {}) == ["B"]
    failed = {**run_data, "A": task([], error={"message": "boom"})}
    assert find_start_nodes(graph, "T", "D", failed, {}) == ["A"]
    pinned = {"A": [Item({"p": 1})]}
    assert find_start_nodes(graph, "T", "D", {"T": task([{}])}, pinned) == ["B"]


def test_start_nodes_follow_only_outputs_that_carried_items() -> None:
    graph = graph_of(if_workflow())
    run_data = {"T": task([{}]), "A": task([{"n": 3}]), "If": task([{"n": 3}], [])}
    assert find_start_nodes(find_subgraph(graph, "No", "T"), "T", "No", run_data, {}) == []
    assert find_start_nodes(find_subgraph(graph, "Yes", "T"), "T", "Yes", run_data, {}) == ["Yes"]


def test_a_start_node_on_a_cycle_moves_to_the_cycle_entry() -> None:
    graph = graph_of(loop_workflow())
    assert handle_cycles(graph, ["Body"], "T") == ["L"]
    assert handle_cycles(graph, ["After"], "T") == ["After"]


def test_clean_run_data_drops_start_nodes_their_descendants_and_nodes_outside_the_graph() -> None:
    graph = find_subgraph(graph_of(chain()), "C", "T")
    run_data = {name: task([{}]) for name in ("T", "A", "B", "C", "D")}
    assert list(clean_run_data(run_data, ["B"], graph)) == ["T", "A"]
    assert list(run_data) == ["T", "A", "B", "C", "D"]  # never mutated


def test_source_groups_pair_inputs_with_data_first() -> None:
    data = workflow(
        [TRIGGER, node("S1", "count"), node("S2", "count"), node("S3", "count"), node("J", "join")],
        connect(("S1", "J", 0, 0), ("S2", "J", 0, 1), ("S3", "J", 0, 1)),
    )
    graph = graph_of(data)
    groups = source_groups(graph, "J", {"S1": task([{}]), "S2": task([{}]), "S3": task([{}])}, {})
    assert [([e.source for e in g.edges], g.complete) for g in groups] == [(["S1", "S2"], True), (["S3"], True)]
    groups = source_groups(graph, "J", {"S2": task([{}]), "S3": task([{}])}, {})
    assert [([e.source for e in g.edges], g.complete) for g in groups] == [(["S1", "S2"], False), (["S3"], True)]
