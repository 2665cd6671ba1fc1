"""SQLite through the standard library, each call in a worker thread. The database file must lie
inside the files folder (KNOTWORK_FILES_DIR); ATTACH and VACUUM INTO, which could reach other
files, are refused by an authorizer."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from .common import ConnectionFailed, json_row
from .sql_session import Dialect, Query, StatementResult

DIALECT = Dialect("sqlite", '"', "?")


def statements(sql: str) -> list[str]:
    """The complete statements of `sql` in order (sqlite3 runs one statement per call)."""
    found: list[str] = []
    buffer = ""
    for part in sql.split(";"):
        buffer += part + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                found.append(buffer)
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        found.append(buffer.rstrip(";"))
    return found or [sql]


def _authorize(action: int, *_: Any) -> int:
    # ATTACH (also what VACUUM INTO reports) would open a file outside the files folder
    return sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) else sqlite3.SQLITE_OK


class SqliteSession:
    """One connection in autocommit mode; `begin` opens an explicit transaction."""

    dialect = DIALECT

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    async def run(self, query: Query, large_as_text: bool) -> list[StatementResult]:
        return await asyncio.to_thread(self._run, query)

    def _run(self, query: Query) -> list[StatementResult]:
        texts = [query.sql] if query.values is not None else statements(query.sql)
        return [self._statement(text, query.values or []) for text in texts]

    def _statement(self, text: str, values: list[Any]) -> StatementResult:
        cursor = self.connection.execute(text, values)
        try:
            if cursor.description is None:
                return StatementResult(None, cursor.rowcount, cursor.lastrowid)
            names = [column[0] for column in cursor.description]
            rows = [json_row(names, row, set(), False) for row in cursor.fetchall()]
            return StatementResult(rows, cursor.rowcount)
        finally:
            cursor.close()

    async def begin(self) -> None:
        await asyncio.to_thread(self.connection.execute, "BEGIN")

    async def commit(self) -> None:
        await asyncio.to_thread(self.connection.execute, "COMMIT")

    async def rollback(self) -> None:
        if self.connection.in_transaction:
            await asyncio.to_thread(self.connection.execute, "ROLLBACK")


def _open(path: Path, timeout: float) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    connection.set_authorizer(_authorize)
    return connection


@asynccontextmanager
async def sqlite_session(path: Path, node: str, timeout: float = 30) -> AsyncIterator[SqliteSession]:
    """An open session on the file at `path` (created when missing; its folder must exist)."""
    if not path.parent.is_dir():
        raise ConnectionFailed(f"Could not open the SQLite database '{path}': its folder does not exist", node=node)
    try:
        connection = await asyncio.to_thread(_open, path, timeout)
    except sqlite3.Error as error:
        raise ConnectionFailed(f"Could not open the SQLite database '{path}': {error}", node=node) from None
    try:
        yield SqliteSession(connection)
    finally:
        await asyncio.to_thread(connection.close)
