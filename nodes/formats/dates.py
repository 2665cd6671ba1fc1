"""Date arithmetic with Luxon's semantics: parsing what n8n's Date & Time node accepts, adding
units (calendar units on the wall clock, time units on the timeline), start of a unit, and
`diff` into a duration object.

All datetimes here are aware. Naive input is read in the zone given (the workflow's).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

from engine.errors import NodeOperationError

from .luxon_parse import parse_with_format

UTC = dt.UTC
CALENDAR_UNITS = ("years", "quarters", "months", "weeks", "days")
TIME_UNITS = ("hours", "minutes", "seconds", "milliseconds")
ORDERED_UNITS = CALENDAR_UNITS + TIME_UNITS
_UNIT_MS = {"hours": 3_600_000, "minutes": 60_000, "seconds": 1000, "milliseconds": 1}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def unit_name(unit: str) -> str:
    """Luxon's normalized plural unit name ("day" -> "days"). Raises NodeOperationError."""
    name = str(unit).strip().lower()
    plural = name if name.endswith("s") else name + "s"
    if plural not in ORDERED_UNITS:
        raise NodeOperationError(f"Invalid unit '{unit}'")
    return plural


def from_epoch(number: float, zone: dt.tzinfo) -> dt.datetime:
    """A timestamp: below 10^12 it is seconds, otherwise milliseconds (n8n's rule)."""
    if not math.isfinite(number):
        raise NodeOperationError("Invalid numeric timestamp")
    millis = number * 1000 if abs(number) < 1e12 else number
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=round(millis))


def numeric(value: Any) -> float | None:
    """The number a value stands for (a number or a numeric string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def parse_date(value: Any, zone: dt.tzinfo, from_format: str = "", keep_offset: bool = False) -> dt.datetime:
    """n8n's Date & Time v2 `parseDate`: datetimes, epoch seconds/milliseconds, ISO strings and
    the looser forms dateutil reads, or `from_format` (Luxon tokens). The result is in `zone`,
    except that with `keep_offset` a text carrying its own offset keeps it.

    Raises NodeOperationError("Invalid date format" / "Invalid date type")."""
    if value is None:
        raise NodeOperationError("Invalid date type")
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)
        return moment.astimezone(zone)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone)
    number = None if from_format else numeric(value)
    if number is not None:
        return from_epoch(number, zone).astimezone(zone)
    if not isinstance(value, str):
        raise NodeOperationError("Invalid date type")
    text = value.strip()
    if not text:
        raise NodeOperationError("Empty date string")
    moment = parse_with_format(text, from_format, zone) if from_format else parse_text(text, zone)
    if keep_offset and moment.tzinfo is not zone:
        return moment
    return moment.astimezone(zone)


def parse_text(text: str, zone: dt.tzinfo) -> dt.datetime:
    """An ISO 8601 string (or another form dateutil understands); naive ones read in `zone`."""
    moment = iso_datetime(text)
    if moment is None:
        try:
            moment = date_parser.parse(text)
        except (ValueError, OverflowError, TypeError):
            raise NodeOperationError("Invalid date format", description=f"Could not read '{text}' as a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def iso_datetime(text: str) -> dt.datetime | None:
    if _DATE_ONLY.match(text) or "T" in text or re.match(r"^\d{4}-\d{2}-\d{2} \d", text):
        try:
            return dt.datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            return None
    return None


def plus(moment: dt.datetime, amounts: Mapping[str, float]) -> dt.datetime:
    """Luxon's `plus`: calendar units move the wall clock (day clamped to the month's end), time
    units move along the timeline."""
    calendar = {unit: amounts.get(unit, 0) for unit in CALENDAR_UNITS}
    delta = relativedelta(
        years=int(calendar["years"]),
        months=int(calendar["months"] + 3 * calendar["quarters"]),
        weeks=int(calendar["weeks"]),
        days=int(calendar["days"]),
    )
    result = moment
    if delta:
        wall = (moment.replace(tzinfo=None) + delta).replace(tzinfo=moment.tzinfo)
        result = wall.astimezone(UTC).astimezone(moment.tzinfo)
    millis = sum(amounts.get(unit, 0) * _UNIT_MS[unit] for unit in TIME_UNITS)
    millis += sum((calendar[u] - int(calendar[u])) * f for u, f in (("days", 86_400_000), ("weeks", 604_800_000)))
    if millis:
        result = (result.astimezone(UTC) + dt.timedelta(milliseconds=millis)).astimezone(moment.tzinfo)
    return result


def start_of(moment: dt.datetime, unit: str) -> dt.datetime:
    """Luxon's `startOf(unit)` (weeks start on Monday)."""
    unit = unit_name(unit)
    fields: dict[str, Any] = {"microsecond": 0}
    order = ("years", "quarters", "months", "weeks", "days", "hours", "minutes", "seconds")
    if unit == "milliseconds":
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    level = order.index(unit)
    if level <= order.index("minutes"):
        fields["second"] = 0
    if level <= order.index("hours"):
        fields["minute"] = 0
    if level <= order.index("days"):
        fields["hour"] = 0
    if unit in ("years", "quarters", "months"):
        fields["day"] = 1
    if unit == "years":
        fields["month"] = 1
    if unit == "quarters":
        fields["month"] = (moment.month - 1) // 3 * 3 + 1
    wall = moment.replace(tzinfo=None).replace(**fields)
    if unit == "weeks":
        wall -= dt.timedelta(days=moment.weekday())
    return wall.replace(tzinfo=moment.tzinfo).astimezone(UTC).astimezone(moment.tzinfo)


