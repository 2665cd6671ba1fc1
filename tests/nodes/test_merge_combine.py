"""Merge combine modes: matching fields (every join mode and option), position, all combinations, SQL."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.core.dot_path import MISSING
from nodes.core.merge import Merge
from nodes.core.merge_objects import deep_merge, fuzzy_equal, fuzzy_tokens, shallow_merge
from tests.nodes.fake import FakeContext, make_node

MERGE = Merge()
LEFT = [Item({"id": 1, "a": "x"}), Item({"id": 2, "a": "y"}), Item({"id": 3, "a": "z"})]
RIGHT = [Item({"id": 2, "b": "p"}), Item({"id": 4, "b": "q"}), Item({"id": 2, "b": "r"})]


async def run(version: float, parameters: dict[str, Any], *inputs: list[Item] | None) -> list[Item]:
    ctx = FakeContext(make_node("knotwork.merge", version, parameters), list(inputs))
    outputs = await MERGE.execute(ctx)
    assert len(outputs) == 1
    return outputs[0]


def by_fields(join: str = "keepMatches", **extra: Any) -> dict[str, Any]:
    return {"mode": "combine", "combineBy": "combineByFields", "fieldsToMatchString": "id", "joinMode": join, **extra}


def jsons(items: list[Item]) -> list[dict[str, Any]]:
    return [item.json for item in items]


# --- combine by fields: join modes ----------------------------------------------------------------


async def test_keep_matches_merges_each_match_and_pairs_both_items() -> None:
    out = await run(3.2, by_fields(), LEFT, RIGHT)
    assert jsons(out) == [{"id": 2, "a": "y", "b": "p"}, {"id": 2, "a": "y", "b": "r"}]
    assert [item.paired for item in out] == [[(1, 0), (0, 1)], [(1, 0), (2, 1)]]


async def test_keep_matches_output_from_one_input() -> None:
    first = await run(3.2, by_fields(outputDataFrom="input1"), LEFT, RIGHT)
    assert jsons(first) == [{"id": 2, "a": "y"}] and first[0].paired == (1, 0)
    second = await run(3.2, by_fields(outputDataFrom="input2"), LEFT, RIGHT)
    assert jsons(second) == [{"id": 2, "b": "p"}, {"id": 2, "b": "r"}]
    assert [item.paired for item in second] == [(0, 1), (2, 1)]


async def test_keep_non_matches_from_both_marks_the_source() -> None:
    out = await run(3.2, by_fields("keepNonMatches"), LEFT, RIGHT)
    assert jsons(out) == [
        {"id": 1, "a": "x", "_source": "input1"},
        {"id": 3, "a": "z", "_source": "input1"},
        {"id": 4, "b": "q", "_source": "input2"},
    ]
    only_two = await run(3.2, by_fields("keepNonMatches", outputDataFrom="input2"), LEFT, RIGHT)
    assert jsons(only_two) == [{"id": 4, "b": "q"}]


async def test_keep_everything_is_an_outer_join() -> None:
    out = await run(3.2, by_fields("keepEverything"), LEFT, RIGHT)
    assert jsons(out) == [
        {"id": 2, "a": "y", "b": "p"},
        {"id": 2, "a": "y", "b": "r"},
        {"id": 1, "a": "x"},
        {"id": 3, "a": "z"},
        {"id": 4, "b": "q"},
    ]


async def test_enrich_input1_is_a_left_join() -> None:
    out = await run(3.2, by_fields("enrichInput1"), LEFT, RIGHT)
    assert jsons(out) == [{"id": 2, "a": "y", "b": "p"}, {"id": 2, "a": "y", "b": "r"}, {"id": 1, "a": "x"}, {"id": 3, "a": "z"}]


async def test_enrich_input2_prefers_input1_values_by_default() -> None:
    left, right = [Item({"id": 1, "v": "left"})], [Item({"id": 1, "v": "right"}), Item({"id": 9, "v": "alone"})]
    out = await run(3.2, by_fields("enrichInput2"), left, right)
    assert jsons(out) == [{"id": 1, "v": "left"}, {"id": 9, "v": "alone"}]
    assert out[0].paired == [(0, 1), (0, 0)]


async def test_first_match_only() -> None:
    out = await run(3.2, by_fields(options={"multipleMatches": "first"}), LEFT, RIGHT)
    assert jsons(out) == [{"id": 2, "a": "y", "b": "p"}]


async def test_several_fields_and_different_names() -> None:
    parameters = by_fields(advanced=True, mergeByFields={"values": [{"field1": "k", "field2": "key"}, {"field1": "n", "field2": "n"}]})
    left = [Item({"k": 1, "n": "a"}), Item({"k": 1, "n": "b"})]
    right = [Item({"key": 1, "n": "b", "hit": True})]
    assert jsons(await run(3.2, parameters, left, right)) == [{"k": 1, "n": "b", "key": 1, "hit": True}]


async def test_strict_compare_tells_types_apart() -> None:
    left = [Item({"id": 1}), Item({"id": True}), Item({"id": "1"}), Item({"id": {"x": [1.0]}})]
    right = [Item({"id": 1.0, "t": "num"}), Item({"id": {"x": [1]}, "t": "obj"})]
    out = await run(3.2, by_fields(), left, right)
    assert jsons(out) == [{"id": 1.0, "t": "num"}, {"id": {"x": [1]}, "t": "obj"}]


async def test_fuzzy_compare_matches_across_types() -> None:
    left = [Item({"id": 3}), Item({"id": "true"}), Item({"id": None}), Item({"id": '{"a":1}'})]
    right = [Item({"id": "3", "t": 1}), Item({"id": True, "t": 2}), Item({"id": "", "t": 3}), Item({"id": {"a": 1}, "t": 4})]
    out = await run(3.2, by_fields(options={"fuzzyCompare": True}, outputDataFrom="input2"), left, right)
    assert [item.json["t"] for item in out] == [1, 2, 3, 4]


def test_fuzzy_tokens_cover_every_fuzzy_match() -> None:
    values = [MISSING, None, "", [], {}, 0, 1, 1.5, "0", "1", "TRUE", "false", "x", True, False, [1], "[1]", {"a": 1}, '{"a": 1}']
    for one in values:
        for two in values:
            if one is MISSING:
                continue
            if fuzzy_equal(one, two):
                assert fuzzy_tokens(one) & fuzzy_tokens(two), (one, two)


async def test_dot_notation_and_disabling_it() -> None:
    left = [Item({"user": {"id": 7}, "user.id": 1})]
    right = [Item({"uid": 7, "hit": "nested"}), Item({"uid": 1, "hit": "flat"})]
    parameters = by_fields(advanced=True, mergeByFields={"values": [{"field1": "user.id", "field2": "uid"}]}, outputDataFrom="input2")
    # lodash `get` reads a literal "user.id" key first
    assert jsons(await run(3.2, parameters, left, right)) == [{"uid": 1, "hit": "flat"}]
    nested = [Item({"user": {"id": 7}})]
    assert jsons(await run(3.2, parameters, nested, right)) == [{"uid": 7, "hit": "nested"}]
    flat = {**parameters, "options": {"disableDotNotation": True}}
    assert await run(3.2, flat, nested, right) == []


async def test_items_missing_the_field_never_match() -> None:
    out = await run(3.2, by_fields("keepNonMatches", outputDataFrom="input1"), [Item({"other": 1})], [Item({"id": 1})])
    assert jsons(out) == [{"other": 1}]


async def test_empty_input_rules() -> None:
    assert await run(3.2, by_fields(), LEFT, []) == []
    assert jsons(await run(3.2, by_fields("keepEverything"), LEFT[:1], [])) == [{"id": 1, "a": "x"}]
    assert await run(3.2, by_fields("enrichInput1"), [], RIGHT) == []
    assert await run(3.2, by_fields("keepNonMatches", outputDataFrom="input2"), LEFT, []) == []


async def test_missing_field_names_are_reported() -> None:
    with pytest.raises(NodeOperationError, match="at least one pair of fields"):
        await run(3.2, by_fields(fieldsToMatchString=""), LEFT, RIGHT)
    with pytest.raises(NodeOperationError, match="both fields"):
        await run(3.2, by_fields(advanced=True, mergeByFields={"values": [{"field1": "id"}, {"field1": "", "field2": ""}]}), LEFT, RIGHT)


async def test_v2_0_requires_the_field_in_each_input() -> None:
    parameters = {"mode": "combine", "mergeByFields": {"values": [{"field1": "id", "field2": "nope"}]}}
    with pytest.raises(NodeOperationError, match="Field 'nope' is not present in any of items in 'Input 2'"):
        await run(2, parameters, LEFT, RIGHT)
    assert await run(2.1, parameters, LEFT, RIGHT) == []


async def test_hash_join_handles_large_inputs_quickly() -> None:
    count = 20_000
    left = [Item({"id": n, "l": n}) for n in range(count)]
    right = [Item({"id": count - 1 - n, "r": n}) for n in range(count)]
    started = time.perf_counter()
    out = await run(3.2, by_fields(), left, right)
    assert len(out) == count and out[0].json == {"id": 0, "l": 0, "r": count - 1}
    assert time.perf_counter() - started < 5  # a nested loop would take minutes


# --- clash handling ---------------------------------------------------------------------------------


CLASH_LEFT = [Item({"id": 1, "v": "one", "deep": {"a": 1, "list": [1, 2, 3]}, "empty": "kept"})]
CLASH_RIGHT = [Item({"id": 1, "v": "two", "deep": {"b": 2, "list": [9]}, "empty": ""})]


def clash(**values: Any) -> dict[str, Any]:
    return by_fields("enrichInput1", options={"clashHandling": {"values": values}})


async def test_prefer_last_deep_merges_by_default() -> None:
    out = await run(3.2, clash(resolveClash="preferLast"), CLASH_LEFT, CLASH_RIGHT)
    assert out[0].json == {"id": 1, "v": "two", "deep": {"a": 1, "b": 2, "list": [9, 2, 3]}, "empty": ""}


async def test_prefer_input1_and_shallow_merge() -> None:
    out = await run(3.2, clash(resolveClash="preferInput1", mergeMode="shallowMerge"), CLASH_LEFT, CLASH_RIGHT)
    assert out[0].json == CLASH_LEFT[0].json
    assert out[0].paired == [(0, 1), (0, 0)]


async def test_minimize_empty_fields() -> None:
    out = await run(3.2, clash(resolveClash="preferLast", mergeMode="deepMerge", overrideEmpty=True), CLASH_LEFT, CLASH_RIGHT)
    assert out[0].json["empty"] == "kept"


async def test_add_suffix_renames_every_field() -> None:
    out = await run(3.2, by_fields("keepEverything", options={"clashHandling": {"values": {"resolveClash": "addSuffix"}}}),
                    [Item({"id": 1, "v": "a"}), Item({"id": 5})], [Item({"id": 1, "v": "b"})])
    assert jsons(out) == [{"id_1": 1, "v_1": "a", "id_2": 1, "v_2": "b"}, {"id_1": 5}]


async def test_v2_prefer_input2_is_prefer_last() -> None:
    parameters = {"mode": "combine", "mergeByFields": {"values": [{"field1": "id", "field2": "id"}]}, "joinMode": "enrichInput1",
                  "options": {"clashHandling": {"values": {"resolveClash": "preferInput2"}}}}
    out = await run(2.1, parameters, CLASH_LEFT, CLASH_RIGHT)
    assert out[0].json["v"] == "two"


def test_merge_helpers_never_mutate_their_sources() -> None:
    source = {"a": {"b": [1]}}
    merged = deep_merge(source, {"a": {"b": [2], "c": 3}})
    assert merged == {"a": {"b": [2], "c": 3}} and source == {"a": {"b": [1]}}
    assert shallow_merge({"a": 1, "b": 2}, {"a": None}, keep_empty_target=True) == {"a": 1, "b": 2}


# --- by position and all combinations ---------------------------------------------------------------


async def test_v2_merge_by_position() -> None:
    parameters = {"mode": "combine", "combinationMode": "mergeByPosition"}
    out = await run(2.1, parameters, [Item({"a": 1, "v": 1}), Item({"a": 2})], [Item({"b": 1, "v": 2})])
    assert jsons(out) == [{"a": 1, "v": 2, "b": 1}] and out[0].paired == [(0, 0), (0, 1)]
    unpaired = {**parameters, "options": {"includeUnpaired": True, "clashHandling": {"values": {"resolveClash": "preferInput1"}}}}
    out = await run(2.1, unpaired, [Item({"a": 1, "v": 1}), Item({"a": 2})], [Item({"b": 1, "v": 2})])
    assert jsons(out) == [{"b": 1, "v": 1, "a": 1}, {"a": 2}]
    assert jsons(await run(2.1, parameters, [Item({"a": 1})], [])) == [{"a": 1}]


async def test_v3_combine_by_position_over_three_inputs() -> None:
    parameters = {"mode": "combine", "combineBy": "combineByPosition", "numberInputs": 3}
    one, two, three = [Item({"v": 1, "a": 1}), Item({"v": 1})], [Item({"v": 2, "b": 2})], [Item({"v": 3}), Item({"v": 3})]
    assert jsons(await run(3.2, parameters, one, two, three)) == [{"v": 3, "a": 1, "b": 2}]
    preferred = {**parameters, "options": {"includeUnpaired": True, "clashHandling": {"values": {"resolveClash": "preferInput2"}}}}
    out = await run(3.2, preferred, one, two, three)
    assert jsons(out) == [{"v": 2, "a": 1, "b": 2}, {"v": 3}]  # no input-2 item: the last one present wins
    assert out[1].paired == [(1, 0), (1, 2)]
    suffixed = {**parameters, "options": {"clashHandling": {"values": {"resolveClash": "addSuffix"}}}}
    assert jsons(await run(3.2, suffixed, one, two, three)) == [{"v_1": 1, "a_1": 1, "v_2": 2, "b_2": 2, "v_3": 3}]
    with pytest.raises(NodeOperationError, match="preferInput4"):
        await run(3.2, {**parameters, "options": {"clashHandling": {"values": {"resolveClash": "preferInput4"}}}}, one, two, three)


@pytest.mark.parametrize("version, parameters", [
    (2.1, {"mode": "combine", "combinationMode": "multiplex"}),
    (3.2, {"mode": "combine", "combineBy": "combineAll"}),
])
async def test_all_combinations(version: float, parameters: dict[str, Any]) -> None:
    out = await run(version, parameters, [Item({"a": 1, "v": 1}), Item({"a": 2})], [Item({"b": 1, "v": 2}), Item({"b": 2})])
    assert jsons(out) == [{"a": 1, "v": 2, "b": 1}, {"a": 1, "v": 1, "b": 2}, {"a": 2, "b": 1, "v": 2}, {"a": 2, "b": 2}]
    assert out[1].paired == [(0, 0), (1, 1)]
    prefer_first = {**parameters, "options": {"clashHandling": {"values": {"resolveClash": "preferInput1"}}}}
    assert (await run(version, prefer_first, [Item({"v": 1})], [Item({"v": 2})]))[0].json == {"v": 1}


# --- SQL ----------------------------------------------------------------------------------------


def sql(query: str, version: float = 3.2, **extra: Any) -> dict[str, Any]:
    return {"mode": "combineBySql", "query": query, **extra}


async def test_sql_join_pairs_rows_with_their_items() -> None:
    out = await run(3.2, sql("SELECT * FROM input1 LEFT JOIN input2 ON input1.id = input2.id ORDER BY input1.id"), LEFT, RIGHT)
    assert [(item.json["a"], item.json["b"]) for item in out] == [("x", None), ("y", "p"), ("y", "r"), ("z", None)]
    assert out[1].paired == [(1, 0), (0, 1)]
    assert all("__kw_item_input1" not in item.json for item in out)


async def test_sql_aggregates_pair_with_every_item_and_keep_objects() -> None:
    out = await run(3.2, sql("SELECT count(*) AS n FROM input1"), LEFT, RIGHT)
    assert jsons(out) == [{"n": 3}] and len(out[0].paired) == 6  # type: ignore[arg-type]
    nested = await run(3.2, sql("SELECT tags FROM input1"), [Item({"tags": ["a", "b"]})], [])
    assert jsons(nested) == [{"tags": ["a", "b"]}]


async def test_sql_over_three_inputs() -> None:
    out = await run(3.2, sql("SELECT v FROM input1 UNION ALL SELECT v FROM input3", numberInputs=3),
                    [Item({"v": 1})], [Item({"w": 2})], [Item({"v": 3})])
    assert jsons(out) == [{"v": 1}, {"v": 3}]


async def test_sql_empty_result_depends_on_version_and_option() -> None:
    query = "SELECT * FROM input1 WHERE 0"
    assert await run(3.2, sql(query), LEFT, RIGHT) == []
    assert jsons(await run(3.2, sql(query, options={"emptyQueryResult": "success"}), LEFT, RIGHT)) == [{"success": True}]
    assert jsons(await run(3.1, sql(query), LEFT, RIGHT)) == [{"success": True}]


async def test_sql_errors_are_clear_and_files_are_out_of_reach(tmp_path: Any) -> None:
    with pytest.raises(NodeOperationError, match="Issue while executing query") as caught:
        await run(3.2, sql("SELECT * FROM nowhere"), LEFT, RIGHT)
    assert "no such table" in (caught.value.description or "")
    with pytest.raises(NodeOperationError, match="Issue while executing query"):
        await run(3.2, sql(f"ATTACH DATABASE '{tmp_path}/x.db' AS x"), LEFT, RIGHT)
    assert not (tmp_path / "x.db").exists()
    with pytest.raises(NodeOperationError, match="query is empty"):
        await run(3.2, sql("  "), LEFT, RIGHT)


async def test_sql_blobs_become_base64_text() -> None:
    out = await run(3.2, sql("SELECT x'6869' AS raw"), LEFT, RIGHT)
    assert jsons(out) == [{"raw": "aGk="}]
