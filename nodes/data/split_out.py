"""Split Out: turn a list (or an object's values, or the binary files) inside each item into items.

n8n `splitOut` v1. Several comma-separated fields split side by side (element i of each goes into
output item i); `$binary` splits the item's binary files one per item. Other input fields are left
out, all copied, or the selected ones copied.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter
from nodes.core.dot_path import MISSING, unset_path

from .common import field_list, run_per_item, value_getter

INCLUDE_OPTIONS = (
    Option("No Other Fields", "noOtherFields"),
    Option("All Other Fields", "allOtherFields"),
    Option("Selected Other Fields", "selectedOtherFields"),
)


class SplitOut(NodeType):
    description = NodeDescription(
        name="knotwork.splitOut",
        display_name="Split Out",
        group="transform",
        description="Turn a list inside item(s) into separate items",
        versions=(1.0,),
        default_version=1.0,
        aliases=("n8n-nodes-base.splitOut",),
        search_aliases=("split", "explode", "unwind", "array", "list", "separate"),
        categories=("Core Nodes", "Data Transformation"),
        parameters=(
            Parameter(
                "fieldToSplitOut",
                "Fields To Split Out",
                "string",
                default="",
                required=True,
                placeholder="Drag fields from the left or type their names",
                description="The input fields to break out into separate items, separated by commas. "
                "For binary data, use $binary.",
            ),
            Parameter(
                "include",
                "Include",
                "options",
                default="noOtherFields",
                options=INCLUDE_OPTIONS,
                description="Whether to copy any other fields into the new items",
            ),
            Parameter(
                "fieldsToInclude",
                "Fields To Include",
                "string",
                default="",
                placeholder="e.g. email, name",
                description="Fields of the input items to copy into every new item",
                show={"include": ("selectedOtherFields",)},
            ),
            Parameter(
                "options",
                "Options",
                "collection",
                default={},
                fields=(
                    Parameter(
                        "disableDotNotation",
                        "Disable Dot Notation",
                        "boolean",
                        default=False,
                        description="Whether to disallow referencing child fields using `parent.child` in the field name",
                    ),
                    Parameter(
                        "destinationFieldName",
                        "Destination Field Name",
                        "string",
                        default="",
                        description="The field in the output under which to put the split field contents",
                    ),
                    Parameter(
                        "includeBinary",
                        "Include Binary",
                        "boolean",
                        default=False,
                        description="Whether to include the binary data in the new items",
                    ),
                ),
            ),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [run_per_item(ctx, lambda index, item: split_item(ctx, index, item))]


def split_item(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    """The items one input item splits into. Raises NodeOperationError for bad parameters."""
    fields = [_strip_json_prefix(field.strip()) for field in str(ctx.param("fieldToSplitOut", index, "")).split(",")]
    options = ctx.param("options", index, {}) or {}
    no_dots = bool(options.get("disableDotNotation"))
    destinations = field_list(options.get("destinationFieldName") or "")
    if destinations and len(destinations) != len(fields):
        raise NodeOperationError(
            "If multiple fields to split out are given, the same number of destination fields must be given"
        )
    include = ctx.param("include", index, "noOtherFields")
    split = _split_entries(item, fields, destinations, include, no_dots)
    output = []
    for json, binary in split:
        if include == "allOtherFields":
            json = {**_without_fields(item.json, fields, no_dots), **json}
        elif include == "selectedOtherFields":
            json = _with_selected(ctx, index, item.json, json, no_dots)
        if options.get("includeBinary") and item.binary and not binary:
            binary = item.binary
        output.append(Item(json, binary or None, (index, 0)))
    return output


def _strip_json_prefix(field: str) -> str:
    return field[len("$json.") :] if field.startswith("$json.") else field


def _split_entries(
    item: Item, fields: list[str], destinations: list[str], include: str, no_dots: bool
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(json, binary) per output position, filled field by field as n8n does."""
    read = value_getter(no_dots)
    entries: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    several = len(fields) > 1
    for position, field in enumerate(fields):
        destination = destinations[position] if position < len(destinations) else ""
        elements = _binary_entries(item) if field == "$binary" else _elements(read(item.json, field))
        for element_index, element in enumerate(elements):
            if element_index == len(entries):
                entries.append(({}, None))
            json, binary = entries[element_index]
            if field == "$binary":
                entries[element_index] = (json, {**(binary or {}), **element})
            elif isinstance(element, dict) and include == "noOtherFields" and not destination and not several:
                json.update(element)
            else:
                json[destination or field] = element
    return entries


def _elements(value: Any) -> list[Any]:
    """What a field splits into: a list as is, an object's values, a scalar alone, nothing if absent."""
    if value is MISSING:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def _binary_entries(item: Item) -> list[dict[str, Any]]:
    return [{key: value} for key, value in (item.binary or {}).items()]


def _without_fields(json: dict[str, Any], fields: list[str], no_dots: bool) -> dict[str, Any]:
    remaining = dict(json)
    owned: set[int] = set()
    for field in fields:
        if no_dots:
            remaining.pop(field, None)
        else:
            unset_path(remaining, field, owned)
    return remaining


def _with_selected(
    ctx: ExecuteContext, index: int, source: dict[str, Any], json: dict[str, Any], no_dots: bool
) -> dict[str, Any]:
    names = field_list(ctx.param("fieldsToInclude", index, ""), "Fields To Include")
    if not names:
        raise NodeOperationError("No fields specified", description="Please add a field to include")
    read = value_getter(no_dots)
    for name in names:
        value = read(source, name)
        if value is not MISSING:
            json[name] = value
    return json
