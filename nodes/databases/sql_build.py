"""SQL text for the v2 operations (select, insert, update, upsert, deleteTable), one item at a time.

Identifiers always go through `Dialect.ident` (quoted, quote characters doubled); values always
go as placeholders with a separate value list, never into the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext

from .common import as_list, locator_value, required_name
from .sql_session import Dialect

CONDITIONS = {"equal": "=", "=": "=", "!=": "!=", "LIKE": "LIKE", ">": ">", "<": "<", ">=": ">=", "<=": "<=",
              "IS NULL": "IS NULL", "IS NOT NULL": "IS NOT NULL"}


@dataclass
class Target:
    """The table an operation works on, already quoted."""

    sql: str
    table: str


def target(ctx: ExecuteContext, dialect: Dialect, index: int) -> Target:
    table = required_name(ctx, "table", index)
    schema = locator_value(ctx.param("schema", index, "public")) if dialect.name == "postgres" else ""
    return Target(dialect.qualified(schema, table), table)


def output_columns(ctx: ExecuteContext, dialect: Dialect, index: int) -> str:
    """`*` or the quoted list of `options.outputColumns`."""
    names = as_list(ctx.param("options.outputColumns", index, []))
    return ", ".join(dialect.ident(str(n)) for n in names) if names else "*"


def where_clause(ctx: ExecuteContext, dialect: Dialect, index: int) -> tuple[str, list[Any]]:
    """` WHERE ...` from `where.values` joined by `combineConditions` (AND/OR), and its values."""
    conditions = ctx.param("where.values", index, []) or []
    joiner = " OR " if str(ctx.param("combineConditions", index, "AND")).upper() == "OR" else " AND "
    parts: list[str] = []
    values: list[Any] = []
    for condition in conditions:
        column = locator_value(condition.get("column"))
        if not column:
            raise NodeOperationError("A where condition has no column", node=ctx.node.name, item_index=index,
                                     parameter="where")
        operator = CONDITIONS.get(str(condition.get("condition") or "equal"))
        if operator is None:
            raise NodeOperationError(f"Unknown where condition '{condition.get('condition')}'", node=ctx.node.name,
                                     item_index=index, parameter="where")
        if operator in ("IS NULL", "IS NOT NULL"):
            parts.append(f"{dialect.ident(column)} {operator}")
        else:
            parts.append(f"{dialect.ident(column)} {operator} {dialect.placeholder}")
            values.append(condition.get("value"))
    return (f" WHERE {joiner.join(parts)}" if parts else ""), values


def order_clause(ctx: ExecuteContext, dialect: Dialect, index: int) -> str:
    rules = ctx.param("sort.values", index, []) or []
    parts = []
    for rule in rules:
        column = locator_value(rule.get("column"))
        if column:
            direction = "DESC" if str(rule.get("direction", "ASC")).upper() == "DESC" else "ASC"
            parts.append(f"{dialect.ident(column)} {direction}")
    return f" ORDER BY {', '.join(parts)}" if parts else ""


def select(ctx: ExecuteContext, dialect: Dialect, index: int) -> tuple[str, list[Any]]:
    table = target(ctx, dialect, index)
    where, values = where_clause(ctx, dialect, index)
    sql = f"SELECT {output_columns(ctx, dialect, index)} FROM {table.sql}{where}{order_clause(ctx, dialect, index)}"
    if not ctx.param("returnAll", index, False):
        limit = ctx.param("limit", index, 50)
        try:
            values.append(int(limit))
        except (TypeError, ValueError):
            raise NodeOperationError(f"The limit '{limit}' is not a whole number", node=ctx.node.name,
                                     item_index=index, parameter="limit") from None
        sql += f" LIMIT {dialect.placeholder}"
    return sql, values


def column_values(ctx: ExecuteContext, item: Item, index: int) -> dict[str, Any]:
    """The column → value map to write: the item's fields (autoMapInputData) or the defined ones.
    Reads the resource mapper `columns` (v2.2+) or the older `dataMode` + `valuesToSend`."""
    columns = ctx.param("columns", index, None)
    if isinstance(columns, dict) and ("mappingMode" in columns or "value" in columns):
        mode = columns.get("mappingMode") or "defineBelow"
        data = dict(item.json) if mode == "autoMapInputData" else dict(columns.get("value") or {})
    elif ctx.param("dataMode", index, "autoMapInputData") == "defineBelow":
        pairs = ctx.param("valuesToSend.values", index, []) or []
        data = {locator_value(p.get("column")): p.get("value") for p in pairs if locator_value(p.get("column"))}
    else:
        data = dict(item.json)
    if ctx.param("options.replaceEmptyStrings", index, False):
        data = {k: (None if v == "" else v) for k, v in data.items()}
    return {k: _sql_value(v) for k, v in data.items()}


def _sql_value(value: Any) -> Any:
    """Objects and arrays are written as JSON text (n8n stringifies them for json columns)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def matching_columns(ctx: ExecuteContext, index: int) -> list[str]:
    """The columns that identify a row: `columns.matchingColumns`, else `columnToMatchOn`."""
    columns = ctx.param("columns", index, None)
    names = as_list(columns.get("matchingColumns")) if isinstance(columns, dict) else []
    if not names:
        names = as_list(locator_value(ctx.param("columnToMatchOn", index, "")))
    if not names:
        raise NodeOperationError("Choose the column(s) to match on ('columnToMatchOn')", node=ctx.node.name,
                                 item_index=index, parameter="columnToMatchOn")
    return [str(n) for n in names]


