"""MQTT node against the real Mosquitto of this machine (127.0.0.1:1883): what it publishes is read
back with a raw aiomqtt client. Skipped, with the reason, when Mosquitto is not running."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiomqtt
import pytest

from engine.ports import InMemoryCredentials, Services
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

MQTT = {"protocol": "mqtt", "host": "127.0.0.1", "port": 1883, "clean": True, "clientId": "", "ssl": False}
CREDENTIAL = {"mqtt": {"id": "mq", "name": "MQTT account"}}


def unique_topic(prefix: str) -> str:
    return f"kw_test/{prefix}/{uuid.uuid4().hex[:10]}"


def services(**overrides: Any) -> Services:
    return Services(credentials=InMemoryCredentials({"mq": {**MQTT, **overrides}}))


@pytest.fixture(scope="session")
def registry() -> NodeRegistry:
    return NodeRegistry.from_entry_points()


@pytest.fixture
async def mosquitto() -> AsyncIterator[aiomqtt.Client]:
    """A raw client; the retained messages a test leaves are cleared through `client.retained`."""
    client = aiomqtt.Client("127.0.0.1", 1883, timeout=3)
    try:
        await client.__aenter__()
    except (aiomqtt.MqttError, OSError) as error:
        pytest.skip(f"Mosquitto at 127.0.0.1:1883 does not answer: {error}")
    retained: list[str] = []
    client.retained = retained  # type: ignore[attr-defined]
    try:
        yield client
    finally:
        for topic in retained:
            await client.publish(topic, b"", retain=True)  # an empty retained message clears it
        await client.__aexit__(None, None, None)


async def next_message(client: aiomqtt.Client, timeout: float = 5.0) -> aiomqtt.Message:
    async with asyncio.timeout(timeout):
        return await anext(aiter(client.messages))


async def publish(registry: NodeRegistry, parameters: dict[str, Any], items: list[dict[str, Any]],
                  **credential: Any) -> ExecutionResult:
    document = {"nodes": [{"name": "MQTT", "type": "n8n-nodes-base.mqtt", "typeVersion": 1,
                           "parameters": parameters, "credentials": CREDENTIAL}], "connections": {}}
    workflow = parse_workflow(document, registry)
    return await execute_workflow(workflow, registry, services=services(**credential), start_node="MQTT",
                                  start_items=[{"json": item} for item in items])


async def test_each_item_is_published_as_json_and_passes_on(registry: NodeRegistry,
                                                             mosquitto: aiomqtt.Client) -> None:
    topic = unique_topic("send")
    await mosquitto.subscribe(topic, qos=1)
    result = await publish(registry, {"topic": topic, "options": {"qos": 1}}, [{"temp": 21}, {"temp": 22.5}])
    assert result.error is None, result.error
    assert [item.json for item in result.output_of("MQTT")] == [{"temp": 21}, {"temp": 22.5}]
    first, second = await next_message(mosquitto), await next_message(mosquitto)
    assert (first.topic.value, json.loads(first.payload), first.qos) == (topic, {"temp": 21}, 1)  # type: ignore[arg-type]
    assert json.loads(second.payload) == {"temp": 22.5}  # type: ignore[arg-type]


async def test_a_retained_message_from_an_expression(registry: NodeRegistry, mosquitto: aiomqtt.Client) -> None:
    topic = unique_topic("retain")
    mosquitto.retained.append(topic)  # type: ignore[attr-defined]
    parameters = {"topic": "={{ $json.topic }}", "sendInputData": False, "message": "=on at {{ $json.level }}",
                  "options": {"retain": True}}
    result = await publish(registry, parameters, [{"topic": topic, "level": 3}])
    assert result.error is None, result.error
    await mosquitto.subscribe(topic)  # subscribed after the publish: only a retained message arrives
    message = await next_message(mosquitto)
    assert (message.payload, message.retain) == (b"on at 3", True)


async def test_an_unreachable_broker_is_named(registry: NodeRegistry) -> None:
    with socket.socket() as probe:  # a free loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = await publish(registry, {"topic": "t"}, [{"a": 1}], port=port)
    assert result.error is not None
    assert result.error["message"] == f"Could not connect to MQTT broker at 127.0.0.1:{port}: connection refused"


async def test_a_wrong_qos_names_the_item(registry: NodeRegistry, mosquitto: aiomqtt.Client) -> None:
    result = await publish(registry, {"topic": unique_topic("qos"), "options": {"qos": 3}}, [{"a": 1}])
    assert result.error is not None
    assert result.error["message"] == "The QoS must be 0, 1 or 2, not 3"
