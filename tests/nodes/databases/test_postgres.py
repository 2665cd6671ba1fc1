"""Postgres node against the real server: every operation, option and batching mode, v1 and v2."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.databases.postgres import PostgresNode

from .conftest import jsons, run_node

NODE = PostgresNode()


def locator(value: str) -> dict[str, Any]:
    return {"__rl": True, "mode": "list", "value": value}


def table_params(table: str, operation: str, **more: Any) -> dict[str, Any]:
    return {"operation": operation, "schema": locator("public"), "table": locator(table), **more}


def rows(pg: psycopg.Connection[Any], table: str) -> list[tuple[Any, ...]]:
    return pg.execute(f'SELECT name, age FROM "{table}" ORDER BY id').fetchall()


def seed(pg: psycopg.Connection[Any], table: str, *people: tuple[str, int]) -> None:
    for name, age in people:
        pg.execute(f'INSERT INTO "{table}" (name, age) VALUES (%s, %s)', (name, age))


# -- executeQuery --------------------------------------------------------------------------------


async def test_execute_query_returns_rows_paired_to_each_item(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    # Given two people and two input items
    seed(pg, pg_table, ("ann", 30), ("bob", 40))
    # When each item runs a select
    out = await run_node(NODE, 2.6, {"operation": "executeQuery", "query": f'SELECT name FROM "{pg_table}" ORDER BY id'},
                         [Item({}), Item({})])
    # Then both items get both rows, paired to the item that asked
    assert jsons(out) == [{"name": "ann"}, {"name": "bob"}] * 2
    assert [item.paired for item in out] == [(0, 0), (0, 0), (1, 0), (1, 0)]


async def test_execute_query_without_rows_says_success(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    out = await run_node(NODE, 2.6, {"operation": "executeQuery",
                                     "query": f"INSERT INTO \"{pg_table}\" (name) VALUES ('x')"})
    assert jsons(out) == [{"success": True}]
    assert rows(pg, pg_table) == [("x", None)]


async def test_dollar_parameters_from_query_replacement(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    # Given a query with $1 and $2, and the values as comma-separated text or a list
    seed(pg, pg_table, ("ann", 30), ("bob", 40))
    query = f'SELECT name FROM "{pg_table}" WHERE age > $1 AND name <> $2'
    as_text = await run_node(NODE, 2.6, {"operation": "executeQuery", "query": query,
                                         "options": {"queryReplacement": "20, bob"}})
    as_list = await run_node(NODE, 2.6, {"operation": "executeQuery", "query": query,
                                         "options": {"queryReplacement": [20, "bob"]}})
    assert jsons(as_text) == jsons(as_list) == [{"name": "ann"}]


async def test_dollar_name_puts_a_quoted_identifier(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann", 30))
    out = await run_node(NODE, 2.6, {"operation": "executeQuery", "query": "SELECT $1:name FROM $2:name",
                                     "options": {"queryReplacement": ["age", pg_table]}})
    assert jsons(out) == [{"age": 30}]


async def test_percent_signs_survive_with_and_without_parameters(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann%", 30), ("bob", 40))
    plain = await run_node(NODE, 2.6, {"operation": "executeQuery",
                                       "query": f"SELECT name FROM \"{pg_table}\" WHERE name LIKE 'ann%'"})
    bound = await run_node(NODE, 2.6, {"operation": "executeQuery",
                                       "query": f"SELECT name FROM \"{pg_table}\" WHERE name LIKE '%' || $1",
                                       "options": {"queryReplacement": "n%"}})
    assert jsons(plain) == jsons(bound) == [{"name": "ann%"}]


async def test_missing_replacement_value_is_a_clear_error() -> None:
    with pytest.raises(NodeOperationError, match=r"uses \$2, but only 1 query parameter"):
        await run_node(NODE, 2.6, {"operation": "executeQuery", "query": "SELECT $1, $2",
                                   "options": {"queryReplacement": "a"}})


async def test_several_statements_in_one_query(pg_table: str) -> None:
    out = await run_node(NODE, 2.6, {"operation": "executeQuery",
                                     "query": f"INSERT INTO \"{pg_table}\" (name) VALUES ('a'); "
                                              f"SELECT count(*)::int AS n FROM \"{pg_table}\""})
    assert jsons(out) == [{"n": 1}]


# -- injection -----------------------------------------------------------------------------------


async def test_injection_through_values_stays_data(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    # Given values that try to end the statement
    evil = "x'); DROP TABLE \"" + pg_table + "\"; --"
    params = table_params(pg_table, "insert", columns={"mappingMode": "defineBelow", "value": {"name": evil}})
    await run_node(NODE, 2.6, params)
    replaced = await run_node(NODE, 2.6, {"operation": "executeQuery", "query": f'SELECT name FROM "{pg_table}" '
                                          "WHERE name = $1", "options": {"queryReplacement": [evil]}})
    # Then the text is stored and found as text, and the table is still there
    assert rows(pg, pg_table) == [(evil, None)]
    assert jsons(replaced) == [{"name": evil}]


async def test_injection_through_identifiers_is_only_a_name(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    # Given a table name and a column name that try to break out of the quoting
    evil_table = pg_table + '"; DROP TABLE "' + pg_table
    with pytest.raises(NodeOperationError, match="does not exist"):
        await run_node(NODE, 2.6, table_params(evil_table, "select", returnAll=True))
    evil_column = 'name" FROM x; --'
    with pytest.raises(NodeOperationError, match="does not exist"):
        await run_node(NODE, 2.6, table_params(pg_table, "select", returnAll=True,
                                               where={"values": [{"column": evil_column, "value": "1"}]}))
    # Then nothing was dropped
    assert pg.execute("SELECT to_regclass(%s)", (f'"{pg_table}"',)).fetchone()[0] is not None


# -- select --------------------------------------------------------------------------------------


async def test_select_where_sort_limit_and_output_columns(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann", 30), ("bob", 40), ("cid", 50), ("dan", 20))
    params = table_params(pg_table, "select", limit=2, where={"values": [{"column": "age", "condition": ">=",
                                                                           "value": "30"}]},
                          sort={"values": [{"column": "age", "direction": "DESC"}]},
                          options={"outputColumns": ["name", "age"]})
    out = await run_node(NODE, 2.6, params)
    assert jsons(out) == [{"name": "cid", "age": 50}, {"name": "bob", "age": 40}]


async def test_select_conditions_or_like_null_and_return_all(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann", 30), ("bob", 40))
    pg.execute(f'INSERT INTO "{pg_table}" (name) VALUES (%s)', ("nobody",))
    where = {"values": [{"column": "name", "condition": "LIKE", "value": "a%"},
                        {"column": "age", "condition": "IS NULL"}]}
    out = await run_node(NODE, 2.6, table_params(pg_table, "select", returnAll=True, where=where,
                                                 combineConditions="OR", options={"outputColumns": "name"}))
    assert jsons(out) == [{"name": "ann"}, {"name": "nobody"}]
    none = await run_node(NODE, 2.6, table_params(pg_table, "select", where={"values": [
        {"column": "age", "condition": "equal", "value": "99"}]}))
    assert none == []


async def test_large_numbers_as_text_by_default_or_as_numbers(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    pg.execute(f'INSERT INTO "{pg_table}" (name, big, price) VALUES (%s, %s, %s)', ("x", 9007199254740993, "12.50"))
    params = table_params(pg_table, "select", options={"outputColumns": "big,price"})
    text = await run_node(NODE, 2.6, params)
    numbers = await run_node(NODE, 2.6, {**params, "options": {"outputColumns": "big,price",
                                                                "largeNumbersOutput": "numbers"}})
    assert jsons(text) == [{"big": "9007199254740993", "price": "12.50"}]
    assert jsons(numbers) == [{"big": 9007199254740993, "price": 12.5}]


# -- insert, update, upsert ----------------------------------------------------------------------


async def test_insert_auto_maps_items_and_returns_the_rows(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    items = [Item({"name": "ann", "age": 30}), Item({"name": "bob", "age": 40})]
    out = await run_node(NODE, 2.6, table_params(pg_table, "insert", columns={"mappingMode": "autoMapInputData"},
                                                 options={"outputColumns": ["name"]}), items)
    assert jsons(out) == [{"name": "ann"}, {"name": "bob"}]
    assert [item.paired for item in out] == [(0, 0), (1, 0)]
    assert rows(pg, pg_table) == [("ann", 30), ("bob", 40)]


async def test_insert_define_below_replace_empty_strings_and_skip_on_conflict(pg_table: str,
                                                                             pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann", 30))
    columns = {"mappingMode": "defineBelow", "value": {"name": "ann", "age": ""}}
    skipped = await run_node(NODE, 2.6, table_params(pg_table, "insert", columns=columns,
                                                     options={"skipOnConflict": True, "replaceEmptyStrings": True}))
    added = await run_node(NODE, 2.6, table_params(pg_table, "insert", options={"replaceEmptyStrings": True},
                                                   columns={**columns, "value": {"name": "eve", "age": ""}}))
    assert skipped == []
    assert [(r["name"], r["age"]) for r in jsons(added)] == [("eve", None)]


async def test_insert_v2_data_mode_define_below(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    params = table_params(pg_table, "insert", dataMode="defineBelow",
                          valuesToSend={"values": [{"column": "name", "value": "zed"}]})
    await run_node(NODE, 2.0, params)
    assert rows(pg, pg_table) == [("zed", None)]


async def test_update_by_matching_columns_returns_updated_rows(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann", 30), ("bob", 40))
    columns = {"mappingMode": "autoMapInputData", "matchingColumns": ["name"]}
    out = await run_node(NODE, 2.6, table_params(pg_table, "update", columns=columns,
                                                 options={"outputColumns": "name,age"}),
                         [Item({"name": "bob", "age": 41}), Item({"name": "nobody", "age": 1})])
    assert jsons(out) == [{"name": "bob", "age": 41}]
    assert rows(pg, pg_table) == [("ann", 30), ("bob", 41)]


async def test_update_v2_column_to_match_on_and_value(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann", 30))
    await run_node(NODE, 2.1, table_params(pg_table, "update", dataMode="defineBelow", columnToMatchOn="name",
                                           valueToMatchOn="ann", valuesToSend={"values": [{"column": "age",
                                                                                           "value": 31}]}))
    assert rows(pg, pg_table) == [("ann", 31)]


async def test_upsert_inserts_then_updates(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    columns = {"mappingMode": "autoMapInputData", "matchingColumns": ["name"]}
    params = table_params(pg_table, "upsert", columns=columns, options={"outputColumns": ["name", "age"]})
    first = await run_node(NODE, 2.6, params, [Item({"name": "ann", "age": 30})])
    second = await run_node(NODE, 2.6, params, [Item({"name": "ann", "age": 31})])
    assert jsons(first) == [{"name": "ann", "age": 30}]
    assert jsons(second) == [{"name": "ann", "age": 31}]
    assert rows(pg, pg_table) == [("ann", 31)]


async def test_update_without_match_value_is_an_item_error(pg_table: str) -> None:
    columns = {"mappingMode": "autoMapInputData", "matchingColumns": ["name"]}
    with pytest.raises(NodeOperationError, match="no value for the column"):
        await run_node(NODE, 2.6, table_params(pg_table, "update", columns=columns), [Item({"age": 1})])


# -- deleteTable ---------------------------------------------------------------------------------


async def test_delete_rows_matching_where(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann", 30), ("bob", 40))
    out = await run_node(NODE, 2.6, table_params(pg_table, "deleteTable", deleteCommand="delete",
                                                 where={"values": [{"column": "name", "value": "ann"}]}))
    assert jsons(out) == [{"success": True}]
    assert rows(pg, pg_table) == [("bob", 40)]


async def test_truncate_restarting_sequences(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    seed(pg, pg_table, ("ann", 30))
    await run_node(NODE, 2.6, table_params(pg_table, "deleteTable", deleteCommand="truncate",
                                           options={"restartSequences": True, "cascade": True}))
    seed(pg, pg_table, ("bob", 40))
    assert pg.execute(f'SELECT id, name FROM "{pg_table}"').fetchall() == [(1, "bob")]


async def test_drop_table(pg: psycopg.Connection[Any]) -> None:
    name = "kw_drop_" + str(id(pg))
    pg.execute(f'CREATE TABLE "{name}" (a int)')
    try:
        await run_node(NODE, 2.6, table_params(name, "deleteTable", deleteCommand="drop", options={"cascade": True}))
        assert pg.execute("SELECT to_regclass(%s)", (f'"{name}"',)).fetchone()[0] is None
    finally:
        pg.execute(f'DROP TABLE IF EXISTS "{name}"')


# -- batching and errors -------------------------------------------------------------------------


def insert_names(table: str, mode: str) -> dict[str, Any]:
    return table_params(table, "insert", columns={"mappingMode": "autoMapInputData"},
                        options={"queryBatching": mode, "outputColumns": "name"})


DUPLICATE = [Item({"name": "a"}), Item({"name": "a"}), Item({"name": "c"})]


async def test_transaction_mode_rolls_back_every_query_on_failure(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    with pytest.raises(NodeOperationError) as caught:
        await run_node(NODE, 2.6, insert_names(pg_table, "transaction"), DUPLICATE)
    assert "duplicate key" in caught.value.message
    assert caught.value.item_index == 1
    assert "insert" in (caught.value.description or "") and "item 1" in (caught.value.description or "")
    assert rows(pg, pg_table) == []


async def test_transaction_mode_with_continue_returns_results_then_the_error(pg_table: str,
                                                                            pg: psycopg.Connection[Any]) -> None:
    out = await run_node(NODE, 2.6, insert_names(pg_table, "transaction"), DUPLICATE,
                         on_error="continueRegularOutput")
    assert jsons(out)[0] == {"name": "a"}
    assert "duplicate key" in out[1].json["error"] and out[1].paired == (1, 0)
    assert len(out) == 2 and rows(pg, pg_table) == []


async def test_single_mode_is_all_or_nothing(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    out = await run_node(NODE, 2.6, insert_names(pg_table, "single"), DUPLICATE, on_error="continueRegularOutput")
    assert len(out) == 1 and "duplicate key" in out[0].json["error"]
    assert rows(pg, pg_table) == []


async def test_independently_keeps_the_good_items(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    out = await run_node(NODE, 2.6, insert_names(pg_table, "independently"), DUPLICATE,
                         on_error="continueRegularOutput")
    assert [item.json.get("name", "error") for item in out] == ["a", "error", "c"]
    assert [item.paired for item in out] == [(0, 0), (1, 0), (2, 0)]
    assert [name for name, _ in rows(pg, pg_table)] == ["a", "c"]


async def test_error_names_node_operation_item_and_carries_the_database_message() -> None:
    with pytest.raises(NodeOperationError) as caught:
        await run_node(NODE, 2.6, {"operation": "executeQuery", "query": "SELECT * FROM kw_missing_table"},
                       name="My PG")
    error = caught.value
    assert error.node == "My PG" and error.item_index == 0
    assert error.message == 'relation "kw_missing_table" does not exist'
    assert "Traceback" not in str(error.to_dict())


async def test_unreachable_server_is_named(pg_table: str) -> None:
    from tests.nodes.fake import make_node

    from .conftest import DbContext, services

    node = make_node("knotwork.postgres", 2.6, {"operation": "executeQuery", "query": "SELECT 1"},
                     credentials={"postgres": {"id": "bad"}})
    ctx = DbContext(node, [[Item({})]], services=services())
    ctx.services.credentials.by_id["bad"] = {"host": "127.0.0.1", "port": 1, "user": "x"}
    with pytest.raises(NodeOperationError, match="Could not connect to PostgreSQL at 127.0.0.1:1"):
        await NODE.execute(ctx)


# -- v1 ------------------------------------------------------------------------------------------


async def test_v1_insert_update_and_query_params(pg_table: str, pg: psycopg.Connection[Any]) -> None:
    inserted = await run_node(NODE, 1, {"operation": "insert", "table": pg_table, "columns": "name,age:int",
                                        "returnFields": "name"}, [Item({"name": "ann", "age": "30"})])
    await run_node(NODE, 1, {"operation": "update", "table": pg_table, "columns": "name,age", "updateKey": "name"},
                   [Item({"name": "ann", "age": 31})])
    found = await run_node(NODE, 1, {"operation": "executeQuery", "query": f'SELECT age FROM "{pg_table}" '
                                     "WHERE name = $1", "additionalFields": {"queryParams": "who", "mode":
                                                                             "independently"}},
                           [Item({"who": "ann"})])
    assert jsons(inserted) == [{"name": "ann"}]
    assert jsons(found) == [{"age": 31}]


async def test_column_types_become_json(pg: psycopg.Connection[Any]) -> None:
    query = ("SELECT timestamptz '2024-01-02 03:04:05+01' AS at, date '2024-01-02' AS day, "
             "'{\"a\": [1]}'::jsonb AS doc, '00000000-0000-0000-0000-000000000001'::uuid AS id, "
             "true AS yes, 1.5::float8 AS ratio, NULL AS nothing, ARRAY[1, 2] AS list")
    out = await run_node(NODE, 2.6, {"operation": "executeQuery", "query": query})
    assert jsons(out) == [{"at": "2024-01-02T02:04:05.000Z", "day": "2024-01-02", "doc": {"a": [1]},
                           "id": "00000000-0000-0000-0000-000000000001", "yes": True, "ratio": 1.5,
                           "nothing": None, "list": [1, 2]}]


async def test_objects_are_written_as_json(pg: psycopg.Connection[Any]) -> None:
    name = "kw_json_" + str(id(pg))
    pg.execute(f'CREATE TABLE "{name}" (id serial PRIMARY KEY, doc jsonb, tags text)')
    try:
        out = await run_node(NODE, 2.6, table_params(name, "insert", columns={"mappingMode": "autoMapInputData"},
                                                     options={"outputColumns": "doc,tags"}),
                             [Item({"doc": {"a": [1, "x"]}, "tags": ["p", "q"]})])
        assert jsons(out) == [{"doc": {"a": [1, "x"]}, "tags": '["p", "q"]'}]
    finally:
        pg.execute(f'DROP TABLE IF EXISTS "{name}"')


async def test_a_failure_at_commit_fails_every_item(pg: psycopg.Connection[Any]) -> None:
    # Given a deferred unique constraint, checked only when the transaction commits
    name = "kw_deferred_" + str(id(pg))
    pg.execute(f'CREATE TABLE "{name}" (v int UNIQUE DEFERRABLE INITIALLY DEFERRED)')
    try:
        params = table_params(name, "insert", columns={"mappingMode": "autoMapInputData"},
                              options={"queryBatching": "transaction"})
        out = await run_node(NODE, 2.6, params, [Item({"v": 1}), Item({"v": 1})], on_error="continueRegularOutput")
        assert len(out) == 1 and "duplicate key" in out[0].json["error"] and out[0].paired == [(0, 0), (1, 0)]
        assert pg.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == 0
    finally:
        pg.execute(f'DROP TABLE IF EXISTS "{name}"')
