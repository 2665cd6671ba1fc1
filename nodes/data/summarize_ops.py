"""Summarize's arithmetic: group items by split fields (one dict lookup per item) and aggregate.

Results follow n8n exactly: output keys `<prefix><field>` with brackets/quotes dropped and spaces
and dots turned into `_`; groups keyed by the JavaScript string of the split value and listed in
JavaScript object-key order (integer-like keys first, ascending).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nodes.core.dot_path import MISSING
from nodes.core.set_convert import js_json, js_string, number_value

from .common import bind, js_key_order, to_number

PREFIXES = {
    "append": "appended_",
    "average": "average_",
    "concatenate": "concatenated_",
    "count": "count_",
    "countUnique": "unique_count_",
    "max": "max_",
    "min": "min_",
    "sum": "sum_",
}
NUMERICAL = ("average", "sum")
_BRACKETS = re.compile(r'[\]\["]')
_SPACES = re.compile(r"[ .]")

Reader = Callable[[dict[str, Any], str], Any]
Row = tuple[int, dict[str, Any]]  # (input item index, json)


@dataclass(frozen=True)
class Aggregation:
    """One entry of `fieldsToSummarize.values`."""

    aggregation: str
    field: str
    include_empty: bool = False
    separator: str = ","

    @classmethod
    def from_parameter(cls, entry: dict[str, Any]) -> Aggregation:
        separate_by = entry.get("separateBy", ",")
        separator = entry.get("customSeparator", ",") if separate_by == "other" else separate_by
        return cls(
            str(entry.get("aggregation") or "count"),
            str(entry.get("field", "") or ""),
            bool(entry.get("includeEmpty")),
            "," if separator is None else js_string(separator),
        )

    @property
    def output_key(self) -> str:
        return f"{PREFIXES.get(self.aggregation, 'count_')}{self.field}"


def is_empty(value: Any) -> bool:
    return value is MISSING or value is None or value == ""


def aggregate(rows: Sequence[Row], entry: Aggregation, read: Reader) -> Any:
    """One aggregation over the rows of one group."""
    get = bind(read, entry.field)
    values = [get(json) for _, json in rows]
    kind = entry.aggregation
    if kind in NUMERICAL:
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        total = sum(numbers)  # sequential, like JavaScript's reduce (fsum would round differently)
        if kind == "sum":
            return total if isinstance(total, int) else number_value(total)
        return number_value(total / len(numbers)) if numbers else None  # NaN is written as null
    if kind in ("append", "concatenate"):
        if not entry.include_empty:
            values = [v for v in values if not is_empty(v)]
        if kind == "append":
            return [None if v is MISSING else v for v in values]
        return entry.separator.join(_concatenated_text(v) for v in values)
    if kind in ("min", "max"):
        return _extreme(values, kind == "max")
    if kind == "countUnique":
        if not entry.include_empty:
            values = [v for v in values if not is_empty(v)]
        return len({_identity(v) for v in values})
    if not entry.include_empty:
        return sum(1 for v in values if not is_empty(v))
    return len(values)


def _concatenated_text(value: Any) -> str:
    if value is MISSING:
        return "undefined"
    if value is None or isinstance(value, (dict, list)):
        return js_json(value)
    return js_string(value)


def _identity(value: Any) -> Any:
    """What JavaScript's Set compares: primitives by value (booleans apart), objects by reference."""
    if isinstance(value, (dict, list)):
        return ("object", id(value))
    if isinstance(value, bool):
        return ("bool", value)
    return value


def _extreme(values: list[Any], largest: bool) -> Any:
    best: Any = MISSING
    for value in values:
        if is_empty(value):
            continue
        if best is MISSING or (_js_less(best, value) if largest else _js_less(value, best)):
            best = value
    return None if best is MISSING else best


def _js_less(left: Any, right: Any) -> bool:
    """JavaScript `left < right` for JSON values."""
    if isinstance(left, str) and isinstance(right, str):
        return left < right
    a = to_number(js_string(left) if isinstance(left, (list, dict)) else left)
    b = to_number(js_string(right) if isinstance(right, (list, dict)) else right)
    return not (math.isnan(a) or math.isnan(b)) and a < b


def parse_result_keys(result: dict[str, Any]) -> dict[str, Any]:
    """n8n's parseReturnData: drop `[`, `]`, `"` from keys, then turn spaces and dots into `_`."""
    for pattern, replacement in ((_BRACKETS, ""), (_SPACES, "_")):
        for key in list(result):
            if pattern.search(key):
                value = result.pop(key)
                result[pattern.sub(replacement, key)] = value
    return result


def parse_field_name(field: str) -> str:
    return _SPACES.sub("_", _BRACKETS.sub("", field))


def aggregate_rows(rows: Sequence[Row], aggregations: Sequence[Aggregation], read: Reader) -> dict[str, Any]:
    result = {entry.output_key: aggregate(rows, entry, read) for entry in aggregations}
    return parse_result_keys(result)


def group_key(value: Any) -> str:
    """The JavaScript object key a split value groups under."""
    if type(value) is str:
        return value
    if value is MISSING:
        return "undefined"
    if value is None or isinstance(value, (dict, list)):
        return js_json(value)
    return js_string(value)


def group_rows(rows: Sequence[Row], field: str, read: Reader, skip_empty: bool) -> dict[str, list[Row]]:
    """Rows per group key, in JavaScript key order. `skip_empty` drops falsy non-number values."""
    groups: dict[str, list[Row]] = {}
    get = bind(read, field)
    for row in rows:
        value = get(row[1])
        if skip_empty and _skippable(value):
            continue
        groups.setdefault(group_key(value), []).append(row)
    return {key: groups[key] for key in js_key_order(groups)}


def _skippable(value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return False
    if value is None or isinstance(value, (dict, list)):
        return False  # becomes the text "null" / JSON, which is truthy
    return value is MISSING or value is False or value == ""


def original_value(key: str) -> Any:
    """v1.1 gives the first split field its original type back: "null" is null, numbers are numbers."""
    if key == "null":
        return None
    number = to_number(key)
    return key if math.isnan(number) else number_value(number)
