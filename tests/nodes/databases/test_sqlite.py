"""SQLite node: a database file inside the files folder, the v2 operations and batching modes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.databases.sqlite import SqliteNode
from nodes.databases.sqlite_session import statements

from .conftest import jsons, run_node

NODE = SqliteNode()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    with sqlite3.connect(tmp_path / "app.sqlite") as connection:
        connection.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT UNIQUE, age INT)")
        connection.execute("INSERT INTO people (name, age) VALUES ('ann', 30), ('bob', 40)")
    return tmp_path


async def run(folder: Path, parameters: dict[str, Any], items: list[Item] | None = None, **flags: Any) -> list[Item]:
    return await run_node(NODE, 1, {"database": "app.sqlite", **parameters}, items, files=folder, **flags)


def names(folder: Path) -> list[str]:
    with sqlite3.connect(folder / "app.sqlite") as connection:
        return [row[0] for row in connection.execute("SELECT name FROM people ORDER BY id")]


async def test_execute_query_with_parameters(folder: Path) -> None:
    out = await run(folder, {"operation": "executeQuery", "query": "SELECT name FROM people WHERE age > $1",
                             "options": {"queryReplacement": "35"}})
    assert jsons(out) == [{"name": "bob"}]


async def test_script_of_several_statements(folder: Path) -> None:
    out = await run(folder, {"operation": "executeQuery",
                             "query": "INSERT INTO people (name) VALUES ('a;b'); SELECT count(*) AS n FROM people;"})
    assert jsons(out) == [{"n": 3}]
    assert statements("SELECT 1; SELECT ';'") == ["SELECT 1;", " SELECT ';';"]


async def test_select_insert_update_upsert_delete(folder: Path) -> None:
    table = {"__rl": True, "mode": "list", "value": "people"}
    selected = await run(folder, {"operation": "select", "table": table, "returnAll": True,
                                  "sort": {"values": [{"column": "age", "direction": "DESC"}]},
                                  "options": {"outputColumns": "name"}})
    inserted = await run(folder, {"operation": "insert", "table": "people",
                                  "columns": {"mappingMode": "autoMapInputData"}}, [Item({"name": "cid", "age": 5})])
    auto = {"mappingMode": "autoMapInputData", "matchingColumns": ["name"]}
    updated = await run(folder, {"operation": "update", "table": "people", "columns": auto},
                        [Item({"name": "cid", "age": 6})])
    upserted = await run(folder, {"operation": "upsert", "table": "people", "columns": auto},
                         [Item({"name": "ann", "age": 31})])
    await run(folder, {"operation": "deleteTable", "table": "people", "deleteCommand": "delete",
                       "where": {"values": [{"column": "name", "value": "bob"}]}})
    assert jsons(selected) == [{"name": "bob"}, {"name": "ann"}]
    assert jsons(inserted) == [{"id": 3, "name": "cid", "age": 5}]
    assert jsons(updated) == [{"id": 3, "name": "cid", "age": 6}]
    assert jsons(upserted) == [{"id": 1, "name": "ann", "age": 31}]
    assert names(folder) == ["ann", "cid"]
    await run(folder, {"operation": "deleteTable", "table": "people", "deleteCommand": "truncate"})
    assert names(folder) == []
    await run(folder, {"operation": "deleteTable", "table": "people", "deleteCommand": "drop"})
    with pytest.raises(sqlite3.OperationalError):
        names(folder)


async def test_transaction_rolls_back(folder: Path) -> None:
    params = {"operation": "insert", "table": "people", "columns": {"mappingMode": "autoMapInputData"},
              "options": {"queryBatching": "transaction"}}
    with pytest.raises(NodeOperationError, match="UNIQUE constraint failed"):
        await run(folder, params, [Item({"name": "x"}), Item({"name": "ann"})])
    assert names(folder) == ["ann", "bob"]
    out = await run(folder, {**params, "options": {"queryBatching": "independently"}},
                    [Item({"name": "x"}), Item({"name": "ann"})], on_error="continueRegularOutput")
    assert ["error" in item.json for item in out] == [False, True]
    assert names(folder) == ["ann", "bob", "x"]


async def test_injection_through_identifier(folder: Path) -> None:
    with pytest.raises(NodeOperationError, match="no such table"):
        await run(folder, {"operation": "select", "table": 'people"; DROP TABLE people; --', "returnAll": True})
    assert names(folder) == ["ann", "bob"]


async def test_file_outside_the_folder_is_refused(folder: Path) -> None:
    with pytest.raises(NodeOperationError, match="outside the files folder"):
        await run(folder, {"database": "../elsewhere.sqlite", "operation": "executeQuery", "query": "SELECT 1"})


async def test_attach_and_vacuum_into_are_refused(folder: Path) -> None:
    for query in ("ATTACH DATABASE '/tmp/kw_attach.sqlite' AS other", "VACUUM INTO '/tmp/kw_vacuum.sqlite'"):
        with pytest.raises(NodeOperationError, match="not authorized|authorization denied"):
            await run(folder, {"operation": "executeQuery", "query": query,
                               "options": {"queryBatching": "independently"}})
    assert not Path("/tmp/kw_vacuum.sqlite").exists()


async def test_no_files_folder_is_a_clear_error() -> None:
    with pytest.raises(NodeOperationError, match="KNOTWORK_FILES_DIR"):
        await run_node(NODE, 1, {"database": "x.sqlite", "operation": "executeQuery", "query": "SELECT 1"})
