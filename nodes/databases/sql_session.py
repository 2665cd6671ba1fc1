"""The seam between the SQL nodes and their drivers, and n8n's three query batching modes.

A node turns its items into `Query` objects (SQL text with placeholders + values, never values
spliced into the text) and hands them to `run_batch` with a `SqlSession` (one open connection).

Batching (n8n's `options.queryBatching`):
- `single`: all queries in one transaction; one failure rolls everything back and fails the node
  (with continue-on-fail: one error item);
- `transaction`: the same, but with continue-on-fail the results before the failing query and an
  error item are returned (the transaction is still rolled back, the rest skipped);
- `independently`: each query runs in autocommit mode; a failure affects only its item.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.items import Item
from engine.node_api import ExecuteContext

from .common import fail


@dataclass(frozen=True)
class Dialect:
    """How a database spells identifiers and placeholders."""

    name: str
    quote_char: str  # '"' (PostgreSQL, SQLite) or '`' (MySQL)
    placeholder: str  # "%s" (psycopg, pymysql) or "?" (sqlite3)

    def ident(self, name: str) -> str:
        """`name` as a quoted identifier: the quote character doubled inside, so no name can end
        the quoting early. `%` is doubled for drivers whose placeholders are %-format."""
        if "\x00" in name:
            raise ValueError("an identifier may not contain a NUL character")
        quoted = self.quote_char + name.replace(self.quote_char, self.quote_char * 2) + self.quote_char
        return quoted.replace("%", "%%") if self.placeholder == "%s" else quoted

    def qualified(self, schema: str, table: str) -> str:
        return f"{self.ident(schema)}.{self.ident(table)}" if schema else self.ident(table)


@dataclass
class Query:
    """One statement (or several, for executeQuery) and its values; `items` are the input items
    it stands for (for paired items and error messages)."""

    sql: str
    values: list[Any] | None
    items: list[int]
    empty_result: Callable[[StatementResult], dict[str, Any]] | None = None


@dataclass
class StatementResult:
    """One statement's outcome: `rows` is None when the statement returned no result set."""

    rows: list[dict[str, Any]] | None
    rowcount: int = -1
    lastrowid: Any = None


@dataclass
class BatchOptions:
    mode: str = "single"  # single | independently | transaction
    operation: str = "executeQuery"
    large_as_text: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class SqlSession(Protocol):
    """An open connection. `run` executes one Query inside the current transaction (or with
    autocommit when none was begun) and returns every statement's result; driver errors pass
    through unchanged."""

    dialect: Dialect

    async def run(self, query: Query, large_as_text: bool) -> list[StatementResult]: ...

    async def begin(self) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


def success_item(result: StatementResult) -> dict[str, Any]:
    return {"success": True}


def query_items(query: Query, results: list[StatementResult]) -> list[Item]:
    """The rows of every statement as items paired to the query's input items; a query that
    returned no rows at all gives its `empty_result` (n8n: `{"success": true}`)."""
    paired: Any = (query.items[0], 0) if len(query.items) == 1 else [(i, 0) for i in query.items]
    rows = [row for result in results if result.rows is not None for row in result.rows]
    if any(result.rows is not None for result in results):
        return [Item(row, paired=paired) for row in rows]
    last = results[-1] if results else StatementResult(None)
    make = query.empty_result or success_item
    return [Item(make(last), paired=paired)]


async def run_batch(ctx: ExecuteContext, session: SqlSession, queries: list[Query],
                    options: BatchOptions) -> list[Item]:
    """Run the queries in the batching mode of `options`; see the module docstring."""
    if options.mode == "independently":
        return await _independently(ctx, session, queries, options)
    output: list[Item] = []
    every_item = [index for query in queries for index in query.items]
    try:
        await session.begin()
    except Exception as error:
        return [fail(ctx, options.operation, every_item, error)]
    for query in queries:
        try:
            results = await session.run(query, options.large_as_text)
        except Exception as error:
            await _rollback(session)
            error_item = fail(ctx, options.operation, query.items, error)
            return [error_item] if options.mode == "single" else [*output, error_item]
        output.extend(query_items(query, results))
    try:
        await session.commit()
    except Exception as error:  # e.g. a deferred constraint checked at commit
        await _rollback(session)
        return [fail(ctx, options.operation, every_item, error)]
    return output


async def _rollback(session: SqlSession) -> None:
    """Roll back, ignoring a second failure: the first error is the one worth reporting."""
    with contextlib.suppress(Exception):
        await session.rollback()


async def _independently(ctx: ExecuteContext, session: SqlSession, queries: list[Query],
                         options: BatchOptions) -> list[Item]:
    output: list[Item] = []
    for query in queries:  # autocommit: each statement stands alone (and VACUUM etc. may run)
        try:
            results = await session.run(query, options.large_as_text)
        except Exception as error:
            output.append(fail(ctx, options.operation, query.items, error))
            continue
        output.extend(query_items(query, results))
    return output
