"""The legacy condition model of IF v1 and Filter v1.

Conditions are grouped by data type: `conditions.{boolean|dateTime|number|string}[]`, each
`{value1, operation, value2}`. They are checked in that type order and combined with "all"
(every condition) or "any" (at least one), stopping at the first decisive result. Values are
compared with JavaScript rules, exactly as n8n's v1 nodes do (`===`, `(a || 0) < (b || 0)` ...).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import NodeOperationError
from engine.node_api import Group, Option, Parameter

from . import conditions_js as js

DATA_TYPES = ("boolean", "dateTime", "number", "string")
DEFAULTS: dict[str, dict[str, Any]] = {
    "boolean": {"value1": False, "operation": "equal", "value2": False},
    "dateTime": {"value1": "", "operation": "after", "value2": ""},
    "number": {"value1": 0, "operation": "smaller", "value2": 0},
    "string": {"value1": "", "operation": "equal", "value2": ""},
}


def evaluate_legacy(conditions: Any, combine: str, *, timezone: str | dt.tzinfo | None = "UTC") -> bool:
    """Whether an item passes v1 conditions; `combine` is "all" or "any" (anything else: fails
    unless a condition decides). Raises NodeOperationError for invalid dates, unknown
    operations, invalid regexes and string operations on non-strings (JS TypeErrors)."""
    zone = js.zone_named(timezone)
    groups = conditions if isinstance(conditions, Mapping) else {}
    for data_type in DATA_TYPES:
        entries = groups.get(data_type)
        for raw in entries if isinstance(entries, list) else []:
            condition = {**DEFAULTS[data_type], **(raw if isinstance(raw, Mapping) else {})}
            value1, value2 = condition["value1"], condition["value2"]
            if data_type == "dateTime":
                value1, value2 = date_millis(value1, zone), date_millis(value2, zone)
            result = compare_legacy(str(condition["operation"]), value1, value2)
            if result and combine == "any":
                return True
            if not result and combine == "all":
                return False
    return combine == "all"


def date_millis(value: Any, zone: dt.tzinfo) -> float:
    """v1's convertDateTime: strings via JS `new Date(s)`, numbers as they are, dates as epoch ms."""
    millis: float | None = None
    if isinstance(value, str):
        parsed = js.parse_date_string(value, zone, date_only_utc=True)
        millis = js.epoch_millis(parsed) if parsed else None
    elif js.is_number(value):
        millis = value
    elif isinstance(value, dt.datetime):
        millis = js.epoch_millis(value if value.tzinfo else value.replace(tzinfo=zone))
    if millis is None or math.isnan(millis):
        raise NodeOperationError(f'The value "{js.to_string(value)}" is not a valid DateTime.')
    return millis


def _string_method(method: str, value1: Any, value2: Any) -> bool:
    """`(value1 as string)[method](value2)`, raising what JS would raise for a non-string."""
    if value1 is None:
        raise NodeOperationError(f"Cannot read properties of null (reading '{method}')")
    if not isinstance(value1, str):
        raise NodeOperationError(f"value1.{method} is not a function")
    needle = js.to_string(value2)
    return value1.startswith(needle) if method == "startsWith" else value1.endswith(needle)


def _is_empty(value: Any) -> bool:
    if value is None or value == "" or js.is_nan(value):
        return True
    return isinstance(value, dict | list) and len(value) == 0


def _regex(value1: Any, value2: Any) -> bool:
    return js.regex_test(js.to_string(js.js_or(value2, "")), js.to_string(js.js_or(value1, "")))


def _text(value: Any) -> str:
    return js.to_string(js.js_or(value, ""))


_OPERATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "after": lambda a, b: js.compare(js.js_or(a, 0), js.js_or(b, 0), ">"),
    "before": lambda a, b: js.compare(js.js_or(a, 0), js.js_or(b, 0), "<"),
    "larger": lambda a, b: js.compare(js.js_or(a, 0), js.js_or(b, 0), ">"),
    "largerEqual": lambda a, b: js.compare(js.js_or(a, 0), js.js_or(b, 0), ">="),
    "smaller": lambda a, b: js.compare(js.js_or(a, 0), js.js_or(b, 0), "<"),
    "smallerEqual": lambda a, b: js.compare(js.js_or(a, 0), js.js_or(b, 0), "<="),
    "contains": lambda a, b: _text(b) in _text(a),
    "notContains": lambda a, b: _text(b) not in _text(a),
    "startsWith": lambda a, b: _string_method("startsWith", a, b),
    "notStartsWith": lambda a, b: not _string_method("startsWith", a, b),
    "endsWith": lambda a, b: _string_method("endsWith", a, b),
    "notEndsWith": lambda a, b: not _string_method("endsWith", a, b),
    "equal": js.strict_equal,
    "notEqual": lambda a, b: not js.strict_equal(a, b),
    "isEmpty": lambda a, b: _is_empty(a),
    "isNotEmpty": lambda a, b: not _is_empty(a),
    "regex": _regex,
    "notRegex": lambda a, b: not _regex(a, b),
}


