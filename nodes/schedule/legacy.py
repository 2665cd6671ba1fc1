"""n8n's legacy time triggers, kept so old workflows import and run: Cron (trigger times) and
Interval (a fixed period from activation). Both emit one empty item, as n8n's do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter
from engine.workflow import NodeSpec

from .rules import CronRule, EveryRule, Schedule, ScheduleError, cron_from_trigger_times

_MODES = (
    Option("Every Minute", "everyMinute"), Option("Every Hour", "everyHour"), Option("Every Day", "everyDay"),
    Option("Every Week", "everyWeek"), Option("Every Month", "everyMonth"), Option("Every X", "everyX"),
    Option("Custom", "custom"),
)

TRIGGER_TIME_FIELDS = (
    Parameter("mode", "Mode", "options", default="everyDay", options=_MODES),
    Parameter("hour", "Hour", "number", default=14, show={"mode": ("everyDay", "everyWeek", "everyMonth")},
              type_options={"min": 0, "max": 23}),
    Parameter("minute", "Minute", "number", default=0,
              show={"mode": ("everyHour", "everyDay", "everyWeek", "everyMonth")}, type_options={"min": 0, "max": 59}),
    Parameter("dayOfMonth", "Day of Month", "number", default=1, show={"mode": ("everyMonth",)},
              type_options={"min": 1, "max": 31}),
    Parameter("weekday", "Weekday", "options", default=1, show={"mode": ("everyWeek",)},
              options=tuple(Option(name, index) for index, name in enumerate(
                  ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")))),
    Parameter("cronExpression", "Cron Expression", "string", default="* * * * * *", show={"mode": ("custom",)},
              description="[second] minute hour day month weekday"),
    Parameter("value", "Value", "number", default=2, show={"mode": ("everyX",)}, type_options={"min": 0}),
    Parameter("unit", "Unit", "options", default="hours", show={"mode": ("everyX",)},
              options=(Option("Minutes", "minutes"), Option("Hours", "hours"))),
)


def trigger_times(name: str, label: str) -> Parameter:
    """n8n's triggerTimes / pollTimes parameter (also used by polling triggers)."""
    return Parameter(name, label, "fixedCollection", default={"item": [{"mode": "everyMinute"}]}, multiple=True,
                     groups=(Group("item", "Item", TRIGGER_TIME_FIELDS),))


class Cron(NodeType):
    description = NodeDescription(
        name="knotwork.cron",
        display_name="Cron",
        group="trigger",
        description="Triggers the workflow at specific times (legacy: use the Schedule Trigger)",
        versions=(1.0,),
        default_version=1.0,
        parameters=(trigger_times("triggerTimes", "Trigger Times"),),
        inputs=0,
        aliases=("n8n-nodes-base.cron",),
        hidden=True,
        trigger=True,
    )

    def schedule(self, node: NodeSpec, seed: str, timezone: Any) -> Schedule:
        try:
            expressions = cron_from_trigger_times(node.parameters.get("triggerTimes", {}), seed)
        except ScheduleError as error:
            raise ScheduleError(error.message, node=node.name, parameter="triggerTimes") from None
        if not expressions:
            raise ScheduleError("The Cron node has no trigger time", node=node.name, parameter="triggerTimes")
        return Schedule([CronRule(expression) for expression in expressions], timezone)

    def fire_items(self, node: NodeSpec, moment: Any, timezone_name: str) -> list[dict[str, Any]]:
        return [{"json": {}}]

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [[Item({})]]


_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}


class Interval(NodeType):
    description = NodeDescription(
        name="knotwork.interval",
        display_name="Interval",
        group="trigger",
        description="Triggers the workflow in a given interval (legacy: use the Schedule Trigger)",
        versions=(1.0,),
        default_version=1.0,
        parameters=(
            Parameter("interval", "Interval", "number", default=1, type_options={"min": 1},
                      description="Interval value"),
            Parameter("unit", "Unit", "options", default="seconds",
                      options=(Option("Seconds", "seconds"), Option("Minutes", "minutes"), Option("Hours", "hours"))),
        ),
        inputs=0,
        aliases=("n8n-nodes-base.interval",),
        hidden=True,
        trigger=True,
    )

    def schedule(self, node: NodeSpec, seed: str, timezone: Any) -> Schedule:
        try:
            amount = float(node.parameters.get("interval", 1))
        except (TypeError, ValueError):
            amount = 0.0
        unit = node.parameters.get("unit", "seconds")
        if amount < 1 or unit not in _SECONDS:
            raise ScheduleError("The interval must be at least 1 second, minute or hour", node=node.name,
                                parameter="interval")
        seconds = amount * _SECONDS[unit]
        if seconds * 1000 > 2**31 - 1:  # n8n's limit (a JavaScript timer's)
            raise ScheduleError("The interval is too long (at most about 24 days)", node=node.name,
                                parameter="interval")
        return Schedule([EveryRule(timedelta(seconds=seconds))], timezone)

    def fire_items(self, node: NodeSpec, moment: Any, timezone_name: str) -> list[dict[str, Any]]:
        return [{"json": {}}]

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [[Item({})]]
