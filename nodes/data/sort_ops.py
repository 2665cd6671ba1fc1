"""Sorting items: by fields (one key per item, one stable sort per field), at random, or by code.

n8n compares field values the lodash way: strings lower-cased and compared as text, anything else
as numbers. Here each field gets a sort key: text when every value present is text, numbers
otherwise; values that are missing (or not numbers, in number mode) sort after the others.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.core.dot_path import MISSING

from .common import column, nested_field_hint, to_number


@dataclass(frozen=True)
class SortField:
    name: str
    descending: bool = False

    @classmethod
    def from_parameter(cls, entry: dict[str, Any]) -> SortField:
        return cls(str(entry.get("fieldName", "") or ""), entry.get("order", "ascending") == "descending")


def sort_fields_from(parameter: Any) -> list[SortField]:
    """The `sortFieldsUi.sortField` entries. Raises NodeOperationError when there are none."""
    entries = parameter.get("sortField") if isinstance(parameter, dict) else None
    if not entries:
        raise NodeOperationError("No sorting specified. Please add a field to sort by")
    return [SortField.from_parameter(entry) for entry in entries]


def sort_by_fields(items: Sequence[Item], fields: Sequence[SortField], no_dots: bool) -> list[Item]:
    """Items ordered by the fields (first field first). Raises NodeOperationError for a field that
    no item has."""
    columns = []
    for field in fields:
        values = column(items, field.name, no_dots)
        if all(value is MISSING for value in values):
            raise NodeOperationError(
                f"Couldn't find the field '{field.name}' in the input data",
                description=nested_field_hint(field.name, no_dots),
            )
        columns.append((field, _keys(values)))
    order = list(range(len(items)))
    for field, keys in reversed(columns):  # stable sorts, last field first
        order.sort(key=keys.__getitem__, reverse=field.descending)
    return [items[index] for index in order]


def _keys(values: list[Any]) -> list[tuple[int, Any]]:
    present = [value for value in values if value is not MISSING and value is not None]
    if all(isinstance(value, str) for value in present):
        return [(0, value.lower()) if isinstance(value, str) else (1, "") for value in values]
    keys: list[tuple[int, Any]] = []
    for value in values:
        kind = type(value)
        number = value if kind is int or kind is float else to_number(value)
        keys.append((1, 0.0) if math.isnan(number) else (0, number))
    return keys


def shuffled(items: Sequence[Item], rng: random.Random | None = None) -> list[Item]:
    """The items in random order (Fisher-Yates)."""
    output = list(items)
    (rng or random).shuffle(output)
    return output
