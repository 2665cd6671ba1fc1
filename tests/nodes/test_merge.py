"""Merge: inputs, required inputs, every implemented mode and the paired items n8n assigns."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.core.merge import Merge
from tests.nodes.fake import FakeContext, make_node
from tests.nodes.n8n_data import expected_json, load_workflow, needs_conformance, run_workflow_node

MERGE = Merge()
A = [Item({"id": 1}), Item({"id": 2})]
B = [Item({"id": 3, "x": "b"})]


async def run(version: float, parameters: dict[str, Any], *inputs: list[Item] | None) -> list[Item]:
    ctx = FakeContext(make_node("knotwork.merge", version, parameters), list(inputs))
    outputs = await MERGE.execute(ctx)
    assert len(outputs) == 1
    return outputs[0]


def summary(items: list[Item]) -> list[tuple[dict[str, Any], Any]]:
    return [(item.json, item.paired) for item in items]


# --- inputs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "parameters", "count"),
    [(1, {}, 2), (2.1, {"numberInputs": 5}, 2), (3, {}, 2), (3.2, {"numberInputs": 4}, 4), (3.1, {"numberInputs": "x"}, 2)],
)
def test_input_count(version: float, parameters: dict[str, Any], count: int) -> None:
    assert MERGE.input_count(make_node("knotwork.merge", version, parameters)) == count


@pytest.mark.parametrize(
    ("version", "mode", "required"),
    [(1, "append", None), (1, "chooseBranch", None), (2, "chooseBranch", [0, 1]), (2.1, "append", None),
     (3.2, "chooseBranch", [0, 1]), (3, "combine", None)],
)
def test_required_inputs(version: float, mode: str, required: list[int] | None) -> None:
    assert MERGE.required_inputs(make_node("knotwork.merge", version, {"mode": mode})) == required


# --- v1 -------------------------------------------------------------------------------------------


async def test_v1_append_is_the_default_and_pairs_each_item_to_its_input() -> None:
    out = await run(1, {}, A, B)
    assert summary(out) == [({"id": 1}, (0, 0)), ({"id": 2}, (1, 0)), ({"id": 3, "x": "b"}, (0, 1))]


async def test_v1_append_with_one_input_missing() -> None:
    assert summary(await run(1, {}, None, B)) == [({"id": 3, "x": "b"}, (0, 1))]


async def test_v1_pass_through_and_wait() -> None:
    first = await run(1, {"mode": "passThrough"}, A, B)
    second = await run(1, {"mode": "passThrough", "output": "input2"}, A, B)
    waited = await run(1, {"mode": "wait"}, A, B)
    assert [item.json["id"] for item in first] == [1, 2]
    assert summary(second) == [({"id": 3, "x": "b"}, (0, 1))]
    assert summary(waited) == [({}, [(0, 0), (1, 0)])]


@pytest.mark.parametrize(
    ("join", "ids"),
    [("inner", [3]), ("left", [3, 2]), ("outer", [3, 2])],
)
async def test_v1_merge_by_index(join: str, ids: list[int]) -> None:
    first = [Item({"id": 1, "a": 1}, {"f": {"data": "1"}}), Item({"id": 2})]
    out = await run(1, {"mode": "mergeByIndex", "join": join}, first, [Item({"id": 3}, {"g": {"data": "2"}})])
    assert [item.json["id"] for item in out] == ids
    assert out[0].json == {"id": 3, "a": 1} and out[0].paired == [(0, 0), (0, 1)]
    assert out[0].binary == {"f": {"data": "1"}, "g": {"data": "2"}}
    if len(out) > 1:
        assert out[1].paired == (1, 0)


async def test_v1_merge_by_index_with_an_empty_input() -> None:
    assert await run(1, {"mode": "mergeByIndex", "join": "left"}, [], B) == []
    assert summary(await run(1, {"mode": "mergeByIndex", "join": "outer"}, [], B)) == [({"id": 3, "x": "b"}, (0, 1))]
    assert [i.json for i in await run(1, {"mode": "mergeByIndex", "join": "inner"}, A, [])] == []


async def test_v1_multiplex() -> None:
    out = await run(1, {"mode": "multiplex"}, A, [Item({"x": 1}), Item({"id": 9})])
    assert summary(out) == [
        ({"id": 1, "x": 1}, [(0, 0), (0, 1)]),
        ({"id": 9}, [(0, 0), (1, 1)]),
        ({"id": 2, "x": 1}, [(1, 0), (0, 1)]),
        ({"id": 9}, [(1, 0), (1, 1)]),
    ]


KEYED_1 = [Item({"k": 1, "v": "a", "e": ""}), Item({"k": "2", "v": "b"}), Item({"v": "no key"}), Item({"k": True})]
KEYED_2 = [Item({"key": "1", "v": "A", "e": "E", "n": 1}), Item({"key": 2, "w": "W"}), Item({"key": 0, "v": "zero"})]


@pytest.mark.parametrize(
    ("overwrite", "first"),
    [
        ("always", {"k": 1, "v": "A", "e": "E", "n": 1}),
        ("blank", {"k": 1, "v": "a", "e": "E", "n": 1}),
        ("undefined", {"k": 1, "v": "a", "e": "", "n": 1}),
    ],
)
async def test_v1_merge_by_key(overwrite: str, first: dict[str, Any]) -> None:
    params = {"mode": "mergeByKey", "propertyName1": "k", "propertyName2": "key", "overwrite": overwrite}
    out = await run(1, params, KEYED_1, KEYED_2)
    # Items without the key, or with a key that cannot match (a boolean), are dropped.
    assert summary(out) == [(first, (0, 0)), ({"k": "2", "v": "b", "w": "W"}, (1, 0))]
    assert KEYED_1[0].json == {"k": 1, "v": "a", "e": ""}


async def test_v1_keep_and_remove_key_matches() -> None:
    base = {"propertyName1": "k", "propertyName2": "key"}
    kept = await run(1, {"mode": "keepKeyMatches", **base}, KEYED_1, [KEYED_2[1]])
    removed = await run(1, {"mode": "removeKeyMatches", **base}, KEYED_1, [KEYED_2[1]])
    assert summary(kept) == [({"k": "2", "v": "b"}, (1, 0))]
    assert [item.paired for item in removed] == [(0, 0), (2, 0), (3, 0)]


async def test_v1_key_modes_without_property_names() -> None:
    assert await run(1, {"mode": "keepKeyMatches"}, A, B) == []
    assert [i.json for i in await run(1, {"mode": "mergeByKey"}, A, B)] == [{"id": 1}, {"id": 2}]


async def test_v1_nested_key_paths() -> None:
    params = {"mode": "mergeByKey", "propertyName1": "a.id", "propertyName2": "b.id"}
    out = await run(1, params, [Item({"a": {"id": 5}})], [Item({"b": {"id": "5"}, "x": 1})])
    # n8n skips only a top-level key spelled exactly like propertyName2, so "b" is copied too.
    assert out[0].json == {"a": {"id": 5}, "b": {"id": "5"}, "x": 1}


# --- v2 -------------------------------------------------------------------------------------------


async def test_v2_append() -> None:
    assert [item.paired for item in await run(2, {"mode": "append"}, A, B)] == [(0, 0), (1, 0), (0, 1)]


@pytest.mark.parametrize("version", [2, 2.1])
async def test_v2_choose_branch(version: float) -> None:
    first = await run(version, {"mode": "chooseBranch"}, A, B)
    second = await run(version, {"mode": "chooseBranch", "output": "input2"}, A, B)
    empty = await run(version, {"mode": "chooseBranch", "output": "empty"}, A, B)
    assert [item.json for item in first] == [{"id": 1}, {"id": 2}]
    assert summary(second) == [({"id": 3, "x": "b"}, (0, 1))]
    assert summary(empty) == [({}, [(0, 0), (1, 0), (0, 1)])]


# --- v3 -------------------------------------------------------------------------------------------


async def test_v3_append_over_several_inputs() -> None:
    out = await run(3.2, {"numberInputs": 3}, A, None, B)
    assert summary(out) == [({"id": 1}, (0, 0)), ({"id": 2}, (1, 0)), ({"id": 3, "x": "b"}, (0, 2))]


async def test_v3_choose_branch_specified_input() -> None:
    params = {"mode": "chooseBranch", "numberInputs": 3, "useDataOfInput": 3}
    out = await run(3.1, params, A, [Item({"y": 1})], B)
    assert summary(out) == [({"id": 3, "x": "b"}, (0, 2))]
    assert [i.json for i in await run(3, {"mode": "chooseBranch"}, A, B)] == [{"id": 1}, {"id": 2}]


async def test_v3_choose_branch_missing_input() -> None:
    with pytest.raises(NodeOperationError, match="Input 3 doesn't exist") as caught:
        await run(3.2, {"mode": "chooseBranch", "useDataOfInput": 3}, A, B)
    assert caught.value.description == "The node has only 2 inputs, so selecting input 3 is not possible."


async def test_v3_choose_branch_empty_item_pairs_the_first_two_inputs() -> None:
    params = {"mode": "chooseBranch", "output": "empty", "numberInputs": 3}
    out = await run(3.2, params, A, B, [Item({})])
    assert summary(out) == [({}, [(0, 0), (1, 0), (0, 1)])]


# --- n8n conformance data (read at run time) ------------------------------------------------------


@needs_conformance
@pytest.mark.parametrize("relative", ["Merge/test/node/workflow.append.json", "Merge/test/node/workflow.chooseBranch.json"])
async def test_merge_conformance_files(relative: str) -> None:
    workflow = load_workflow(relative)
    cache: dict[str, list[list[Item]]] = {}
    for name in workflow["pinData"]:
        outputs = await run_workflow_node(workflow, relative, name, {"n8n-nodes-base.merge": MERGE}, cache)
        assert [item.json for item in outputs[0]] == expected_json(workflow, name), name
