"""PostgreSQL through psycopg 3 (async): connecting from the `postgres` credential, running
Queries with client-side binding (so several statements may share one query, as in n8n)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import psycopg

from engine.node_api import ExecuteContext

from .common import ConnectionFailed, database_message, json_row
from .sql_session import Dialect, Query, StatementResult

DIALECT = Dialect("postgres", '"', "%s")
LARGE_TYPES = {20, 1700}  # int8 (BIGINT) and numeric: digits JavaScript numbers would lose


def connect_kwargs(data: Mapping[str, Any], timeout: float) -> dict[str, Any]:
    """psycopg connection arguments from `postgres` credential data."""
    ssl_mode = "require" if data.get("allowUnauthorizedCerts") else {"verify": "verify-ca"}.get(
        str(data.get("ssl") or "disable"), str(data.get("ssl") or "disable"))
    return {
        "host": str(data.get("host") or "localhost"), "port": int(data.get("port") or 5432),
        "dbname": data.get("database") or None, "user": data.get("user") or None,
        "password": data.get("password") or None, "sslmode": ssl_mode,
        "connect_timeout": max(1, round(timeout)),
    }


class PostgresSession:
    """One connection in autocommit mode; `begin` opens an explicit transaction."""

    dialect = DIALECT

    def __init__(self, connection: psycopg.AsyncConnection[Any]) -> None:
        self.connection = connection

    async def run(self, query: Query, large_as_text: bool) -> list[StatementResult]:
        async with psycopg.AsyncClientCursor(self.connection) as cursor:
            await cursor.execute(query.sql, query.values)
            results: list[StatementResult] = []
            while True:
                results.append(await _statement(cursor, large_as_text))
                if not cursor.nextset():
                    return results

    async def begin(self) -> None:
        await self.connection.execute("BEGIN")

    async def commit(self) -> None:
        await self.connection.execute("COMMIT")

    async def rollback(self) -> None:
        await self.connection.execute("ROLLBACK")


async def _statement(cursor: psycopg.AsyncClientCursor[Any], large_as_text: bool) -> StatementResult:
    if cursor.description is None:
        return StatementResult(None, cursor.rowcount)
    names = [column.name for column in cursor.description]
    large = {i for i, column in enumerate(cursor.description) if column.type_code in LARGE_TYPES}
    rows = [json_row(names, row, large, large_as_text) for row in await cursor.fetchall()]
    return StatementResult(rows, cursor.rowcount)


@asynccontextmanager
async def postgres_session(ctx: ExecuteContext, data: Mapping[str, Any]) -> AsyncIterator[PostgresSession]:
    """An open session; NodeOperationError naming the server when the connection fails."""
    timeout = float(ctx.param("options.connectionTimeout", 0, 30) or 30)
    kwargs = connect_kwargs(data, timeout)
    try:
        connection = await psycopg.AsyncConnection.connect(autocommit=True, **kwargs)
    except psycopg.Error as error:
        raise ConnectionFailed(
            f"Could not connect to PostgreSQL at {kwargs['host']}:{kwargs['port']}: "
            f"{database_message(error).removeprefix('connection failed: ')}", node=ctx.node.name) from None
    async with connection:
        yield PostgresSession(connection)
