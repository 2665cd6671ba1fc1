"""MySQL/MariaDB through pymysql, each call in a worker thread so the event loop never blocks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pymysql
from pymysql.constants import CLIENT, FIELD_TYPE

from engine.node_api import ExecuteContext
from nodes.credentials.connection_tests import tls_context

from .common import ConnectionFailed, database_message, json_row
from .sql_session import Dialect, Query, StatementResult

DIALECT = Dialect("mysql", "`", "%s")
LARGE_TYPES = {FIELD_TYPE.LONGLONG, FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL}


def connect_kwargs(data: Mapping[str, Any], timeout: float) -> dict[str, Any]:
    """pymysql connection arguments from `mySql` credential data (connectTimeout is in ms)."""
    context = None
    if data.get("ssl"):
        context = tls_context(ca=str(data.get("caCertificate") or ""), cert=str(data.get("clientCertificate") or ""),
                              key=str(data.get("clientPrivateKey") or ""))
    connect_timeout = float(data.get("connectTimeout") or timeout * 1000) / 1000
    return {
        "host": str(data.get("host") or "localhost"), "port": int(data.get("port") or 3306),
        "user": str(data.get("user") or ""), "password": str(data.get("password") or ""),
        "database": data.get("database") or None, "connect_timeout": max(1, round(connect_timeout)),
        "ssl": context, "ssl_disabled": context is None, "autocommit": True, "charset": "utf8mb4",
        # executeQuery may hold several statements, as n8n allows
        "client_flag": CLIENT.MULTI_STATEMENTS,
    }


class MySqlSession:
    """One connection in autocommit mode; `begin` opens an explicit transaction."""

    dialect = DIALECT

    def __init__(self, connection: pymysql.connections.Connection) -> None:
        self.connection = connection

    async def run(self, query: Query, large_as_text: bool) -> list[StatementResult]:
        return await asyncio.to_thread(self._run, query, large_as_text)

    def _run(self, query: Query, large_as_text: bool) -> list[StatementResult]:
        with self.connection.cursor() as cursor:
            cursor.execute(query.sql, query.values)
            results = [_statement(cursor, large_as_text)]
            while cursor.nextset():
                results.append(_statement(cursor, large_as_text))
            return results

    async def begin(self) -> None:
        await asyncio.to_thread(self.connection.begin)

    async def commit(self) -> None:
        await asyncio.to_thread(self.connection.commit)

    async def rollback(self) -> None:
        await asyncio.to_thread(self.connection.rollback)


def _statement(cursor: Any, large_as_text: bool) -> StatementResult:
    if cursor.description is None:
        return StatementResult(None, cursor.rowcount, cursor.lastrowid)
    names = [column[0] for column in cursor.description]
    large = {i for i, column in enumerate(cursor.description) if column[1] in LARGE_TYPES}
    rows = [json_row(names, row, large, large_as_text) for row in cursor.fetchall()]
    return StatementResult(rows, cursor.rowcount)


def detailed_result(result: StatementResult) -> dict[str, Any]:
    """A write's details (n8n's `detailedOutput`): the affected row count and the new id."""
    data: dict[str, Any] = {"affectedRows": max(result.rowcount, 0)}
    if result.lastrowid:
        data["insertId"] = result.lastrowid
    return data


@asynccontextmanager
async def mysql_session(ctx: ExecuteContext, data: Mapping[str, Any]) -> AsyncIterator[MySqlSession]:
    """An open session; ConnectionFailed naming the server when the connection fails."""
    timeout = float(ctx.param("options.connectionTimeout", 0, 10) or 10)
    kwargs = connect_kwargs(data, timeout)
    try:
        connection = await asyncio.to_thread(pymysql.connect, **kwargs)
    except pymysql.MySQLError as error:
        raise ConnectionFailed(f"Could not connect to MySQL at {kwargs['host']}:{kwargs['port']}: "
                               f"{database_message(error)}", node=ctx.node.name) from None
    try:
        yield MySqlSession(connection)
    finally:
        if connection.open:
            await asyncio.to_thread(connection.close)
