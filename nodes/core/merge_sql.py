"""Merge v3 "SQL Query" (`combineBySql`): run a query over tables input1…inputN.

n8n runs the query with alasql; Knotwork runs it on a private in-memory SQLite database, so the
dialect is SQLite's. Each table has one column per field found in its input's items (first-seen
order); objects and lists are stored as JSON text and come back as objects when a result cell
holds exactly such a text. SQLite has no boolean type: true/false come back as 1/0.

Safety: the database lives in memory only; ATTACH/DETACH (which could touch files) are refused
by an authorizer, and a query running longer than QUERY_SECONDS is interrupted.

Paired items: every table has a hidden column `__kw_item_inputN` holding the item's position;
rows of `SELECT *` queries carry it, so each result row pairs with the exact items it came from.
Rows without it pair with every input item (n8n's fallback).
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import time
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item, PairedRef
from engine.node_api import ExecuteContext

QUERY_SECONDS = 30.0
_ROW_COLUMN = "__kw_item_input{}"
_RESOLVABLE = re.compile(r"{{[\s\S]*?}}")


def combine_by_sql(ctx: ExecuteContext, inputs: list[list[Item]]) -> list[Item]:
    """Run the node's query. Raises NodeOperationError with SQLite's message when it fails."""
    query = _resolved_query(ctx)
    version = ctx.type_version
    options = ctx.param("options", 0, {}) or {}
    success_if_empty = version <= 3.1 or options.get("emptyQueryResult", "empty") == "success"
    texts: dict[str, Any] = {}
    with _database() as connection:
        for number, items in enumerate(inputs, start=1):
            _create_table(connection, number, items, texts)
        rows, columns = _run(connection, query)
    every_item: list[PairedRef] = [(index, input_index) for input_index, items in enumerate(inputs) for index in range(len(items))]
    output = [_row_item(row, columns, texts, every_item) for row in rows]
    if not output and success_if_empty:
        output.append(Item({"success": True}, paired=every_item))
    return output


def _resolved_query(ctx: ExecuteContext) -> str:
    """The query with each `{{ … }}` evaluated for item 0, as n8n's getResolvables does."""
    query = str(ctx.raw_param("query", "") or "")
    if query.startswith("="):
        query = str(ctx.param("query", 0, ""))
    for resolvable in _RESOLVABLE.findall(query):
        value = ctx.evaluate("=" + resolvable, 0, "query")
        query = query.replace(resolvable, "" if value is None else str(value))
    if not query.strip():
        raise NodeOperationError("The SQL query is empty", description="Write a query over the tables input1, input2, …")
    return query


class _database:
    """A fresh in-memory SQLite connection that refuses ATTACH/DETACH and long queries."""

    def __enter__(self) -> sqlite3.Connection:
        self.connection = sqlite3.connect(":memory:", isolation_level=None)
        self.connection.set_authorizer(_authorize)
        deadline = time.monotonic() + QUERY_SECONDS
        self.connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _authorize(action: int, *_: Any) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _create_table(connection: sqlite3.Connection, number: int, items: list[Item], texts: dict[str, Any]) -> None:
    columns: dict[str, None] = {}
    for item in items:
        columns.update(dict.fromkeys(item.json))
    names = [*columns, _ROW_COLUMN.format(number)]
    quoted = ", ".join(_quote(name) for name in names)
    try:
        connection.execute(f"CREATE TABLE input{number} ({quoted})")
        placeholders = ", ".join("?" for _ in names)
        rows = ([*(_cell(item.json.get(name), texts) for name in columns), index] for index, item in enumerate(items))
        connection.executemany(f"INSERT INTO input{number} VALUES ({placeholders})", rows)
    except (sqlite3.Error, OverflowError) as error:  # OverflowError: an integer beyond 64 bits
        raise NodeOperationError(f"Issue while creating table input{number}", description=str(error)) from None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cell(value: Any, texts: dict[str, Any]) -> Any:
    if isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        texts[text] = value
        return text
    return value


def _run(connection: sqlite3.Connection, query: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    try:
        cursor = connection.execute(query)
        rows = cursor.fetchall()
    except sqlite3.Warning as error:  # several statements at once
        raise NodeOperationError("Issue while executing query", description=f"{error} (run one statement)") from None
    except sqlite3.Error as error:
        raise NodeOperationError("Issue while executing query", description=str(error)) from None
    columns = [column[0] for column in cursor.description or ()]
    return rows, columns


def _row_item(row: tuple[Any, ...], columns: list[str], texts: dict[str, Any], every_item: list[PairedRef]) -> Item:
    json_row: dict[str, Any] = {}
    refs: list[PairedRef] = []
    for name, value in zip(columns, row, strict=True):
        if name.startswith("__kw_item_input"):
            if isinstance(value, int):
                refs.append((value, int(name.removeprefix("__kw_item_input")) - 1))
            continue
        if isinstance(value, bytes):  # a BLOB (randomblob(), x'..'): JSON has no bytes
            value = base64.b64encode(value).decode("ascii")
        json_row[name] = texts.get(value, value) if isinstance(value, str) else value
    return Item(json_row, paired=refs or every_item)
