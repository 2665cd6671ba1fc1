"""moment.js formats (Date & Time v1): `format(pattern)` and strict-enough parsing with a
pattern, en locale. Text in [brackets] is literal; unknown characters are copied."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from engine.errors import NodeOperationError

from .luxon_format import MONTHS, WEEKDAYS, epoch_ms, offset_text, zone_abbreviation

_LOCAL = {"LTS": "h:mm:ss A", "LT": "h:mm A", "LLLL": "dddd, MMMM D, YYYY h:mm A",
          "LLL": "MMMM D, YYYY h:mm A", "LL": "MMMM D, YYYY", "L": "MM/DD/YYYY",
          "llll": "ddd, MMM D, YYYY h:mm A", "lll": "MMM D, YYYY h:mm A", "ll": "MMM D, YYYY", "l": "M/D/YYYY"}
_LOCAL_TOKENS = re.compile(r"(\[[^\[]*\])|(LTS|LT|LL?L?L?|l{1,4})")
_TOKENS = re.compile(
    r"\[[^\[]*\]|(Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|YYYYYY|YYYYY|YYYY|YY|"
    r"gg(ggg?)?|GG(GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)"
)
_SUNDAY_FIRST = ("Sunday",) + WEEKDAYS[:6]


def ordinal(number: int) -> str:
    """en ordinal: 1st, 2nd, 3rd, 11th, 22nd."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def _expand_local(fmt: str) -> str:
    return _LOCAL_TOKENS.sub(lambda m: m.group(1) or _LOCAL[m.group(2)], fmt)


def _day0(m: dt.datetime) -> int:
    return m.isoweekday() % 7


