"""Split Out: lists, objects, scalars, several fields, $binary, include modes, options, errors."""

from __future__ import annotations

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.data.split_out import SplitOut

from .helpers import items, jsons, run

SPLIT = SplitOut()
FILE_A = {"data": "YQ==", "mimeType": "text/plain", "fileName": "a.txt"}
FILE_B = {"data": "Yg==", "mimeType": "text/plain", "fileName": "b.txt"}


async def test_a_list_of_objects_becomes_items_paired_with_their_source() -> None:
    # Given one item holding a list of objects
    source = items({"rows": [{"a": 1}, {"a": 2}], "other": "x"})
    # When split out without other fields
    output = await run(SPLIT, 1, {"fieldToSplitOut": "rows"}, source)
    # Then each object is an item of its own, paired with the input item
    assert jsons(output) == [{"a": 1}, {"a": 2}]
    assert [item.paired for item in output] == [(0, 0), (0, 0)]


async def test_scalars_objects_and_missing_fields() -> None:
    source = items({"v": [1, 2]}, {"v": {"x": 1, "y": 2}}, {"v": "alone"}, {"w": 1})
    output = await run(SPLIT, 1, {"fieldToSplitOut": "$json.v"}, source)
    assert jsons(output) == [{"v": 1}, {"v": 2}, {"v": 1}, {"v": 2}, {"v": "alone"}]
    assert [item.paired for item in output] == [(0, 0), (0, 0), (1, 0), (1, 0), (2, 0)]


async def test_dot_notation_and_its_option() -> None:
    source = items({"a": {"b": [1, 2]}, "a.b": ["literal"]})
    nested = await run(SPLIT, 1, {"fieldToSplitOut": "a.b"}, items({"a": {"b": [1, 2]}}))
    literal = await run(SPLIT, 1, {"fieldToSplitOut": "a.b", "options": {"disableDotNotation": True}}, source)
    assert jsons(nested) == [{"a.b": 1}, {"a.b": 2}]
    assert jsons(literal) == [{"a.b": "literal"}]


async def test_several_fields_split_side_by_side_into_destinations() -> None:
    source = items({"names": ["x", "y", "z"], "ids": [1, 2]})
    params = {"fieldToSplitOut": "names, ids", "options": {"destinationFieldName": "name, id"}}
    output = await run(SPLIT, 1, params, source)
    assert jsons(output) == [{"name": "x", "id": 1}, {"name": "y", "id": 2}, {"name": "z"}]


async def test_destination_count_must_match() -> None:
    params = {"fieldToSplitOut": "a, b", "options": {"destinationFieldName": "one"}}
    with pytest.raises(NodeOperationError, match="same number of destination fields"):
        await run(SPLIT, 1, params, items({"a": [1], "b": [2]}))


async def test_include_all_other_fields_removes_the_split_field() -> None:
    source = items({"list": [{"a": 1}], "keep": True, "nested": {"list": [5], "stay": 1}})
    output = await run(SPLIT, 1, {"fieldToSplitOut": "nested.list", "include": "allOtherFields"}, source)
    assert jsons(output) == [{"list": [{"a": 1}], "keep": True, "nested": {"stay": 1}, "nested.list": 5}]
    assert source[0].json["nested"] == {"list": [5], "stay": 1}  # the input is untouched


async def test_include_selected_fields_and_the_empty_selection_error() -> None:
    source = items({"list": [1, 2], "keep": "k", "drop": "d"})
    params = {"fieldToSplitOut": "list", "include": "selectedOtherFields", "fieldsToInclude": "keep, absent"}
    output = await run(SPLIT, 1, params, source)
    assert jsons(output) == [{"list": 1, "keep": "k"}, {"list": 2, "keep": "k"}]
    with pytest.raises(NodeOperationError, match="No fields specified") as caught:
        await run(SPLIT, 1, {**params, "fieldsToInclude": ""}, source)
    assert caught.value.item_index == 0


async def test_continue_on_fail_turns_the_failing_item_into_an_error_item() -> None:
    params = {"fieldToSplitOut": "list", "include": "selectedOtherFields"}
    output = await run(SPLIT, 1, params, items({"list": [1]}), on_error="continueRegularOutput")
    assert jsons(output) == [{"error": "No fields specified"}]
    assert output[0].paired == (0, 0)


async def test_binary_split_and_include_binary() -> None:
    source = [Item({"list": [1, 2]}, {"a": FILE_A, "b": FILE_B})]
    by_file = await run(SPLIT, 1, {"fieldToSplitOut": "$binary"}, source)
    assert [item.binary for item in by_file] == [{"a": FILE_A}, {"b": FILE_B}]
    kept = await run(SPLIT, 1, {"fieldToSplitOut": "list", "options": {"includeBinary": True}}, source)
    dropped = await run(SPLIT, 1, {"fieldToSplitOut": "list"}, source)
    assert [item.binary for item in kept] == [source[0].binary] * 2
    assert [item.binary for item in dropped] == [None, None]
