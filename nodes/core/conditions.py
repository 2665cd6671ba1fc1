"""n8n's filter engine: the `filter` parameter type used by IF v2+, Filter v2+ and Switch v3.

A filter value, with expressions already resolved, looks like

    {"options": {"caseSensitive": true, "typeValidation": "strict" | "loose", "version": 1 | 2},
     "conditions": [{"id", "leftValue", "rightValue",
                     "operator": {"type", "operation", "singleValue"?, "rightType"?}}],
     "combinator": "and" | "or"}

Each side is first converted to the operator's type (strictly, or loosely when typeValidation is
"loose"), then compared. Conversion failures raise `FilterTypeError` with n8n's wording.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import NodeOperationError

from . import conditions_js as js

ENABLE_LESS_STRICT_TYPE_VALIDATION = (
    "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'."
)
LOOSE_TYPE_DESCRIPTION = "Try changing the type of the comparison."
DEFAULT_OPERATOR = {"type": "string", "operation": "equals"}
_INVALID = object()  # a side that could not be converted to the operator's type


class FilterTypeError(NodeOperationError):
    """A condition's value has the wrong type (strict mode) or cannot be converted (loose mode)."""


@dataclass(frozen=True)
class FilterOptions:
    """How conditions compare: case sensitivity, strict typing and the filter version (1-3)."""

    case_sensitive: bool = True
    strict: bool = True
    version: int = 1

    @classmethod
    def from_value(cls, options: Mapping[str, Any]) -> FilterOptions:
        """Read the stored `options` exactly as n8n does (absent keys: ignore case, loose, v1)."""
        version: Any = options.get("version")
        return cls(
            case_sensitive=js.truthy(options.get("caseSensitive")),
            strict=options.get("typeValidation") == "strict",
            version=int(version) if js.is_number(version) else 1,
        )


def evaluate_filter(
    value: Any,
    item_index: int = 0,
    *,
    fallback: FilterOptions | None = None,
    timezone: str | dt.tzinfo | None = "UTC",
) -> bool:
    """Whether one item passes a resolved filter value.

    The value's own `options` rule (the editor stores them there); `fallback` (usually built from
    the node's parameters) is used only when the value has no `options` at all. A value that is not
    a filter (no `conditions` list) passes when it is truthy, as in n8n. Raises FilterTypeError for
    type problems and NodeOperationError for an invalid regex; never mutates `value`."""
    if not isinstance(value, Mapping) or not isinstance(value.get("conditions"), list):
        return js.truthy(value)
    stored = value.get("options")
    options = FilterOptions.from_value(stored) if isinstance(stored, Mapping) else fallback or FilterOptions()
    zone = js.zone_named(timezone)
    conditions = value["conditions"]

    def passes(index: int) -> bool:
        return evaluate_condition(conditions[index], options, index=index, item_index=item_index, zone=zone)

    combinator = value.get("combinator", "and")
    if combinator == "and":
        return all(passes(index) for index in range(len(conditions)))
    if combinator == "or":
        return any(passes(index) for index in range(len(conditions)))
    return False  # n8n logs "Unknown filter combinator" and fails the item


def evaluate_condition(
    condition: Mapping[str, Any],
    options: FilterOptions,
    *,
    index: int = 0,
    item_index: int = 0,
    zone: dt.tzinfo = dt.UTC,
) -> bool:
    """Evaluate one condition. Raises FilterTypeError when a side cannot be typed."""
    operator = condition.get("operator") or DEFAULT_OPERATOR
    kind, operation = operator.get("type", "string"), operator.get("operation", "equals")
    left, right = _typed_sides(condition, operator, options, f"[condition {index}, item {item_index}]", zone)
    exists = left is not None and not js.is_nan(left)
    if operation == "exists":
        return exists
    if operation == "notExists":
        return not exists
    ignore_case = not options.case_sensitive
    handler = _HANDLERS.get(kind)
    return bool(handler(operation, left, right, ignore_case, exists)) if handler else False


# --- typing each side ------------------------------------------------------------------------


