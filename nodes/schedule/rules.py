"""When a time trigger fires: cron rules (with seconds, in a time zone), fixed intervals, and the
item a Schedule Trigger emits.

A node type that starts workflows on time implements `schedule(node, seed) -> Schedule`; the
scheduler (services.scheduler) asks it for the next moment after now, fires, and asks again. Missed
moments (the instance was down) are not replayed: after a restart the next moment counts from now.

`seed` (workflow id and node name) picks the "random" second or minute n8n uses to spread load:
stable for a node across restarts and processes, different between nodes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from engine.errors import NodeOperationError


class ScheduleError(NodeOperationError):
    """A schedule that cannot fire (bad cron expression, zero interval)."""


def seeded(seed: str, salt: str, upper: int) -> int:
    """A number in [0, upper) fixed by the seed: n8n's random second/minute, made repeatable."""
    digest = hashlib.sha256(f"{seed}:{salt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % upper


def check_cron(expression: str) -> str:
    """The expression if croniter reads it (5 fields, or 6 with seconds first as in n8n)."""
    text = " ".join(str(expression).split())
    fields = len(text.split(" "))
    if fields not in (5, 6) or not croniter.is_valid(text, second_at_beginning=True):
        raise ScheduleError(f"Invalid cron expression '{expression}': use 5 fields (minute hour day month "
                            "weekday) or 6 with seconds first")
    return text


@dataclass(frozen=True)
class Recurrence:
    """Every `size` units counted from the last fire, for intervals cron cannot say (every 3 days)."""

    unit: str  # hours | days | weeks | months
    size: int

    def due(self, moment: datetime, last: datetime | None) -> bool:
        if last is None:
            return True
        if self.unit == "hours":
            return (moment - last) >= timedelta(hours=self.size) - timedelta(minutes=1)
        if self.unit == "days":
            return (moment.date() - last.date()).days >= self.size
        if self.unit == "weeks":
            this_week = moment.date() - timedelta(days=moment.weekday())
            last_week = last.date() - timedelta(days=last.weekday())
            weeks = (this_week - last_week).days // 7
            return weeks == 0 or weeks >= self.size  # several days of the week that fired, or a new period
        months = (moment.year - last.year) * 12 + moment.month - last.month
        return months >= self.size


@dataclass(frozen=True)
class CronRule:
    expression: str  # 5 or 6 fields, seconds first when 6
    recurrence: Recurrence | None = None

    def next_after(self, moment: datetime) -> datetime:
        return croniter(self.expression, moment, second_at_beginning=True).get_next(datetime)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class EveryRule:
    """A fixed period from the moment the schedule starts (n8n's Interval node)."""

    period: timedelta

    def next_after(self, moment: datetime, start: datetime) -> datetime:
        elapsed = moment - start
        periods = int(elapsed / self.period) + 1 if elapsed >= timedelta(0) else 0
        return start + self.period * periods


@dataclass
class Schedule:
    """The rules of one trigger node in one time zone."""

    rules: Sequence[CronRule | EveryRule]
    timezone: ZoneInfo
    started: datetime | None = None  # EveryRule periods count from here

    def next_fire(self, after: datetime) -> tuple[datetime, list[int]]:
        """The first moment strictly after `after` when a rule fires, and which rules fire then."""
        local = after.astimezone(self.timezone)
        start = self.started or local
        moments = [rule.next_after(local, start) if isinstance(rule, EveryRule) else rule.next_after(local)
                   for rule in self.rules]
        first = min(moments)
        return first, [index for index, moment in enumerate(moments) if moment == first]

    def due(self, rule_indexes: Sequence[int], moment: datetime, static_data: dict[str, Any]) -> bool:
        """Whether a fire at `moment` passes the recurrence checks of its rules; records it."""
        fired = False
        last_fires = static_data.setdefault("recurrenceRules", {})
        for index in rule_indexes:
            rule = self.rules[index]
            recurrence = rule.recurrence if isinstance(rule, CronRule) else None
            if recurrence is None:
                fired = True
                continue
            last_text = last_fires.get(str(index))
            last = datetime.fromisoformat(last_text).astimezone(self.timezone) if last_text else None
            if recurrence.due(moment, last):
                if last is None or recurrence.unit != "weeks" or not _same_week(moment, last):
                    last_fires[str(index)] = moment.isoformat()
                fired = True
        return fired


def _same_week(moment: datetime, last: datetime) -> bool:
    return moment.date() - timedelta(days=moment.weekday()) == last.date() - timedelta(days=last.weekday())


def cron_from_trigger_times(entries: Any, seed: str) -> list[str]:
    """n8n's `triggerTimes`/`pollTimes` (Cron node and polling nodes) as cron expressions."""
    items = entries.get("item", []) if isinstance(entries, Mapping) else []
    expressions = []
    for index, entry in enumerate(items if isinstance(items, list) else []):
        if not isinstance(entry, Mapping):
            continue
        second = seeded(seed, f"second:{index}", 60)
        mode = entry.get("mode", "everyDay")
        hour, minute = _int(entry.get("hour"), 14), _int(entry.get("minute"), 0)
        if mode == "everyMinute":
            expressions.append(f"{second} * * * * *")
        elif mode == "everyHour":
            expressions.append(f"{second} {minute} * * * *")
        elif mode == "everyDay":
            expressions.append(f"{second} {minute} {hour} * * *")
        elif mode == "everyWeek":
            expressions.append(f"{second} {minute} {hour} * * {_int(entry.get('weekday'), 1)}")
        elif mode == "everyMonth":
            expressions.append(f"{second} {minute} {hour} {_int(entry.get('dayOfMonth'), 1)} * *")
        elif mode == "everyX":
            value = max(_int(entry.get("value"), 2), 1)
            unit = entry.get("unit", "hours")
            expressions.append(f"{second} */{value} * * * *" if unit == "minutes" else f"{second} 0 */{value} * * *")
        elif mode == "custom":
            expressions.append(check_cron(str(entry.get("cronExpression") or "")))
        else:
            raise ScheduleError(f"Unknown trigger time mode '{mode}'")
    return [check_cron(expression) for expression in expressions]


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


_ORDINAL = {1: "st", 2: "nd", 3: "rd"}


def schedule_item(moment: datetime, timezone_name: str) -> dict[str, Any]:
    """The item a Schedule Trigger emits, field for field as n8n's (moment.js formats)."""
    day = moment.day
    suffix = "th" if 11 <= day % 100 <= 13 else _ORDINAL.get(day % 10, "th")
    hour12 = moment.hour % 12 or 12
    am_pm = "am" if moment.hour < 12 else "pm"
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else "+00:00"
    clock = f"{hour12}:{moment:%M:%S} {am_pm}"
    return {
        "timestamp": moment.isoformat(timespec="milliseconds"),
        "Readable date": f"{moment:%B} {day}{suffix} {moment:%Y}, {clock}",
        "Readable time": clock,
        "Day of week": f"{moment:%A}",
        "Year": f"{moment:%Y}",
        "Month": f"{moment:%B}",
        "Day of month": f"{moment:%d}",
        "Hour": f"{moment:%H}",
        "Minute": f"{moment:%M}",
        "Second": f"{moment:%S}",
        "Timezone": f"{timezone_name} (UTC{offset})",
    }
