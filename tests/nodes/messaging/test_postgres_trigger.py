"""Postgres Trigger against the real server: LISTEN on a channel, the trigger rule it creates on a
table (and drops again), a terminated connection, and refused parameters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import InMemoryCredentials, Services
from nodes.messaging.postgres_trigger import PostgresTrigger, notification_json
from tests.nodes.databases.conftest import DbContext
from tests.nodes.fake import make_node

NODE = PostgresTrigger()
POSTGRES = {"host": "127.0.0.1", "port": 5432, "database": "test", "user": "postgres", "password": "",
            "ssl": "disable"}


@pytest.fixture
def pg() -> Iterator[psycopg.Connection[Any]]:
    try:
        connection = psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres",
                                     connect_timeout=2, autocommit=True)
    except psycopg.Error as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 does not answer: {error}")
    with connection:
        yield connection


def context(parameters: dict[str, Any], data: dict[str, Any] | None = None, node_id: str = "") -> DbContext:
    node = make_node(NODE.description.name, 1, parameters, credentials={"postgres": {"id": "pg", "name": "Pg"}},
                     name="Postgres Trigger", id=node_id or str(uuid.uuid4()))
    credentials = InMemoryCredentials({"pg": data or POSTGRES})
    return DbContext(node, [[]], mode="trigger", services=Services(credentials=credentials))


class Listening:
    """`listen` running as a task, its emitted items in a queue."""

    def __init__(self, ctx: DbContext) -> None:
        self.received: asyncio.Queue[list[Item]] = asyncio.Queue()
        self.task = asyncio.ensure_future(NODE.listen(ctx, self.emit))

    async def emit(self, items: list[Item]) -> None:
        await self.received.put(items)

    async def next(self) -> list[dict[str, Any]]:
        items = await asyncio.wait_for(self.received.get(), 10)
        return [item.json for item in items]

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def listener_pid(pg: psycopg.Connection[Any], channel: str, other_than: int = 0) -> int:
    """The backend that has run LISTEN on `channel` (polled until it has: no sleeping on a guess)."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        row = pg.execute("SELECT pid FROM pg_stat_activity WHERE query ILIKE %s AND pid <> %s",
                         (f'LISTEN "{channel}"', other_than)).fetchone()
        if row:
            return int(row[0])
        assert asyncio.get_running_loop().time() < deadline, f"nobody listens on {channel}"
        await asyncio.sleep(0.02)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def test_listen_to_a_channel_gives_n8n_notification_items(pg: psycopg.Connection[Any]) -> None:
    channel = unique("kw_chan")
    listening = Listening(context({"triggerMode": "listenTrigger", "channelName": channel}))
    try:
        await listener_pid(pg, channel)
        sender = pg.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        pg.execute("SELECT pg_notify(%s, %s)", (channel, '{"id": 7, "ok": true}'))
        pg.execute("SELECT pg_notify(%s, %s)", (channel, "plain"))
        assert await listening.next() == [{"name": "notification", "length": 4 + 4 + len(channel) + 1 + 21 + 1,
                                           "processId": sender, "channel": channel,
                                           "payload": {"id": 7, "ok": True}}]
        assert (await listening.next())[0]["payload"] == "plain"
    finally:
        await listening.close()


async def test_a_plain_channel_name_is_folded_to_lower_case_as_in_sql(pg: psycopg.Connection[Any]) -> None:
    channel = unique("Kw_Mixed")
    listening = Listening(context({"triggerMode": "listenTrigger", "channelName": channel}))
    try:
        await listener_pid(pg, channel.lower())
        pg.execute(f"NOTIFY {channel}, 'hello'")  # unquoted: PostgreSQL folds it too
        assert (await listening.next())[0]["channel"] == channel.lower()
    finally:
        await listening.close()


@pytest.fixture
def table(pg: psycopg.Connection[Any]) -> Iterator[str]:
    name = unique("kw_watched")
    pg.execute(f'CREATE TABLE "{name}" (id serial PRIMARY KEY, name text)')
    try:
        yield name
    finally:
        pg.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE')


def functions(pg: psycopg.Connection[Any], name: str) -> int:
    return int(pg.execute("SELECT count(*) FROM pg_proc WHERE proname = %s", (name,)).fetchone()[0])  # type: ignore[index]


