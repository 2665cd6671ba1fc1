"""Remove Duplicates: input duplicates (all / except / selected fields, options, checks) in v1, v1.1
and v2, and v2's history of previous executions kept in workflow static data."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.runner import execute_workflow
from engine.workflow import parse_workflow
from nodes.data.remove_duplicates import RemoveDuplicates
from tests.nodes.fake import make_node

from .helpers import DataContext, items, jsons, run, run_outputs

DEDUPE = RemoveDuplicates()
PEOPLE = items(
    {"name": "ann", "age": 30, "tags": {"b": 1, "a": 2}},
    {"name": "bob", "age": 30, "tags": {"a": 2, "b": 1}},
    {"name": "ann", "age": 30, "tags": {"a": 2, "b": 1}},
    {"name": "ann", "age": 30.0, "tags": {"a": 2, "b": 1}},
)


@pytest.mark.parametrize("version", [1, 1.1, 2])
async def test_all_fields_keeps_the_first_of_equal_items(version: float) -> None:
    # objects compare without key order and 30 equals 30.0, as lodash isEqual does
    output = await run(DEDUPE, version, {}, PEOPLE)
    assert jsons(output) == [PEOPLE[0].json, PEOPLE[1].json]
    assert [item.paired for item in output] == [(0, 0), (1, 0)]


async def test_v2_has_kept_and_discarded_outputs_v1_one() -> None:
    assert DEDUPE.output_count(make_node("knotwork.removeDuplicates", 2, {})) == 2
    assert DEDUPE.output_count(make_node("knotwork.removeDuplicates", 1, {})) == 1
    kept, discarded = await run_outputs(DEDUPE, 2, {}, PEOPLE)
    assert len(kept) == 2 and discarded == []


async def test_selected_fields_with_nested_paths_and_remove_other_fields() -> None:
    params = {"compare": "selectedFields", "fieldsToCompare": "name, tags.a", "options": {"removeOtherFields": True}}
    output = await run(DEDUPE, 2, params, PEOPLE)
    assert jsons(output) == [{"name": "ann", "tags": {"a": 2}}, {"name": "bob", "tags": {"a": 2}}]


async def test_all_fields_except() -> None:
    output = await run(DEDUPE, 2, {"compare": "allFieldsExcept", "fieldsToExclude": "name"}, PEOPLE)
    assert jsons(output) == [PEOPLE[0].json]


async def test_disabled_dot_notation_compares_top_level_keys() -> None:
    params = {"compare": "selectedFields", "fieldsToCompare": "a.b", "options": {"disableDotNotation": True}}
    literal = items({"a.b": 1, "a": {"b": 9}}, {"a.b": 1, "a": {"b": 8}})
    nested = items({"a": {"b": 9}}, {"a": {"b": 8}})
    assert len(await run(DEDUPE, 2, params, literal)) == 1
    assert len(await run(DEDUPE, 2, {**params, "options": {}}, nested)) == 2
    with pytest.raises(NodeOperationError) as caught:
        await run(DEDUPE, 2, params, nested)
    assert "disable dot notation" in (caught.value.description or "")


@pytest.mark.parametrize(
    ("params", "source", "message"),
    [
        ({"compare": "selectedFields"}, [{"a": 1}], "Please add a field to compare on"),
        ({"compare": "allFieldsExcept"}, [{"a": 1}], "Please add a field to exclude from comparison"),
        ({"compare": "selectedFields", "fieldsToCompare": "b"}, [{"a": 1}], "'b' field is missing from some input items"),
        ({}, [{"a": 1}, {"a": "1"}], "'a' isn't always the same type"),
    ],
)
async def test_checks(params: dict[str, Any], source: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(NodeOperationError, match=message):
        await run(DEDUPE, 2, params, items(*source))


async def test_null_values_pass_the_type_check_from_v1_1() -> None:
    source = items({"a": 1}, {"a": None}, {"a": 1})
    with pytest.raises(NodeOperationError, match="isn't always the same type"):
        await run(DEDUPE, 1, {}, source)
    assert jsons(await run(DEDUPE, 1.1, {}, source)) == [{"a": 1}, {"a": None}]


def previous(logic: str, value: str, **options: Any) -> dict[str, Any]:
    name = {"removeItemsWithAlreadySeenKeyValues": "dedupeValue",
            "removeItemsUpToStoredIncrementalKey": "incrementalDedupeValue",
            "removeItemsUpToStoredDate": "dateDedupeValue"}[logic]
    return {"operation": "removeItemsSeenInPreviousExecutions", "logic": logic, name: value, "options": options}


class PerItem:
    """Per-item parameter values, as an expression like `{{ $json.id }}` would give."""

    @staticmethod
    async def run(params_for: list[dict[str, Any]], source: list[Any], static: dict[str, Any], name: str = "Node"):
        ctx = DataContext(make_node("knotwork.removeDuplicates", 2, params_for[0], name=name), [source],
                          per_item=params_for)
        ctx.workflow_static = static
        return await DEDUPE.execute(ctx)


async def test_seen_values_are_remembered_across_runs_in_node_static_data() -> None:
    static: dict[str, Any] = {}
    logic = "removeItemsWithAlreadySeenKeyValues"
    first = items({"id": "a"}, {"id": "b"}, {"id": "a"})
    kept, dropped = await PerItem.run([previous(logic, item.json["id"]) for item in first], first, static)
    assert jsons(kept) == [{"id": "a"}, {"id": "a"}, {"id": "b"}] and dropped == []
    second = items({"id": "b"}, {"id": "c"})
    kept, dropped = await PerItem.run([previous(logic, item.json["id"]) for item in second], second, static)
    assert jsons(kept) == [{"id": "c"}] and jsons(dropped) == [{"id": "b"}]
    assert kept[0].paired == (1, 0)
    assert static == {"node:Node": {"deduplication": {"entries": ["a", "b", "c"]}}}


async def test_workflow_scope_is_shared_and_history_size_forgets_the_oldest() -> None:
    static: dict[str, Any] = {}
    logic = "removeItemsWithAlreadySeenKeyValues"
    source = items({"id": "1"}, {"id": "2"}, {"id": "3"})
    params = [previous(logic, item.json["id"], scope="workflow", historySize=2) for item in source]
    await PerItem.run(params, source, static, name="One")
    assert static["global"]["deduplication"]["entries"] == ["2", "3"]
    kept, dropped = await PerItem.run(params, source, static, name="Two")
    assert jsons(kept) == [{"id": "1"}] and len(dropped) == 2


async def test_incremental_key_keeps_only_higher_values() -> None:
    static: dict[str, Any] = {}
    logic = "removeItemsUpToStoredIncrementalKey"
    first = items({"n": 5}, {"n": 3})
    kept, _ = await PerItem.run([previous(logic, item.json["n"]) for item in first], first, static)
    assert jsons(kept) == [{"n": 3}, {"n": 5}]  # grouped by key, integer keys ascending, as in n8n
    second = items({"n": 4}, {"n": 6})
    kept, dropped = await PerItem.run([previous(logic, item.json["n"]) for item in second], second, static)
    assert jsons(kept) == [{"n": 6}] and jsons(dropped) == [{"n": 4}]
    assert static["node:Node"]["deduplication"]["latestIncrementalKey"] == 6
    bad = items({"n": "x"})
    with pytest.raises(NodeOperationError, match="The value 'x' is not a number"):
        await PerItem.run([previous(logic, "x")], bad, static)


async def test_dates_keep_only_later_ones() -> None:
    static: dict[str, Any] = {}
    logic = "removeItemsUpToStoredDate"
    first = items({"d": "2024-01-02T00:00:00Z"})
    await PerItem.run([previous(logic, first[0].json["d"])], first, static)
    second = items({"d": "2024-01-01T00:00:00Z"}, {"d": "2024-01-03T10:00:00+02:00"})
    kept, dropped = await PerItem.run([previous(logic, item.json["d"]) for item in second], second, static)
    assert jsons(kept) == [second[1].json] and jsons(dropped) == [second[0].json]
    assert static["node:Node"]["deduplication"]["latestDate"] == "2024-01-03T08:00:00Z"
    with pytest.raises(NodeOperationError, match="is not a valid date"):
        await PerItem.run([previous(logic, "soon")], items({}), static)


async def test_clear_history_and_unknown_scope() -> None:
    static: dict[str, Any] = {"node:Node": {"deduplication": {"entries": ["a"]}}}
    source = items({"id": "a"})
    kept, _ = await PerItem.run([{"operation": "clearDeduplicationHistory", "mode": "cleanDatabase"}], source, static)
    assert jsons(kept) == [{"id": "a"}] and static["node:Node"]["deduplication"] == {}
    with pytest.raises(NodeOperationError, match="context 'project' is not supported"):
        await run(DEDUPE, 2, previous("removeItemsWithAlreadySeenKeyValues", "a", scope="project"), source)


async def test_history_lives_in_the_workflow_static_data_through_the_executor(registry: Any) -> None:
    # Given a workflow whose Remove Duplicates node dedupes on {{ $json.id }} across executions
    node = {"name": "Dedupe", "type": "n8n-nodes-base.removeDuplicates", "typeVersion": 2, "position": [0, 0],
            "parameters": {"operation": "removeItemsSeenInPreviousExecutions", "dedupeValue": "={{ $json.id }}"}}
    workflow = parse_workflow({"nodes": [node], "connections": {}, "staticData": {}}, registry)

    async def execute(*ids: int) -> tuple[list[Any], list[Any]]:
        result = await execute_workflow(workflow, registry, start_node="Dedupe", mode="trigger",
                                        start_items=[Item({"id": i}) for i in ids])
        assert result.status == "success", result.error
        return jsons(result.output_of("Dedupe", output=0)), jsons(result.output_of("Dedupe", output=1))

    # When two executions see overlapping ids
    assert await execute(1, 2) == ([{"id": 1}, {"id": 2}], [])
    # Then the second keeps only the new one, and the history is in the node's static data
    assert await execute(2, 3) == ([{"id": 3}], [{"id": 2}])
    assert workflow.static_data["node:Dedupe"]["deduplication"]["entries"] == ["1", "2", "3"]
