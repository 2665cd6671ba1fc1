"""MySQL node against the real MariaDB: every operation, option and batching mode, v1 and v2."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.databases.mysql import MySqlNode

from .conftest import jsons, run_node

NODE = MySqlNode()


def table_params(table: str, operation: str, **more: Any) -> dict[str, Any]:
    return {"operation": operation, "table": {"__rl": True, "mode": "name", "value": table}, **more}


def rows(my: Any, table: str) -> list[tuple[Any, ...]]:
    with my.cursor() as cursor:
        cursor.execute(f"SELECT name, age FROM `{table}` ORDER BY id")
        return list(cursor.fetchall())


def seed(my: Any, table: str, *people: tuple[str, int]) -> None:
    with my.cursor() as cursor:
        for name, age in people:
            cursor.execute(f"INSERT INTO `{table}` (name, age) VALUES (%s, %s)", (name, age))


async def test_execute_query_rows_and_success(my_table: str, my: Any) -> None:
    seed(my, my_table, ("ann", 30))
    found = await run_node(NODE, 2.5, {"operation": "executeQuery", "query": f"SELECT name FROM `{my_table}`"},
                           [Item({}), Item({})])
    done = await run_node(NODE, 2.5, {"operation": "executeQuery", "query": f"DELETE FROM `{my_table}`"})
    assert jsons(found) == [{"name": "ann"}] * 2 and [i.paired for i in found] == [(0, 0), (1, 0)]
    assert jsons(done) == [{"success": True}]


async def test_query_replacement_and_identifiers(my_table: str, my: Any) -> None:
    seed(my, my_table, ("ann", 30), ("bob", 40))
    out = await run_node(NODE, 2.5, {"operation": "executeQuery",
                                     "query": "SELECT $1:name FROM $2:name WHERE age > $3 AND name LIKE '%n%'",
                                     "options": {"queryReplacement": f"name, {my_table}, 20"}})
    assert jsons(out) == [{"name": "ann"}]


async def test_injection_through_values_and_identifiers(my_table: str, my: Any) -> None:
    evil = "x'); DROP TABLE `" + my_table + "`; -- \\"
    await run_node(NODE, 2.5, table_params(my_table, "insert", columns={"mappingMode": "defineBelow",
                                                                         "value": {"name": evil}}))
    found = await run_node(NODE, 2.5, {"operation": "executeQuery", "query": f"SELECT name FROM `{my_table}` "
                                       "WHERE name = $1", "options": {"queryReplacement": [evil]}})
    with pytest.raises(NodeOperationError, match="doesn't exist"):
        await run_node(NODE, 2.5, table_params(my_table + "`; DROP TABLE `" + my_table, "select", returnAll=True))
    assert jsons(found) == [{"name": evil}]
    assert rows(my, my_table) == [(evil, None)]


async def test_select_where_sort_limit_output_columns(my_table: str, my: Any) -> None:
    seed(my, my_table, ("ann", 30), ("bob", 40), ("cid", 50))
    out = await run_node(NODE, 2.5, table_params(
        my_table, "select", limit=2, where={"values": [{"column": "age", "condition": "!=", "value": 40}]},
        sort={"values": [{"column": "age", "direction": "DESC"}]}, options={"outputColumns": ["name"]}))
    assert jsons(out) == [{"name": "cid"}, {"name": "ann"}]


async def test_large_numbers(my_table: str, my: Any) -> None:
    with my.cursor() as cursor:
        cursor.execute(f"INSERT INTO `{my_table}` (name, big, price) VALUES ('x', 9007199254740993, 12.5)")
    params = table_params(my_table, "select", options={"outputColumns": "big,price"})
    text = await run_node(NODE, 2.5, params)
    numbers = await run_node(NODE, 2.5, {**params, "options": {"outputColumns": "big,price",
                                                                "largeNumbersOutput": "numbers"}})
    assert jsons(text) == [{"big": "9007199254740993", "price": "12.50"}]
    assert jsons(numbers) == [{"big": 9007199254740993, "price": 12.5}]


async def test_insert_update_upsert_report_success_or_details(my_table: str, my: Any) -> None:
    auto = {"mappingMode": "autoMapInputData", "matchingColumns": ["name"]}
    inserted = await run_node(NODE, 2.5, table_params(my_table, "insert", columns=auto,
                                                      options={"priority": "HIGH_PRIORITY", "detailedOutput": True}),
                              [Item({"name": "ann", "age": 30}), Item({"name": "bob", "age": 40})])
    updated = await run_node(NODE, 2.5, table_params(my_table, "update", columns=auto, options={"detailedOutput": True}),
                             [Item({"name": "bob", "age": 41})])
    upserted = await run_node(NODE, 2.5, table_params(my_table, "upsert", columns=auto),
                              [Item({"name": "ann", "age": 31}), Item({"name": "cid", "age": 50})])
    assert [r["affectedRows"] for r in jsons(inserted)] == [1, 1] and "insertId" in inserted[0].json
    assert jsons(updated) == [{"affectedRows": 1}]
    assert rows(my, my_table) == [("ann", 31), ("bob", 41), ("cid", 50)]
    assert jsons(upserted) == [{"success": True}] * 2
    assert [item.paired for item in upserted] == [(0, 0), (1, 0)]


async def test_insert_skip_on_conflict_is_ignore(my_table: str, my: Any) -> None:
    seed(my, my_table, ("ann", 30))
    out = await run_node(NODE, 2.5, table_params(my_table, "insert", options={"skipOnConflict": True,
                                                                              "detailedOutput": True},
                                                 columns={"mappingMode": "defineBelow", "value": {"name": "ann"}}))
    assert jsons(out) == [{"affectedRows": 0}]


async def test_delete_truncate_drop(my_table: str, my: Any) -> None:
    seed(my, my_table, ("ann", 30), ("bob", 40))
    await run_node(NODE, 2.5, table_params(my_table, "deleteTable", deleteCommand="delete",
                                           where={"values": [{"column": "name", "value": "ann"}]}))
    assert rows(my, my_table) == [("bob", 40)]
    await run_node(NODE, 2.5, table_params(my_table, "deleteTable", deleteCommand="truncate"))
    assert rows(my, my_table) == []
    await run_node(NODE, 2.5, table_params(my_table, "deleteTable", deleteCommand="drop"))
    with my.cursor() as cursor:
        assert cursor.execute("SHOW TABLES LIKE %s", (my_table,)) == 0


BATCH = [Item({"name": "a"}), Item({"name": "a"}), Item({"name": "c"})]


def insert_names(table: str, mode: str) -> dict[str, Any]:
    return table_params(table, "insert", columns={"mappingMode": "autoMapInputData"}, options={"queryBatching": mode})


async def test_transaction_rolls_back_on_failure(my_table: str, my: Any) -> None:
    with pytest.raises(NodeOperationError, match="Duplicate entry") as caught:
        await run_node(NODE, 2.5, insert_names(my_table, "transaction"), BATCH)
    assert caught.value.item_index == 1
    assert rows(my, my_table) == []


async def test_independently_keeps_good_items(my_table: str, my: Any) -> None:
    out = await run_node(NODE, 2.5, insert_names(my_table, "independently"), BATCH, on_error="continueErrorOutput")
    assert ["error" in item.json for item in out] == [False, True, False]
    assert [name for name, _ in rows(my, my_table)] == ["a", "c"]


async def test_single_fails_as_one(my_table: str, my: Any) -> None:
    out = await run_node(NODE, 2.5, insert_names(my_table, "single"), BATCH, on_error="continueRegularOutput")
    assert len(out) == 1 and "Duplicate entry" in out[0].json["error"]
    assert rows(my, my_table) == []


async def test_v1_insert_update_and_query(my_table: str, my: Any) -> None:
    await run_node(NODE, 1, {"operation": "insert", "table": my_table, "columns": "name, age",
                             "options": {"ignore": True, "priority": "LOW_PRIORITY"}},
                   [Item({"name": "ann", "age": 30}), Item({"name": "ann", "age": 1})])
    await run_node(NODE, 1, {"operation": "update", "table": my_table, "columns": "name,age", "updateKey": "name"},
                   [Item({"name": "ann", "age": 31})])
    out = await run_node(NODE, 1, {"operation": "executeQuery", "query": f"SELECT age FROM `{my_table}`"})
    assert jsons(out) == [{"age": 31}]
    inserted = await run_node(NODE, 1, {"operation": "insert", "table": my_table, "columns": "name"},
                              [Item({"name": "bob"})])
    assert inserted[0].json["affectedRows"] == 1 and "insertId" in inserted[0].json


async def test_unreachable_server_with_continue_gives_error_items() -> None:
    from tests.nodes.fake import make_node

    from .conftest import DbContext, services

    node = make_node("knotwork.mySql", 2.5, {"operation": "executeQuery", "query": "SELECT 1"},
                     credentials={"mySql": {"id": "bad"}}, on_error="continueRegularOutput")
    ctx = DbContext(node, [[Item({}), Item({})]], services=services())
    ctx.services.credentials.by_id["bad"] = {"host": "127.0.0.1", "port": 1, "user": "x", "connectTimeout": 1000}
    [out] = await NODE.execute(ctx)
    assert [item.paired for item in out] == [(0, 0), (1, 0)]
    assert out[0].json["error"].startswith("Could not connect to MySQL at 127.0.0.1:1")
