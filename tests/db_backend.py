"""Which database the tests run on, and throwaway databases on it.

KNOTWORK_TEST_DATABASE_URL unset: each test gets a fresh SQLite file. Set to a
postgresql+psycopg://… URL: the test session creates its own database on that server
(`knotwork_test_<random>`), and drops it at the end; tests share it and empty it after each test.

tests/models/conftest.py shows the two fixtures a test folder needs: a session-scoped one around
session_database() and a per-test one around open_test_database().
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlmodel import SQLModel

from models.db import Database, normalise_url

BACKEND_VARIABLE = 'KNOTWORK_TEST_DATABASE_URL'


def server_url() -> URL | None:
    """The PostgreSQL server URL the tests should use, or None for SQLite files."""
    raw = os.environ.get(BACKEND_VARIABLE, '').strip()
    if not raw:
        return None
    url = make_url(normalise_url(raw))
    if url.get_backend_name() != 'postgresql':
        raise ValueError(f'{BACKEND_VARIABLE} must be a postgresql+psycopg:// URL or unset, not {raw!r}')
    return url


def uses_postgresql() -> bool:
    return server_url() is not None


def sqlite_url(folder: Path) -> str:
    return f'sqlite:///{folder / "knotwork-test.db"}'


@contextmanager
def session_database() -> Iterator[str | None]:
    """On PostgreSQL: create and migrate a database for this test session, yield its URL, drop it.

    On SQLite: yield None (each test makes its own file).
    """
    server = server_url()
    if server is None:
        yield None
        return
    name = f'knotwork_test_{secrets.token_hex(6)}'
    admin = create_engine(server, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
        database = Database(url)
        try:
            database.upgrade()
        finally:
            database.dispose()
        try:
            yield url
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def open_test_database(folder: Path, server_database: str | None) -> Iterator[Database]:
    """A migrated, empty Database for one test: a new SQLite file in `folder`, or the session's
    PostgreSQL database, emptied again when the test ends."""
    if server_database is None:
        database = Database(sqlite_url(folder))
        database.upgrade()
        try:
            yield database
        finally:
            database.dispose()
        return
    database = Database(server_database)
    try:
        yield database
    finally:
        empty_tables(database)
        database.dispose()


def empty_tables(database: Database) -> None:
    """Delete every row of every Knotwork table, and restart id sequences on PostgreSQL."""
    tables = [table.name for table in SQLModel.metadata.sorted_tables]
    with database.engine.begin() as connection:
        if database.is_sqlite:
            for name in reversed(tables):
                connection.execute(text(f'DELETE FROM "{name}"'))
        else:
            names = ', '.join(f'"{name}"' for name in tables)
            connection.execute(text(f'TRUNCATE {names} RESTART IDENTITY CASCADE'))
