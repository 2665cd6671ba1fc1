"""Item Lists (legacy) operations, mapped onto the functions of the nodes that replaced it.

Before v3 the field lists are fixed collections (`{fields: [{fieldName}]}`); `LegacyFields` hands
them to the shared functions as plain lists. Split Out before v2.2 splits one field and fails on a
missing or non-list field, as n8n's first versions did.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.core.dot_path import MISSING, unset_path

from .aggregate import INDIVIDUAL, aggregate_items
from .aggregate_ops import FieldToAggregate
from .common import collection_field_names, not_found_error, value_getter
from .dedupe_ops import DedupeSettings, remove_duplicates
from .limit import limit_items
from .sort import sort_items
from .split_out import split_item
from .summarize import summarize
from .summarize_ops import Aggregation

FIELD_LISTS = frozenset({"fieldsToInclude", "fieldsToExclude", "fieldsToCompare"})


class LegacyFields:
    """An ExecuteContext whose fixed-collection field lists read as lists of names."""

    def __init__(self, ctx: ExecuteContext) -> None:
        self._ctx = ctx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    def param(self, name: str, item_index: int = 0, default: Any = ...) -> Any:
        value = self._ctx.param(name, item_index, default)
        if name in FIELD_LISTS and isinstance(value, dict):
            return collection_field_names(value)
        return value


async def run_operation(ctx: ExecuteContext, operation: str) -> list[Item]:
    """The output of one Item Lists operation. Raises NodeOperationError for an unknown one."""
    version = ctx.type_version
    view: Any = ctx if version >= 3 else LegacyFields(ctx)
    items = ctx.input_items
    if operation == "splitOutItems":
        # n8n's Item Lists fails as a whole (with "continue on fail" the engine passes the input on)
        split = split_single_field if version < 2.2 else split_item
        return [output for index, item in enumerate(items) for output in split(view, index, item)]
    if operation in ("aggregateItems", "concatenateItems"):
        return [concatenate(view, items)]
    if operation == "removeDuplicates":
        return remove_duplicate_items(view, items)
    if operation == "sort":
        return await sort_items(view, items)
    if operation == "limit":
        return limit_items(view, items)
    if operation == "summarize":
        return summarize_items(view, items)
    raise NodeOperationError(f"The operation '{operation}' is not known")


def split_single_field(ctx: Any, index: int, item: Item) -> list[Item]:
    """Item Lists v1–v2.1: one field, which must hold a list or an object."""
    field = str(ctx.param("fieldToSplitOut", index, ""))
    no_dots = bool(ctx.param("options.disableDotNotation", 0, False))
    destination = str(ctx.param("options.destinationFieldName", index, "") or "")
    include = ctx.param("include", index, "noOtherFields")
    value = value_getter(no_dots)(item.json, field)
    if value is MISSING:
        if ctx.type_version >= 2.1:  # from v2.1 a missing field splits into nothing
            return []
        raise not_found_error(field, no_dots, item_index=index)
    if not isinstance(value, (dict, list)):
        raise NodeOperationError(f"The provided field '{field}' is not an array or object", item_index=index)
    base = _other_fields(ctx, index, item.json, field, include, no_dots)
    output = []
    for element in value.values() if isinstance(value, dict) else value:
        if isinstance(element, dict) and include == "noOtherFields" and not destination:
            json = {**base, **element}
        else:
            json = {**base, (destination or field): element}
        output.append(Item(json, paired=(index, 0)))
    return output


def _other_fields(ctx: Any, index: int, json: dict[str, Any], field: str, include: str, no_dots: bool) -> dict[str, Any]:
    read = value_getter(no_dots)
    if include == "selectedOtherFields":
        names = ctx.param("fieldsToInclude", index, [])
        if not names:
            raise NodeOperationError("No fields specified", description="Please add a field to include")
        picked = {}
        for name in names:
            value = read(json, name)
            if name != field and value is not MISSING:
                picked[name] = value
        return picked
    if include == "allOtherFields":
        others = dict(json)
        unset_path(others, field, set())
        return others
    return {}


def concatenate(ctx: Any, items: list[Item]) -> Item:
    """Aggregate Items (≤ v2) / Concatenate Items (v3+): one item, paired with every input item."""
    options = ctx.param("options", 0, {}) or {}
    if ctx.type_version < 2.1 and ctx.param("aggregate", 0, INDIVIDUAL) == INDIVIDUAL:
        _require_fields(ctx, items, options)
    json, _ = aggregate_items(ctx, items, options, [])
    return Item(json, paired=[(index, 0) for index in range(len(items))])


def _require_fields(ctx: Any, items: list[Item], options: dict[str, Any]) -> None:
    """Before v2.1 a field to aggregate must exist in some item (unless missing values are kept)."""
    no_dots = bool(options.get("disableDotNotation"))
    read = value_getter(no_dots)
    for entry in ctx.param("fieldsToAggregate.fieldToAggregate", 0, []) or []:
        field = FieldToAggregate.from_parameter(entry).field
        if field == "":
            raise NodeOperationError("Field to aggregate is blank", description="Please add a field to aggregate")
        if any(read(item.json, field) is not MISSING for item in items):
            continue
        if no_dots and "." in field:
            raise not_found_error(field, no_dots)
        if not options.get("keepMissing"):
            raise not_found_error(field, False)


def remove_duplicate_items(ctx: Any, items: list[Item]) -> list[Item]:
    settings = DedupeSettings(
        compare=ctx.param("compare", 0, "allFields"),
        fields_to_exclude=_names(ctx.param("fieldsToExclude", 0, "")),
        fields_to_compare=_names(ctx.param("fieldsToCompare", 0, "")),
        no_dots=bool(ctx.param("options.disableDotNotation", 0, False)),
        remove_other_fields=bool(ctx.param("options.removeOtherFields", 0, False)),
        nulls_allowed=False,
        check_types=ctx.type_version < 3.1,
    )
    return remove_duplicates(items, settings)[0]


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(name) for name in value]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def summarize_items(ctx: Any, items: list[Item]) -> list[Item]:
    options = ctx.param("options", 0, {}) or {}
    split_by = [f.strip() for f in str(ctx.param("fieldsToSplitBy", 0, "") or "").split(",") if f.strip()]
    aggregations = [Aggregation.from_parameter(entry) for entry in ctx.param("fieldsToSummarize.values", 0, []) or []]
    strict = ctx.type_version < 2.1
    return summarize(ctx, items, aggregations, split_by, options, typed=False, strict=strict)
