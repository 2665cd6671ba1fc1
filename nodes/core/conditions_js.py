"""JavaScript value semantics that n8n's condition engines depend on.

n8n compares values with JS rules (`typeof`, truthiness, `Number(x)`, `String(x)`, `===`, `<` on
mixed types, `new Date(s)`, `RegExp`). Workflows must route items the same way here, so these
helpers reproduce those rules for JSON-like Python values. `None` plays JS `null`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import NodeOperationError

NAN = float("nan")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_RADIX = {"x": 16, "o": 8, "b": 2}
_RADIX_LITERAL = re.compile(r"0([xXoObB])([0-9a-fA-F]+)")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_nan(value: Any) -> bool:
    """JS `Number.isNaN`: true only for the number NaN."""
    return isinstance(value, float) and math.isnan(value)


def typeof(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"  # null, arrays, objects, dates


def truthy(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if is_number(value):
        return not (value == 0 or is_nan(value))
    if isinstance(value, str):
        return value != ""
    return True  # objects and arrays, even empty ones


def js_or(value: Any, fallback: Any) -> Any:
    """JS `value || fallback`."""
    return value if truthy(value) else fallback


def number_to_string(number: float) -> str:
    """JS `Number.prototype.toString()` for finite and special values."""
    if isinstance(number, int):
        return str(number)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    digits_tuple, exponent = Decimal(repr(abs(number))).normalize().as_tuple()[1:]
    digits = "".join(map(str, digits_tuple))
    point = len(digits) + int(exponent)  # position of the decimal point
    if len(digits) <= point <= 21:
        text = digits + "0" * (point - len(digits))
    elif 0 < point <= 21:
        text = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        text = f"{mantissa}e{'+' if point - 1 >= 0 else '-'}{abs(point - 1)}"
    return sign + text


def to_string(value: Any) -> str:
    """JS `String(value)`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_to_string(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join("" if v is None else to_string(v) for v in value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return "[object Object]"


def json_stringify(value: Any) -> str:
    """JS `JSON.stringify(value)` (compact; numbers written as JS writes them)."""
    if value is None or (is_number(value) and not math.isfinite(value)):
        return "null"
    if isinstance(value, bool) or is_number(value):
        return to_string(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime | dt.date):
        return json.dumps(value.isoformat())
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_stringify(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(str(k), ensure_ascii=False)}:{json_stringify(v)}" for k, v in value.items()
            )
            + "}"
        )
    return json.dumps(str(value))


