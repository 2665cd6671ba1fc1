"""Aggregate: combine a field from many items (or the whole items) into lists in one item.

n8n `aggregate` v1: individual fields (rename, merge lists, keep missing/null) or all item data into
one list (all fields / specified fields / all fields except); options include the binaries (all or
unique ones) and group by fields (one output item per combination of their values).
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter
from nodes.core.dot_path import MISSING, get_path, set_path

from .aggregate_ops import (
    FieldToAggregate,
    aggregate_all_item_data,
    aggregate_individual_fields,
    check_output_names,
    collect_binaries,
    missing_fields,
)
from .common import field_list

INDIVIDUAL = "aggregateIndividualFields"
ALL_DATA = "aggregateAllItemData"
_NOT_ALL_DATA = {"aggregate": (INDIVIDUAL,)}

FIELD_TO_AGGREGATE = Group(
    "fieldToAggregate",
    "Field To Aggregate",
    (
        Parameter(
            "fieldToAggregate",
            "Input Field Name",
            "string",
            default="",
            placeholder="e.g. id",
            description="The name of a field in the input items to aggregate together",
        ),
        Parameter(
            "renameField",
            "Rename Field",
            "boolean",
            default=False,
            description="Whether to give the field a different name in the output",
        ),
        Parameter(
            "outputFieldName",
            "Output Field Name",
            "string",
            default="",
            description="The field to put the aggregated data in. Leave blank to use the input field name.",
            show={"renameField": (True,)},
        ),
    ),
)

INCLUDE_OPTIONS = (
    Option("All Fields", "allFields"),
    Option("Specified Fields", "specifiedFields"),
    Option("All Fields Except", "allFieldsExcept"),
)

AGGREGATE_OPTIONS = (
    Parameter(
        "groupByFields",
        "Group By Fields",
        "string",
        default="",
        placeholder="e.g. category, type",
        description="Comma-separated fields to group by: one output item per combination of their values",
    ),
    Parameter(
        "disableDotNotation",
        "Disable Dot Notation",
        "boolean",
        default=False,
        description="Whether to disallow referencing child fields using `parent.child` in the field name",
    ),
    Parameter(
        "mergeLists",
        "Merge Lists",
        "boolean",
        default=False,
        description="Whether to merge the output into a single flat list (rather than a list of lists), "
        "if the field to aggregate is a list",
    ),
    Parameter("includeBinaries", "Include Binaries", "boolean", default=False,
              description="Whether to include the binary data in the new item"),
    Parameter(
        "keepOnlyUnique",
        "Keep Only Unique Binaries",
        "boolean",
        default=False,
        description="Whether to keep only unique binaries by comparing mime types, file types, file sizes "
        "and file extensions",
    ),
    Parameter(
        "keepMissing",
        "Keep Missing And Null Values",
        "boolean",
        default=False,
        description="Whether to add a null entry to the aggregated list when there is a missing or null value",
    ),
)


class Aggregate(NodeType):
    description = NodeDescription(
        name="knotwork.aggregate",
        display_name="Aggregate",
        group="transform",
        description="Combine a field from many items into a list in a single item",
        versions=(1.0,),
        default_version=1.0,
        aliases=("n8n-nodes-base.aggregate",),
        search_aliases=("aggregate", "combine", "concatenate", "collect", "list", "group"),
        categories=("Core Nodes", "Data Transformation"),
        parameters=(
            Parameter(
                "aggregate",
                "Aggregate",
                "options",
                default=INDIVIDUAL,
                options=(Option("Individual Fields", INDIVIDUAL), Option("All Item Data (Into a Single List)", ALL_DATA)),
            ),
            Parameter(
                "fieldsToAggregate",
                "Fields To Aggregate",
                "fixedCollection",
                default={"fieldToAggregate": [{"fieldToAggregate": "", "renameField": False}]},
                multiple=True,
                groups=(FIELD_TO_AGGREGATE,),
                show=_NOT_ALL_DATA,
            ),
            Parameter("destinationFieldName", "Put Output in Field", "string", default="data",
                      description="The name of the output field to put the data in", show={"aggregate": (ALL_DATA,)}),
            Parameter("include", "Include", "options", default="allFields", options=INCLUDE_OPTIONS,
                      show={"aggregate": (ALL_DATA,)}),
            Parameter("fieldsToExclude", "Fields To Exclude", "string", default="", placeholder="e.g. email, name",
                      show={"aggregate": (ALL_DATA,), "include": ("allFieldsExcept",)}),
            Parameter("fieldsToInclude", "Fields To Include", "string", default="", placeholder="e.g. email, name",
                      show={"aggregate": (ALL_DATA,), "include": ("specifiedFields",)}),
            Parameter("options", "Options", "collection", default={}, fields=AGGREGATE_OPTIONS),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        items = ctx.input_items
        options = ctx.param("options", 0, {}) or {}
        group_by = field_list(options.get("groupByFields") or "", "Group By Fields")
        groups = _groups(items, group_by) if group_by else [(list(range(len(items))), [])]
        output = []
        for indexes, group_values in groups:
            members = [items[index] for index in indexes]
            json, kept = aggregate_items(ctx, members, options, group_by)
            if group_by:
                json = {**_group_fields(group_by, group_values), **json}
            paired = [(indexes[i], 0) for i in kept] if not group_by else (indexes[0], 0)
            binary = collect_binaries(members, bool(options.get("keepOnlyUnique"))) if options.get("includeBinaries") else None
            output.append(Item(json, binary, paired))
        return [output]


def aggregate_items(
    ctx: ExecuteContext, items: list[Item], options: dict[str, Any], group_by: list[str]
) -> tuple[dict[str, Any], list[int]]:
    """The aggregated json of these items and which of them it pairs with (their positions)."""
    if ctx.param("aggregate", 0, INDIVIDUAL) == INDIVIDUAL:
        no_dots = bool(options.get("disableDotNotation"))
        raw = ctx.param("fieldsToAggregate.fieldToAggregate", 0, []) or []
        fields = [FieldToAggregate.from_parameter(entry) for entry in raw]
        check_output_names(fields)
        _check_group_conflicts([entry.output_field(no_dots) for entry in fields], group_by)
        for field in missing_fields(items, fields, no_dots):
            ctx.log(f"The field '{field}' wasn't found in any input item")
        json = aggregate_individual_fields(
            items, fields, no_dots, bool(options.get("mergeLists")), bool(options.get("keepMissing"))
        )
        return json, list(range(len(items)))
    destination = str(ctx.param("destinationFieldName", 0, "data"))
    _check_group_conflicts([destination], group_by)
    include = field_list(ctx.param("fieldsToInclude", 0, ""), "Fields To Include")
    exclude = field_list(ctx.param("fieldsToExclude", 0, ""), "Fields To Exclude")
    data, kept = aggregate_all_item_data(items, include, exclude)
    return {destination: data}, kept


def _groups(items: list[Item], group_by: list[str]) -> list[tuple[list[int], list[Any]]]:
    """Item indexes per combination of the group-by values, in order of first appearance."""
    groups: dict[str, tuple[list[int], list[Any]]] = {}
    for index, item in enumerate(items):
        values = []
        for field in group_by:
            value = get_path(item.json, field)
            if isinstance(value, (dict, list)):
                raise NodeOperationError(
                    f'Field "{field}" has a non-scalar value which cannot be used for grouping.',
                    description='Only scalar values (string, number, boolean, null) can be used in "Group By Fields".',
                )
            values.append(None if value is MISSING else value)
        key = jsonlib.dumps(values)
        groups.setdefault(key, ([], values))[0].append(index)
    return list(groups.values())


def _group_fields(group_by: list[str], values: list[Any]) -> dict[str, Any]:
    json: dict[str, Any] = {}
    owned: set[int] = set()
    for field, value in zip(group_by, values, strict=True):
        set_path(json, field, value, owned)
    return json


def _check_group_conflicts(output_fields: list[str], group_by: list[str]) -> None:
    for output_field in output_fields:
        for group_field in group_by:
            first, second = output_field.split("."), group_field.split(".")
            if first[: len(second)] == second[: len(first)]:
                raise NodeOperationError(
                    f"The output field '{output_field}' conflicts with a Group By field '{group_field}'",
                    description="Please rename the output field or choose a different Group By field",
                )
