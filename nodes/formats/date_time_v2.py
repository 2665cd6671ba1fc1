"""Date & Time v2: one operation per node, each writing one output field (n8n's DateTimeV2).

Dates are parsed in the workflow's time zone and written back as Luxon ISO strings
("2023-04-11T13:51:59.965+00:00"). Without `options.includeInputFields` the output item holds
only the new field.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext

from .common import current_time, map_items, workflow_timezone, zone_named
from .dates import diff, parse_date, plus, start_of, unit_name
from .luxon_format import to_format, to_iso

Operation = Callable[[ExecuteContext, int, dt.tzinfo], Any]


def _date_param(ctx: ExecuteContext, name: str, index: int) -> Any:
    value = ctx.param(name, index, "")
    if value is None or value == "":
        raise NodeOperationError(f"The parameter '{name}' is empty: a date is needed", item_index=index)
    return value


def get_current_date(ctx: ExecuteContext, index: int, zone: dt.tzinfo) -> Any:
    name = str(ctx.param("options.timezone", index, "") or "")
    target = zone_named(name) if name else zone
    now = current_time(ctx).astimezone(target)
    if not ctx.param("includeTime", index, True):
        now = start_of(now, "day")
    return to_iso(now)


def _shift(sign: int) -> Operation:
    def operation(ctx: ExecuteContext, index: int, zone: dt.tzinfo) -> Any:
        moment = parse_date(_date_param(ctx, "magnitude", index), zone)
        unit = unit_name(ctx.param("timeUnit", index, "days"))
        duration = ctx.param("duration", index, 0)
        try:
            amount = float(duration or 0)
        except (TypeError, ValueError):
            raise NodeOperationError(f"The duration '{duration}' is not a number", item_index=index) from None
        return to_iso(plus(moment, {unit: sign * amount}))

    return operation


def format_date(ctx: ExecuteContext, index: int, zone: dt.tzinfo) -> Any:
    value = ctx.param("date", index, "")
    if value is None:  # n8n passes a missing date through as null
        return None
    options = ctx.param("options", index, {}) or {}
    from_format = str(options.get("fromFormat") or "")
    if options.get("timezone"):
        moment = parse_date(value, zone, from_format)
    else:  # the input's own offset, else UTC
        moment = parse_date(value, dt.UTC, from_format, keep_offset=True)
    fmt = ctx.param("format", index, "MM/dd/yyyy")
    if fmt == "custom":
        fmt = ctx.param("customFormat", index, "")
    return to_format(moment, str(fmt))


def round_date(ctx: ExecuteContext, index: int, zone: dt.tzinfo) -> Any:
    moment = parse_date(_date_param(ctx, "date", index), zone)
    if ctx.param("mode", index, "roundDown") == "roundUp":
        unit = str(ctx.param("to", index, "month"))
        return to_iso(start_of(plus(moment, {unit_name(unit): 1}), unit))
    return to_iso(start_of(moment, str(ctx.param("toNearest", index, "month"))))


def time_between(ctx: ExecuteContext, index: int, zone: dt.tzinfo) -> Any:
    start = parse_date(_date_param(ctx, "startDate", index), zone)
    end = parse_date(_date_param(ctx, "endDate", index), zone)
    units = ctx.param("units", index, ["day"]) or ["day"]
    if isinstance(units, str):
        units = [part.strip() for part in units.split(",") if part.strip()]
    duration = diff(end, start, list(units))
    if ctx.param("options.isoString", index, False):
        return iso_duration(duration)
    return duration


def extract_date(ctx: ExecuteContext, index: int, zone: dt.tzinfo) -> Any:
    moment = parse_date(_date_param(ctx, "date", index), zone)
    part = str(ctx.param("part", index, "month"))
    parts = {
        "year": moment.year, "month": moment.month, "week": moment.isocalendar()[1], "day": moment.day,
        "hour": moment.hour, "minute": moment.minute, "second": moment.second,
    }
    if part not in parts:
        raise NodeOperationError(f"Unknown part '{part}'", item_index=index)
    return parts[part]


def iso_duration(duration: dict[str, float]) -> str:
    """Luxon's Duration.toISO: "P1Y2M3W4DT5H6M7.5S"."""
    letters = {"years": "Y", "quarters": None, "months": "M", "weeks": "W", "days": "D"}
    text = "P"
    for unit, letter in letters.items():
        if unit == "quarters" and duration.get(unit):
            text += f"{_number(duration[unit] * 3)}M"
        elif letter and unit in duration and duration[unit]:
            text += f"{_number(duration[unit])}{letter}"
    time = ""
    for unit, letter in (("hours", "H"), ("minutes", "M")):
        if duration.get(unit):
            time += f"{_number(duration[unit])}{letter}"
    seconds = duration.get("seconds", 0) + duration.get("milliseconds", 0) / 1000
    if seconds:
        time += f"{_number(round(seconds, 3))}S"
    if time:
        text += "T" + time
    return text if text != "P" else "PT0S"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


OPERATIONS: dict[str, tuple[Operation, str]] = {
    "getCurrentDate": (get_current_date, "currentDate"),
    "addToDate": (_shift(1), "newDate"),
    "subtractFromDate": (_shift(-1), "newDate"),
    "formatDate": (format_date, "formattedDate"),
    "roundDate": (round_date, "roundedDate"),
    "getTimeBetweenDates": (time_between, "timeDifference"),
    "extractDate": (extract_date, "datePart"),
}


async def execute_v2(ctx: ExecuteContext) -> list[list[Item]]:
    operation_name = ctx.param("operation", 0, "getCurrentDate")
    if operation_name not in OPERATIONS:
        raise NodeOperationError(f"The operation '{operation_name}' is not supported", node=ctx.node.name)
    operation, default_field = OPERATIONS[operation_name]
    zone = workflow_timezone(ctx)

    async def run_item(index: int, item: Item) -> list[Item]:
        include_input = bool(ctx.param("options.includeInputFields", index, False))
        field = str(ctx.param("outputFieldName", index, default_field) or default_field)
        value = operation(ctx, index, zone)
        data = copy.deepcopy(item.json) if include_input else {}
        data[field] = value
        return [Item(data, item.binary if include_input else None, paired=(index, 0))]

    return [await map_items(ctx, run_item)]
