"""Luxon's `DateTime.fromFormat` for the common tokens: a format becomes a regular expression
whose groups fill the date fields. Fields the format leaves out default as Luxon's do: the
current year, January, the 1st, midnight."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from engine.errors import NodeOperationError

from .luxon_format import MONTHS, WEEKDAYS, split_format

_MONTH_NAMES = {name.lower(): index + 1 for index, name in enumerate(MONTHS)}
_MONTH_SHORT = {name[:3].lower(): index + 1 for index, name in enumerate(MONTHS)}

# token -> (pattern, field, converter)
_Token = tuple[str, str, Callable[[str], int]]
_TOKENS: dict[str, _Token] = {
    "yyyy": (r"\d{4}", "year", int),
    "yy": (r"\d{2}", "year", lambda text: 2000 + int(text) if int(text) < 60 else 1900 + int(text)),
    "y": (r"\d{1,6}", "year", int),
    "MMMM": ("|".join(MONTHS), "month", lambda text: _MONTH_NAMES[text.lower()]),
    "MMM": ("|".join(name[:3] for name in MONTHS), "month", lambda text: _MONTH_SHORT[text.lower()]),
    "MM": (r"\d{2}", "month", int),
    "M": (r"\d{1,2}", "month", int),
    "LL": (r"\d{2}", "month", int),
    "L": (r"\d{1,2}", "month", int),
    "dd": (r"\d{2}", "day", int),
    "d": (r"\d{1,2}", "day", int),
    "HH": (r"\d{2}", "hour", int),
    "H": (r"\d{1,2}", "hour", int),
    "hh": (r"\d{2}", "hour12", int),
    "h": (r"\d{1,2}", "hour12", int),
    "mm": (r"\d{2}", "minute", int),
    "m": (r"\d{1,2}", "minute", int),
    "ss": (r"\d{2}", "second", int),
    "s": (r"\d{1,2}", "second", int),
    "SSS": (r"\d{3}", "millisecond", int),
    "S": (r"\d{1,3}", "millisecond", int),
    "a": (r"AM|PM|am|pm", "meridiem", lambda text: 1 if text.lower() == "pm" else 0),
    "EEEE": ("|".join(WEEKDAYS), "weekday", lambda text: 0),
    "EEE": ("|".join(name[:3] for name in WEEKDAYS), "weekday", lambda text: 0),
    "cccc": ("|".join(WEEKDAYS), "weekday", lambda text: 0),
    "ccc": ("|".join(name[:3] for name in WEEKDAYS), "weekday", lambda text: 0),
    "X": (r"-?\d+", "epoch_seconds", int),
    "x": (r"-?\d+", "epoch_millis", int),
}
_OFFSET = r"Z|[+-]\d{1,2}(?::?\d{2})?"


def parse_with_format(text: str, fmt: str, zone: dt.tzinfo) -> dt.datetime:
    """`text` read with Luxon format `fmt`; without an offset token it is read in `zone`.

    Raises NodeOperationError naming the text and the format when they do not match."""
    pattern, fields = _compile(fmt)
    match = re.fullmatch(pattern, text, flags=re.IGNORECASE)
    if match is None:
        raise NodeOperationError("Invalid date format",
                                 description=f"the input \"{text}\" can't be parsed as format {fmt}")
    values: dict[str, int] = {}
    offset: str | None = None
    for index, (field, convert) in enumerate(fields):
        group = match.group(index + 1)
        if field == "offset":
            offset = group
        else:
            values[field] = convert(group)
    return _build(values, offset, zone, text, fmt)


def _compile(fmt: str) -> tuple[str, list[tuple[str, Callable[[str], int]]]]:
    parts: list[str] = []
    fields: list[tuple[str, Callable[[str], int]]] = []
    for literal, token in split_format(fmt):
        if not literal and token in _TOKENS:
            regex, field, convert = _TOKENS[token]
            parts.append(f"({regex})")
            fields.append((field, convert))
        elif not literal and token in ("Z", "ZZ", "ZZZ"):
            parts.append(f"({_OFFSET})")
            fields.append(("offset", int))
        else:
            parts.append(re.escape(token))
    return "".join(parts), fields


def _build(values: dict[str, int], offset: str | None, zone: dt.tzinfo, text: str, fmt: str) -> dt.datetime:
    utc = dt.UTC
    if "epoch_millis" in values:
        return dt.datetime(1970, 1, 1, tzinfo=utc) + dt.timedelta(milliseconds=values["epoch_millis"])
    if "epoch_seconds" in values:
        return dt.datetime(1970, 1, 1, tzinfo=utc) + dt.timedelta(seconds=values["epoch_seconds"])
    hour = values.get("hour", 0)
    if "hour12" in values:
        hour = values["hour12"] % 12 + 12 * values.get("meridiem", 0)
    tzinfo = _offset_zone(offset) if offset else zone
    try:
        return dt.datetime(
            values.get("year", dt.datetime.now(utc).year), values.get("month", 1), values.get("day", 1),
            hour, values.get("minute", 0), values.get("second", 0), values.get("millisecond", 0) * 1000,
            tzinfo=tzinfo,
        )
    except ValueError as error:
        raise NodeOperationError("Invalid date format",
                                 description=f"the input \"{text}\" can't be parsed as format {fmt}: {error}") from None


def _offset_zone(offset: str) -> dt.tzinfo:
    if offset.upper() == "Z":
        return dt.UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours = int(digits[:-2] or 0) if len(digits) > 2 else int(digits)
    minutes = int(digits[-2:]) if len(digits) > 2 else 0
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
