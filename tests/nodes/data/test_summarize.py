"""Summarize: every aggregation, split by fields, both output formats and every option."""

from __future__ import annotations

import pytest

from engine.errors import NodeOperationError
from nodes.data.summarize import Summarize

from .helpers import items, jsons, run

SUMMARIZE = Summarize()
SALES = items(
    {"region": "north", "rep": "ann", "amount": 10, "note": "a"},
    {"region": "south", "rep": "bob", "amount": 5.5, "note": ""},
    {"region": "north", "rep": "ann", "amount": "7", "note": None},
    {"region": "north", "rep": "cid", "amount": 2},
)


def summary(*entries: dict[str, object], **extra: object) -> dict[str, object]:
    return {"fieldsToSummarize": {"values": list(entries)}, **extra}


async def test_every_aggregation_over_all_items() -> None:
    params = summary(
        {"aggregation": "append", "field": "note"},
        {"aggregation": "average", "field": "amount"},
        {"aggregation": "concatenate", "field": "rep", "separateBy": ", "},
        {"aggregation": "count", "field": "note"},
        {"aggregation": "countUnique", "field": "rep"},
        {"aggregation": "max", "field": "amount"},
        {"aggregation": "min", "field": "rep"},
        {"aggregation": "sum", "field": "amount"},
    )
    [out] = await run(SUMMARIZE, 1.1, params, SALES)
    assert out.json == {
        "appended_note": ["a"],
        "average_amount": 17.5 / 3,  # the text "7" is not a number
        "concatenated_rep": "ann, bob, ann, cid",
        "count_note": 1,
        "unique_count_rep": 3,
        "max_amount": 10,
        "min_rep": "ann",
        "sum_amount": 17.5,
    }
    assert out.paired == [(0, 0), (1, 0), (2, 0), (3, 0)]


async def test_include_empty_and_custom_separator() -> None:
    params = summary(
        {"aggregation": "append", "field": "note", "includeEmpty": True},
        {"aggregation": "concatenate", "field": "note", "includeEmpty": True, "separateBy": "other",
         "customSeparator": "|"},
        {"aggregation": "count", "field": "note", "includeEmpty": True},
        {"aggregation": "countUnique", "field": "note", "includeEmpty": True},
    )
    [out] = await run(SUMMARIZE, 1.1, params, SALES)
    assert out.json == {
        "appended_note": ["a", "", None, None],
        "concatenated_note": "a||null|undefined",
        "count_note": 4,
        "unique_count_note": 4,
    }


async def test_split_by_fields_in_separate_items_v1_text_and_v1_1_types() -> None:
    source = items({"n": 2, "v": 1}, {"n": 1, "v": 2}, {"n": 2, "v": 3}, {"n": None, "v": 4})
    params = summary({"aggregation": "sum", "field": "v"}, fieldsToSplitBy="n")
    v1 = await run(SUMMARIZE, 1, params, source)
    v11 = await run(SUMMARIZE, 1.1, params, source)
    # groups come in JavaScript key order: integer keys ascending first
    assert jsons(v1) == [{"n": "1", "sum_v": 2}, {"n": "2", "sum_v": 4}, {"n": "null", "sum_v": 4}]
    assert jsons(v11) == [{"n": 1, "sum_v": 2}, {"n": 2, "sum_v": 4}, {"n": None, "sum_v": 4}]
    assert [item.paired for item in v11] == [[(1, 0)], [(0, 0), (2, 0)], [(3, 0)]]


async def test_two_split_fields_and_the_single_item_format() -> None:
    params = summary({"aggregation": "count", "field": "amount"}, fieldsToSplitBy="region, rep")
    separate = await run(SUMMARIZE, 1.1, params, SALES)
    [single] = await run(SUMMARIZE, 1.1, {**params, "options": {"outputFormat": "singleItem"}}, SALES)
    assert jsons(separate) == [
        {"region": "north", "rep": "ann", "count_amount": 2},
        {"region": "north", "rep": "cid", "count_amount": 1},
        {"region": "south", "rep": "bob", "count_amount": 1},
    ]
    assert single.json == {"north": {"ann": {"count_amount": 2}, "cid": {"count_amount": 1}},
                           "south": {"bob": {"count_amount": 1}}}
    assert single.paired == [(0, 0), (1, 0), (2, 0), (3, 0)]


async def test_skip_empty_split_fields() -> None:
    source = items({"k": "", "v": 1}, {"k": 0, "v": 2}, {"v": 3}, {"k": "a", "v": 4})
    params = summary({"aggregation": "sum", "field": "v"}, fieldsToSplitBy="k",
                     options={"skipEmptySplitFields": True})
    assert jsons(await run(SUMMARIZE, 1.1, params, source)) == [{"k": 0, "sum_v": 2}, {"k": "a", "sum_v": 4}]


async def test_dot_notation_and_output_key_cleanup() -> None:
    nested_source = items({"a": {"b": 1}}, {"a": {"b": 2}})
    params = summary({"aggregation": "sum", "field": "a.b"})
    [nested] = await run(SUMMARIZE, 1.1, params, nested_source)
    [literal] = await run(SUMMARIZE, 1.1, {**params, "options": {"disableDotNotation": True}},
                          items({"a": {"b": 1}, "a.b": 10}, {"a.b": 20}))
    [missed] = await run(SUMMARIZE, 1.1, {**params, "options": {"disableDotNotation": True}}, nested_source)
    assert nested.json == {"sum_a_b": 3} and literal.json == {"sum_a_b": 30} and missed.json == {"sum_a_b": 0}


async def test_missing_field_fails_v1_unless_continue_and_only_hints_in_v1_1() -> None:
    params = summary({"aggregation": "count", "field": "ghost"})
    with pytest.raises(NodeOperationError, match="The field 'ghost' does not exist in any items"):
        await run(SUMMARIZE, 1, params, SALES)
    [kept] = await run(SUMMARIZE, 1, {**params, "options": {"continueIfFieldNotFound": True}}, SALES)
    [hinted] = await run(SUMMARIZE, 1.1, params, SALES)
    assert kept.json == hinted.json == {"count_ghost": 0}


async def test_no_field_at_all_is_an_error() -> None:
    with pytest.raises(NodeOperationError, match="at least one aggregation"):
        await run(SUMMARIZE, 1.1, summary({"aggregation": "sum", "field": ""}), SALES)


async def test_min_max_empty_and_average_of_nothing_are_null() -> None:
    params = summary({"aggregation": "min", "field": "x"}, {"aggregation": "average", "field": "x"})
    [out] = await run(SUMMARIZE, 1.1, params, items({"x": ""}, {"x": None}))
    assert out.json == {"min_x": None, "average_x": None}
