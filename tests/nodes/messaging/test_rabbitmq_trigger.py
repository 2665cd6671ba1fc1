"""RabbitMQ Trigger against the real broker: `listen` driven directly, as the scheduler runs it,
with messages published by a raw client; a loopback proxy plays the network that drops."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import InMemoryCredentials, Services
from engine.registry import NodeRegistry
from engine.runner import execute_workflow, standalone_context
from engine.workflow import parse_workflow
from nodes.messaging.rabbitmq_trigger import RabbitMQTrigger
from tests.nodes.messaging.test_rabbitmq import CREDENTIAL, RABBITMQ, Broker, broker, registry, unique

__all__ = ["broker", "registry"]  # fixtures shared with the node's tests

TRIGGER = RabbitMQTrigger()


def workflow_of(registry: NodeRegistry, queue: str, options: dict[str, Any] | None = None) -> Any:
    document = {"nodes": [{"name": "On message", "type": "n8n-nodes-base.rabbitmqTrigger", "typeVersion": 1,
                           "parameters": {"queue": queue, "options": options or {}}, "credentials": CREDENTIAL}],
                "connections": {}}
    return parse_workflow(document, registry)


def context(registry: NodeRegistry, queue: str, options: dict[str, Any] | None = None, port: int = 5672) -> Any:
    credentials = InMemoryCredentials({"rmq": {**RABBITMQ, "port": port}})
    return standalone_context(workflow_of(registry, queue, options), registry, Services(credentials=credentials),
                              "On message")


class Listener:
    """Runs `listen` as the scheduler does; collects what it emits."""

    def __init__(self, ctx: Any, block: asyncio.Event | None = None, fail: bool = False) -> None:
        self.received: list[list[Item]] = []
        self.arrived = asyncio.Event()
        self.block, self.fail = block, fail
        self.task = asyncio.create_task(TRIGGER.listen(ctx, self.emit))

    async def emit(self, items: list[Item]) -> None:
        self.received.append(items)
        self.arrived.set()
        if self.block is not None:
            await self.block.wait()
        if self.fail:
            raise RuntimeError("could not save the execution")

    async def next(self) -> list[Item]:
        async with asyncio.timeout(5):
            await self.arrived.wait()
        self.arrived.clear()
        return self.received[-1]

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task


async def publish(broker: Broker, queue: str, body: bytes, **properties: Any) -> None:
    await broker.channel.default_exchange.publish(aio_pika.Message(body, **properties), routing_key=queue)


async def test_a_message_becomes_an_item_shaped_as_n8n(registry: NodeRegistry, broker: Broker) -> None:
    queue = unique("trigger")
    await broker.queue(queue)
    listener = Listener(context(registry, queue))
    try:
        await publish(broker, queue, b'{"temp": 21}', headers={"site": "north"}, content_type="application/json")
        [item] = await listener.next()
    finally:
        await listener.stop()
    assert item.json["content"] == '{"temp": 21}'
    properties = item.json["properties"]  # as sent: aio-pika adds a message id, delivery mode and priority
    assert properties == {"contentType": "application/json", "headers": {"site": "north"}, "deliveryMode": 1,
                          "priority": 0, "messageId": properties["messageId"]}
    fields = item.json["fields"]
    assert (fields["exchange"], fields["routingKey"], fields["redelivered"], fields["deliveryTag"]) == ("", queue, False, 1)
    assert await broker.count(queue) == 0


async def test_parsed_content_only_and_binary_content(registry: NodeRegistry, broker: Broker) -> None:
    queue = unique("content")
    await broker.queue(queue)
    listener = Listener(context(registry, queue, {"jsonParseBody": True, "onlyContent": True}))
    try:
        await publish(broker, queue, b'{"temp": 21}')
        assert [item.json for item in await listener.next()] == [{"temp": 21}]
    finally:
        await listener.stop()
    listener = Listener(context(registry, queue, {"contentIsBinary": True}))
    try:
        await publish(broker, queue, b"\x00\x01raw")
        [item] = await listener.next()
    finally:
        await listener.stop()
    assert "content" not in item.json and item.json["fields"]["routingKey"] == queue
    assert item.binary is not None and base64.b64decode(item.binary["data"]["data"]) == b"\x00\x01raw"


async def test_it_acknowledges_only_after_emit_returned(registry: NodeRegistry, broker: Broker) -> None:
    queue = unique("ack")
    await broker.queue(queue)
    # Given an emit that fails (the execution could not be saved)
    failing = Listener(context(registry, queue), fail=True)
    await publish(broker, queue, b"first")
    await failing.next()
    # Then listen raises and the message goes back to the queue
    with pytest.raises(RuntimeError, match="could not save"):
        async with asyncio.timeout(5):
            await failing.task
    # When listening again, it comes again, marked redelivered, and is acknowledged this time
    block = asyncio.Event()
    listener = Listener(context(registry, queue), block=block)
    try:
        [item] = await listener.next()
        assert (item.json["content"], item.json["fields"]["redelivered"]) == ("first", True)
        assert await broker.count(queue) == 0  # delivered, not acknowledged yet: emit is still running
        block.set()
        await publish(broker, queue, b"second")
        assert (await listener.next())[0].json["content"] == "second"  # the first was acknowledged meanwhile
    finally:
        await listener.stop()
    assert await broker.count(queue) == 0


class DroppingProxy:
    """A loopback TCP proxy to the broker whose open connections can be cut, as a network fails."""

    def __init__(self) -> None:
        self.links: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", 5672)
        self.links += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    def drop(self) -> None:
        for writer in self.links:
            writer.transport.abort()
        self.links.clear()

    async def close(self) -> None:
        self.drop()
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def proxy() -> AsyncIterator[DroppingProxy]:
    proxy = DroppingProxy()
    yield proxy
    await proxy.close()


async def test_a_lost_connection_raises_and_listening_again_works(registry: NodeRegistry, broker: Broker,
                                                                 proxy: DroppingProxy) -> None:
    queue = unique("reconnect")
    await broker.queue(queue)
    ctx = context(registry, queue, port=await proxy.start())
    listener = Listener(ctx)
    await broker.consumers(queue, 1)  # it listens
    proxy.drop()
    with pytest.raises(NodeOperationError, match=r"The connection to RabbitMQ at 127\.0\.0\.1:\d+ was lost"):
        async with asyncio.timeout(5):
            await listener.task
    again = Listener(ctx)
    try:
        await publish(broker, queue, b"after")
        assert (await again.next())[0].json["content"] == "after"
    finally:
        await again.stop()


async def test_run_by_hand_it_takes_one_message(registry: NodeRegistry, broker: Broker) -> None:
    queue = unique("manual")
    await broker.queue(queue)
    await publish(broker, queue, json.dumps({"n": 1}).encode())
    await publish(broker, queue, json.dumps({"n": 2}).encode())
    workflow = workflow_of(registry, queue, {"jsonParseBody": True, "onlyContent": True})
    services = Services(credentials=InMemoryCredentials({"rmq": RABBITMQ}))
    result = await execute_workflow(workflow, registry, services=services)
    assert result.error is None, result.error
    assert [item.json for item in result.output_of("On message")] == [{"n": 1}]
    assert await broker.count(queue) == 1  # the second stays for the next run


async def test_a_parallel_limit_of_zero_is_refused(registry: NodeRegistry) -> None:
    ctx = context(registry, unique("never"), {"acknowledge": "executionFinishes", "parallelMessages": 0})
    with pytest.raises(NodeOperationError, match="must be greater than zero"):
        await TRIGGER.listen(ctx, lambda items: asyncio.sleep(0))