_FORMATTERS: dict[str, Callable[[dt.datetime], str]] = {
    "M": lambda m: str(m.month), "Mo": lambda m: ordinal(m.month), "MM": lambda m: f"{m.month:02d}",
    "MMM": lambda m: MONTHS[m.month - 1][:3], "MMMM": lambda m: MONTHS[m.month - 1],
    "Q": lambda m: str((m.month - 1) // 3 + 1), "Qo": lambda m: ordinal((m.month - 1) // 3 + 1),
    "D": lambda m: str(m.day), "Do": lambda m: ordinal(m.day), "DD": lambda m: f"{m.day:02d}",
    "DDD": lambda m: str(m.timetuple().tm_yday), "DDDo": lambda m: ordinal(m.timetuple().tm_yday),
    "DDDD": lambda m: f"{m.timetuple().tm_yday:03d}",
    "d": lambda m: str(_day0(m)), "do": lambda m: ordinal(_day0(m)), "dd": lambda m: _SUNDAY_FIRST[_day0(m)][:2],
    "ddd": lambda m: _SUNDAY_FIRST[_day0(m)][:3], "dddd": lambda m: _SUNDAY_FIRST[_day0(m)],
    "e": lambda m: str(_day0(m)), "E": lambda m: str(m.isoweekday()),
    "W": lambda m: str(m.isocalendar()[1]), "WW": lambda m: f"{m.isocalendar()[1]:02d}",
    "Wo": lambda m: ordinal(m.isocalendar()[1]),
    "w": lambda m: str(int(m.strftime("%U")) + (0 if dt.date(m.year, 1, 1).isoweekday() % 7 == 0 else 1)),
    "YYYY": lambda m: f"{m.year:04d}", "YY": lambda m: f"{m.year % 100:02d}", "YYYYY": lambda m: f"{m.year:05d}",
    "YYYYYY": lambda m: f"+{m.year:06d}", "GGGG": lambda m: f"{m.isocalendar()[0]:04d}",
    "GG": lambda m: f"{m.isocalendar()[0] % 100:02d}",
    "A": lambda m: "AM" if m.hour < 12 else "PM", "a": lambda m: "am" if m.hour < 12 else "pm",
    "H": lambda m: str(m.hour), "HH": lambda m: f"{m.hour:02d}",
    "h": lambda m: str(m.hour % 12 or 12), "hh": lambda m: f"{m.hour % 12 or 12:02d}",
    "k": lambda m: str(m.hour or 24), "kk": lambda m: f"{m.hour or 24:02d}",
    "m": lambda m: str(m.minute), "mm": lambda m: f"{m.minute:02d}",
    "s": lambda m: str(m.second), "ss": lambda m: f"{m.second:02d}",
    "X": lambda m: str(epoch_ms(m) // 1000), "x": lambda m: str(epoch_ms(m)),
    "Z": lambda m: offset_text(m, "short"), "ZZ": lambda m: offset_text(m, "techie"),
    "z": zone_abbreviation, "zz": zone_abbreviation,
}


def moment_format(moment: dt.datetime, fmt: str) -> str:
    """`moment(moment).format(fmt)`."""
    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("[") and text.endswith("]"):
            return text[1:-1]
        if text.startswith("S"):
            return f"{moment.microsecond:06d}".ljust(len(text), "0")[: len(text)]
        formatter = _FORMATTERS.get(text)
        return formatter(moment) if formatter else text

    return _TOKENS.sub(token, _expand_local(fmt))


_PARSE: dict[str, tuple[str, str]] = {
    "YYYY": (r"\d{4}", "year"), "YY": (r"\d{2}", "year2"), "Y": (r"-?\d+", "year"),
    "MMMM": ("|".join(MONTHS), "monthname"), "MMM": ("|".join(n[:3] for n in MONTHS), "monthname"),
    "MM": (r"\d{1,2}", "month"), "M": (r"\d{1,2}", "month"),
    "DD": (r"\d{1,2}", "day"), "D": (r"\d{1,2}", "day"), "Do": (r"\d{1,2}(?:st|nd|rd|th)", "dayo"),
    "HH": (r"\d{1,2}", "hour"), "H": (r"\d{1,2}", "hour"), "hh": (r"\d{1,2}", "hour12"), "h": (r"\d{1,2}", "hour12"),
    "mm": (r"\d{1,2}", "minute"), "m": (r"\d{1,2}", "minute"), "ss": (r"\d{1,2}", "second"), "s": (r"\d{1,2}", "second"),
    "SSS": (r"\d{1,3}", "ms"), "A": (r"AM|PM", "meridiem"), "a": (r"am|pm", "meridiem"),
    "dddd": ("|".join(WEEKDAYS), "ignore"), "ddd": ("|".join(n[:3] for n in WEEKDAYS), "ignore"),
    "X": (r"-?\d+(?:\.\d+)?", "unix"), "x": (r"-?\d+", "unixms"), "Z": (r"Z|[+-]\d{2}:?\d{2}", "offset"),
    "ZZ": (r"Z|[+-]\d{2}:?\d{2}", "offset"),
}


def moment_parse(text: str, fmt: str, zone: dt.tzinfo) -> dt.datetime:
    """`moment.tz(text, fmt, zone)` (forgiving like moment: separators may differ, the match is
    searched from the start). Raises NodeOperationError when the text does not fit."""
    pattern, fields = [], []
    for match in _TOKENS.finditer(_expand_local(fmt)):
        token = match.group(0)
        if token in _PARSE:
            pattern.append(f"({_PARSE[token][0]})")
            fields.append(_PARSE[token][1])
        elif token.startswith("["):
            pattern.append(re.escape(token[1:-1]))
        elif token.isalnum():
            pattern.append(re.escape(token))
        else:
            pattern.append(r"[^\w]?")
    found = re.match("".join(pattern), text.strip(), flags=re.IGNORECASE)
    if found is None:
        raise NodeOperationError(f"The date '{text}' does not match the format '{fmt}'")
    return _assemble(dict(zip(fields, found.groups(), strict=True)), zone)


def _assemble(values: dict[str, str], zone: dt.tzinfo) -> dt.datetime:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    if "unixms" in values:
        return epoch + dt.timedelta(milliseconds=int(values["unixms"]))
    if "unix" in values:
        return epoch + dt.timedelta(seconds=float(values["unix"]))
    year = int(values["year"]) if "year" in values else dt.datetime.now(dt.UTC).year
    if "year2" in values:
        short = int(values["year2"])
        year = 2000 + short if short <= 68 else 1900 + short
    month = int(values.get("month", "0")) or (
        [n.lower()[: len(values["monthname"])] for n in MONTHS].index(values["monthname"].lower()) + 1
        if "monthname" in values else 1)
    day = int(re.sub(r"\D", "", values.get("dayo", "")) or values.get("day", "1"))
    hour = int(values.get("hour", "0"))
    if "hour12" in values:
        hour = int(values["hour12"]) % 12 + (12 if values.get("meridiem", "").lower() == "pm" else 0)
    tzinfo: dt.tzinfo = zone
    if values.get("offset"):
        offset = values["offset"]
        if offset.upper() == "Z":
            tzinfo = dt.UTC
        else:
            digits = offset[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:])
            tzinfo = dt.timezone(dt.timedelta(minutes=-minutes if offset[0] == "-" else minutes))
    try:
        return dt.datetime(year, month, day, hour, int(values.get("minute", "0")), int(values.get("second", "0")),
                           int(values.get("ms", "0").ljust(3, "0")) * 1000, tzinfo=tzinfo)
    except ValueError as error:
        raise NodeOperationError(f"Invalid date: {error}") from None
