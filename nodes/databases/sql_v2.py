"""The v2 SQL operations (n8n Postgres 2–2.6, MySQL 2–2.5, and our SQLite node): one Query per
input item, run in the chosen batching mode, rows out paired to the item that asked for them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext

from . import sql_build
from .common import fail
from .sql_query import execute_query
from .sql_session import BatchOptions, Query, SqlSession, StatementResult, run_batch

BATCH_MODES = ("single", "independently", "transaction")


@dataclass(frozen=True)
class Flavour:
    """What differs between databases in the v2 operations."""

    returning: bool  # writes can return the written rows (RETURNING)
    write_result: Callable[[StatementResult], dict[str, Any]]  # the item of a write without rows
    # with `options.detailedOutput` (MySQL): what the server reported instead of {"success": true}
    detailed_result: Callable[[StatementResult], dict[str, Any]] | None = None


def batch_options(ctx: ExecuteContext, operation: str) -> BatchOptions:
    mode = str(ctx.param("options.queryBatching", 0, "single") or "single")
    if mode not in BATCH_MODES:
        raise NodeOperationError(f"Unknown query batching '{mode}' (use {', '.join(BATCH_MODES)})",
                                 node=ctx.node.name, parameter="options.queryBatching")
    large = str(ctx.param("options.largeNumbersOutput", 0, "text") or "text")
    return BatchOptions(mode=mode, operation=operation, large_as_text=large != "numbers")


def build_query(ctx: ExecuteContext, session: SqlSession, flavour: Flavour, operation: str, index: int,
                item: Item) -> Query:
    """The Query of one item for `operation`. Raises NodeOperationError on bad parameters."""
    dialect = session.dialect
    detailed = flavour.detailed_result if ctx.param("options.detailedOutput", index, False) else None
    if operation == "executeQuery":
        query = execute_query(ctx, dialect, index)
        query.empty_result = detailed
        return query
    if operation == "select":
        sql, values = sql_build.select(ctx, dialect, index)
        return Query(sql, values, [index], empty_result=lambda _: {})
    if operation in ("insert", "update", "upsert"):
        builder = getattr(sql_build, operation)
        sql, values = builder(ctx, dialect, item, index, flavour.returning)
        return Query(sql, values, [index], empty_result=detailed or flavour.write_result)
    if operation == "deleteTable":
        sql, values = sql_build.delete_table(ctx, dialect, index)
        return Query(sql, values, [index], empty_result=detailed)
    raise NodeOperationError(f"Unknown operation '{operation}'", node=ctx.node.name, parameter="operation")


async def execute_v2(ctx: ExecuteContext, session: SqlSession, flavour: Flavour) -> list[Item]:
    """Every input item's query, in the batching mode of `options.queryBatching`."""
    operation = str(ctx.param("operation", 0, "insert"))
    options = batch_options(ctx, operation)
    queries: list[Query] = []
    errors: list[Item] = []
    for index, item in enumerate(ctx.input_items):
        try:
            queries.append(build_query(ctx, session, flavour, operation, index, item))
        except Exception as error:  # bad parameters of one item: its own error (or the node's)
            errors.append(fail(ctx, operation, index, error))
    output = await run_batch(ctx, session, queries, options) if queries else []
    if operation == "select":  # a select without matches gives no item (n8n), not an empty one
        output = [item for item in output if item.json or item.error]
    return sorted([*output, *errors], key=_first_input)


def _first_input(item: Item) -> int:
    paired = item.paired
    if isinstance(paired, list):
        return paired[0][0] if paired else 0
    return paired[0] if paired else 0
