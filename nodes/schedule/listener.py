"""The base of listener triggers (RabbitMQ, MQTT, PostgreSQL LISTEN, Redis pub/sub, IMAP, a watched
folder...): a node that holds a connection open and starts one execution per message it receives.

The scheduler leader runs `listen(ctx, emit)` for every listener node of every active workflow, as a
long-lived task (services.scheduler). `listen` connects, subscribes, and awaits `emit(items)` for each
message; `emit` returns once the execution is persisted, so a node that acknowledges messages (a
broker queue) acknowledges after `emit` returns: accepted means persisted. When the connection drops,
`listen` raises (any exception); the scheduler logs it and calls `listen` again after a back-off, so a
restarted server is picked up again without the user doing anything. Deactivating the workflow, or the
process losing the lead, cancels the task: `listen` must close its connection on cancellation (use
`async with` / `try: ... finally:`).

Run by hand in the editor (`manual` mode) the node waits for the first message, up to
`MANUAL_WAIT_SECONDS`, and returns what it received, as n8n's "listen for test event" does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeType

Emit = Callable[[list[Item]], Awaitable[None]]

MANUAL_WAIT_SECONDS = 120.0


class ListenerTrigger(NodeType):
    """Subclasses set `description` (group "trigger", trigger=True) and implement `listen`."""

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        """Connect and call `await emit(items)` per message until cancelled; raise when the
        connection is lost (the scheduler reconnects)."""
        raise NotImplementedError

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        given = [Item(item.json, item.binary) for item in ctx.input_items if item.json or item.binary]
        if given:  # started by the scheduler with the message it received
            return [given]
        return [await self.first_message(ctx, MANUAL_WAIT_SECONDS)]

    async def first_message(self, ctx: ExecuteContext, timeout: float) -> list[Item]:
        """Listen until one message arrives (a manual run); the connection is closed afterwards."""
        received: asyncio.Future[list[Item]] = asyncio.get_running_loop().create_future()

        async def emit(items: list[Item]) -> None:
            if not received.done():
                received.set_result(items)

        listening = asyncio.ensure_future(self.listen(ctx, emit))
        try:
            done, _ = await asyncio.wait({listening, received}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            if received.done():
                return received.result()
            if listening in done:
                listening.result()  # raises the connection error, if that is why it stopped
            raise NodeOperationError(f"No message arrived within {timeout:.0f} seconds")
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # it closes its connection
                await listening
