"""Schedule Trigger (n8n-nodes-base.scheduleTrigger v1, 1.1, 1.2): runs the workflow on time rules.

Each rule becomes a cron expression with seconds, as in n8n. Intervals cron cannot say exactly
(every 3 hours across midnight, every 2 days, weeks or months) fire on the cron and then pass a
recurrence check: from v1.2 the N units count from the rule's last fire, kept in the node's static
data, so "every 2 days" never resets at the start of a month as `*/2` would (v1 and v1.1 keep
n8n's `*/N`).
"""

from __future__ import annotations

from typing import Any

from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter
from engine.workflow import NodeSpec

from .rules import CronRule, Recurrence, Schedule, ScheduleError, check_cron, schedule_item, seeded

_FIELDS = (
    Option("Seconds", "seconds"), Option("Minutes", "minutes"), Option("Hours", "hours"),
    Option("Days", "days"), Option("Weeks", "weeks"), Option("Months", "months"),
    Option("Custom (Cron)", "cronExpression"),
)
_WEEKDAYS = tuple(Option(name, index) for index, name in enumerate(
    ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")))


def _number(name: str, label: str, default: int, field: tuple[str, ...], low: int, high: int | None = None,
            description: str = "") -> Parameter:
    limits: dict[str, Any] = {"min": low} if high is None else {"min": low, "max": high}
    return Parameter(name, label, "number", default=default, show={"field": field}, type_options=limits,
                     description=description)


_INTERVAL_FIELDS = (
    Parameter("field", "Trigger Interval", "options", default="days", options=_FIELDS),
    _number("secondsInterval", "Seconds Between Triggers", 30, ("seconds",), 1),
    _number("minutesInterval", "Minutes Between Triggers", 5, ("minutes",), 1),
    _number("hoursInterval", "Hours Between Triggers", 1, ("hours",), 1),
    _number("daysInterval", "Days Between Triggers", 1, ("days",), 1),
    _number("weeksInterval", "Weeks Between Triggers", 1, ("weeks",), 1),
    _number("monthsInterval", "Months Between Triggers", 1, ("months",), 1),
    _number("triggerAtDayOfMonth", "Trigger at Day of Month", 1, ("months",), 1, 31),
    Parameter("triggerAtDay", "Trigger on Weekdays", "multiOptions", default=[0], options=_WEEKDAYS,
              show={"field": ("weeks",)}),
    Parameter("triggerAtHour", "Trigger at Hour", "options", default=0, show={"field": ("days", "weeks", "months")},
              options=tuple(Option(f"{(h % 12) or 12}{'am' if h < 12 else 'pm'}", h) for h in range(24))),
    _number("triggerAtMinute", "Trigger at Minute", 0, ("hours", "days", "weeks", "months"), 0, 59),
    Parameter("expression", "Expression", "string", default="", placeholder="eg. 0 15 * 1 sun",
              show={"field": ("cronExpression",)},
              description="Cron: [second] minute hour day month weekday, in the workflow's time zone"),
)

PARAMETERS = (
    Parameter("notice", "This workflow runs on the schedule below once you activate it; missed runs "
              "while Knotwork was stopped are not made up", "notice", default=""),
    Parameter("rule", "Trigger Rules", "fixedCollection", default={"interval": [{"field": "days"}]},
              multiple=True, groups=(Group("interval", "Trigger Interval", _INTERVAL_FIELDS),)),
)


def _interval(entry: dict[str, Any], name: str) -> int:
    try:
        value = int(entry.get(name, 1))
    except (TypeError, ValueError):
        raise ScheduleError(f"'{name}' must be a whole number, got {entry.get(name)!r}") from None
    if value < 1:
        raise ScheduleError(f"'{name}' must be at least 1")
    return value


def rule_for(entry: dict[str, Any], index: int, version: float, seed: str) -> CronRule:
    """One `rule.interval[]` entry as a cron rule (n8n's toCronExpression, seconds first)."""
    field = entry.get("field", "days")
    if field == "cronExpression":
        return CronRule(check_cron(str(entry.get("expression") or "")))
    second = seeded(seed, f"second:{index}", 60)
    if field == "seconds":
        return CronRule(f"*/{_interval(entry, 'secondsInterval')} * * * * *")
    if field == "minutes":
        return CronRule(f"{second} */{_interval(entry, 'minutesInterval')} * * * *")
    minute = int(entry["triggerAtMinute"]) if entry.get("triggerAtMinute") is not None else seeded(seed, f"minute:{index}", 60)
    counted = version >= 1.2  # v1.2: count intervals from the last fire (see module doc)
    if field == "hours":
        size = _interval(entry, "hoursInterval")
        if counted and size > 1:
            return CronRule(f"{second} {minute} * * * *", Recurrence("hours", size))
        return CronRule(f"{second} {minute} */{size} * * *")
    hour = int(entry.get("triggerAtHour") if entry.get("triggerAtHour") is not None else seeded(seed, f"hour:{index}", 24))
    if field == "days":
        size = _interval(entry, "daysInterval")
        if counted and size > 1:
            return CronRule(f"{second} {minute} {hour} * * *", Recurrence("days", size))
        return CronRule(f"{second} {minute} {hour} */{size} * *" if size > 1 else f"{second} {minute} {hour} * * *")
    if field == "weeks":
        days = entry.get("triggerAtDay", [0])
        weekdays = ",".join(str(int(day)) for day in days) if isinstance(days, list) and days else "*"
        size = _interval(entry, "weeksInterval")
        return CronRule(f"{second} {minute} {hour} * * {weekdays}", Recurrence("weeks", size) if size > 1 else None)
    if field == "months":
        size = _interval(entry, "monthsInterval")
        day = int(entry.get("triggerAtDayOfMonth") or 1)
        if counted and size > 1:
            return CronRule(f"{second} {minute} {hour} {day} * *", Recurrence("months", size))
        return CronRule(f"{second} {minute} {hour} {day} */{size} *")
    raise ScheduleError(f"Unknown trigger interval '{field}'")


class ScheduleTrigger(NodeType):
    description = NodeDescription(
        name="knotwork.scheduleTrigger",
        display_name="Schedule Trigger",
        group="trigger",
        description="Starts the workflow on a schedule (intervals or cron, in the workflow's time zone)",
        versions=(1.0, 1.1, 1.2),
        default_version=1.2,
        parameters=PARAMETERS,
        inputs=0,
        aliases=("n8n-nodes-base.scheduleTrigger",),
        categories=("Core Nodes",),
        search_aliases=("time", "cron", "interval", "every", "daily", "hourly", "timer"),
        trigger=True,
    )

    def schedule(self, node: NodeSpec, seed: str, timezone: Any) -> Schedule:
        """The node's rules; raises ScheduleError naming what is wrong."""
        rule = node.parameters.get("rule", {"interval": [{"field": "days"}]})
        entries = rule.get("interval") if isinstance(rule, dict) else None
        if not isinstance(entries, list) or not entries:
            raise ScheduleError("The Schedule Trigger has no rule", node=node.name)
        try:
            rules = [rule_for(entry, index, node.type_version, seed)
                     for index, entry in enumerate(entries) if isinstance(entry, dict)]
        except ScheduleError as error:
            raise ScheduleError(error.message, node=node.name, parameter="rule") from None
        return Schedule(rules, timezone)

    def fire_items(self, node: NodeSpec, moment: Any, timezone_name: str) -> list[dict[str, Any]]:
        return [{"json": schedule_item(moment, timezone_name)}]

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        """The scheduler starts the run with the tick's item; a run started by hand gets one for now."""
        given = [Item(item.json, item.binary) for item in ctx.input_items if item.json]
        if given:
            return [given]
        return [[Item(schedule_item(ctx.now(), ctx.timezone.key))]]