def _typed_sides(
    condition: Mapping[str, Any],
    operator: Mapping[str, Any],
    options: FilterOptions,
    where: str,
    zone: dt.tzinfo,
) -> tuple[Any, Any]:
    kind = operator.get("type", "string")
    right_kind = operator.get("rightType") or kind
    raw_left, raw_right = condition.get("leftValue"), condition.get("rightValue")
    left = convert(raw_left, kind, strict=options.strict, version=options.version, zone=zone)
    right = convert(raw_right, right_kind, strict=options.strict, version=options.version, zone=zone)
    left_ok = left is not _INVALID
    right_ok = right is not _INVALID or bool(operator.get("singleValue"))
    if not left_ok and not right_ok and js.typeof(raw_left) == js.typeof(raw_right):
        raise FilterTypeError(
            f"Comparison type expects {_article(kind)} but both fields are {_article(js.typeof(raw_left))}",
            description=_general_description(options.strict),
        )
    if not left_ok:
        raise _wrong_type(raw_left, kind, "first", options.strict, where)
    if not right_ok:
        raise _wrong_type(raw_right, right_kind, "second", options.strict, where)
    return left, (None if right is _INVALID else right)


def convert(value: Any, kind: str, *, strict: bool, version: int = 1, zone: dt.tzinfo = dt.UTC) -> Any:
    """One side converted to the operator type, or `_INVALID` (n8n's parseSingleFilterValue)."""
    if kind == "any" or value is None:
        return value
    if kind == "boolean" and not strict:
        if version >= 2:
            parsed = _to_boolean(value)
            if parsed is not _INVALID:
                return parsed
        return js.truthy(value)
    if kind == "number":
        if js.is_nan(value):
            return value
        if version >= 3 and ((isinstance(value, str) and not value.strip()) or value == []):
            return None
    converter = _CONVERTERS.get(kind)
    return converter(value, strict, zone) if converter else value


def _to_string(value: Any, strict: bool, zone: dt.tzinfo) -> Any:
    if strict and not isinstance(value, str):
        return _INVALID
    if isinstance(value, str):
        return value
    return js.json_stringify(value) if js.typeof(value) == "object" else js.to_string(value)


def _to_number(value: Any, strict: bool, zone: dt.tzinfo) -> Any:
    if strict and not js.is_number(value):
        return _INVALID
    number = js.to_number(value)
    return _INVALID if js.is_nan(number) else number


def _to_boolean(value: Any, strict: bool = False, zone: dt.tzinfo = dt.UTC) -> Any:
    if isinstance(value, bool):
        return value
    if strict:
        return _INVALID
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not (isinstance(value, str) and not value.strip()):
        number = js.to_number(value)
        if number in (0, 1):
            return number == 1
    return _INVALID


def _to_datetime(value: Any, strict: bool, zone: dt.tzinfo) -> Any:
    parsed = js.to_datetime(value, zone)  # n8n parses dates the same in strict and loose mode
    return _INVALID if parsed is None else parsed


def _to_object(value: Any, strict: bool, zone: dt.tzinfo) -> Any:
    if strict and js.typeof(value) != "object":
        return _INVALID
    if isinstance(value, dict | dt.datetime):
        return value
    try:
        parsed = js.parse_json_lenient(js.to_string(value))
    except ValueError:
        return _INVALID
    return parsed if isinstance(parsed, dict) else _INVALID


def _to_array(value: Any, strict: bool, zone: dt.tzinfo) -> Any:
    if isinstance(value, list):
        return value
    if strict:
        return _INVALID
    text = js.to_string(value)
    for candidate in (text, text.replace("'", '"')):
        try:
            parsed = js.parse_json(candidate)
        except ValueError:
            continue
        return parsed if isinstance(parsed, list) else _INVALID
    return _INVALID


_CONVERTERS: dict[str, Callable[[Any, bool, dt.tzinfo], Any]] = {
    "string": _to_string,
    "number": _to_number,
    "boolean": _to_boolean,
    "dateTime": _to_datetime,
    "object": _to_object,
    "array": _to_array,
}


# --- error messages (n8n's wording) ----------------------------------------------------------


def _article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' and noun else 'a'} {noun}"


def _general_description(strict: bool) -> str:
    return ENABLE_LESS_STRICT_TYPE_VALIDATION if strict else LOOSE_TYPE_DESCRIPTION


def _wrong_type(raw: Any, kind: str, position: str, strict: bool, where: str) -> FilterTypeError:
    from_type, shown = js.typeof(raw), js.to_string(raw)
    if strict:
        message = f"Wrong type: '{shown}' is {_article(from_type)} but was expecting {_article(kind)} {where}"
    else:
        message = (
            f"Conversion error: the {from_type} '{shown}' can't be converted to {_article(kind)} {where}"
        )
    suggestion = {"string": ".toString()", "number": ".toNumber()", "boolean": ".toBoolean()"}.get(kind)
    if strict and suggestion:
        description = (
            "\n<p>Try either:</p>\n<ol>\n  <li>Enabling 'Convert types where required'</li>\n"
            f"  <li>Converting the {position} field to {_article(kind)} by adding <code>{suggestion}</code></li>\n"
            "</ol>\n\t\t\t"
        )
    else:
        description = _general_description(strict)
    return FilterTypeError(message, description=description)


