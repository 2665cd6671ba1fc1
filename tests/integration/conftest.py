"""Real servers for the integration tests: a throwaway PostgreSQL database and a Redis logical database.

The servers are the ones on this machine (and in CI): PostgreSQL at KNOTWORK_TEST_DATABASE_URL, else
postgres@127.0.0.1:5432, and Redis at 127.0.0.1:6379. When either does not answer, every test that
needs it is skipped with the reason; nothing here starts a server.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from models.db import Database
from tests import db_backend

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# A logical database of its own, emptied before and after, so other users of this Redis keep their keys.
# Pub/sub channels are shared by all logical databases: tests filter events by their workflow id.
REDIS_URL = "redis://127.0.0.1:6379/13"


def postgres_server() -> URL:
    return db_backend.server_url() or make_url(POSTGRES_SERVER)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A new, migrated PostgreSQL database for the test module, dropped (WITH FORCE) at its end."""
    server = postgres_server()
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"knotwork_it_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {server.render_as_string(hide_password=True)} is unreachable: {error}")
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        database = Database(url)
        try:
            database.upgrade()
        finally:
            database.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def flushed_redis(url: str) -> Iterator[str]:
    """`url`, its logical database flushed before and after the block (skips when Redis is down)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.flushdb()
    except redis.RedisError as error:
        client.close()
        pytest.skip(f"Redis at {url} is unreachable: {error}")
    try:
        yield url
    finally:
        try:
            client.flushdb()
        finally:
            client.close()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """REDIS_URL, its logical database flushed before and after the module."""
    with flushed_redis(REDIS_URL) as url:
        yield url
