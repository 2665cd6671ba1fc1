"""Date & Time v1 (moment.js based): `format` converts a date into a moment-style format, with
optional source format and time zones; `calculate` adds or subtracts a duration and writes an ISO
string in UTC. The result goes into `dataPropertyName` (dot notation) of a copy of the input.

Text without an offset is read the way moment reads it on a server running in UTC: ISO text in
the source time zone when one is given, any other text as UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil import parser as date_parser

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.core.dot_path import set_path

from .common import map_items, workflow_timezone, zone_named
from .dates import iso_datetime, numeric, plus
from .moment_format import moment_format, moment_parse

UNRECOGNIZED = 'The date input format could not be recognized. Please set the "From Format" field'
_MOMENT_UNITS = {"quarters": "quarters", "years": "years", "months": "months", "weeks": "weeks", "days": "days",
                 "hours": "hours", "minutes": "minutes", "seconds": "seconds", "milliseconds": "milliseconds"}


def read_moment(value: Any, from_format: str, zone: dt.tzinfo | None) -> dt.datetime:
    """The instant a v1 `value` stands for. `zone` is the source time zone (None: UTC, as moment
    on a UTC server). Raises NodeOperationError with n8n's message when it cannot be read."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone or dt.UTC)
    if from_format:
        return moment_parse(str(value), from_format, zone or dt.UTC)
    number = numeric(value)
    if number is not None:
        millis = number * 1000 if not float(number).is_integer() or len(str(int(abs(number)))) < 12 else number
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=round(millis))
    if not isinstance(value, str) or not value.strip():
        raise NodeOperationError(UNRECOGNIZED)
    iso = iso_datetime(value.strip())
    if iso is not None:  # ISO text: moment.tz reads it in the source zone
        return iso if iso.tzinfo else iso.replace(tzinfo=zone or dt.UTC)
    try:  # other text goes through JavaScript's Date, i.e. the server's zone (UTC)
        parsed = date_parser.parse(value)
    except (ValueError, OverflowError):
        raise NodeOperationError(UNRECOGNIZED) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _format(ctx: ExecuteContext, index: int, value: Any, zone: dt.tzinfo) -> str:
    options = ctx.param("options", index, {}) or {}
    from_zone = zone_named(options["fromTimezone"]) if options.get("fromTimezone") else None
    to_zone = zone_named(options["toTimezone"]) if options.get("toTimezone") else None
    source = from_zone or (zone if to_zone else None)
    moment = read_moment(value, str(options.get("fromFormat") or ""), source)
    moment = moment.astimezone(to_zone or zone) if from_zone or to_zone else moment.astimezone(dt.UTC)
    return moment_format(moment, str(ctx.param("toFormat", index, "MM/DD/YYYY")))


def _calculate(ctx: ExecuteContext, index: int, value: Any) -> str:
    from_format = str(ctx.param("options.fromFormat", index, "") or "")
    moment = read_moment(value, from_format, None).astimezone(dt.UTC)
    unit = _MOMENT_UNITS.get(str(ctx.param("timeUnit", index, "days")))
    if unit is None:
        raise NodeOperationError(f"Unknown time unit '{ctx.param('timeUnit', index, '')}'", item_index=index)
    amount = float(ctx.param("duration", index, 0) or 0)
    sign = -1 if ctx.param("operation", index, "add") == "subtract" else 1
    result = plus(moment, {unit: sign * amount})
    return result.strftime("%Y-%m-%dT%H:%M:%S") + f".{result.microsecond // 1000:03d}Z"


async def execute_v1(ctx: ExecuteContext) -> list[list[Item]]:
    zone = workflow_timezone(ctx)

    async def run_item(index: int, item: Item) -> list[Item]:
        value = ctx.param("value", index, None)
        if value is None:  # n8n skips an item whose value is undefined
            return []
        if ctx.param("action", index, "format") == "calculate":
            result = _calculate(ctx, index, value)
        else:
            result = _format(ctx, index, value, zone)
        data = dict(item.json)  # set_path copies the nested containers it writes into
        set_path(data, str(ctx.param("dataPropertyName", index, "data")), result, {id(data)})
        return [Item(data, item.binary, paired=(index, 0))]

    return [await map_items(ctx, run_item)]
