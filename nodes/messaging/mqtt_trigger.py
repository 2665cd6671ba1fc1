"""MQTT Trigger (n8n `mqttTrigger` v1): one execution per message on the subscribed topics, as the
item `{message, topic}` (the message parsed as JSON when asked and possible).

Topics are comma-separated, each with an optional `:qos` (`sensors/+/temp:1,alerts/#:2`). Messages
are handed to `emit` one at a time, in the order they arrive, whatever "Parallel Processing" says
(its executions then run as the queue runs them). The broker's QoS 1/2 acknowledgement is sent by
the client library on receipt, before the execution is saved; with "Clean Session" off and a fixed
Client ID the broker keeps what arrives while the trigger is disconnected.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

import aiomqtt

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, Parameter
from nodes.schedule.listener import Emit, ListenerTrigger

from .mqtt import address, connected

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("topics", "Topics", "string", default="", required=True, placeholder="sensors/+/temp:1,alerts/#",
              description="Topics to subscribe to, comma-separated; wildcards + (one level) and # (many levels); "
                          "QoS 0 unless given after a colon (topicA:1,topicB:2)"),
    Parameter("options", "Options", "collection", default={}, placeholder="Add Option", fields=(
        Parameter("jsonParseBody", "JSON Parse Body", "boolean", default=False,
                  description="Whether to try to parse the message to an object"),
        Parameter("onlyMessage", "Only Message", "boolean", default=False,
                  description="Whether to return only the message property"),
        Parameter("parallelProcessing", "Parallel Processing", "boolean", default=True,
                  description="Whether executions may run in parallel (messages are always taken in order)"),
    )),
)


def parse_topics(ctx: ExecuteContext) -> list[tuple[str, int]]:
    """`a:1,b` as [("a", 1), ("b", 0)]. Raises NodeOperationError naming a wrong entry."""
    subscriptions: list[tuple[str, int]] = []
    for entry in (part.strip() for part in str(ctx.param("topics", 0, "") or "").split(",")):
        topic, colon, qos = entry.rpartition(":")
        topic, qos = (topic.strip(), qos.strip()) if colon else (entry, "")
        if qos not in ("", "0", "1", "2") or (colon and not topic):
            raise NodeOperationError(f"The topic entry '{entry}' is not 'topic' or 'topic:qos' with QoS 0, 1 or 2",
                                     node=ctx.node.name, parameter="topics")
        if topic:
            subscriptions.append((topic, int(qos or 0)))
    if not subscriptions:
        raise NodeOperationError("Topics are mandatory: name at least one topic to subscribe to",
                                 node=ctx.node.name, parameter="topics")
    return subscriptions


def message_item(message: aiomqtt.Message, options: Mapping[str, Any]) -> Item:
    """n8n's item: `{message, topic}`, or with Only Message the message itself (an object; any
    other value stays under `message`)."""
    payload = message.payload
    text: Any = payload.decode("utf-8", errors="replace") if isinstance(payload, (bytes, bytearray)) else payload
    if options.get("jsonParseBody") and isinstance(text, str):
        with contextlib.suppress(ValueError):  # n8n keeps the text when it is not JSON
            text = json.loads(text)
    if options.get("onlyMessage"):
        return Item(text if isinstance(text, dict) else {"message": text})
    return Item({"message": text, "topic": message.topic.value})


class MqttTrigger(ListenerTrigger):
    description = NodeDescription(
        name="knotwork.mqttTrigger",
        display_name="MQTT Trigger",
        group="trigger",
        description="Starts the workflow when a message arrives on MQTT topics",
        versions=(1.0,),
        default_version=1.0,
        parameters=PARAMETERS,
        inputs=0,
        aliases=("n8n-nodes-base.mqttTrigger",),
        credentials=(CredentialSlot("mqtt", required=True),),
        categories=("Development",),
        search_aliases=("iot", "subscribe", "message", "broker", "mosquitto"),
        icon="sensors",
        trigger=True,
    )

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        subscriptions = parse_topics(ctx)
        options: Mapping[str, Any] = ctx.param("options", 0, {}) or {}
        data = await ctx.get_credentials("mqtt")
        host, port = address(data)
        async with connected(ctx, data) as client:
            try:
                granted = await client.subscribe(subscriptions)
                _check_granted(ctx, subscriptions, granted)
                async for message in client.messages:
                    await emit([message_item(message, options)])
                    if ctx.mode == "manual":
                        return
            except aiomqtt.MqttError as error:
                raise NodeOperationError(f"The connection to the MQTT broker at {host}:{port} was lost: {error}",
                                         node=ctx.node.name) from None
        raise NodeOperationError(f"The connection to the MQTT broker at {host}:{port} was lost", node=ctx.node.name)


def _check_granted(ctx: ExecuteContext, subscriptions: list[tuple[str, int]], granted: Any) -> None:
    """The broker answers 128 (0x80) for a subscription it refuses (bad filter, not allowed)."""
    for (topic, _), code in zip(subscriptions, granted or (), strict=False):
        value = getattr(code, "value", code)
        if isinstance(value, int) and value >= 128:
            raise NodeOperationError(f"The MQTT broker refused the subscription to '{topic}'", node=ctx.node.name,
                                     parameter="topics")
