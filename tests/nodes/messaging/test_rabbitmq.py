"""RabbitMQ node against the real broker of this machine (127.0.0.1:5672, guest/guest): what it
sends is read back with a raw aio-pika client. Skipped, with the reason, when RabbitMQ is not running."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from engine.ports import InMemoryCredentials, Services
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

RABBITMQ = {"hostname": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest", "vhost": "/"}
CREDENTIAL = {"rabbitmq": {"id": "rmq", "name": "RabbitMQ account"}}


def unique(prefix: str) -> str:
    return f"kw_test_{prefix}_{uuid.uuid4().hex[:10]}"


def services(**overrides: Any) -> Services:
    return Services(credentials=InMemoryCredentials({"rmq": {**RABBITMQ, **overrides}}))


@pytest.fixture(scope="session")
def registry() -> NodeRegistry:
    return NodeRegistry.from_entry_points()


class Broker:
    """A raw client: declares, reads and cleans up what a test used."""

    def __init__(self, channel: AbstractChannel) -> None:
        self.channel = channel
        self.queues: list[str] = []
        self.exchanges: list[str] = []

    async def queue(self, name: str, **kwargs: Any) -> AbstractQueue:
        self.queues.append(name)
        return await self.channel.declare_queue(name, durable=kwargs.pop("durable", True), **kwargs)

    async def get(self, name: str, timeout: float = 5.0) -> AbstractIncomingMessage:
        """The next message of a queue (polled until it is there)."""
        queue = await self.channel.get_queue(name, ensure=False)
        async with asyncio.timeout(timeout):
            while True:
                message = await queue.get(fail=False, no_ack=True)
                if message is not None:
                    return message
                await asyncio.sleep(0.02)

    async def consumers(self, name: str, expected: int, timeout: float = 5.0) -> None:
        """Wait until the queue has `expected` consumers."""
        async with asyncio.timeout(timeout):
            while True:
                declared = await self.channel.declare_queue(name, passive=True)
                if declared.declaration_result.consumer_count == expected:
                    return
                await asyncio.sleep(0.02)

    async def count(self, name: str) -> int:
        declared = await self.channel.declare_queue(name, passive=True)
        return int(declared.declaration_result.message_count or 0)


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    try:
        connection = await aio_pika.connect(host="127.0.0.1", port=5672, login="guest", password="guest", timeout=3)
    except Exception as error:
        pytest.skip(f"RabbitMQ at 127.0.0.1:5672 does not answer: {error}")
    async with connection:
        helper = Broker(await connection.channel())
        yield helper
        cleanup = await connection.channel()
        for name in helper.queues:
            await cleanup.queue_delete(name)
        for name in helper.exchanges:
            await cleanup.exchange_delete(name)


async def send(registry: NodeRegistry, parameters: dict[str, Any], items: list[dict[str, Any]], *,
               version: float = 1.1, **node: Any) -> ExecutionResult:
    document = {"nodes": [{"name": "RabbitMQ", "type": "n8n-nodes-base.rabbitmq", "typeVersion": version,
                           "parameters": parameters, "credentials": CREDENTIAL, **node}], "connections": {}}
    workflow = parse_workflow(document, registry)
    return await execute_workflow(workflow, registry, services=services(), start_node="RabbitMQ",
                                  start_items=[{"json": item} for item in items])


def outputs(result: ExecutionResult) -> list[dict[str, Any]]:
    assert result.error is None, result.error
    return [item.json for item in result.output_of("RabbitMQ")]


async def test_each_item_goes_to_the_queue_as_json_with_the_headers(registry: NodeRegistry, broker: Broker) -> None:
    queue = unique("send")
    broker.queues.append(queue)
    options = {"headers": {"header": [{"key": "source", "value": "knotwork"}]}}
    result = await send(registry, {"queue": queue, "options": options}, [{"id": 1, "name": "Ana"}, {"id": 2}])
    assert outputs(result) == [{"success": True}, {"success": True}]
    first, second = await broker.get(queue), await broker.get(queue)
    assert json.loads(first.body) == {"id": 1, "name": "Ana"}
    assert json.loads(second.body) == {"id": 2}
    assert first.headers == {"source": "knotwork"}
    declared = await broker.channel.declare_queue(queue, durable=True)  # n8n declares it durable by default
    assert declared.declaration_result.message_count == 0


async def test_a_message_per_item_from_an_expression(registry: NodeRegistry, broker: Broker) -> None:
    queue = unique("message")
    broker.queues.append(queue)
    parameters = {"operation": "sendMessage", "mode": "queue", "queue": queue, "sendInputData": False,
                  "message": "=Hello {{ $json.name }}", "options": {"durable": False, "autoDelete": False}}
    result = await send(registry, parameters, [{"name": "Ana"}, {"name": "Bo"}], version=1)
    assert outputs(result) == [{"success": True}, {"success": True}]
    assert [(await broker.get(queue)).body for _ in range(2)] == [b"Hello Ana", b"Hello Bo"]


async def test_an_exchange_routes_by_key_with_message_properties(registry: NodeRegistry, broker: Broker) -> None:
    exchange, queue = unique("topic_ex"), unique("topic_q")
    broker.exchanges.append(exchange)
    parameters = {"mode": "exchange", "exchange": exchange, "exchangeType": "topic", "routingKey": "orders.eu",
                  "options": {"arguments": {"argument": [{"key": "contentType", "value": "application/json"},
                                                         {"key": "priority", "value": "5"},
                                                         {"key": "expiration", "value": "60000"}]}}}
    await send(registry, parameters, [{"warmup": True}])  # declares the exchange, as n8n does on each run
    bound = await broker.queue(queue, exclusive=True)
    await bound.bind(exchange, routing_key="orders.*")
    result = await send(registry, parameters, [{"order": 7}])
    assert outputs(result) == [{"success": True}]
    message = await broker.get(queue)
    assert (json.loads(message.body), message.routing_key, message.exchange) == ({"order": 7}, "orders.eu", exchange)
    assert (message.content_type, message.priority, message.expiration) == ("application/json", 5, 60)


async def test_a_missing_exchange_is_named_when_it_may_not_be_declared(registry: NodeRegistry, broker: Broker) -> None:
    exchange = unique("missing")
    parameters = {"mode": "exchange", "exchange": exchange, "options": {"assertExchange": False}}
    result = await send(registry, parameters, [{"a": 1}])
    assert result.error is not None
    assert result.error["message"] == (f"RabbitMQ refused to set up the exchange: NOT_FOUND - no exchange "
                                       f"'{exchange}' in vhost '/'")


async def test_delete_from_queue_passes_its_items_on(registry: NodeRegistry) -> None:
    result = await send(registry, {"operation": "deleteMessage"}, [{"content": "x"}, {"content": "y"}])
    assert outputs(result) == [{"content": "x"}, {"content": "y"}]


async def test_a_refused_login_says_so(registry: NodeRegistry, broker: Broker) -> None:
    document = {"nodes": [{"name": "RabbitMQ", "type": "n8n-nodes-base.rabbitmq", "typeVersion": 1.1,
                           "parameters": {"queue": unique("never")}, "credentials": CREDENTIAL}], "connections": {}}
    workflow = parse_workflow(document, registry)
    result = await execute_workflow(workflow, registry, services=services(password="wrong"), start_node="RabbitMQ")
    assert result.error is not None
    assert result.error["message"] == "RabbitMQ at 127.0.0.1:5672 refused the login for user 'guest' (or may not open vhost '/')"
