"""The base of polling triggers (RSS feed, email, database rows...): a node that asks a source for
what is new on its `pollTimes`, keeping its cursor (last id, last date) in the node's static data.

The scheduler leader calls `poll(ctx)` at each poll time (services.scheduler); items it returns start
one execution, in which the node emits them. Run by hand in the editor, the node polls once in
`manual` mode: n8n then returns the latest items even when they are not new, and so should
subclasses (check `ctx.mode`), without moving the cursor (manual runs never save static data).
"""

from __future__ import annotations

from typing import Any

from engine.items import Item
from engine.node_api import ExecuteContext, NodeType
from engine.workflow import NodeSpec

from .legacy import trigger_times
from .rules import CronRule, Schedule, ScheduleError, cron_from_trigger_times

POLL_TIMES = trigger_times("pollTimes", "Poll Times")


class PollingTrigger(NodeType):
    """Subclasses declare POLL_TIMES among their parameters and implement `poll`."""

    async def poll(self, ctx: ExecuteContext) -> list[Item] | None:
        """What is new since the cursor in `ctx.static_data()`; None or [] when nothing is."""
        raise NotImplementedError

    def schedule(self, node: NodeSpec, seed: str, timezone: Any) -> Schedule:
        try:
            expressions = cron_from_trigger_times(node.parameters.get("pollTimes", {"item": [{"mode": "everyMinute"}]}),
                                                  seed)
        except ScheduleError as error:
            raise ScheduleError(error.message, node=node.name, parameter="pollTimes") from None
        if not expressions:
            raise ScheduleError("Add at least one poll time", node=node.name, parameter="pollTimes")
        return Schedule([CronRule(expression) for expression in expressions], timezone)

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        given = [Item(item.json, item.binary) for item in ctx.input_items if item.json or item.binary]
        if given:  # started by the scheduler with what the poll found
            return [given]
        return [list(await self.poll(ctx) or [])]