def _add_match_value(ctx: ExecuteContext, data: dict[str, Any], names: list[str], index: int) -> None:
    """Put v2.0/2.1's `valueToMatchOn` in; raise when a column to match on has no value."""
    value = ctx.param("valueToMatchOn", index, None)
    if value not in (None, "") and names[0] not in data:
        data[names[0]] = value
    missing = [n for n in names if n not in data]
    if missing:
        raise NodeOperationError(f"The item has no value for the column(s) to match on: {', '.join(missing)}",
                                 node=ctx.node.name, item_index=index, parameter="columns")


def insert(ctx: ExecuteContext, dialect: Dialect, item: Item, index: int, returning: bool
           ) -> tuple[str, list[Any]]:
    table = target(ctx, dialect, index)
    data = column_values(ctx, item, index)
    names = ", ".join(dialect.ident(k) for k in data)
    marks = ", ".join(dialect.placeholder for _ in data)
    if dialect.name == "mysql":
        priority = str(ctx.param("options.priority", index, "") or "")
        modifiers = [priority if priority in ("LOW_PRIORITY", "HIGH_PRIORITY") else ""]  # keywords, never text
        modifiers.append("IGNORE" if ctx.param("options.skipOnConflict", index, False) else "")
        verb = " ".join(["INSERT", *[m for m in modifiers if m], "INTO"])
    else:
        verb = "INSERT INTO"
    sql = f"{verb} {table.sql} ({names}) VALUES ({marks})" if data else f"{verb} {table.sql} DEFAULT VALUES"
    if dialect.name != "mysql" and ctx.param("options.skipOnConflict", index, False):
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {output_columns(ctx, dialect, index)}"
    return sql, list(data.values())


def update(ctx: ExecuteContext, dialect: Dialect, item: Item, index: int, returning: bool
           ) -> tuple[str, list[Any]]:
    table = target(ctx, dialect, index)
    data = column_values(ctx, item, index)
    match = matching_columns(ctx, index)
    _add_match_value(ctx, data, match, index)
    changes = {k: v for k, v in data.items() if k not in match}
    if not changes:
        raise NodeOperationError("Nothing to update: give at least one column besides the ones to match on",
                                 node=ctx.node.name, item_index=index, parameter="columns")
    sets = ", ".join(f"{dialect.ident(k)} = {dialect.placeholder}" for k in changes)
    where = " AND ".join(f"{dialect.ident(k)} = {dialect.placeholder}" for k in match)
    sql = f"UPDATE {table.sql} SET {sets} WHERE {where}"
    if returning:
        sql += f" RETURNING {output_columns(ctx, dialect, index)}"
    return sql, [*changes.values(), *(data[k] for k in match)]


def upsert(ctx: ExecuteContext, dialect: Dialect, item: Item, index: int, returning: bool
           ) -> tuple[str, list[Any]]:
    table = target(ctx, dialect, index)
    data = column_values(ctx, item, index)
    match = matching_columns(ctx, index)
    _add_match_value(ctx, data, match, index)
    names = ", ".join(dialect.ident(k) for k in data)
    marks = ", ".join(dialect.placeholder for _ in data)
    changes = [k for k in data if k not in match]
    sql = f"INSERT INTO {table.sql} ({names}) VALUES ({marks})"
    if dialect.name == "mysql":
        # re-assigning a key column to itself makes the statement valid with nothing else to change
        assigned = changes or match[:1]
        sql += " ON DUPLICATE KEY UPDATE " + ", ".join(
            f"{dialect.ident(k)} = VALUES({dialect.ident(k)})" for k in assigned)
    else:
        conflict = ", ".join(dialect.ident(k) for k in match)
        action = ("DO UPDATE SET " + ", ".join(f"{dialect.ident(k)} = EXCLUDED.{dialect.ident(k)}" for k in changes)
                  if changes else "DO NOTHING")
        sql += f" ON CONFLICT ({conflict}) {action}"
    if returning:
        sql += f" RETURNING {output_columns(ctx, dialect, index)}"
    return sql, list(data.values())


def delete_table(ctx: ExecuteContext, dialect: Dialect, index: int) -> tuple[str, list[Any]]:
    """`deleteCommand` truncate | delete (with where) | drop, with Postgres' cascade/restart options."""
    table = target(ctx, dialect, index)
    command = ctx.param("deleteCommand", index, "truncate")
    cascade = " CASCADE" if dialect.name == "postgres" and ctx.param("options.cascade", index, False) else ""
    if command == "drop":
        return f"DROP TABLE {table.sql}{cascade}", []
    if command == "delete":
        where, values = where_clause(ctx, dialect, index)
        return f"DELETE FROM {table.sql}{where}", values
    if command != "truncate":
        raise NodeOperationError(f"Unknown delete command '{command}'", node=ctx.node.name, item_index=index,
                                 parameter="deleteCommand")
    if dialect.name == "sqlite":  # SQLite has no TRUNCATE; an unqualified DELETE is its fast path
        return f"DELETE FROM {table.sql}", []
    restart = " RESTART IDENTITY" if dialect.name == "postgres" and ctx.param(
        "options.restartSequences", index, False) else ""
    return f"TRUNCATE TABLE {table.sql}{restart}{cascade}", []
