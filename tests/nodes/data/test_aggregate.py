"""Aggregate: individual fields (rename, merge lists, keep missing, dot notation), all item data
(include / exclude), binaries, group by, and the errors."""

from __future__ import annotations

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.data.aggregate import Aggregate

from .helpers import items, jsons, run

AGGREGATE = Aggregate()
SAMPLE = items({"id": 1, "tags": ["a", None], "user": {"name": "x"}}, {"id": None, "tags": ["b"]}, {"tags": "c"})


def fields(*entries: dict[str, object]) -> dict[str, object]:
    return {"fieldsToAggregate": {"fieldToAggregate": list(entries)}}


async def test_individual_fields_skip_missing_and_null_values_and_pair_every_item() -> None:
    [out] = await run(AGGREGATE, 1, fields({"fieldToAggregate": "id"}, {"fieldToAggregate": "tags"}), SAMPLE)
    assert out.json == {"id": [1], "tags": [["a"], ["b"], "c"]}
    assert out.paired == [(0, 0), (1, 0), (2, 0)]


async def test_rename_merge_lists_and_keep_missing() -> None:
    params = {
        **fields({"fieldToAggregate": "id", "renameField": True, "outputFieldName": "ids"},
                 {"fieldToAggregate": "tags"}),
        "options": {"mergeLists": True, "keepMissing": True},
    }
    [out] = await run(AGGREGATE, 1, params, SAMPLE)
    assert out.json == {"ids": [1, None, None], "tags": ["a", None, "b", "c"]}


async def test_dot_notation_names_the_output_after_the_last_step() -> None:
    [nested] = await run(AGGREGATE, 1, fields({"fieldToAggregate": "user.name"}), SAMPLE)
    flat = Item({"user.name": "literal"})
    [literal] = await run(AGGREGATE, 1, {**fields({"fieldToAggregate": "user.name"}),
                                         "options": {"disableDotNotation": True}}, [flat])
    assert nested.json == {"name": ["x"]}
    assert literal.json == {"user.name": ["literal"]}


async def test_output_path_with_dots_nests() -> None:
    params = fields({"fieldToAggregate": "id", "renameField": True, "outputFieldName": "out.ids"})
    [out] = await run(AGGREGATE, 1, params, SAMPLE)
    assert out.json == {"out": {"ids": [1]}}


async def test_field_errors() -> None:
    with pytest.raises(NodeOperationError, match="No fields specified"):
        await run(AGGREGATE, 1, {"fieldsToAggregate": {"fieldToAggregate": []}}, SAMPLE)
    twice = fields({"fieldToAggregate": "id"}, {"fieldToAggregate": "id"})
    with pytest.raises(NodeOperationError, match="'id' output field is used more than once"):
        await run(AGGREGATE, 1, twice, SAMPLE)


async def test_all_item_data_with_include_and_exclude() -> None:
    base = {"aggregate": "aggregateAllItemData"}
    source = items({"a": 1, "b": 2}, {"b": 3}, {"c": 4})
    [everything] = await run(AGGREGATE, 1, base, source)
    [chosen] = await run(AGGREGATE, 1, {**base, "include": "specifiedFields", "fieldsToInclude": "a, c",
                                        "destinationFieldName": "rows"}, source)
    [others] = await run(AGGREGATE, 1, {**base, "include": "allFieldsExcept", "fieldsToExclude": "b"}, source)
    assert everything.json == {"data": [{"a": 1, "b": 2}, {"b": 3}, {"c": 4}]}
    assert chosen.json == {"rows": [{"a": 1}, {"c": 4}]} and chosen.paired == [(0, 0), (2, 0)]
    assert others.json == {"data": [{"a": 1}, {"c": 4}]}


async def test_binaries_are_collected_with_suffixes_or_kept_unique() -> None:
    file = {"data": "YQ==", "mimeType": "text/plain", "fileSize": "1 B", "fileExtension": "txt"}
    other = {**file, "fileSize": "2 B"}
    source = [Item({"id": 1}, {"data": file}), Item({"id": 2}, {"data": file}), Item({"id": 3}, {"data": other})]
    params = {**fields({"fieldToAggregate": "id"}), "options": {"includeBinaries": True}}
    [every] = await run(AGGREGATE, 1, params, source)
    [unique] = await run(AGGREGATE, 1, {**params, "options": {"includeBinaries": True, "keepOnlyUnique": True}}, source)
    [none] = await run(AGGREGATE, 1, fields({"fieldToAggregate": "id"}), source)
    assert every.binary == {"data": file, "data_1": file, "data_2": other}
    assert unique.binary == {"data": file, "data_1": other}
    assert none.binary is None


async def test_group_by_fields_gives_one_item_per_combination() -> None:
    source = items({"k": "x", "v": 1}, {"k": "y", "v": 2}, {"k": "x", "v": 3})
    params = {**fields({"fieldToAggregate": "v"}), "options": {"groupByFields": "k"}}
    output = await run(AGGREGATE, 1, params, source)
    assert jsons(output) == [{"k": "x", "v": [1, 3]}, {"k": "y", "v": [2]}]
    assert [item.paired for item in output] == [(0, 0), (1, 0)]
    with pytest.raises(NodeOperationError, match="non-scalar"):
        await run(AGGREGATE, 1, params, items({"k": [1], "v": 1}))
    clash = {**fields({"fieldToAggregate": "k"}), "options": {"groupByFields": "k"}}
    with pytest.raises(NodeOperationError, match="conflicts with a Group By field"):
        await run(AGGREGATE, 1, clash, source)
