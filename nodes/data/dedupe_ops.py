"""Removing duplicate input items: one canonical key per item, one set lookup each (linear).

n8n sorts the items and compares neighbours; the outcome is the same — the first item of each set
of equal items is kept — and so are its checks: every compared field must exist in every item and
keep one type (from v2 on a null value is allowed anywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.core.dot_path import MISSING, set_path

from .common import canonical, column, flatten_keys, js_typeof, nested_field_hint, value_getter


@dataclass(frozen=True)
class DedupeSettings:
    compare: str  # allFields | allFieldsExcept | selectedFields
    fields_to_exclude: Sequence[str] = ()
    fields_to_compare: Sequence[str] = ()
    no_dots: bool = False
    remove_other_fields: bool = False
    nulls_allowed: bool = True  # n8n skips null values in the checks from node version 2 on
    check_types: bool = True  # Item Lists v3.1 compares values of any types


def compared_keys(items: Sequence[Item], settings: DedupeSettings) -> list[str]:
    """The field paths the comparison uses. Raises NodeOperationError when a field list is empty."""
    if settings.compare == "allFieldsExcept":
        if not settings.fields_to_exclude:
            raise NodeOperationError("No fields specified. Please add a field to exclude from comparison")
        keys = _item_keys(items[0], settings.no_dots) if not settings.no_dots else _all_keys(items, True)
        excluded = set(settings.fields_to_exclude)
        return [key for key in keys if key not in excluded]
    if settings.compare == "selectedFields":
        if not settings.fields_to_compare:
            raise NodeOperationError("No fields specified. Please add a field to compare on")
        return [key.strip() for key in settings.fields_to_compare]
    return _all_keys(items, settings.no_dots)


def _item_keys(item: Item, no_dots: bool) -> list[str]:
    return list(item.json) if no_dots else list(flatten_keys(item.json))


def _all_keys(items: Sequence[Item], no_dots: bool) -> list[str]:
    keys: dict[str, None] = {}
    for item in items:
        if no_dots:
            keys.update(dict.fromkeys(item.json))
        else:
            flatten_keys(item.json, "", keys)
    return list(keys)


def remove_duplicates(items: Sequence[Item], settings: DedupeSettings) -> tuple[list[Item], list[Item]]:
    """(kept, discarded) items, each paired with its input position. Raises NodeOperationError when
    a compared field is blank, missing from an item, or changes type between items."""
    if not items:
        return [], []
    keys = compared_keys(items, settings)
    read = value_getter(settings.no_dots)
    columns = [column(items, key, settings.no_dots) for key in keys]
    for key, values in zip(keys, columns, strict=True):
        _check_column(key, values, settings)
    signatures = zip(*[[canonical(value) for value in values] for values in columns], strict=True)
    seen: set[tuple[Any, ...]] = set()
    kept: list[Item] = []
    discarded: list[Item] = []
    for index, (item, signature) in enumerate(zip(items, signatures, strict=True)):
        if signature in seen:
            discarded.append(item.with_paired((index, 0)))
            continue
        seen.add(signature)
        json = _picked(item.json, keys, read) if settings.remove_other_fields else item.json
        kept.append(Item(json, item.binary, (index, 0)))
    return kept, discarded


def _check_column(key: str, values: list[Any], settings: DedupeSettings) -> None:
    if key == "":
        raise NodeOperationError("Name of field to compare is blank")
    kind: str | None = None
    previous = 0
    kinds = {type(value) for value in values}
    if len(kinds) == 1 and not kinds & {type(None), object}:
        return  # one JSON type, nothing missing: the loop below would find nothing
    for index, value in enumerate(values):
        if value is None and settings.nulls_allowed:
            continue
        if value is MISSING:
            raise NodeOperationError(
                f"'{key}' field is missing from some input items",
                description=nested_field_hint(key, settings.no_dots),
            )
        current = js_typeof(value)
        if settings.check_types and kind is not None and current != kind:
            description = "The type of this field varies between items"
            if settings.nulls_allowed:
                description += f", in item [{previous}] it's a {kind} and in item [{index}] it's a {current} "
            raise NodeOperationError(f"'{key}' isn't always the same type", description=description)
        kind, previous = current, index


def _picked(json: dict[str, Any], keys: list[str], read: Any) -> dict[str, Any]:
    """lodash `pick(json, ...keys)`: only the compared fields, nested paths kept nested."""
    picked: dict[str, Any] = {}
    owned: set[int] = set()
    for key in keys:
        value = read(json, key)
        if value is not MISSING:
            set_path(picked, key, value, owned)
    return picked
