"""Luxon's `DateTime.toFormat` for Python datetimes, in the en-US locale n8n runs with.

A format is split the way Luxon splits it: runs of one repeated letter are tokens, text between
single quotes is literal, and anything Luxon does not know is copied as it is ("/", "-", ":").
Supported: y yy yyyy yyyyyy, M MM MMM MMMM MMMMM, L..LLLLL, d dd, o ooo, q qq, E/c..EEEEE,
H HH h hh m mm s ss S SSS u uu uuu, a, Z ZZ ZZZ ZZZZ ZZZZZ z, W WW kk kkkk, G GG GGGGG, X x,
and the localized macros D DD DDD DDDD t tt T TT f ff F FF.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WHITESPACE = re.compile(r"^\s+$")


def split_format(fmt: str) -> list[tuple[bool, str]]:
    """(is_literal, text) parts of a Luxon format, as Luxon's Formatter.parseFormat splits it."""
    parts: list[tuple[bool, str]] = []
    current, run, quoted = "", "", False
    for char in fmt:
        if char == "'":
            if run:
                parts.append((quoted or bool(_WHITESPACE.match(run)), run))
            current, run, quoted = "", "", not quoted
        elif quoted or char == current:
            run += char
        else:
            if run:
                parts.append((bool(_WHITESPACE.match(run)), run))
            current = run = char
    if run:
        parts.append((quoted or bool(_WHITESPACE.match(run)), run))
    return parts


def to_format(moment: dt.datetime, fmt: str) -> str:
    """`moment` (an aware datetime) formatted with a Luxon format string."""
    return "".join(text if literal else format_token(moment, text) for literal, text in split_format(fmt))


def format_token(moment: dt.datetime, token: str) -> str:
    """One Luxon token; an unknown token comes back unchanged (Luxon does the same)."""
    simple = _SIMPLE.get(token)
    if simple is not None:
        return simple(moment)
    macro = _MACROS.get(token)
    if macro is not None:
        return to_format(moment, macro)
    return token


def offset_text(moment: dt.datetime, style: str) -> str:
    """The UTC offset: "narrow" (+5, +5:30), "short" (+05:00) or "techie" (+0500)."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    if style == "narrow":
        return f"{sign}{hours}" + (f":{mins:02d}" if mins else "")
    if style == "techie":
        return f"{sign}{hours:02d}{mins:02d}"
    return f"{sign}{hours:02d}:{mins:02d}"


def zone_name(moment: dt.datetime) -> str:
    """The IANA name of the datetime's zone ("UTC" for a fixed zero offset)."""
    key = getattr(moment.tzinfo, "key", None)
    if key:
        return str(key)
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    return "UTC" + offset_text(moment, "narrow")


def zone_abbreviation(moment: dt.datetime) -> str:
    name = moment.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = offset_text(moment, "narrow")
    return "GMT" if offset == "+0" else "GMT" + offset


def _hour12(moment: dt.datetime) -> int:
    return moment.hour % 12 or 12


def _year(value: int, width: int) -> str:
    sign = "-" if value < 0 else ""
    return sign + str(abs(value)).zfill(width)


def epoch_ms(moment: dt.datetime) -> int:
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