@pytest.mark.parametrize("fires_on", ["INSERT", "DELETE"])
async def test_create_trigger_notifies_rows_and_is_dropped_when_done(pg: psycopg.Connection[Any], table: str,
                                                                     fires_on: str) -> None:
    node_id = str(uuid.uuid4())
    channel = f"n8n_channel_{node_id.replace('-', '_')}"
    listening = Listening(context({"triggerMode": "createTrigger", "schema": {"__rl": True, "mode": "list",
                                   "value": "public"}, "tableName": {"__rl": True, "mode": "name", "value": table},
                                   "firesOn": fires_on}, node_id=node_id))
    try:
        await listener_pid(pg, channel)
        pg.execute(f'INSERT INTO "{table}" (name) VALUES (%s)', ("Ada",))
        pg.execute(f'DELETE FROM "{table}"')
        [item] = await listening.next()
        assert item["channel"] == channel and item["payload"] == {"id": 1, "name": "Ada"}
        assert functions(pg, f"n8n_trigger_function_{node_id.replace('-', '_')}") == 1
    finally:
        await listening.close()
    # When it stops listening, the function (and with it the trigger) is gone
    assert functions(pg, f"n8n_trigger_function_{node_id.replace('-', '_')}") == 0
    assert pg.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                      (f'"{table}"',)).fetchone()[0] == 0  # type: ignore[index]


async def test_custom_names_and_an_existing_function(pg: psycopg.Connection[Any], table: str) -> None:
    function, trigger, channel = unique("kw_fn"), unique("kw_tg"), unique("kw_ch")
    fields = {"functionName": f"{function}()", "triggerName": trigger, "channelName": channel}
    parameters = {"triggerMode": "createTrigger", "tableName": table, "firesOn": "UPDATE", "additionalFields": fields}
    listening = Listening(context(parameters))
    try:
        await listener_pid(pg, channel)
        pg.execute(f'INSERT INTO "{table}" (name) VALUES (%s)', ("Ada",))
        pg.execute(f'UPDATE "{table}" SET name = %s', ("Grace",))
        assert (await listening.next())[0]["payload"] == {"id": 1, "name": "Grace"}
        # A second listener with the same names and no replaceIfExists is refused, naming the table
        with pytest.raises(NodeOperationError, match=f"Could not create the trigger on public.{table}: .*exists"):
            await NODE.listen(context(parameters), listening.emit)
        assert functions(pg, function) == 1  # the refused one left the first one's function alone
        pg.execute(f'UPDATE "{table}" SET name = %s', ("Hopper",))
        assert (await listening.next())[0]["payload"] == {"id": 1, "name": "Hopper"}
    finally:
        await listening.close()


async def test_a_terminated_connection_ends_listen_with_an_error(pg: psycopg.Connection[Any]) -> None:
    channel = unique("kw_chan")
    listening = Listening(context({"triggerMode": "listenTrigger", "channelName": channel}))
    try:
        pid = await listener_pid(pg, channel)
        pg.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            await asyncio.wait_for(listening.task, 10)  # the scheduler then listens again
    finally:
        await listening.close()


async def test_refused_parameters_and_an_unreachable_server() -> None:
    with pytest.raises(NodeOperationError, match="'channelName' is empty"):
        await NODE.listen(context({"triggerMode": "listenTrigger", "channelName": " "}), Listening.emit)  # type: ignore[arg-type]
    with pytest.raises(NodeOperationError, match="hyphens"):
        await NODE.listen(context({"triggerMode": "createTrigger", "tableName": "t",
                                   "additionalFields": {"channelName": "a-b"}}), Listening.emit)  # type: ignore[arg-type]
    with pytest.raises(NodeOperationError, match="'tableName' is empty"):
        await NODE.listen(context({"triggerMode": "createTrigger"}), Listening.emit)  # type: ignore[arg-type]
    closed = {**POSTGRES, "port": 1}
    with pytest.raises(NodeOperationError, match="Could not connect to PostgreSQL at 127.0.0.1:1"):
        await NODE.listen(context({"triggerMode": "listenTrigger", "channelName": "c"}, closed), Listening.emit)  # type: ignore[arg-type]


def test_notification_json_matches_node_postgres() -> None:
    assert notification_json("ch", "", 5) == {"name": "notification", "length": 4 + 4 + 3 + 1, "processId": 5,
                                              "channel": "ch", "payload": ""}