# --- operators by type -----------------------------------------------------------------------


def _string_op(operation: str, left: Any, right: Any, ignore_case: bool, exists: bool) -> bool:
    regex = operation in ("regex", "notRegex")
    left_text = left if isinstance(left, str) else ""
    right_text = right if isinstance(right, str) else ""
    if ignore_case and not regex:
        left_text, right_text = left_text.lower(), right_text.lower()
    checks: dict[str, Callable[[], bool]] = {
        "empty": lambda: left_text == "",
        "notEmpty": lambda: left_text != "",
        "equals": lambda: left_text == right_text,
        "notEquals": lambda: left_text != right_text,
        "contains": lambda: right_text in left_text,
        "notContains": lambda: right_text not in left_text,
        "startsWith": lambda: left_text.startswith(right_text),
        "notStartsWith": lambda: not left_text.startswith(right_text),
        "endsWith": lambda: left_text.endswith(right_text),
        "notEndsWith": lambda: not left_text.endswith(right_text),
        "regex": lambda: js.regex_test(right_text, left_text, ignore_case=ignore_case),
        "notRegex": lambda: not js.regex_test(right_text, left_text, ignore_case=ignore_case),
    }
    check = checks.get(operation)
    return check() if check else False


def _number_op(operation: str, left: Any, right: Any, ignore_case: bool, exists: bool) -> bool:
    if operation in ("empty", "notEmpty"):
        return exists == (operation == "notEmpty")
    if operation in ("equals", "notEquals"):
        return js.strict_equal(left, right) == (operation == "equals")
    symbol = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<="}.get(operation)
    return js.compare(left, right, symbol) if symbol else False


def _datetime_op(operation: str, left: Any, right: Any, ignore_case: bool, exists: bool) -> bool:
    if operation in ("empty", "notEmpty"):
        return exists == (operation == "notEmpty")
    if left is None or right is None:
        return False
    a, b = js.epoch_millis(left), js.epoch_millis(right)
    checks = {
        "equals": a == b,
        "notEquals": a != b,
        "after": a > b,
        "before": a < b,
        "afterOrEquals": a >= b,
        "beforeOrEquals": a <= b,
    }
    return checks.get(operation, False)


def _boolean_op(operation: str, left: Any, right: Any, ignore_case: bool, exists: bool) -> bool:
    checks = {
        "empty": not exists,
        "notEmpty": exists,
        "true": js.truthy(left),
        "false": not js.truthy(left),
        "equals": js.strict_equal(left, right),
        "notEquals": not js.strict_equal(left, right),
    }
    return checks.get(operation, False)


def array_contains(array: list[Any], value: Any, ignore_case: bool) -> bool:
    """n8n's arrayContainsValue: JS `includes`, or a case-insensitive match for string values."""
    if ignore_case and isinstance(value, str):
        return any(isinstance(entry, str) and entry.lower() == value.lower() for entry in array)
    return any(js.same_value_zero(entry, value) for entry in array)


def _array_op(operation: str, left: Any, right: Any, ignore_case: bool, exists: bool) -> bool:
    items = left if isinstance(left, list) else []
    if operation in ("contains", "notContains"):
        return array_contains(items, right, ignore_case) == (operation == "contains")
    if operation in ("empty", "notEmpty"):
        return (len(items) == 0) == (operation == "empty")
    if operation in ("lengthEquals", "lengthNotEquals"):
        return js.strict_equal(len(items), right) == (operation == "lengthEquals")
    symbol = {"lengthGt": ">", "lengthLt": "<", "lengthGte": ">=", "lengthLte": "<="}.get(operation)
    return js.compare(len(items), right, symbol) if symbol else False


def _object_op(operation: str, left: Any, right: Any, ignore_case: bool, exists: bool) -> bool:
    empty = not js.truthy(left) or (isinstance(left, dict | list) and len(left) == 0)
    if operation == "empty":
        return empty
    if operation == "notEmpty":
        return not empty
    return False


_HANDLERS: dict[str, Callable[[str, Any, Any, bool, bool], bool]] = {
    "string": _string_op,
    "number": _number_op,
    "dateTime": _datetime_op,
    "boolean": _boolean_op,
    "array": _array_op,
    "object": _object_op,
}
