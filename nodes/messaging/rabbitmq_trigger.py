"""RabbitMQ Trigger (n8n `rabbitmqTrigger` v1): one execution per message of a queue.

Messages are taken one at a time and acknowledged once `emit` returned, that is once their
execution is saved, whatever "Delete From Queue When" says: n8n's "when the execution finishes
(successfully)" and "specified later in the workflow" also mean "once saved" here, since the
execution may run in another process that holds no channel to acknowledge on. A message whose
execution could not be saved is not acknowledged: the broker delivers it again after the reconnect.
"Parallel Message Processing Limit" is the prefetch: how many unacknowledged messages the broker
hands over at once. Run by hand, the trigger takes exactly one message (prefetch 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractQueue

from engine.errors import NodeError, NodeOperationError
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription
from nodes.schedule.listener import Emit, ListenerTrigger

from .rabbitmq_common import (
    address,
    broker_reason,
    close_quietly,
    connect,
    declare_queue,
    message_item,
    split_arguments,
)
from .rabbitmq_params import TRIGGER_PARAMETERS


class RabbitMQTrigger(ListenerTrigger):
    description = NodeDescription(
        name="knotwork.rabbitmqTrigger",
        display_name="RabbitMQ Trigger",
        group="trigger",
        description="Starts the workflow when a message arrives in a RabbitMQ queue",
        versions=(1.0,),
        default_version=1.0,
        parameters=TRIGGER_PARAMETERS,
        inputs=0,
        aliases=("n8n-nodes-base.rabbitmqTrigger",),
        credentials=(CredentialSlot("rabbitmq", required=True),),
        categories=("Development",),
        search_aliases=("amqp", "queue", "message", "broker", "consume"),
        icon="inbox",
        trigger=True,
    )

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        queue_name = str(ctx.param("queue", 0, "")).strip()
        if not queue_name:
            raise NodeOperationError("The parameter 'Queue / Topic' is empty: name the queue to read from",
                                     node=ctx.node.name, parameter="queue")
        options: Mapping[str, Any] = ctx.param("options", 0, {}) or {}
        prefetch = 1 if ctx.mode == "manual" else _prefetch(ctx, options)
        data = await ctx.get_credentials("rabbitmq")
        connection = await connect(ctx, data)
        try:
            channel = await connection.channel(publisher_confirms=False)
            if prefetch:
                await channel.set_qos(prefetch_count=prefetch)
            queue = await _queue(ctx, channel, queue_name, options)
            async with queue.iterator() as messages:
                async for message in messages:
                    await emit([message_item(message, options)])
                    await message.ack()  # only now: the execution is saved
                    if ctx.mode == "manual":
                        return
            host, port = address(data)
            raise NodeOperationError(f"The connection to RabbitMQ at {host}:{port} was lost (or the queue "
                                     f"'{queue_name}' was deleted)", node=ctx.node.name)
        finally:
            await close_quietly(connection)


def _prefetch(ctx: ExecuteContext, options: Mapping[str, Any]) -> int:
    """n8n's parallelMessages: -1 (no limit, prefetch 0) or a positive number."""
    raw = options.get("parallelMessages", -1)
    try:
        limit = int(raw if raw not in (None, "") else -1)
    except (TypeError, ValueError):
        limit = 0
    if limit == 0 or limit < -1:
        raise NodeOperationError("Parallel message processing limit must be greater than zero (or -1 for no limit)",
                                 node=ctx.node.name, parameter="options.parallelMessages")
    return 0 if limit == -1 else limit


async def _queue(ctx: ExecuteContext, channel: AbstractChannel, name: str,
                 options: Mapping[str, Any]) -> AbstractQueue:
    """The queue (declared or checked) with its bindings; the broker's refusal as a clear error."""
    _, arguments = split_arguments(options)
    binding = options.get("binding")
    bindings = binding.get("bindings") if isinstance(binding, Mapping) else None
    try:
        queue = await declare_queue(channel, name, options, arguments)
        for entry in bindings or []:
            await queue.bind(str(entry.get("exchange") or ""), routing_key=str(entry.get("routingKey") or ""))
        return queue
    except NodeError:
        raise
    except Exception as error:
        raise NodeOperationError(f"RabbitMQ refused the queue '{name}': {broker_reason(error)}", node=ctx.node.name,
                                 parameter="queue") from None
