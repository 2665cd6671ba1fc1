"""Summarize: append, average, concatenate, count, count unique, max, min or sum fields across items,
optionally split (grouped) by other fields — n8n's pivot table (`summarize` v1, v1.1).

v1 writes split values as text and fails when a field to summarize is in no item (unless
"Continue if Field Not Found"); v1.1 keeps the first split field's type and only logs a hint.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter
from nodes.core.dot_path import MISSING

from .common import value_getter
from .summarize_ops import (
    NUMERICAL,
    Aggregation,
    Reader,
    Row,
    aggregate_rows,
    group_rows,
    original_value,
    parse_field_name,
)

AGGREGATIONS = (
    Option("Append", "append"),
    Option("Average", "average"),
    Option("Concatenate", "concatenate"),
    Option("Count", "count"),
    Option("Count Unique", "countUnique"),
    Option("Max", "max"),
    Option("Min", "min"),
    Option("Sum", "sum"),
)
SEPARATORS = (
    Option("Comma", ","),
    Option("Comma and Space", ", "),
    Option("New Line", "\n"),
    Option("None", ""),
    Option("Space", " "),
    Option("Other", "other"),
)

SUMMARY_FIELD = Group(
    "values",
    "Values",
    (
        Parameter("aggregation", "Aggregation", "options", default="count", options=AGGREGATIONS,
                  description="How to combine the values of the field you want to summarize"),
        Parameter("field", "Field", "string", default="", placeholder="e.g. cost",
                  description="The name of an input field that you want to summarize",
                  hide={"aggregation": (*NUMERICAL, "countUnique", "count", "max", "min")}),
        Parameter("field", "Field", "string", default="", placeholder="e.g. cost",
                  description="The field should contain numbers; null, undefined and empty strings are ignored",
                  show={"aggregation": NUMERICAL}),
        Parameter("field", "Field", "string", default="", placeholder="e.g. cost",
                  description="The field to summarize; null, undefined and empty strings are ignored",
                  show={"aggregation": ("countUnique", "count", "max", "min")}),
        Parameter("includeEmpty", "Include Empty Values", "boolean", default=False,
                  show={"aggregation": ("append", "concatenate", "count", "countUnique")}),
        Parameter("separateBy", "Separator", "options", default=",", options=SEPARATORS,
                  description="What to insert between values", show={"aggregation": ("concatenate",)}),
        Parameter("customSeparator", "Custom Separator", "string", default="",
                  show={"aggregation": ("concatenate",), "separateBy": ("other",)}),
    ),
)

OPTIONS = (
    Parameter("continueIfFieldNotFound", "Continue if Field Not Found", "boolean", default=False,
              description="Whether to continue when a field to summarize is in no item (else the node fails)",
              hide={"@version": (1.1,)}),
    Parameter("disableDotNotation", "Disable Dot Notation", "boolean", default=False,
              description="Whether to disallow referencing child fields using `parent.child` in the field name"),
    Parameter("outputFormat", "Output Format", "options", default="separateItems",
              options=(Option("Each Split in a Separate Item", "separateItems"),
                       Option("All Splits in a Single Item", "singleItem"))),
    Parameter("skipEmptySplitFields", "Ignore Items Without Valid Fields to Group By", "boolean", default=False),
)


class Summarize(NodeType):
    description = NodeDescription(
        name="knotwork.summarize",
        display_name="Summarize",
        group="transform",
        description="Sum, count, max, etc. across items",
        versions=(1.0, 1.1),
        default_version=1.1,
        aliases=("n8n-nodes-base.summarize",),
        search_aliases=("summarize", "pivot", "group by", "sum", "count", "average", "min", "max"),
        categories=("Core Nodes", "Data Transformation"),
        parameters=(
            Parameter("fieldsToSummarize", "Fields to Summarize", "fixedCollection",
                      default={"values": [{"aggregation": "count", "field": ""}]}, multiple=True,
                      groups=(SUMMARY_FIELD,)),
            Parameter("fieldsToSplitBy", "Fields to Split By", "string", default="", placeholder="e.g. country, city",
                      description="The input fields to split the summary by, separated by commas"),
            Parameter("options", "Options", "collection", default={}, fields=OPTIONS),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        options = ctx.param("options", 0, {}) or {}
        split_by = [f.strip() for f in str(ctx.param("fieldsToSplitBy", 0, "") or "").split(",") if f.strip()]
        entries = ctx.param("fieldsToSummarize.values", 0, []) or []
        aggregations = [Aggregation.from_parameter(entry) for entry in entries]
        typed = ctx.type_version >= 1.1
        return [summarize(ctx, ctx.input_items, aggregations, split_by, options, typed=typed, strict=not typed)]


def summarize(
    ctx: ExecuteContext,
    items: list[Item],
    aggregations: list[Aggregation],
    split_by: list[str],
    options: dict[str, Any],
    *,
    typed: bool,
    strict: bool,
) -> list[Item]:
    """The summary items. `typed`: the first split field keeps its type (v1.1); `strict`: a field to
    summarize found in no item fails the node unless "continue" is set (v1).
    Raises NodeOperationError when no aggregation names a field."""
    if not any(entry.field for entry in aggregations):
        raise NodeOperationError(
            "You need to add at least one aggregation to 'Fields to Summarize' with non empty 'Field'"
        )
    read = value_getter(bool(options.get("disableDotNotation")))
    rows: list[Row] = [(index, item.json) for index, item in enumerate(items)]
    skip_empty = bool(options.get("skipEmptySplitFields"))
    _check_fields(ctx, rows, aggregations, read, not strict or bool(options.get("continueIfFieldNotFound")))
    everything = [(index, 0) for index in range(len(items))]
    if options.get("outputFormat") == "singleItem":
        return [Item(_nested(rows, split_by, aggregations, read, skip_empty), paired=everything)]
    if not split_by:
        return [Item(aggregate_rows(rows, aggregations, read), paired=everything)]
    output: list[Item] = []
    _separate(rows, split_by, aggregations, read, skip_empty, {}, typed, output)
    return output


def _check_fields(
    ctx: ExecuteContext, rows: list[Row], aggregations: list[Aggregation], read: Reader, keep_going: bool
) -> None:
    for entry in aggregations:
        if entry.field and not any(read(json, entry.field) is not MISSING for _, json in rows):
            message = f"The field '{entry.field}' does not exist in any items"
            if keep_going:
                ctx.log(message)
            else:
                raise NodeOperationError(message)


def _nested(rows: list[Row], split_by: list[str], aggregations: list[Aggregation], read: Reader, skip: bool) -> Any:
    if not split_by:
        return aggregate_rows(rows, aggregations, read)
    groups = group_rows(rows, split_by[0], read, skip)
    return {key: _nested(group, split_by[1:], aggregations, read, skip) for key, group in groups.items()}


def _separate(
    rows: list[Row],
    split_by: list[str],
    aggregations: list[Aggregation],
    read: Reader,
    skip: bool,
    prefix: dict[str, Any],
    typed: bool,
    output: list[Item],
) -> None:
    """One item per leaf group: the split values so far, then the aggregates."""
    name = parse_field_name(split_by[0])
    for key, group in group_rows(rows, split_by[0], read, skip).items():
        stage = {**prefix, name: original_value(key) if typed else key}
        if len(split_by) > 1:
            # n8n restores the original type of the first split field only
            _separate(group, split_by[1:], aggregations, read, skip, stage, False, output)
            continue
        json = {**stage, **aggregate_rows(group, aggregations, read)}
        output.append(Item(json, paired=[(index, 0) for index, _ in group]))
