"""Aggregate's operations as plain functions (shared by Aggregate and the legacy Item Lists node).

Every function reads each input item once: the work is linear in the number of items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.core.dot_path import MISSING, set_path

from .common import column, value_getter


@dataclass(frozen=True)
class FieldToAggregate:
    """One entry of `fieldsToAggregate.fieldToAggregate`."""

    field: str
    rename: bool = False
    output_name: str = ""

    @classmethod
    def from_parameter(cls, entry: dict[str, Any]) -> FieldToAggregate:
        return cls(
            str(entry.get("fieldToAggregate", "") or ""),
            bool(entry.get("renameField")),
            str(entry.get("outputFieldName", "") or ""),
        )

    def output_field(self, no_dots: bool) -> str:
        """Where the list goes: the output name, else the field's last path step (dot notation)."""
        if self.output_name:
            return self.output_name
        if not no_dots and "." in self.field:
            return self.field.split(".")[-1]
        return self.field


def check_output_names(fields: Sequence[FieldToAggregate]) -> None:
    """Raises NodeOperationError when no field is given or two write the same output field."""
    if not fields:
        raise NodeOperationError("No fields specified", description="Please add a field to aggregate")
    seen: set[str] = set()
    for entry in fields:
        name = entry.output_name if entry.rename else entry.field
        if name in seen:
            raise NodeOperationError(
                f"The '{name}' output field is used more than once",
                description="Please make sure each output field name is unique",
            )
        seen.add(name)


def aggregate_individual_fields(
    items: Sequence[Item],
    fields: Sequence[FieldToAggregate],
    no_dots: bool,
    merge_lists: bool,
    keep_missing: bool,
) -> dict[str, Any]:
    """One json with a list per field; null/missing values are left out unless `keep_missing`
    (then a missing value is kept as null, and nulls inside lists stay)."""
    values: dict[str, list[Any]] = {}
    for entry in fields:
        if entry.field == "":
            continue
        collected: list[Any] = []
        values[entry.output_field(no_dots)] = collected
        for value in column(items, entry.field, no_dots):
            if not keep_missing:
                if isinstance(value, list):
                    value = [element for element in value if element is not None]
                elif value is None or value is MISSING:
                    continue
            if value is MISSING:
                value = None  # JSON has no undefined: a kept missing value reads as null
            if isinstance(value, list) and merge_lists:
                collected.extend(value)
            else:
                collected.append(value)
    json: dict[str, Any] = {}
    owned: set[int] = set()
    for key, collected in values.items():
        if no_dots:
            json[key] = collected
        else:
            set_path(json, key, collected, owned)
    return json


def missing_fields(items: Sequence[Item], fields: Sequence[FieldToAggregate], no_dots: bool) -> list[str]:
    """The fields found in no input item (reported as hints)."""
    read = value_getter(no_dots)
    return [
        entry.field
        for entry in fields
        if entry.field and not any(read(item.json, entry.field) is not MISSING for item in items)
    ]


def aggregate_all_item_data(
    items: Sequence[Item], include: Sequence[str], exclude: Sequence[str]
) -> tuple[list[dict[str, Any]], list[int]]:
    """The item jsons (top-level keys filtered), and the indexes of the items kept (empty ones are
    dropped when filtering)."""
    if not include and not exclude:
        return [item.json for item in items], list(range(len(items)))
    include_set, exclude_set = set(include), set(exclude)
    kept: list[dict[str, Any]] = []
    indexes: list[int] = []
    for index, item in enumerate(items):
        json = {
            key: value
            for key, value in item.json.items()
            if key not in exclude_set and (not include_set or key in include_set)
        }
        if json:
            kept.append(json)
            indexes.append(index)
    return kept, indexes


def collect_binaries(items: Sequence[Item], unique_only: bool) -> dict[str, Any] | None:
    """Every binary of the items in one map; a repeated key gets `_1`, `_2`... With `unique_only`,
    a file whose mime type, type, size and extension were already seen is skipped."""
    binaries: dict[str, Any] = {}
    seen: set[tuple[Any, ...]] = set()
    for item in items:
        for key, binary in (item.binary or {}).items():
            if unique_only:
                signature = tuple(
                    binary.get(name) if isinstance(binary, dict) else None
                    for name in ("mimeType", "fileType", "fileSize", "fileExtension")
                )
                if signature in seen:
                    continue
                seen.add(signature)
            target, suffix = key, 1
            while target in binaries:
                target, suffix = f"{key}_{suffix}", suffix + 1
            binaries[target] = binary
    return binaries or None