def _epoch_ms(moment: dt.datetime) -> float:
    return (moment - dt.datetime(1970, 1, 1, tzinfo=UTC)) / dt.timedelta(milliseconds=1)


def _day_diff(earlier: dt.datetime, later: dt.datetime) -> int:
    return (later.replace(tzinfo=None).date() - earlier.replace(tzinfo=None).date()).days


def _quarter(moment: dt.datetime) -> int:
    return (moment.month - 1) // 3 + 1


_DIFFERS = {
    "years": lambda a, b: b.year - a.year,
    "quarters": lambda a, b: _quarter(b) - _quarter(a) + (b.year - a.year) * 4,
    "months": lambda a, b: b.month - a.month + (b.year - a.year) * 12,
    "weeks": lambda a, b: (lambda days: (days - math.fmod(days, 7)) / 7)(_day_diff(a, b)),
    "days": _day_diff,
}


def diff(later: dt.datetime, earlier: dt.datetime, units: list[str]) -> dict[str, float]:
    """Luxon's `later.diff(earlier, units).toObject()`: whole high-order units, the rest in the
    requested time units, or as a fraction of the lowest unit when no time unit is requested."""
    wanted = [unit_name(unit) for unit in units] or ["milliseconds"]
    if _epoch_ms(later) < _epoch_ms(earlier):
        return {unit: -value if value else 0 for unit, value in diff(earlier, later, units).items()}
    cursor, results = earlier, dict[str, float]()
    high_water, lowest = earlier, None
    for unit in CALENDAR_UNITS:
        if unit not in wanted:
            continue
        lowest = unit
        results[unit] = int(_DIFFERS[unit](cursor, later))
        high_water = plus(earlier, results)
        if high_water > later:
            results[unit] -= 1
            cursor = plus(earlier, results)
            if cursor > later:
                high_water = cursor
                results[unit] -= 1
                cursor = plus(earlier, results)
        else:
            cursor = high_water
    remaining = _epoch_ms(later) - _epoch_ms(cursor)
    lower = [unit for unit in TIME_UNITS if unit in wanted]
    if not lower and lowest is not None:
        if high_water < later:
            high_water = plus(cursor, {lowest: 1})
        span = _epoch_ms(high_water) - _epoch_ms(cursor)
        if span:
            results[lowest] = results.get(lowest, 0) + remaining / span
    for index, unit in enumerate(lower):
        size = _UNIT_MS[unit]
        amount = remaining / size if index == len(lower) - 1 else math.floor(remaining / size)
        results[unit] = amount
        remaining -= amount * size
    return {unit: _clean_number(results[unit]) for unit in ORDERED_UNITS if unit in results}


def _clean_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
