"""Loop Over Items / Split In Batches: runs sharing one node context, as the executor drives them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter
from engine.registry import NodeRegistry
from engine.runner import execute_workflow
from engine.workflow import parse_workflow
from nodes.core import NODE_TYPES
from nodes.core.loop import LoopOverItems
from tests.engine.nodes_for_tests import connect
from tests.nodes.fake import FakeContext, make_node

LOOP = LoopOverItems()
ENTRY = {"previousNode": "Start", "previousNodeOutput": 0, "previousNodeRun": 0}


def body_source(run: int) -> dict[str, Any]:
    return {"previousNode": "Body", "previousNodeOutput": 0, "previousNodeRun": run}


class Runner:
    """Drives one loop node run after run with the same node context."""

    def __init__(self, version: float, parameters: dict[str, Any] | None = None) -> None:
        self.node = make_node("knotwork.splitInBatches", version, parameters or {}, name="Loop")
        self.state: dict[str, Any] = {}
        self.run_index = 0

    async def run(self, items: list[Item], source: dict[str, Any] | None = ENTRY) -> list[list[Item]]:
        ctx = FakeContext(self.node, [items], run_index=self.run_index, _node_context=self.state)
        ctx.source = [source]  # type: ignore[attr-defined]
        self.run_index += 1
        return await LOOP.execute(ctx)


def numbers(count: int, start: int = 0) -> list[Item]:
    return [Item({"n": n}) for n in range(start, start + count)]


def values(items: list[Item]) -> list[Any]:
    return [item.json.get("n") for item in items]


# --- v3 -------------------------------------------------------------------------------------------


async def test_v3_emits_batches_on_loop_then_everything_on_done() -> None:
    # Given five items and a batch size of two
    loop = Runner(3, {"batchSize": 2})
    done, batch = await loop.run(numbers(5))
    # Then the first batch goes out on "loop", paired to its input position
    assert done == [] and values(batch) == [0, 1]
    assert [item.paired for item in batch] == [(0, 0), (1, 0)]
    assert loop.state["currentRunIndex"] == 0 and loop.state["maxRunIndex"] == 3
    assert loop.state["sourceData"] == ENTRY and loop.state["noItemsLeft"] is False and loop.state["done"] is False

    # When the loop body sends each batch back
    done, batch = await loop.run(batch, body_source(0))
    assert values(batch) == [2, 3]
    # Then later batches point at the first input through sourceOverwrite
    assert [item.paired for item in batch] == [(2, 0, ENTRY), (3, 0, ENTRY)]
    done, batch = await loop.run(batch, body_source(1))
    assert values(batch) == [4] and loop.state["noItemsLeft"] is True and loop.state["done"] is False
    done, batch = await loop.run(batch, body_source(2))

    # Then every processed item leaves on "done", paired to the body run it came back from
    assert batch == [] and values(done) == [0, 1, 2, 3, 4]
    assert [item.paired for item in done] == [
        (0, 0, body_source(0)),
        (1, 0, body_source(0)),
        (0, 0, body_source(1)),
        (1, 0, body_source(1)),
        (0, 0, body_source(2)),
    ]
    assert loop.state["done"] is True and loop.state["currentRunIndex"] == 3
    json.dumps(loop.state)  # the context stays plain JSON


async def test_v3_default_batch_size_is_one() -> None:
    loop = Runner(3)
    _, batch = await loop.run(numbers(3))
    assert values(batch) == [0]
    assert loop.state["maxRunIndex"] == 3


async def test_v3_keeps_binary_through_the_context() -> None:
    loop = Runner(3)
    binary = {"data": {"data": "aGk=", "mimeType": "text/plain"}}
    await loop.run([Item({"n": 0}), Item({"n": 1}, binary)])
    _, batch = await loop.run([Item({"n": 0})], body_source(0))
    assert batch[0].binary == binary


async def test_v3_reset_option_starts_over_on_every_run() -> None:
    loop = Runner(3, {"batchSize": 1, "options": {"reset": True}})
    await loop.run(numbers(3))
    done, batch = await loop.run(numbers(2, start=10), body_source(0))
    assert done == [] and values(batch) == [10]
    assert loop.state["currentRunIndex"] == 0 and loop.state["processedItems"] == []


async def test_v3_fresh_entry_after_done_starts_a_new_loop() -> None:
    # Given a loop that finished
    loop = Runner(3)
    _, batch = await loop.run(numbers(1))
    done, _ = await loop.run(batch, body_source(0))
    assert values(done) == [0] and loop.state["done"] is True
    # When new items arrive (the next iteration of an outer loop)
    done, batch = await loop.run(numbers(2, start=5), {"previousNode": "Outer", "previousNodeOutput": 1, "previousNodeRun": 1})
    # Then it starts over instead of emitting "done" with the old items (n8n issue #23670)
    assert done == [] and values(batch) == [5]
    assert loop.state["currentRunIndex"] == 0 and loop.state["processedItems"] == []
    assert loop.state["sourceData"]["previousNode"] == "Outer"


async def test_v3_nested_loops_process_every_child() -> None:
    # Outer loop over two parents; for each, an inner loop over two children.
    outer, inner = Runner(3), Runner(3)
    outer_done, parent = await outer.run([Item({"p": "P1"}), Item({"p": "P2"})])
    while not outer_done:
        children = [Item({"p": parent[0].json["p"], "c": c}) for c in ("C1", "C2")]
        inner_done, child = await inner.run(children, {"previousNode": "Create Children"})
        while not inner_done:
            processed = [Item({**child[0].json, "processed": True})]
            inner_done, child = await inner.run(processed, {"previousNode": "Process Child"})
        outer_done, parent = await outer.run(inner_done, {"previousNode": "Inner Loop"})
    assert [(item.json["p"], item.json["c"]) for item in outer_done] == [
        ("P1", "C1"),
        ("P1", "C2"),
        ("P2", "C1"),
        ("P2", "C2"),
    ]


async def test_v3_batch_size_from_text_and_zero() -> None:
    loop = Runner(3, {"batchSize": "2"})
    _, batch = await loop.run(numbers(3))
    assert values(batch) == [0, 1]
    empty = Runner(3, {"batchSize": 0})
    done, batch = await empty.run(numbers(2))
    assert done == [] and batch == [] and empty.state["done"] is True


async def test_without_source_pairing_has_no_overwrite() -> None:
    loop = Runner(3)
    await loop.run(numbers(2), None)
    done, batch = await loop.run(numbers(1), None)
    assert batch[0].paired == (1, 0)
    done, _ = await loop.run(batch, None)
    assert [item.paired for item in done] == [(0, 0), (0, 0)]


# --- v2 -------------------------------------------------------------------------------------------


async def test_v2_outputs_loop_first_then_done() -> None:
    loop = Runner(2, {"batchSize": 1})
    batch, done = await loop.run(numbers(2))
    assert values(batch) == [0] and done == []
    batch, done = await loop.run(batch, body_source(0))
    assert values(batch) == [1]
    batch, done = await loop.run(batch, body_source(1))
    assert batch == [] and values(done) == [0, 1] and loop.state["done"] is True


async def test_v2_fresh_entry_from_outside_starts_over() -> None:
    loop = Runner(2, {"batchSize": 1})
    batch, _ = await loop.run(numbers(1))
    await loop.run(batch, body_source(0))
    # Given a finished loop, when items arrive from outside its body, then a new loop starts.
    batch, done = await loop.run(numbers(1, start=7))
    assert done == [] and values(batch) == [7] and loop.state["processedItems"] == []


async def test_after_done_items_from_the_body_keep_n8n_behaviour() -> None:
    loop = Runner(2, {"batchSize": 1})
    batch, _ = await loop.run(numbers(1))
    await loop.run(batch, body_source(0))
    assert loop.state["loopBodyNodes"] == ["Body"]
    # Items from a node of the loop body after "done": appended, and "done" again at once (n8n).
    batch, done = await loop.run(numbers(1, start=7), body_source(1))
    assert batch == [] and values(done) == [0, 7]


async def test_explicit_reset_expression_decides_alone() -> None:
    # Given reset is an expression that evaluates to false, a fresh entry does not start over (n8n).
    node = make_node("knotwork.splitInBatches", 3, {"options": {"reset": "={{ $prevNode.name === 'X' }}"}}, name="Loop")
    state: dict[str, Any] = {}

    async def run(items: list[Item], source: dict[str, Any], reset: Any) -> list[list[Item]]:
        ctx = FakeContext(node, [items], _node_context=state, per_item=[{"options": {"reset": reset}}])
        ctx.source = [source]
        return await LOOP.execute(ctx)

    _, batch = await run(numbers(1), ENTRY, False)
    await run(batch, body_source(0), False)
    done, batch = await run(numbers(1, start=5), ENTRY, False)
    assert batch == [] and values(done) == [0, 5]
    # And a truthy value (JavaScript truthiness: any non-empty text) resets.
    done, batch = await run(numbers(1, start=8), ENTRY, "yes")
    assert done == [] and values(batch) == [8]


async def test_v1_never_starts_over_by_itself() -> None:
    loop = Runner(1, {"batchSize": 1})
    await loop.run(numbers(1))
    [batch] = await loop.run(numbers(1, start=3), {"previousNode": "Elsewhere"})
    assert batch == [] and loop.state["noItemsLeft"] is True


async def test_v2_default_batch_size_is_ten() -> None:
    loop = Runner(2)
    batch, _ = await loop.run(numbers(12))
    assert len(batch) == 10 and loop.state["maxRunIndex"] == 2


# --- v1 -------------------------------------------------------------------------------------------


async def test_v1_single_output_and_no_items_left() -> None:
    loop = Runner(1, {"batchSize": 1})
    [batch] = await loop.run(numbers(2))
    assert values(batch) == [0] and loop.state["noItemsLeft"] is False
    [batch] = await loop.run(batch, body_source(0))
    assert values(batch) == [1] and batch[0].paired == (1, 0, ENTRY)
    assert loop.state["noItemsLeft"] is True and loop.state["currentRunIndex"] == 1 and loop.state["maxRunIndex"] == 2
    [batch] = await loop.run(batch, body_source(1))
    assert batch == []
    assert "processedItems" not in loop.state and "done" not in loop.state


async def test_v1_reset_from_an_expression_value() -> None:
    loop = Runner(1, {"batchSize": 1, "options": {"reset": True}})
    await loop.run(numbers(2))
    [batch] = await loop.run(numbers(2, start=4))
    assert values(batch) == [4]


# --- description ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "names"), [(1, [""]), (2, ["loop", "done"]), (3, ["done", "loop"])])
def test_outputs_per_version(version: float, names: list[str]) -> None:
    node = make_node("knotwork.splitInBatches", version, {})
    assert LOOP.output_count(node) == len(names) and LOOP.output_names(node) == names


# --- nested loops through the executor --------------------------------------------------------------


class Explode(NodeType):
    """Test node: `count` copies of each input item, numbered in field `field`."""

    description = NodeDescription(
        name="test.explode", display_name="Explode", group="transform", description="test node",
        versions=(1.0,), default_version=1.0,
        parameters=(Parameter("count", "Count", "number", default=1), Parameter("field", "Field", "string", default="k")),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        count, field = ctx.raw_param("count"), ctx.raw_param("field")
        return [[Item({**item.json, field: k}, paired=(index, 0)) for index, item in enumerate(ctx.input_items) for k in range(count)]]


def _node(name: str, type_name: str, version: float = 1, **parameters: Any) -> dict[str, Any]:
    return {"name": name, "type": type_name, "typeVersion": version, "position": [0, 0], "parameters": parameters}


async def test_nested_loops_without_reset_process_every_child() -> None:
    # Given an outer loop over 3 parents and, for each, an inner loop over its 2 children
    registry = NodeRegistry([*NODE_TYPES, Explode])
    data = {
        "nodes": [
            _node("Start", "n8n-nodes-base.manualTrigger"),
            _node("Parents", "test.explode", count=3, field="parent"),
            _node("Outer", "n8n-nodes-base.splitInBatches", 3, batchSize=1, options={}),
            _node("Children", "test.explode", count=2, field="child"),
            _node("Inner", "n8n-nodes-base.splitInBatches", 3, batchSize=1, options={}),
            _node("Process", "test.explode", count=1, field="processed"),
            _node("End", "n8n-nodes-base.noOp"),
        ],
        "connections": connect(
            ("Start", "Parents"), ("Parents", "Outer"), ("Outer", "End", 0), ("Outer", "Children", 1),
            ("Children", "Inner"), ("Inner", "Outer", 0), ("Inner", "Process", 1), ("Process", "Inner"),
        ),
        "settings": {"executionOrder": "v1"},
    }
    # When it runs
    result = await execute_workflow(parse_workflow(data, registry), registry)
    # Then every child of every parent was processed once and reaches the end
    assert result.status == "success", result.error
    [end_run] = result.run_data["End"]
    assert [(item.json["parent"], item.json["child"]) for item in end_run.output(0)] == [
        (parent, child) for parent in range(3) for child in range(2)
    ]
    assert len(result.run_data["Process"]) == 6 and len(result.run_data["Children"]) == 3
    inner_done = [run.output(0) for run in result.run_data["Inner"] if run.output(0)]
    assert [len(items) for items in inner_done] == [2, 2, 2]
