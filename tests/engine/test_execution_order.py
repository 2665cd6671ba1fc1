"""The executor's order: v1 depth-first by canvas position, v0 breadth-first, waiting and release
of multi-input nodes, and nodes without input items not running at all."""

from __future__ import annotations

from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()
TRIGGER = node("T", "n8n-nodes-base.manualTrigger")


def emit(name: str, x: float, y: float, items: list[dict] | None = None) -> dict:
    return node(name, "emit", x, y, parameters={"items": items if items is not None else [{"from": name}]})


async def run(data: dict, **options):
    return await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, **options)


def order(result) -> list[str]:
    return [name for _, name in sorted((t.execution_index, n) for n, runs in result.run_data.items() for t in runs)]


async def test_v1_runs_branches_depth_first_topmost_first():
    # Given two branches where B sits above A on the canvas
    data = workflow(
        [TRIGGER, emit("A", 200, 100), emit("A1", 400, 100), emit("B", 200, -100), emit("B1", 400, -100)],
        connect(("T", "A"), ("T", "B"), ("A", "A1"), ("B", "B1")),
    )
    # When it runs in v1 order
    result = await run(data)
    # Then the top branch runs to its end before the lower one starts
    assert result.status == "success"
    assert order(result) == ["T", "B", "B1", "A", "A1"]


async def test_v1_ties_on_height_go_left_first():
    data = workflow(
        [TRIGGER, emit("Right", 400, 0), emit("Left", 200, 0)],
        connect(("T", "Right"), ("T", "Left")),
    )
    assert order(await run(data)) == ["T", "Left", "Right"]


async def test_v0_runs_breadth_first_in_connection_order():
    data = workflow(
        [TRIGGER, emit("A", 200, 100), emit("A1", 400, 100), emit("B", 200, -100), emit("B1", 400, -100)],
        connect(("T", "A"), ("T", "B"), ("A", "A1"), ("B", "B1")),
        order=None,
    )
    assert order(await run(data)) == ["T", "A", "B", "A1", "B1"]


async def test_multi_input_node_waits_for_all_inputs():
    data = workflow(
        [TRIGGER, emit("A", 200, 0), emit("B", 200, 200), node("J", "join", 400, 100)],
        connect(("T", "A"), ("T", "B"), ("A", "J", 0, 0), ("B", "J", 0, 1)),
    )
    result = await run(data)
    assert order(result) == ["T", "A", "B", "J"]
    assert [i.json for i in result.output_of("J")] == [{"from": "A"}, {"from": "B"}]
    assert [s.previous_node if s else None for s in result.run_data["J"][0].source] == ["A", "B"]


async def test_waiting_node_is_released_with_partial_input_when_stack_empties():
    # Given a two-output node whose second output stays empty, feeding both inputs of J
    splitter = node("S", "emit", 200, 0, parameters={"outputs": 2, "perOutput": [[{"x": 1}], []]})
    data = workflow([TRIGGER, splitter, node("J", "join", 400, 0)], connect(("T", "S"), ("S", "J", 0, 0), ("S", "J", 1, 1)))
    # When it runs
    result = await run(data)
    # Then J runs once with what it has, its missing input empty
    assert order(result) == ["T", "S", "J"]
    assert [i.json for i in result.output_of("J")] == [{"x": 1}]


async def test_node_without_input_items_does_not_run_and_branch_ends():
    data = workflow(
        [TRIGGER, emit("Empty", 200, 0, items=[]), emit("After", 400, 0)],
        connect(("T", "Empty"), ("Empty", "After")),
    )
    result = await run(data)
    assert order(result) == ["T", "Empty"]
    assert "After" not in result.run_data
    assert result.last_node_executed == "Empty"


async def test_node_runs_once_per_incoming_connection_with_data():
    # A node with one input fed by two parents runs twice (n8n: "run node twice")
    data = workflow(
        [TRIGGER, emit("A", 200, 0), emit("B", 200, 200), node("N", "n8n-nodes-base.noOp", 400, 100)],
        connect(("T", "A"), ("T", "B"), ("A", "N"), ("B", "N")),
    )
    result = await run(data)
    assert order(result) == ["T", "A", "N", "B", "N"]
    assert [i.json for i in result.output_of("N", 0)] == [{"from": "A"}]
    assert [i.json for i in result.output_of("N", 1)] == [{"from": "B"}]


async def test_first_enabled_trigger_is_the_start_node():
    data = workflow(
        [emit("Orphan", 0, 0), {**TRIGGER, "disabled": True}, node("T2", "n8n-nodes-base.manualTrigger", 0, 200),
         emit("A", 200, 200)],
        connect(("T2", "A")),
    )
    result = await run(data)
    assert order(result) == ["T2", "A"]


async def test_start_node_can_be_given_and_fed_items():
    data = workflow([TRIGGER, node("N", "n8n-nodes-base.noOp", 200, 0)], connect(("T", "N")))
    result = await run(data, start_node="N", start_items=[{"json": {"a": 1}}, {"b": 2}])
    assert [i.json for i in result.output_of("N")] == [{"a": 1}, {"b": 2}]
    assert "T" not in result.run_data


async def test_run_data_has_n8n_shape():
    data = workflow([TRIGGER, node("N", "n8n-nodes-base.noOp", 200, 0)], connect(("T", "N")))
    document = (await run(data)).to_json()
    task = document["runData"]["N"][0]
    assert set(task) >= {"startTime", "executionTime", "executionIndex", "executionStatus", "source", "data"}
    assert task["source"] == [{"previousNode": "T"}]
    assert task["data"] == {"main": [[{"json": {}, "pairedItem": {"item": 0}}]]}
    assert document["status"] == "success" and document["lastNodeExecuted"] == "N"
    assert document["startedAt"].endswith("Z")