_SIMPLE = {
    "S": lambda m: str(m.microsecond // 1000),
    "SSS": lambda m: f"{m.microsecond // 1000:03d}",
    "u": lambda m: f"{m.microsecond // 1000:03d}",
    "uu": lambda m: f"{m.microsecond // 10000:02d}",
    "uuu": lambda m: str(m.microsecond // 100000),
    "s": lambda m: str(m.second),
    "ss": lambda m: f"{m.second:02d}",
    "m": lambda m: str(m.minute),
    "mm": lambda m: f"{m.minute:02d}",
    "h": lambda m: str(_hour12(m)),
    "hh": lambda m: f"{_hour12(m):02d}",
    "H": lambda m: str(m.hour),
    "HH": lambda m: f"{m.hour:02d}",
    "Z": lambda m: offset_text(m, "narrow"),
    "ZZ": lambda m: offset_text(m, "short"),
    "ZZZ": lambda m: offset_text(m, "techie"),
    "ZZZZ": zone_abbreviation,
    "ZZZZZ": zone_name,
    "z": zone_name,
    "a": lambda m: "AM" if m.hour < 12 else "PM",
    "d": lambda m: str(m.day),
    "dd": lambda m: f"{m.day:02d}",
    "c": lambda m: str(m.isoweekday()),
    "E": lambda m: str(m.isoweekday()),
    "ccc": lambda m: WEEKDAYS[m.weekday()][:3],
    "EEE": lambda m: WEEKDAYS[m.weekday()][:3],
    "cccc": lambda m: WEEKDAYS[m.weekday()],
    "EEEE": lambda m: WEEKDAYS[m.weekday()],
    "ccccc": lambda m: WEEKDAYS[m.weekday()][0],
    "EEEEE": lambda m: WEEKDAYS[m.weekday()][0],
    "L": lambda m: str(m.month),
    "M": lambda m: str(m.month),
    "LL": lambda m: f"{m.month:02d}",
    "MM": lambda m: f"{m.month:02d}",
    "LLL": lambda m: MONTHS[m.month - 1][:3],
    "MMM": lambda m: MONTHS[m.month - 1][:3],
    "LLLL": lambda m: MONTHS[m.month - 1],
    "MMMM": lambda m: MONTHS[m.month - 1],
    "LLLLL": lambda m: MONTHS[m.month - 1][0],
    "MMMMM": lambda m: MONTHS[m.month - 1][0],
    "y": lambda m: str(m.year),
    "yy": lambda m: f"{m.year % 100:02d}",
    "yyyy": lambda m: _year(m.year, 4),
    "yyyyyy": lambda m: _year(m.year, 6),
    "G": lambda m: "AD",
    "GG": lambda m: "Anno Domini",
    "GGGGG": lambda m: "A",
    "kk": lambda m: f"{m.isocalendar()[0] % 100:02d}",
    "kkkk": lambda m: _year(m.isocalendar()[0], 4),
    "W": lambda m: str(m.isocalendar()[1]),
    "WW": lambda m: f"{m.isocalendar()[1]:02d}",
    "o": lambda m: str(m.timetuple().tm_yday),
    "ooo": lambda m: f"{m.timetuple().tm_yday:03d}",
    "q": lambda m: str((m.month - 1) // 3 + 1),
    "qq": lambda m: f"{(m.month - 1) // 3 + 1:02d}",
    "X": lambda m: str(epoch_ms(m) // 1000),
    "x": lambda m: str(epoch_ms(m)),
}

# Luxon's localized macros, spelled out for en-US.
_MACROS = {
    "D": "M/d/yyyy",
    "DD": "MMM d, yyyy",
    "DDD": "MMMM d, yyyy",
    "DDDD": "EEEE, MMMM d, yyyy",
    "t": "h:mm a",
    "tt": "h:mm:ss a",
    "T": "HH:mm",
    "TT": "HH:mm:ss",
    "f": "M/d/yyyy, h:mm a",
    "ff": "MMM d, yyyy, h:mm a",
    "F": "M/d/yyyy, h:mm:ss a",
    "FF": "MMM d, yyyy, h:mm:ss a",
}


def to_iso(moment: dt.datetime) -> str:
    """Luxon's `toISO()`/`toString()`: milliseconds and offset; "Z" only for a fixed UTC zone."""
    base = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}"
    if is_fixed_utc(moment):
        return base + "Z"
    return base + offset_text(moment, "short")


def is_fixed_utc(moment: dt.datetime) -> bool:
    """Whether Luxon would treat the zone as its fixed-offset UTC (named "UTC"/"GMT" or an offset)."""
    key = getattr(moment.tzinfo, "key", None)
    if key is None:
        return not moment.utcoffset()
    return bool(_FIXED_UTC_NAMES.match(str(key)))


# Luxon turns "UTC", "GMT" and "Etc/GMT+0"-style names into its fixed-offset zone.
_FIXED_UTC_NAMES = re.compile(r"^(utc|gmt|etc/gmt[+-]?0)$", re.IGNORECASE)
