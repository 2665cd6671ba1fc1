"""Fixtures for the database node tests: the real servers of this machine (skipped cleanly when
one does not answer), credentials served through the engine's credentials port, unique tables."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest
import redis

from engine.items import Item
from engine.node_api import NodeType
from engine.ports import FileAccess, InMemoryCredentials, Services
from tests.nodes.fake import FakeContext, make_node

POSTGRES = {"host": "127.0.0.1", "port": 5432, "database": "test", "user": "postgres", "password": "",
            "ssl": "disable"}
MYSQL = {"host": "127.0.0.1", "port": 3306, "database": "test", "user": "root", "password": "", "ssl": False}
REDIS = {"host": "127.0.0.1", "port": 6379, "database": 14, "password": "", "ssl": False}
CREDENTIALS = {"pg": POSTGRES, "my": MYSQL, "rd": REDIS}
REFERENCES = {"postgres": {"id": "pg", "name": "Postgres"}, "mySql": {"id": "my", "name": "MySQL"},
              "redis": {"id": "rd", "name": "Redis"}}


@dataclass
class DbContext(FakeContext):
    """FakeContext whose credentials come from `services.credentials`, as in the executor."""

    async def get_credentials(self, credential_type: str) -> dict[str, Any]:
        reference = self.node.credentials.get(credential_type, {})
        return await self.services.credentials.get(self.node.name, credential_type, reference)


def services(files: Path | None = None) -> Services:
    return Services(credentials=InMemoryCredentials(dict(CREDENTIALS)), files=FileAccess(folder=files))


async def run_node(node_type: NodeType, version: float, parameters: dict[str, Any], items: list[Item] | None = None,
                   *, files: Path | None = None, **flags: Any) -> list[Item]:
    """Run one node on `items` (one empty item by default) and return its only output."""
    credential_type = {"knotwork.postgres": "postgres", "knotwork.mySql": "mySql",
                       "knotwork.redis": "redis"}.get(node_type.description.name)
    credentials = {credential_type: REFERENCES[credential_type]} if credential_type else {}
    node = make_node(node_type.description.name, version, parameters, credentials=credentials, **flags)
    ctx = DbContext(node, [items if items is not None else [Item({})]], services=services(files))
    [output] = await node_type.execute(ctx)
    return output


def jsons(items: list[Item]) -> list[dict[str, Any]]:
    return [item.json for item in items]


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


# -- servers -------------------------------------------------------------------------------------

@pytest.fixture
def pg() -> Iterator[psycopg.Connection[Any]]:
    try:
        connection = psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres",
                                     connect_timeout=2, autocommit=True)
    except psycopg.Error as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 does not answer: {error}")
    with connection:
        yield connection


@pytest.fixture
def my() -> Iterator[Any]:
    try:
        connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database="test",
                                     connect_timeout=2, autocommit=True)
    except pymysql.MySQLError as error:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 does not answer: {error}")
    with connection:
        yield connection


@pytest.fixture
async def rd() -> AsyncIterator[Any]:
    import redis.asyncio as aioredis

    client = aioredis.Redis(host="127.0.0.1", port=6379, db=14, decode_responses=True, socket_connect_timeout=2)
    try:
        await client.ping()
    except (redis.RedisError, OSError) as error:
        await client.aclose()
        pytest.skip(f"Redis at 127.0.0.1:6379 does not answer: {error}")
    await client.flushdb()  # logical database 14 belongs to these tests only
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.fixture
def pg_table(pg: psycopg.Connection[Any]) -> Iterator[str]:
    """A fresh table `(id serial primary key, name text unique, age int, big bigint, price numeric)`."""
    name = unique("kw_pg")
    pg.execute(f'CREATE TABLE "{name}" (id serial PRIMARY KEY, name text UNIQUE, age int, big bigint, '
               f'price numeric(12,2))')
    try:
        yield name
    finally:
        pg.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE')


@pytest.fixture
def my_table(my: Any) -> Iterator[str]:
    """The same table in MariaDB."""
    name = unique("kw_my")
    with my.cursor() as cursor:
        cursor.execute(f"CREATE TABLE `{name}` (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) UNIQUE, "
                       f"age INT, big BIGINT, price DECIMAL(12,2)) ENGINE=InnoDB")
    try:
        yield name
    finally:
        with my.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS `{name}`")
