"""RabbitMQ (n8n `rabbitmq` v1, 1.1): send each item (as JSON, or a message) to a queue or an
exchange, with headers and properties; one `{success: true}` per item once the broker confirmed it.
Delete From Queue (v1.1) passes its items on: the RabbitMQ Trigger acknowledges its message once the
execution is saved (see rabbitmq_trigger)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractExchange

from engine.errors import ExecutionCanceled, NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType

from .rabbitmq_common import (
    broker_reason,
    build_message,
    close_quietly,
    connect,
    declare_exchange,
    declare_queue,
    mandatory,
    pairs,
    split_arguments,
)
from .rabbitmq_params import NODE_PARAMETERS


class RabbitMQNode(NodeType):
    description = NodeDescription(
        name="knotwork.rabbitmq",
        display_name="RabbitMQ",
        group="transform",
        description="Sends messages to a RabbitMQ queue or exchange",
        versions=(1.0, 1.1),
        default_version=1.1,
        parameters=NODE_PARAMETERS,
        aliases=("n8n-nodes-base.rabbitmq",),
        credentials=(CredentialSlot("rabbitmq", required=True),),
        categories=("Development",),
        search_aliases=("amqp", "queue", "message", "broker", "publish"),
        icon="send",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        items = ctx.input_items
        if str(ctx.param("operation", 0, "sendMessage")) == "deleteMessage":
            return [items]
        mode = str(ctx.param("mode", 0, "queue") or "queue")
        if mode not in ("queue", "exchange"):
            raise NodeOperationError(f"The mode '{mode}' is not known (use queue or exchange)", node=ctx.node.name,
                                     parameter="mode")
        options = ctx.param("options", 0, {}) or {}
        connection = await connect(ctx, await ctx.get_credentials("rabbitmq"))
        try:
            channel = await connection.channel()  # publisher confirms: success means the broker has it
            target, routing_key = await _target(ctx, channel, mode, options)
            return [[await self._send(ctx, target, routing_key, index, item) for index, item in enumerate(items)]]
        except NodeError:
            raise
        except Exception as error:  # the broker refused a declaration (wrong type, missing exchange...)
            raise NodeOperationError(f"RabbitMQ refused to set up the {mode}: {broker_reason(error)}",
                                     node=ctx.node.name, parameter=mode) from None
        finally:
            await close_quietly(connection)

    async def _send(self, ctx: ExecuteContext, target: AbstractExchange, routing_key: str, index: int,
                    item: Item) -> Item:
        try:
            if ctx.param("sendInputData", index, True):
                body = json.dumps(item.json, separators=(",", ":"), ensure_ascii=False)
            else:
                body = str(ctx.param("message", index, ""))
            options = ctx.param("options", index, {}) or {}
            properties, _ = split_arguments(options)
            message = build_message(body.encode(), pairs(options.get("headers"), "header"), properties)
            await target.publish(message, routing_key, mandatory=mandatory(properties))
            return Item({"success": True}, paired=(index, 0))
        except ExecutionCanceled:
            raise
        except Exception as error:
            text = error.message if isinstance(error, NodeError) else broker_reason(error)
            if ctx.continue_on_fail:
                return Item({"error": text}, paired=(index, 0))
            raise NodeOperationError(f"Could not send item {index} to RabbitMQ: {text}", node=ctx.node.name,
                                     item_index=index) from None


async def _target(ctx: ExecuteContext, channel: AbstractChannel, mode: str,
                  options: Mapping[str, Any]) -> tuple[AbstractExchange, str]:
    """Where messages go: the default exchange routed to the queue, or the named exchange."""
    _, arguments = split_arguments(options)
    if mode == "queue":
        queue = str(ctx.param("queue", 0, "")).strip()
        if not queue:
            raise NodeOperationError("The parameter 'Queue / Topic' is empty: name the queue to publish to",
                                     node=ctx.node.name, parameter="queue")
        await declare_queue(channel, queue, options, arguments)
        return channel.default_exchange, queue
    exchange = str(ctx.param("exchange", 0, "")).strip()
    if not exchange:
        raise NodeOperationError("The parameter 'Exchange' is empty: name the exchange to publish to",
                                 node=ctx.node.name, parameter="exchange")
    kind = str(ctx.param("exchangeType", 0, "fanout") or "fanout")
    target = await declare_exchange(channel, exchange, kind, options, arguments)
    return target, str(ctx.param("routingKey", 0, "") or "")

