"""Remove Duplicates (n8n `removeDuplicates` v1, v1.1, v2).

v1/v1.1 remove items repeated within the input (all fields / all except / selected fields). v2 adds
removing items processed in previous executions (seen values, an incremental key or a date, kept in
the workflow's static data — see dedupe_history) and clearing that history; v2 has a second output
with the items it discarded as already processed.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter
from engine.workflow import NodeSpec

from .common import field_list
from .dedupe_history import DATE, DEFAULT_HISTORY_SIZE, INCREMENTAL, SEEN, clear_history, remove_seen
from .dedupe_ops import DedupeSettings, remove_duplicates

V1 = (1.0, 1.1)
V2 = (2.0,)
INPUT_ITEMS = "removeDuplicateInputItems"
PREVIOUS = "removeItemsSeenInPreviousExecutions"
CLEAR = "clearDeduplicationHistory"
COMPARE_OPTIONS = (
    Option("All Fields", "allFields"),
    Option("All Fields Except", "allFieldsExcept"),
    Option("Selected Fields", "selectedFields"),
)


def compare_parameters(show: dict[str, tuple[Any, ...]]) -> tuple[Parameter, ...]:
    """The compare/fields parameters of the input-items removal, shown under `show`."""
    return (
        Parameter("compare", "Compare", "options", default="allFields", options=COMPARE_OPTIONS, show=show,
                  description="The fields of the input items to compare to see if they are the same"),
        Parameter("fieldsToExclude", "Fields To Exclude", "string", default="", placeholder="e.g. email, name",
                  description="Fields in the input to exclude from the comparison",
                  show={**show, "compare": ("allFieldsExcept",)}),
        Parameter("fieldsToCompare", "Fields To Compare", "string", default="", placeholder="e.g. email, name",
                  description="Fields in the input to add to the comparison",
                  show={**show, "compare": ("selectedFields",)}),
    )


DEDUPE_OPTIONS = (
    Parameter("disableDotNotation", "Disable Dot Notation", "boolean", default=False,
              description="Whether to disallow referencing child fields using `parent.child` in the field name"),
    Parameter("removeOtherFields", "Remove Other Fields", "boolean", default=False,
              description="Whether to remove any fields that are not being compared. If disabled, will keep "
              "the values from the first of the duplicates."),
)
HISTORY_OPTIONS = (
    Parameter("scope", "Scope", "options", default="node",
              options=(Option("Node", "node", "Deduplication info is stored only for this node"),
                       Option("Workflow", "workflow", "Deduplication info is shared by all the nodes of the workflow")),
              description="Whether the seen values are this node's own or shared by the workflow's nodes"),
    Parameter("historySize", "History Size", "number", default=DEFAULT_HISTORY_SIZE,
              description="The number of seen values to remember (the oldest are forgotten first)"),
)
_PREVIOUS = {"operation": (PREVIOUS,), "@version": V2}

V2_PARAMETERS = (
    Parameter("operation", "Operation", "options", default=INPUT_ITEMS, show={"@version": V2}, options=(
        Option("Remove Items Repeated Within Current Input", INPUT_ITEMS, "Remove duplicates from incoming items"),
        Option("Remove Items Processed in Previous Executions", PREVIOUS,
               "Deduplicate items already seen in previous executions"),
        Option("Clear Deduplication History", CLEAR, "Wipe the store of previous items"),
    )),
    *compare_parameters({"operation": (INPUT_ITEMS,), "@version": V2}),
    Parameter("logic", "Keep Items Where", "options", default=SEEN, show=_PREVIOUS, options=(
        Option("Value Is New", SEEN, "Remove all input items with values matching those already processed"),
        Option("Value Is Higher than Any Previous Value", INCREMENTAL,
               "Works with incremental values, removes all input items with values up to the stored value"),
        Option("Value Is a Date Later than Any Previous Date", DATE,
               "Works with date values, removes all input items with values up to the stored date"),
    )),
    Parameter("dedupeValue", "Value to Dedupe On", "string", default="", show={**_PREVIOUS, "logic": (SEEN,)},
              description="Use an input field (or a combination of fields) that has a unique ID value"),
    Parameter("incrementalDedupeValue", "Value to Dedupe On", "number", default="",
              show={**_PREVIOUS, "logic": (INCREMENTAL,)},
              description="Use an input field (or a combination of fields) that has an incremental value"),
    Parameter("dateDedupeValue", "Value to Dedupe On", "dateTime", default="", show={**_PREVIOUS, "logic": (DATE,)},
              description="Use an input field that has a date value in ISO format"),
    Parameter("mode", "Mode", "options", default="cleanDatabase", show={"operation": (CLEAR,), "@version": V2},
              options=(Option("Clean Database", "cleanDatabase", "Clear all values stored for a key"),),
              description="How to change the stored values. None of these modes removes input items."),
    Parameter("options", "Options", "collection", default={}, show={"operation": (INPUT_ITEMS,), "@version": V2},
              fields=DEDUPE_OPTIONS),
    Parameter("options", "Options", "collection", default={}, show={"operation": (PREVIOUS, CLEAR), "@version": V2},
              fields=HISTORY_OPTIONS),
)


class RemoveDuplicates(NodeType):
    description = NodeDescription(
        name="knotwork.removeDuplicates",
        display_name="Remove Duplicates",
        group="transform",
        description="Delete items with matching field values",
        versions=V1 + V2,
        default_version=2.0,
        outputs=2,
        output_names=("Kept", "Discarded"),
        aliases=("n8n-nodes-base.removeDuplicates",),
        search_aliases=("remove", "duplicates", "dedupe", "deduplicate", "unique", "distinct"),
        categories=("Core Nodes", "Data Transformation"),
        parameters=(
            *compare_parameters({"@version": V1}),
            Parameter("options", "Options", "collection", default={}, show={"@version": V1}, fields=DEDUPE_OPTIONS),
            *V2_PARAMETERS,
        ),
    )

    def output_count(self, node: NodeSpec) -> int:
        return 2 if node.type_version >= 2 else 1

    def output_names(self, node: NodeSpec) -> list[str]:
        return ["Kept", "Discarded"] if node.type_version >= 2 else [""]

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        items = ctx.input_items
        if ctx.type_version < 2:
            return [remove_input_duplicates(ctx, items)[0]]
        operation = ctx.param("operation", 0, INPUT_ITEMS)
        if operation == INPUT_ITEMS:
            return [remove_input_duplicates(ctx, items)[0], []]
        if operation == PREVIOUS:
            return list(remove_seen(ctx, items))
        if operation == CLEAR:
            if ctx.param("mode", 0, "cleanDatabase") == "cleanDatabase":
                clear_history(ctx)
            return [[item.with_paired((index, 0)) for index, item in enumerate(items)], []]
        raise NodeOperationError(f"The operation '{operation}' is not known")


def remove_input_duplicates(ctx: ExecuteContext, items: list[Item]) -> tuple[list[Item], list[Item]]:
    """(kept, discarded) with the comma-separated field lists of Remove Duplicates and Item Lists v3+."""
    settings = DedupeSettings(
        compare=ctx.param("compare", 0, "allFields"),
        fields_to_exclude=field_list(ctx.param("fieldsToExclude", 0, ""), "Fields To Exclude"),
        fields_to_compare=field_list(ctx.param("fieldsToCompare", 0, ""), "Fields To Compare"),
        no_dots=bool(ctx.param("options.disableDotNotation", 0, False)),
        remove_other_fields=bool(ctx.param("options.removeOtherFields", 0, False)),
        nulls_allowed=ctx.type_version > 1,
    )
    return remove_duplicates(items, settings)
