"""Version 1 of n8n's Postgres and MySQL nodes: executeQuery, insert and update with comma-separated
`columns`, `updateKey`, `returnFields` (Postgres) and `additionalFields.mode`/`queryParams`
(Postgres) or `options.ignore`/`priority` (MySQL)."""

from __future__ import annotations

import re
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Option, Parameter

from .common import as_list, fail
from .sql_query import bind
from .sql_session import BatchOptions, Dialect, Query, SqlSession, run_batch
from .sql_v2 import Flavour

_CAST = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ]*(\[\])?$")
V1 = {"@version": (1.0,)}


def v1_parameters(database: str) -> tuple[Parameter, ...]:
    """The v1 form (shown for version 1 only)."""
    def on(*operations: str) -> dict[str, tuple[Any, ...]]:
        return {"operation": operations, **V1}

    params = [
        Parameter("operation", "Operation", "options", default="insert", show=V1, options=(
            Option("Execute Query", "executeQuery"), Option("Insert", "insert"), Option("Update", "update"))),
        Parameter("query", "Query", "code", default="", required=True, show=on("executeQuery"),
                  type_options={"language": "sql"}),
    ]
    if database == "postgres":
        params.append(Parameter("schema", "Schema", "string", default="public", show=on("insert", "update")))
    params += [
        Parameter("table", "Table", "string", default="", required=True, show=on("insert", "update")),
        Parameter("columns", "Columns", "string", default="", show=on("insert", "update"),
                  placeholder="id,name,description",
                  description="Comma-separated properties of the items to write (Postgres: name:type casts)"),
        Parameter("updateKey", "Update Key", "string", default="id", required=True, show=on("update"),
                  description="Comma-separated columns that identify the rows to update"),
    ]
    if database == "postgres":
        params += [
            Parameter("returnFields", "Return Fields", "string", default="*", show=on("insert", "update")),
            Parameter("additionalFields", "Additional Fields", "collection", default={}, show=V1, fields=(
                Parameter("mode", "Mode", "options", default="multiple", options=(
                    Option("Independently", "independently"), Option("Multiple Queries", "multiple"),
                    Option("Transaction", "transaction"))),
                Parameter("queryParams", "Query Parameters", "string", default="",
                          description="Comma-separated item properties to use as $1, $2... in the query"),
            )),
        ]
    else:
        params.append(Parameter("options", "Options", "collection", default={}, show=on("insert"), fields=(
            Parameter("ignore", "Ignore", "boolean", default=True,
                      description="Ignore rows that would break a unique key or other constraint"),
            Parameter("priority", "Priority", "options", default="LOW_PRIORITY", options=(
                Option("Low Prioirity", "LOW_PRIORITY"), Option("High Priority", "HIGH_PRIORITY"))),
        )))
    return tuple(params)


def _columns(ctx: ExecuteContext, dialect: Dialect, index: int) -> list[tuple[str, str]]:
    """(name, placeholder) pairs; a Postgres `name:type` casts its placeholder."""
    pairs = []
    for entry in as_list(ctx.param("columns", index, "")):
        name, _, cast = str(entry).partition(":")
        mark = dialect.placeholder
        if cast and dialect.name == "postgres":
            if not _CAST.match(cast.strip()):
                raise NodeOperationError(f"'{cast}' is not a type name", node=ctx.node.name, item_index=index,
                                         parameter="columns")
            mark += f"::{cast.strip()}"
        pairs.append((name.strip(), mark))
    if not pairs:
        raise NodeOperationError("Give the columns to write", node=ctx.node.name, item_index=index,
                                 parameter="columns")
    return pairs


def _table(ctx: ExecuteContext, dialect: Dialect, index: int) -> str:
    table = str(ctx.param("table", index, "") or "").strip()
    if not table:
        raise NodeOperationError("The parameter 'table' is empty", node=ctx.node.name, item_index=index,
                                 parameter="table")
    schema = str(ctx.param("schema", index, "public") or "") if dialect.name == "postgres" else ""
    return dialect.qualified(schema, table)


def _returning(ctx: ExecuteContext, dialect: Dialect, index: int) -> str:
    if dialect.name != "postgres":
        return ""
    fields = as_list(ctx.param("returnFields", index, "*"))
    if not fields or fields == ["*"]:
        return " RETURNING *"
    return " RETURNING " + ", ".join(dialect.ident(str(f)) for f in fields)


def build_v1(ctx: ExecuteContext, dialect: Dialect, operation: str, index: int, item: Item) -> Query:
    if operation == "executeQuery":
        text = str(ctx.param("query", index, "") or "")
        if "{{" in text:  # v1 resolved {{ }} in the query even when it was not an expression
            text = str(ctx.evaluate("=" + text, index, "query"))
        fields = as_list(ctx.param("additionalFields.queryParams", index, "")) if dialect.name == "postgres" else []
        if not fields:
            return Query(text, None, [index])
        sql, values = bind(ctx, dialect, text, [item.json.get(str(n)) for n in fields], index)
        return Query(sql, values, [index])
    columns = _columns(ctx, dialect, index)
    table = _table(ctx, dialect, index)
    if operation == "insert":
        verb = "INSERT"
        if dialect.name == "mysql":
            priority = str(ctx.param("options.priority", index, "") or "")
            verb = " ".join(p for p in ("INSERT", priority if priority in ("LOW_PRIORITY", "HIGH_PRIORITY") else "",
                                        "IGNORE" if ctx.param("options.ignore", index, False) else "") if p)
        names = ", ".join(dialect.ident(n) for n, _ in columns)
        sql = f"{verb} INTO {table} ({names}) VALUES ({', '.join(m for _, m in columns)})"
        values = [item.json.get(n) for n, _ in columns]
        return Query(sql + _returning(ctx, dialect, index), values, [index])
    if operation == "update":
        keys = [str(k) for k in as_list(ctx.param("updateKey", index, "id"))]
        changes = [(n, m) for n, m in columns if n not in keys]
        sets = ", ".join(f"{dialect.ident(n)} = {m}" for n, m in changes)
        where = " AND ".join(f"{dialect.ident(k)} = {dialect.placeholder}" for k in keys)
        values = [item.json.get(n) for n, _ in changes] + [item.json.get(k) for k in keys]
        sql = f"UPDATE {table} SET {sets} WHERE {where}" + _returning(ctx, dialect, index)
        return Query(sql, values, [index])
    raise NodeOperationError(f"Unknown operation '{operation}'", node=ctx.node.name, parameter="operation")


async def execute_v1(ctx: ExecuteContext, session: SqlSession, flavour: Flavour) -> list[Item]:
    """Every input item's v1 query; Postgres' `additionalFields.mode` picks the batching."""
    operation = str(ctx.param("operation", 0, "insert"))
    mode = str(ctx.param("additionalFields.mode", 0, "multiple") or "multiple")
    # v1 kept the drivers' defaults: pg gives BIGINT/NUMERIC as text, mysql BIGINT as a number
    options = BatchOptions(mode="single" if mode == "multiple" else mode, operation=operation,
                           large_as_text=session.dialect.name == "postgres")
    queries: list[Query] = []
    errors: list[Item] = []
    for index, item in enumerate(ctx.input_items):
        try:
            query = build_v1(ctx, session.dialect, operation, index, item)
        except Exception as error:
            errors.append(fail(ctx, operation, index, error))
            continue
        if operation != "executeQuery":
            # v1 passed on what the server reported (MySQL); Postgres returns rows instead
            query.empty_result = flavour.detailed_result or flavour.write_result
        queries.append(query)
    return errors + (await run_batch(ctx, session, queries, options) if queries else [])
