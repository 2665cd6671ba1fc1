"""Redis Trigger against the real server: subscribe, receive, parse, patterns, manual run, reconnect."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import InMemoryCredentials, Services
from nodes.messaging.redis_trigger import CLIENT_NAME, RedisTrigger
from tests.nodes.databases.conftest import DbContext
from tests.nodes.fake import make_node

NODE = RedisTrigger()
REDIS = {"host": "127.0.0.1", "port": 6379, "database": 0, "password": "", "ssl": False}


@pytest.fixture
async def rd() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis(host="127.0.0.1", port=6379, decode_responses=True, socket_connect_timeout=2)
    try:
        await client.ping()
    except (redis.RedisError, OSError) as error:
        await client.aclose()
        pytest.skip(f"Redis at 127.0.0.1:6379 does not answer: {error}")
    yield client
    await client.aclose()


def context(parameters: dict[str, Any], mode: str = "trigger") -> DbContext:
    node = make_node(NODE.description.name, 1, parameters, credentials={"redis": {"id": "rd", "name": "Redis"}},
                     name="Redis Trigger")
    return DbContext(node, [[]], mode=mode, services=Services(credentials=InMemoryCredentials({"rd": REDIS})))


async def publish_until_heard(rd: aioredis.Redis, channel: str, message: str, timeout: float = 10) -> None:
    """PUBLISH until a subscriber received it (PUBLISH answers how many did): no sleeping on a guess."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await rd.publish(channel, message):
        assert asyncio.get_running_loop().time() < deadline, f"nobody subscribed to {channel}"
        await asyncio.sleep(0.02)


async def nobody_listens(rd: aioredis.Redis, channel: str, timeout: float = 10) -> bool:
    """Whether the subscribers of `channel` went away (the server sees a closed socket a moment later)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while await rd.publish(channel, "nobody"):
        assert asyncio.get_running_loop().time() < deadline, f"still subscribed to {channel}"
        await asyncio.sleep(0.02)
    return True


class Listening:
    """`listen` running as a task, its emitted items in a queue."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self.received: asyncio.Queue[list[Item]] = asyncio.Queue()
        self.task = asyncio.ensure_future(NODE.listen(context(parameters), self.emit))

    async def emit(self, items: list[Item]) -> None:
        await self.received.put(items)

    async def next(self) -> list[dict[str, Any]]:
        items = await asyncio.wait_for(self.received.get(), 10)
        return [item.json for item in items]

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


def channel() -> str:
    return f"kw-test-{uuid.uuid4().hex[:8]}"


async def test_messages_on_channels_and_patterns_become_items(rd: aioredis.Redis) -> None:
    # Given a trigger on one channel and one pattern
    name, prefix = channel(), channel()
    listening = Listening({"channels": f"{name}, {prefix}.*"})
    try:
        # When messages are published on both
        await publish_until_heard(rd, name, "plain text")
        await publish_until_heard(rd, f"{prefix}.orders", '{"id": 7}')
        # Then each gives one item {message, channel}, the message as published
        assert await listening.next() == [{"message": "plain text", "channel": name}]
        assert await listening.next() == [{"message": '{"id": 7}', "channel": f"{prefix}.orders"}]
    finally:
        await listening.close()
    # and cancelling ends the subscription
    assert await nobody_listens(rd, name) and await nobody_listens(rd, f"{prefix}.x")


async def test_json_parse_body_and_only_message(rd: aioredis.Redis) -> None:
    name = channel()
    listening = Listening({"channels": name, "options": {"jsonParseBody": True, "onlyMessage": True}})
    try:
        await publish_until_heard(rd, name, '{"id": 7, "tags": ["a"]}')
        await publish_until_heard(rd, name, "not json")
        assert await listening.next() == [{"message": {"id": 7, "tags": ["a"]}}]
        assert await listening.next() == [{"message": "not json"}]
    finally:
        await listening.close()


async def test_a_killed_connection_is_subscribed_again(rd: aioredis.Redis) -> None:
    name = channel()
    listening = Listening({"channels": name})
    try:
        await publish_until_heard(rd, name, "before")
        assert await listening.next() == [{"message": "before", "channel": name}]
        # When the server drops the subscriber's connection
        killed = [c["id"] for c in await rd.client_list(_type="pubsub") if c.get("name") == CLIENT_NAME]
        assert killed
        for client_id in killed:
            await rd.client_kill_filter(_id=client_id)
        # Then a later message still arrives
        await publish_until_heard(rd, name, "after")
        assert await listening.next() == [{"message": "after", "channel": name}]
    finally:
        await listening.close()


async def test_a_manual_run_waits_for_the_first_message(rd: aioredis.Redis) -> None:
    name = channel()
    running = asyncio.ensure_future(NODE.execute(context({"channels": name}, mode="manual")))
    await publish_until_heard(rd, name, "first")
    [items] = await asyncio.wait_for(running, 10)
    assert [item.json for item in items] == [{"message": "first", "channel": name}]
    # the subscription ended with the run
    assert await nobody_listens(rd, name)


async def test_no_channels_is_refused_naming_the_parameter() -> None:
    with pytest.raises(NodeOperationError, match="Channels are mandatory") as raised:
        await NODE.listen(context({"channels": " , "}), Listening.emit)  # type: ignore[arg-type]
    assert raised.value.context["parameter"] == "channels" and raised.value.node == "Redis Trigger"


async def test_started_by_the_scheduler_it_passes_the_received_items_on() -> None:
    ctx = context({"channels": "x"})
    ctx.inputs = [[Item({"message": "m", "channel": "x"})]]
    assert [[item.json for item in out] for out in await NODE.execute(ctx)] == [[{"message": "m", "channel": "x"}]]
