"""MQTT Trigger against the real Mosquitto: `listen` driven directly, as the scheduler runs it, with
messages published by a raw client (retained, so they arrive as soon as the trigger subscribes)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import aiomqtt
import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import InMemoryCredentials, Services
from engine.registry import NodeRegistry
from engine.runner import execute_workflow, standalone_context
from engine.workflow import parse_workflow
from nodes.messaging.mqtt_trigger import MqttTrigger, parse_topics
from tests.nodes.messaging.test_mqtt import CREDENTIAL, MQTT, mosquitto, registry, unique_topic

__all__ = ["mosquitto", "registry"]  # fixtures shared with the node's tests

TRIGGER = MqttTrigger()


def workflow_of(registry: NodeRegistry, topics: str, options: dict[str, Any] | None = None) -> Any:
    document = {"nodes": [{"name": "On message", "type": "n8n-nodes-base.mqttTrigger", "typeVersion": 1,
                           "parameters": {"topics": topics, "options": options or {}}, "credentials": CREDENTIAL}],
                "connections": {}}
    return parse_workflow(document, registry)


def context(registry: NodeRegistry, topics: str, options: dict[str, Any] | None = None, **credential: Any) -> Any:
    services = Services(credentials=InMemoryCredentials({"mq": {**MQTT, **credential}}))
    return standalone_context(workflow_of(registry, topics, options), registry, services, "On message")


class Listener:
    """Runs `listen` as the scheduler does; collects what it emits."""

    def __init__(self, ctx: Any) -> None:
        self.received: asyncio.Queue[list[Item]] = asyncio.Queue()
        self.task = asyncio.create_task(TRIGGER.listen(ctx, self.received.put))

    async def next(self) -> list[Item]:
        async with asyncio.timeout(5):
            return await self.received.get()

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task


async def retain(client: aiomqtt.Client, topic: str, payload: bytes) -> None:
    client.retained.append(topic)  # type: ignore[attr-defined]
    await client.publish(topic, payload, qos=1, retain=True)


async def test_a_message_becomes_message_and_topic(registry: NodeRegistry, mosquitto: aiomqtt.Client) -> None:
    base = unique_topic("trigger")
    await retain(mosquitto, f"{base}/kitchen/temp", b'{"c": 21}')
    listener = Listener(context(registry, f"{base}/+/temp:1, {base}/alerts"))
    try:
        assert [item.json for item in await listener.next()] == [{"message": '{"c": 21}', "topic": f"{base}/kitchen/temp"}]
        await mosquitto.publish(f"{base}/alerts", b"smoke", qos=1)
        assert [item.json for item in await listener.next()] == [{"message": "smoke", "topic": f"{base}/alerts"}]
    finally:
        await listener.stop()


async def test_json_parse_and_only_message(registry: NodeRegistry, mosquitto: aiomqtt.Client) -> None:
    topic = unique_topic("parse")
    await retain(mosquitto, topic, b'{"c": 21}')
    listener = Listener(context(registry, topic, {"jsonParseBody": True}))
    try:
        assert (await listener.next())[0].json == {"message": {"c": 21}, "topic": topic}
        await mosquitto.publish(topic, b"not json")
        assert (await listener.next())[0].json == {"message": "not json", "topic": topic}
    finally:
        await listener.stop()
    listener = Listener(context(registry, topic, {"jsonParseBody": True, "onlyMessage": True}))
    try:
        assert (await listener.next())[0].json == {"c": 21}
    finally:
        await listener.stop()


async def test_a_kicked_session_raises_and_listening_again_works(registry: NodeRegistry,
                                                                mosquitto: aiomqtt.Client) -> None:
    topic, client_id = unique_topic("reconnect"), f"kw_test_{uuid.uuid4().hex[:8]}"
    await retain(mosquitto, topic, b"before")
    ctx = context(registry, topic, clientId=client_id)
    listener = Listener(ctx)
    assert (await listener.next())[0].json["message"] == "before"  # it is connected and subscribed
    # When another client connects with the same Client ID, the broker drops the first one
    async with aiomqtt.Client("127.0.0.1", 1883, identifier=client_id, timeout=3):
        with pytest.raises(NodeOperationError, match=r"connection to the MQTT broker at 127\.0\.0\.1:1883 was lost"):
            async with asyncio.timeout(5):
                await listener.task
    await retain(mosquitto, topic, b"after")
    again = Listener(ctx)
    try:
        assert (await again.next())[0].json["message"] == "after"
    finally:
        await again.stop()


async def test_run_by_hand_it_returns_the_first_message(registry: NodeRegistry, mosquitto: aiomqtt.Client) -> None:
    topic = unique_topic("manual")
    await retain(mosquitto, topic, b"hello")
    services = Services(credentials=InMemoryCredentials({"mq": MQTT}))
    result = await execute_workflow(workflow_of(registry, topic), registry, services=services)
    assert result.error is None, result.error
    assert [item.json for item in result.output_of("On message")] == [{"message": "hello", "topic": topic}]


def test_topics_with_their_qos(registry: NodeRegistry) -> None:
    assert parse_topics(context(registry, "a/b:1, c/# ,d:2,")) == [("a/b", 1), ("c/#", 0), ("d", 2)]
    with pytest.raises(NodeOperationError, match="'a:5' is not 'topic' or 'topic:qos'"):
        parse_topics(context(registry, "a:5"))
    with pytest.raises(NodeOperationError, match="Topics are mandatory"):
        parse_topics(context(registry, " , "))
