"""MQTT (n8n `mqtt` v1): publish each item (as JSON, or a message) to a topic with a QoS and the
retain flag; the items pass on once the broker has taken them (QoS 1 and 2 wait for its answer).
Also the client built from `mqtt` credentials, shared with the MQTT Trigger."""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiomqtt

from engine.errors import ExecutionCanceled, NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType, Option, Parameter
from nodes.credentials.connection_tests import tls_context, unreachable

CONNECT_TIMEOUT = 10.0

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("topic", "Topic", "string", default="", required=True, description="The topic to publish to"),
    Parameter("sendInputData", "Send Input Data", "boolean", default=True,
              description="Whether to send the data the node receives as JSON"),
    Parameter("message", "Message", "string", default="", required=True, show={"sendInputData": (False,)},
              description="The message to publish"),
    Parameter("options", "Options", "collection", default={}, placeholder="Add Option", fields=(
        Parameter("qos", "QoS", "options", default=0, description="QoS subscription level", options=(
            Option("Received at Most Once", 0), Option("Received at Least Once", 1), Option("Exactly Once", 2),
        )),
        Parameter("retain", "Retain", "boolean", default=False,
                  description="Whether the broker keeps the message as the topic's last one, for later subscribers"),
    )),
)


def address(data: Mapping[str, Any]) -> tuple[str, int]:
    return str(data.get("host") or "localhost"), int(data.get("port") or 1883)


def make_client(data: Mapping[str, Any]) -> aiomqtt.Client:
    """A client from `mqtt` credential data (not connected yet); without a Client ID, a random one
    as n8n makes (`mqttjs_` and 8 hex digits)."""
    host, port = address(data)
    context = None
    if data.get("protocol") == "mqtts" or data.get("ssl"):
        passwordless = bool(data.get("passwordless", True))
        context = tls_context(verify=data.get("rejectUnauthorized") is not False, ca=str(data.get("ca") or ""),
                              cert=str(data.get("cert") or "") if passwordless else "",
                              key=str(data.get("key") or "") if passwordless else "")
    return aiomqtt.Client(
        host, port, username=data.get("username") or None, password=data.get("password") or None,
        identifier=str(data.get("clientId") or "") or f"mqttjs_{secrets.token_hex(4)}",
        clean_session=data.get("clean", True) is not False, tls_context=context, timeout=CONNECT_TIMEOUT,
        transport="websockets" if data.get("protocol") == "ws" else "tcp")


@contextlib.asynccontextmanager
async def connected(ctx: ExecuteContext, data: Mapping[str, Any]) -> AsyncIterator[aiomqtt.Client]:
    """A connected client, disconnected on leaving. Raises NodeOperationError saying why the broker
    could not be reached or refused the connection."""
    client = make_client(data)
    host, port = address(data)
    try:
        await client.__aenter__()
    except aiomqtt.MqttCodeError as error:
        raise NodeOperationError(f"The MQTT broker {host}:{port} refused the connection: {error}",
                                 node=ctx.node.name) from None
    except (aiomqtt.MqttError, OSError) as error:
        raise NodeOperationError(str(unreachable("MQTT broker", host, port, error)), node=ctx.node.name) from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):  # the connection may be gone already
            await client.__aexit__(None, None, None)


class MqttNode(NodeType):
    description = NodeDescription(
        name="knotwork.mqtt",
        display_name="MQTT",
        group="input",
        description="Push messages to MQTT",
        versions=(1.0,),
        default_version=1.0,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.mqtt",),
        credentials=(CredentialSlot("mqtt", required=True),),
        categories=("Development",),
        search_aliases=("iot", "publish", "message", "broker", "mosquitto"),
        icon="sensors",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        output: list[Item] = []
        async with connected(ctx, await ctx.get_credentials("mqtt")) as client:
            for index, item in enumerate(ctx.input_items):
                output.append(await self._publish(ctx, client, index, item))
        return [output]

    async def _publish(self, ctx: ExecuteContext, client: aiomqtt.Client, index: int, item: Item) -> Item:
        try:
            topic = str(ctx.param("topic", index, "")).strip()
            if not topic:
                raise NodeOperationError("The parameter 'Topic' is empty: name the topic to publish to",
                                         node=ctx.node.name, item_index=index, parameter="topic")
            if ctx.param("sendInputData", index, True):
                payload = json.dumps(item.json, separators=(",", ":"), ensure_ascii=False)
            else:
                payload = str(ctx.param("message", index, ""))
            options = ctx.param("options", index, {}) or {}
            await client.publish(topic, payload, qos=_qos(ctx, options.get("qos", 0), index),
                                 retain=bool(options.get("retain")))
            return item.with_paired((index, 0))
        except ExecutionCanceled:
            raise
        except (NodeError, aiomqtt.MqttError, ValueError) as error:
            text = error.message if isinstance(error, NodeError) else str(error)
            if ctx.continue_on_fail:
                return Item({"error": text}, paired=(index, 0))
            if isinstance(error, NodeError):
                raise
            raise NodeOperationError(f"Could not publish item {index}: {text}", node=ctx.node.name,
                                     item_index=index) from None


def _qos(ctx: ExecuteContext, value: Any, index: int) -> int:
    if str(value) in ("0", "1", "2"):
        return int(value)
    raise NodeOperationError(f"The QoS must be 0, 1 or 2, not {value!r}", node=ctx.node.name, item_index=index,
                             parameter="options.qos")