def to_number(value: Any) -> float:
    """JS `Number(value)`; NaN when JS would give NaN."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if is_number(value):
        return value
    if isinstance(value, str):
        return _string_to_number(value)
    if isinstance(value, list):
        return _string_to_number(to_string(value))
    if isinstance(value, dt.datetime):
        return epoch_millis(value)
    return NAN


def _string_to_number(text: str) -> float:
    text = text.strip().strip("\ufeff").strip()
    if not text:
        return 0
    if _DECIMAL.fullmatch(text):
        return float(text.replace("Infinity", "inf"))
    radix = _RADIX_LITERAL.fullmatch(text)
    if radix:
        try:
            return float(int(radix.group(2), _RADIX[radix.group(1).lower()]))
        except ValueError:
            return NAN
    return NAN


def strict_equal(left: Any, right: Any) -> bool:
    """JS `left === right` (containers compare by identity, as JS objects do)."""
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if left is None or right is None:
        return left is right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return left is right


def same_value_zero(left: Any, right: Any) -> bool:
    """JS `Array.prototype.includes` equality: `===` except NaN equals NaN."""
    return (is_nan(left) and is_nan(right)) or strict_equal(left, right)


def _to_primitive(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return epoch_millis(value)
    if isinstance(value, list | dict):
        return to_string(value)
    return value


_RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compare(left: Any, right: Any, relation: str) -> bool:
    """JS relational comparison (`<`, `<=`, `>`, `>=`) between any two values."""
    left, right = _to_primitive(left), _to_primitive(right)
    if not (isinstance(left, str) and isinstance(right, str)):
        left, right = to_number(left), to_number(right)
        if is_nan(left) or is_nan(right):
            return False
    return _RELATIONS[relation](left, right)


def epoch_millis(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(milliseconds=1)


# --- regular expressions -------------------------------------------------------------------

_SLASHED = re.compile(r"/(.*?)/([gimusy]*)\Z")
_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def regex_test(pattern: str, text: str, *, ignore_case: bool = False, slashed: bool = True) -> bool:
    """JS `new RegExp(...).test(text)`; `pattern` may be `/body/flags` when `slashed`.

    Raises NodeOperationError for a pattern JS would reject."""
    body, flags = pattern, ""
    match = _SLASHED.match(pattern) if slashed else None
    if match:
        body, flags = match.group(1), match.group(2)
    if ignore_case and "i" not in flags:
        flags += "i"
    re_flags = 0
    for flag, value in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL)):
        if flag in flags:
            re_flags |= value
    try:
        compiled = re.compile(_NAMED_GROUP.sub("(?P<", body), re_flags)
    except re.error as error:
        raise NodeOperationError(f"Invalid regular expression: /{body}/{flags}: {error}") from None
    found = compiled.match(text) if "y" in flags else compiled.search(text)
    return found is not None


# --- dates ---------------------------------------------------------------------------------

_YEAR_MONTH = re.compile(r"([+-]\d{6}|\d{4})(?:-(\d{2}))?")
_ISO_DATE_ONLY = re.compile(r"[+-]?\d{4,6}(?:-\d{2}(?:-\d{2})?)?")
_LEGACY_FORMATS = (
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%b %d %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d %Y %H:%M:%S",
    "%b %d, %Y %H:%M:%S",
    "%d %b %Y %H:%M:%S",
    "%B %d, %Y %H:%M:%S",
)  # a few of the non-ISO forms V8's Date.parse accepts (read in local time)


def zone_named(name: str | dt.tzinfo | None) -> dt.tzinfo:
    if isinstance(name, dt.tzinfo):
        return name
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def parse_date_string(text: str, zone: dt.tzinfo, *, date_only_utc: bool = False) -> dt.datetime | None:
    """Parse ISO 8601, RFC 2822/HTTP, SQL and a few legacy forms; naive times are in `zone`.

    `date_only_utc` applies JS `new Date("2023-10-21")` semantics (date-only ISO means UTC)."""
    text = text.strip()
    if not text:
        return None
    if date_only_utc and _ISO_DATE_ONLY.fullmatch(text):
        zone = dt.UTC
    parsed = _parse_iso(text) or _parse_rfc2822(text) or _parse_legacy(text)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _parse_iso(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    partial = _YEAR_MONTH.fullmatch(text)
    if partial:
        try:
            return dt.datetime(int(partial.group(1)), int(partial.group(2) or 1), 1)
        except ValueError:
            return None
    return None


def _parse_rfc2822(text: str) -> dt.datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_legacy(text: str) -> dt.datetime | None:
    for pattern in _LEGACY_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def to_datetime(value: Any, zone: dt.tzinfo) -> dt.datetime | None:
    """A timezone-aware instant from a datetime, date, date string or epoch milliseconds."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone)
    if is_number(value):
        if not math.isfinite(value):
            return None
        try:
            return EPOCH + dt.timedelta(milliseconds=value)
        except OverflowError:
            return None
    if isinstance(value, str):
        return parse_date_string(value, zone)
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """JS `JSON.parse(text)` (no NaN/Infinity). Raises ValueError."""
    return json.loads(text, parse_constant=_reject_constant)


def parse_json_lenient(text: str) -> Any:
    """n8n's `jsonParse(text, {acceptJSObject: true})`: JSON, or a JS object literal with bare
    keys / single quotes. Raises ValueError when neither parses."""
    try:
        return parse_json(text)
    except ValueError:
        pass
    return parse_json(re.sub(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', text.replace("'", '"')))
