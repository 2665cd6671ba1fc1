"""Item Lists (n8n `itemLists`, legacy, v1–v3.1): split out, aggregate/concatenate, remove duplicates,
sort, limit and summarize in one node. Its operations run the functions of the separate nodes that
replaced it (see item_lists_ops); it is hidden from the palette but imports and runs.
"""

from __future__ import annotations

from typing import Any

from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter

from .aggregate import AGGREGATE_OPTIONS, FIELD_TO_AGGREGATE, INCLUDE_OPTIONS, INDIVIDUAL
from .item_lists_ops import run_operation
from .limit import limit_parameters
from .remove_duplicates import COMPARE_OPTIONS, DEDUPE_OPTIONS
from .sort import sort_parameters
from .split_out import INCLUDE_OPTIONS as SPLIT_INCLUDE_OPTIONS
from .summarize import OPTIONS as SUMMARIZE_OPTIONS
from .summarize import SUMMARY_FIELD

V_OLD = (1.0, 2.0, 2.1, 2.2)
V_NEW = (3.0, 3.1)
FIELD_NAME = Group("fields", "Field", (Parameter("fieldName", "Field Name", "string", default="", placeholder="e.g. id"),))


def _operations(aggregate_value: str) -> tuple[Option, ...]:
    return (
        Option("Concatenate Items", aggregate_value, "Combine fields into a list in a single new item"),
        Option("Limit", "limit", "Remove items if there are too many"),
        Option("Remove Duplicates", "removeDuplicates", "Remove extra items that are similar"),
        Option("Sort", "sort", "Change the item order"),
        Option("Split Out Items", "splitOutItems", "Turn a list or the values of an object inside items into items"),
        Option("Summarize", "summarize", "Aggregate items together (pivot table)"),
    )


def _field_list(name: str, label: str, show: dict[str, tuple[Any, ...]]) -> tuple[Parameter, ...]:
    """A field list: a fixed collection of names before v3, comma-separated text from v3."""
    return (
        Parameter(name, label, "fixedCollection", default={}, multiple=True, groups=(FIELD_NAME,),
                  show={**show, "@version": V_OLD}),
        Parameter(name, label, "string", default="", placeholder="e.g. email, name", show={**show, "@version": V_NEW}),
    )


def _on(*operations: str) -> dict[str, tuple[Any, ...]]:
    return {"operation": operations}


AGGREGATING = ("aggregateItems", "concatenateItems")
_ALL_DATA = {"operation": AGGREGATING, "aggregate": ("aggregateAllItemData",)}

PARAMETERS = (
    Parameter("resource", "Resource", "hidden", default="itemList", options=(Option("Item List", "itemList"),)),
    Parameter("operation", "Operation", "options", default="splitOutItems", options=_operations("aggregateItems"),
              show={"@version": V_OLD}),
    Parameter("operation", "Operation", "options", default="splitOutItems", options=_operations("concatenateItems"),
              show={"@version": V_NEW}),
    # Split out items
    Parameter("fieldToSplitOut", "Fields To Split Out", "string", default="", required=True,
              description="The input field(s) to break out into separate items", show=_on("splitOutItems")),
    Parameter("include", "Include", "options", default="noOtherFields", options=SPLIT_INCLUDE_OPTIONS,
              description="Whether to copy any other fields into the new items", show=_on("splitOutItems")),
    *_field_list("fieldsToInclude", "Fields To Include", {**_on("splitOutItems"), "include": ("selectedOtherFields",)}),
    # Concatenate (aggregate) items
    Parameter("aggregate", "Aggregate", "options", default=INDIVIDUAL, show=_on(*AGGREGATING),
              options=(Option("Individual Fields", INDIVIDUAL),
                       Option("All Item Data (Into a Single List)", "aggregateAllItemData"))),
    Parameter("fieldsToAggregate", "Fields To Aggregate", "fixedCollection",
              default={"fieldToAggregate": [{"fieldToAggregate": "", "renameField": False}]}, multiple=True,
              groups=(FIELD_TO_AGGREGATE,), show={**_on(*AGGREGATING), "aggregate": (INDIVIDUAL,)}),
    Parameter("destinationFieldName", "Put Output in Field", "string", default="data", show=_ALL_DATA,
              description="The name of the output field to put the data in"),
    Parameter("include", "Include", "options", default="allFields", options=INCLUDE_OPTIONS, show=_ALL_DATA),
    *_field_list("fieldsToExclude", "Fields To Exclude", {**_ALL_DATA, "include": ("allFieldsExcept",)}),
    *_field_list("fieldsToInclude", "Fields To Include", {**_ALL_DATA, "include": ("specifiedFields",)}),
    # Remove duplicates
    Parameter("compare", "Compare", "options", default="allFields", options=COMPARE_OPTIONS,
              show=_on("removeDuplicates")),
    *_field_list("fieldsToExclude", "Fields To Exclude", {**_on("removeDuplicates"), "compare": ("allFieldsExcept",)}),
    *_field_list("fieldsToCompare", "Fields To Compare", {**_on("removeDuplicates"), "compare": ("selectedFields",)}),
    # Sort, limit
    *sort_parameters(_on("sort")),
    *limit_parameters(_on("limit")),
    # Summarize
    Parameter("fieldsToSummarize", "Fields to Summarize", "fixedCollection",
              default={"values": [{"aggregation": "count", "field": ""}]}, multiple=True, groups=(SUMMARY_FIELD,),
              show=_on("summarize")),
    Parameter("fieldsToSplitBy", "Fields to Split By", "string", default="", placeholder="e.g. country, city",
              show=_on("summarize")),
    Parameter("options", "Options", "collection", default={}, show=_on("summarize"),
              fields=tuple(option for option in SUMMARIZE_OPTIONS if option.name != "continueIfFieldNotFound")
              + (Parameter("continueIfFieldNotFound", "Continue if Field Not Found", "boolean", default=False),)),
    Parameter("options", "Options", "collection", default={}, show=_on("removeDuplicates"), fields=DEDUPE_OPTIONS),
    Parameter("options", "Options", "collection", default={}, show={**_on(*AGGREGATING, "splitOutItems")}, fields=(
        *AGGREGATE_OPTIONS[1:],
        Parameter("destinationFieldName", "Destination Field Name", "string", default="",
                  description="The field in the output under which to put the split field contents"),
    )),
)


class ItemLists(NodeType):
    description = NodeDescription(
        name="knotwork.itemLists",
        display_name="Item Lists",
        group="transform",
        description="Helper for working with lists of items and transforming arrays",
        versions=V_OLD + V_NEW,
        default_version=3.1,
        aliases=("n8n-nodes-base.itemLists",),
        search_aliases=("item lists", "split", "aggregate", "concatenate", "sort", "limit", "summarize", "dedupe"),
        categories=("Core Nodes", "Data Transformation"),
        hidden=True,
        parameters=PARAMETERS,
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [await run_operation(ctx, ctx.param("operation", 0, "splitOutItems"))]
