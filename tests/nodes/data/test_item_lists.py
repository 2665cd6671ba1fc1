"""Item Lists (legacy): every operation through the shared functions, and the version differences."""

from __future__ import annotations

import pytest

from engine.errors import NodeOperationError
from nodes.data.item_lists import ItemLists

from .helpers import items, jsons, run

LISTS = ItemLists()
ROWS = items({"id": 1, "char": "a", "list": [1, 2]}, {"id": 2, "char": "b", "list": [3]}, {"id": 3, "char": "a", "list": []})


def names(*fields: str) -> dict[str, object]:
    return {"fields": [{"fieldName": field} for field in fields]}


async def test_split_out_is_the_default_operation_and_v1_needs_the_field() -> None:
    output = await run(LISTS, 1, {"fieldToSplitOut": "list", "include": "selectedOtherFields",
                                  "fieldsToInclude": names("id")}, ROWS)
    assert jsons(output) == [{"id": 1, "list": 1}, {"id": 1, "list": 2}, {"id": 2, "list": 3}]
    with pytest.raises(NodeOperationError, match="Couldn't find the field 'nope'"):
        await run(LISTS, 2, {"fieldToSplitOut": "nope"}, ROWS)
    assert await run(LISTS, 2.1, {"fieldToSplitOut": "nope"}, ROWS) == []
    with pytest.raises(NodeOperationError, match="is not an array or object"):
        await run(LISTS, 2.1, {"fieldToSplitOut": "char"}, ROWS)


async def test_split_out_from_v2_2_splits_several_fields_and_v3_reads_text_lists() -> None:
    source = items({"a": [1, 2], "b": ["x"], "tag": "t"})
    v22 = await run(LISTS, 2.2, {"fieldToSplitOut": "a, b", "include": "selectedOtherFields",
                                 "fieldsToInclude": names("tag")}, source)
    v3 = await run(LISTS, 3, {"fieldToSplitOut": "a, b", "include": "selectedOtherFields", "fieldsToInclude": "tag"},
                   source)
    assert jsons(v22) == jsons(v3) == [{"a": 1, "b": "x", "tag": "t"}, {"a": 2, "tag": "t"}]


async def test_aggregate_items_and_concatenate_items() -> None:
    individual = {"fieldsToAggregate": {"fieldToAggregate": [{"fieldToAggregate": "char"}]}}
    [v1] = await run(LISTS, 1, {"operation": "aggregateItems", **individual}, ROWS)
    [v3] = await run(LISTS, 3.1, {"operation": "concatenateItems", **individual}, ROWS)
    assert v1.json == v3.json == {"char": ["a", "b", "a"]}
    assert v3.paired == [(0, 0), (1, 0), (2, 0)]
    every = {"aggregate": "aggregateAllItemData", "include": "allFieldsExcept"}
    [old] = await run(LISTS, 2, {"operation": "aggregateItems", **every, "fieldsToExclude": names("list", "char")}, ROWS)
    [new] = await run(LISTS, 3, {"operation": "concatenateItems", **every, "fieldsToExclude": "list, char"}, ROWS)
    assert old.json == new.json == {"data": [{"id": 1}, {"id": 2}, {"id": 3}]}


async def test_before_v2_1_a_field_to_aggregate_must_exist() -> None:
    params = {"operation": "aggregateItems", "fieldsToAggregate": {"fieldToAggregate": [{"fieldToAggregate": "zz"}]}}
    with pytest.raises(NodeOperationError, match="Couldn't find the field 'zz'"):
        await run(LISTS, 2, params, ROWS)
    [out] = await run(LISTS, 2.1, params, ROWS)
    assert out.json == {"zz": []}


async def test_remove_duplicates_by_version() -> None:
    old = await run(LISTS, 1, {"operation": "removeDuplicates", "compare": "selectedFields",
                               "fieldsToCompare": names("char")}, ROWS)
    new = await run(LISTS, 3, {"operation": "removeDuplicates", "compare": "selectedFields",
                               "fieldsToCompare": "char"}, ROWS)
    assert jsons(old) == jsons(new) == [ROWS[0].json, ROWS[1].json]
    mixed = items({"v": 1}, {"v": "1"}, {"v": 1})
    with pytest.raises(NodeOperationError, match="isn't always the same type"):
        await run(LISTS, 3, {"operation": "removeDuplicates"}, mixed)
    assert jsons(await run(LISTS, 3.1, {"operation": "removeDuplicates"}, mixed)) == [{"v": 1}, {"v": "1"}]


async def test_sort_limit_and_summarize() -> None:
    sort = {"operation": "sort", "sortFieldsUi": {"sortField": [{"fieldName": "id", "order": "descending"}]}}
    assert [item.json["id"] for item in await run(LISTS, 3, sort, ROWS)] == [3, 2, 1]
    assert jsons(await run(LISTS, 1, {"operation": "limit", "keep": "lastItems"}, ROWS)) == [ROWS[2].json]
    summary = {"operation": "summarize", "fieldsToSummarize": {"values": [{"aggregation": "sum", "field": "id"}]},
               "fieldsToSplitBy": "char"}
    assert jsons(await run(LISTS, 3, summary, ROWS)) == [{"char": "a", "sum_id": 4}, {"char": "b", "sum_id": 2}]
    missing = {"operation": "summarize", "fieldsToSummarize": {"values": [{"field": "zz"}]}}
    with pytest.raises(NodeOperationError, match="does not exist in any items"):
        await run(LISTS, 2, missing, ROWS)
    assert jsons(await run(LISTS, 2.1, missing, ROWS)) == [{"count_zz": 0}]


async def test_unknown_operation() -> None:
    with pytest.raises(NodeOperationError, match="operation 'explode' is not known"):
        await run(LISTS, 3, {"operation": "explode"}, ROWS)
