"""Redis Trigger (n8n `redisTrigger` v1): one execution per message published on the channels.

Channel names are comma-separated; a name with a glob character (`*`, `?`, `[`) is a pattern
(PSUBSCRIBE), any other is subscribed as is. Each message gives `{message, channel}`, or only
`{message}`; with `jsonParseBody` a JSON message is parsed (text that is not JSON stays text).
Pub/sub keeps nothing: a message published while no one listens is lost, as in n8n.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from redis.exceptions import RedisError

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, Parameter
from nodes.databases.redis_node import client_for
from nodes.schedule.listener import Emit, ListenerTrigger

CLIENT_NAME = "knotwork-redis-trigger"  # shown by CLIENT LIST, so operators can tell the connection
PATTERN_CHARACTERS = set("*?[")

PARAMETERS = (
    Parameter("channels", "Channels", "string", default="", required=True, placeholder="orders, alerts.*",
              description="Channels to subscribe to, separated by commas. The wildcard * is supported."),
    Parameter("options", "Options", "collection", default={}, fields=(
        Parameter("jsonParseBody", "JSON Parse Body", "boolean", default=False,
                  description="Whether to try to parse the message to an object"),
        Parameter("onlyMessage", "Only Message", "boolean", default=False,
                  description="Whether to return only the message property"),
    )),
)


def channel_names(ctx: ExecuteContext) -> list[str]:
    """The channels of the `channels` parameter. Raises NodeOperationError when there are none."""
    names = [name.strip() for name in str(ctx.param("channels", 0, "") or "").split(",") if name.strip()]
    if not names:
        raise NodeOperationError("Channels are mandatory: give one or more channel names, separated by commas",
                                 node=ctx.node.name, parameter="channels")
    return names


def message_json(data: Any, channel: str, parse: bool, only_message: bool) -> dict[str, Any]:
    """The item of one message, in n8n's shape."""
    message: Any = data
    if parse:
        with contextlib.suppress(TypeError, ValueError):
            message = json.loads(data)
    return {"message": message} if only_message else {"message": message, "channel": channel}


class RedisTrigger(ListenerTrigger):
    description = NodeDescription(
        name="knotwork.redisTrigger",
        display_name="Redis Trigger",
        group="trigger",
        description="Subscribe to Redis channels",
        versions=(1.0,),
        default_version=1.0,
        inputs=0,
        trigger=True,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.redisTrigger",),
        credentials=(CredentialSlot("redis", required=True),),
        categories=("Development", "Data & Storage"),
        search_aliases=("pub/sub", "subscribe", "channel"),
        icon="database",
    )

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        names = channel_names(ctx)
        parse = bool(ctx.param("options.jsonParseBody", 0, False))
        only_message = bool(ctx.param("options.onlyMessage", 0, False))
        client = client_for(await ctx.get_credentials("redis"))
        client.connection_pool.connection_kwargs["client_name"] = CLIENT_NAME
        pubsub = client.pubsub()
        try:
            patterns = [name for name in names if PATTERN_CHARACTERS & set(name)]
            channels = [name for name in names if name not in patterns]
            try:
                if patterns:
                    await pubsub.psubscribe(*patterns)
                if channels:
                    await pubsub.subscribe(*channels)
            except (RedisError, OSError) as error:
                raise NodeOperationError(f"Could not subscribe on Redis: {error}", node=ctx.node.name) from None
            # redis-py reconnects and subscribes again by itself after a dropped connection; what it
            # cannot recover from is raised, and the scheduler calls `listen` again
            async for message in pubsub.listen():
                if message.get("type") in ("message", "pmessage"):
                    await emit([Item(message_json(message["data"], str(message["channel"]), parse, only_message))])
        finally:
            await pubsub.aclose()
            await client.aclose()