def compare_legacy(operation: str, value1: Any, value2: Any) -> bool:
    """One v1 comparison. Raises NodeOperationError for an unknown operation."""
    function = _OPERATIONS.get(operation)
    if function is None:
        raise NodeOperationError(f"Unknown comparison operation '{operation}'")
    return function(value1, value2)


# --- the v1 parameter form, shared by IF v1 and Filter v1 ------------------------------------


def _operation(default: str, *choices: tuple[str, str]) -> Parameter:
    return Parameter(
        "operation",
        "Operation",
        "options",
        default=default,
        options=tuple(Option(name, value) for name, value in choices),
        description="Operation to decide where the data should be mapped to",
    )


_EMPTY_OPS = ("isEmpty", "isNotEmpty")
_NUMBER_OPS = (
    ("Smaller", "smaller"),
    ("Smaller or Equal", "smallerEqual"),
    ("Equal", "equal"),
    ("Not Equal", "notEqual"),
    ("Larger", "larger"),
    ("Larger or Equal", "largerEqual"),
    ("Is Empty", "isEmpty"),
    ("Is Not Empty", "isNotEmpty"),
)
STRING_OPS = (  # also Switch v1/v2's string rules, without the two emptiness checks
    ("Contains", "contains"),
    ("Not Contains", "notContains"),
    ("Ends With", "endsWith"),
    ("Not Ends With", "notEndsWith"),
    ("Equal", "equal"),
    ("Not Equal", "notEqual"),
    ("Regex Match", "regex"),
    ("Regex Not Match", "notRegex"),
    ("Starts With", "startsWith"),
    ("Not Starts With", "notStartsWith"),
    ("Is Empty", "isEmpty"),
    ("Is Not Empty", "isNotEmpty"),
)
_FIRST = "The value to compare with the second one"
_SECOND = "The value to compare with the first one"


def legacy_condition_groups() -> tuple[Group, ...]:
    """The `conditions` fixedCollection groups of IF v1 / Filter v1."""
    return (
        Group(
            "boolean",
            "Boolean",
            (
                Parameter("value1", "Value 1", "boolean", default=False, description=_FIRST),
                _operation("equal", ("Equal", "equal"), ("Not Equal", "notEqual")),
                Parameter("value2", "Value 2", "boolean", default=False, description=_SECOND),
            ),
        ),
        Group(
            "dateTime",
            "Date & Time",
            (
                Parameter("value1", "Value 1", "dateTime", default="", description=_FIRST),
                _operation("after", ("Occurred After", "after"), ("Occurred Before", "before")),
                Parameter("value2", "Value 2", "dateTime", default="", description=_SECOND),
            ),
        ),
        Group(
            "number",
            "Number",
            (
                Parameter("value1", "Value 1", "number", default=0, description=_FIRST),
                _operation("smaller", *_NUMBER_OPS),
                Parameter(
                    "value2",
                    "Value 2",
                    "number",
                    default=0,
                    description=_SECOND,
                    hide={"operation": _EMPTY_OPS},
                ),
            ),
        ),
        Group(
            "string",
            "String",
            (
                Parameter("value1", "Value 1", "string", default="", description=_FIRST),
                _operation("equal", *STRING_OPS),
                Parameter(
                    "value2",
                    "Value 2",
                    "string",
                    default="",
                    description=_SECOND,
                    hide={"operation": (*_EMPTY_OPS, "regex", "notRegex")},
                ),
                Parameter(
                    "value2",
                    "Regex",
                    "string",
                    default="",
                    placeholder="/text/i",
                    description="The regex which has to match",
                    show={"operation": ("regex", "notRegex")},
                ),
            ),
        ),
    )


def legacy_conditions_parameter(show: Mapping[str, tuple[Any, ...]]) -> Parameter:
    return Parameter(
        "conditions",
        "Conditions",
        "fixedCollection",
        default={},
        placeholder="Add Condition",
        description="The type of values to compare",
        groups=legacy_condition_groups(),
        multiple=True,
        show=show,
        type_options={"sortable": True},
    )
