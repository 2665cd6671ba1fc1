"""Merge: combine the data of several inputs once they have arrived (n8n `merge`, v1 to v3.2).

v3 has 2–10 inputs (`numberInputs`); earlier versions have two. Here: the form and v3's `append`
and `chooseBranch`; v1 and v2 live in merge_legacy. The combine modes live in merge_fields
(matching fields, a hash join), merge_position (by position, all combinations) and merge_sql
(SQL over in-memory SQLite); their form in merge_params.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .merge_fields import check_pairs, combine_by_fields
from .merge_legacy import every_input_item, execute_v1, execute_v2, passed
from .merge_params import v2_combine_parameters, v3_combine_parameters
from .merge_position import combine_all, combine_by_position_v3
from .merge_sql import combine_by_sql

if TYPE_CHECKING:
    from engine.workflow import NodeSpec

V1 = (1.0,)
V2 = (2.0, 2.1)
V3 = (3.0, 3.1, 3.2)

V1_MODES = (
    Option("Append", "append", "Items of input 1, then items of input 2"),
    Option("Keep Key Matches", "keepKeyMatches", "Items of input 1 that match an item of input 2"),
    Option("Merge By Index", "mergeByIndex", "Merge the items of both inputs position by position"),
    Option("Merge By Key", "mergeByKey", "Merge items of input 1 with the input 2 item of the same key"),
    Option("Multiplex", "multiplex", "Every combination of an item of input 1 and one of input 2"),
    Option("Pass-Through", "passThrough", "Output the items of one input"),
    Option("Remove Key Matches", "removeKeyMatches", "Items of input 1 that match no item of input 2"),
    Option("Wait", "wait", "Wait for both inputs, then output one empty item"),
)
KEY_MODES = ("keepKeyMatches", "mergeByKey", "removeKeyMatches")

V1_PARAMETERS = (
    Parameter("mode", "Mode", "options", default="append", options=V1_MODES, show={"@version": V1}),
    Parameter(
        "join",
        "Join",
        "options",
        default="left",
        options=(Option("Inner Join", "inner"), Option("Left Join", "left"), Option("Outer Join", "outer")),
        show={"mode": ("mergeByIndex",), "@version": V1},
    ),
    Parameter("propertyName1", "Property Input 1", "string", default="", required=True, show={"mode": KEY_MODES, "@version": V1}),
    Parameter("propertyName2", "Property Input 2", "string", default="", required=True, show={"mode": KEY_MODES, "@version": V1}),
    Parameter(
        "output",
        "Output Data",
        "options",
        default="input1",
        options=(Option("Input 1", "input1"), Option("Input 2", "input2")),
        show={"mode": ("passThrough",), "@version": V1},
    ),
    Parameter(
        "overwrite",
        "Overwrite",
        "options",
        default="always",
        options=(Option("Always", "always"), Option("If Blank", "blank"), Option("If Missing", "undefined")),
        show={"mode": ("mergeByKey",), "@version": V1},
    ),
)

V2_PARAMETERS = (
    Parameter(
        "mode",
        "Mode",
        "options",
        default="append",
        options=(Option("Append", "append"), Option("Combine", "combine"), Option("Choose Branch", "chooseBranch")),
        show={"@version": V2},
    ),
    Parameter(
        "combinationMode",
        "Combination Mode",
        "options",
        default="mergeByFields",
        options=(
            Option("Merge By Fields", "mergeByFields"),
            Option("Merge By Position", "mergeByPosition"),
            Option("Multiplex", "multiplex"),
        ),
        show={"mode": ("combine",), "@version": V2},
    ),
    Parameter(
        "chooseBranchMode",
        "Output Type",
        "options",
        default="waitForBoth",
        options=(Option("Wait for Both Inputs to Arrive", "waitForBoth"),),
        show={"mode": ("chooseBranch",), "@version": V2},
    ),
    Parameter(
        "output",
        "Output",
        "options",
        default="input1",
        options=(Option("Input 1 Data", "input1"), Option("Input 2 Data", "input2"), Option("A Single, Empty Item", "empty")),
        show={"mode": ("chooseBranch",), "@version": V2},
    ),
)

V3_PARAMETERS = (
    Parameter(
        "mode",
        "Mode",
        "options",
        default="append",
        options=(
            Option("Append", "append", "Output items of each input, one after the other"),
            Option("Combine", "combine", "Merge matching items together"),
            Option("SQL Query", "combineBySql", "Write a query to do the merge"),
            Option("Choose Branch", "chooseBranch", "Output data from a specific branch, without modifying it"),
        ),
        show={"@version": V3},
    ),
    Parameter(
        "combineBy",
        "Combine By",
        "options",
        default="combineByFields",
        options=(
            Option("Matching Fields", "combineByFields"),
            Option("Position", "combineByPosition"),
            Option("All Possible Combinations", "combineAll"),
        ),
        show={"mode": ("combine",), "@version": V3},
    ),
    Parameter(
        "numberInputs",
        "Number of Inputs",
        "options",
        default=2,
        options=tuple(Option(str(count), count) for count in range(2, 11)),
        description="The number of data inputs to merge; the node waits for all connected inputs",
        show={"@version": V3},
    ),
    Parameter(
        "chooseBranchMode",
        "Output Type",
        "options",
        default="waitForAll",
        options=(Option("Wait for All Inputs to Arrive", "waitForAll"),),
        show={"mode": ("chooseBranch",), "@version": V3},
    ),
    Parameter(
        "output",
        "Output",
        "options",
        default="specifiedInput",
        options=(Option("Data of Specified Input", "specifiedInput"), Option("A Single, Empty Item", "empty")),
        show={"mode": ("chooseBranch",), "@version": V3},
    ),
    Parameter(
        "useDataOfInput",
        "Use Data of Input",
        "number",
        default=1,
        description="The number of the input whose data is output",
        show={"output": ("specifiedInput",), "@version": V3},
        type_options={"min": 1, "max": 10},
    ),
)


class Merge(NodeType):
    description = NodeDescription(
        name="knotwork.merge",
        display_name="Merge",
        group="flow",
        description="Merges data of multiple streams once data from both is available",
        versions=V1 + V2 + V3,
        default_version=3.2,
        parameters=V1_PARAMETERS + V2_PARAMETERS + v2_combine_parameters() + V3_PARAMETERS + v3_combine_parameters(),
        inputs=2,
        outputs=1,
        aliases=("n8n-nodes-base.merge",),
        search_aliases=("join", "concatenate", "wait", "combine", "append"),
        categories=("Core Nodes", "Flow"),
    )

    def input_count(self, node: NodeSpec) -> int:
        if node.type_version < 3:
            return 2
        return _number_of_inputs(node.parameters.get("numberInputs"))

    def required_inputs(self, node: NodeSpec) -> list[int] | None:
        """chooseBranch (v2+) waits for inputs 1 and 2; every other mode runs once any input has data."""
        if node.type_version >= 2 and node.parameters.get("mode") == "chooseBranch":
            return [0, 1]
        return None

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if ctx.type_version < 2:
            return execute_v1(ctx)
        if ctx.type_version < 3:
            return execute_v2(ctx)
        return execute_v3(ctx, self.input_count(ctx.node))


def _number_of_inputs(value: Any) -> int:
    """n8n builds `numberInputs || 2` inputs."""
    try:
        count = int(value)
    except (TypeError, ValueError):
        return 2
    return count if count > 0 else 2


def execute_v3(ctx: ExecuteContext, input_count: int) -> list[list[Item]]:
    inputs = [ctx.input(index) for index in range(input_count)]
    mode = ctx.param("mode", 0, "append")
    if mode == "append":
        return [[item for index, items in enumerate(inputs) for item in passed(items, index)]]
    if mode == "chooseBranch":
        return _choose_branch(ctx, inputs)
    if mode == "combine":
        return [_combine_v3(ctx, inputs)]
    if mode == "combineBySql":
        return [combine_by_sql(ctx, inputs)]
    raise NodeOperationError(f"The merge mode '{mode}' is not known")


def _combine_v3(ctx: ExecuteContext, inputs: list[list[Item]]) -> list[Item]:
    combine_by = ctx.param("combineBy", 0, "combineByFields")
    if combine_by == "combineByFields":
        return combine_by_fields(ctx, inputs[0], inputs[1], check_pairs(_v3_field_pairs(ctx)))
    if combine_by == "combineByPosition":
        return combine_by_position_v3(ctx, [passed(items, index) for index, items in enumerate(inputs)])
    if combine_by == "combineAll":
        return combine_all(ctx, passed(inputs[0], 0), passed(inputs[1], 1))
    raise NodeOperationError(f"The combine mode '{combine_by}' is not known")


def _v3_field_pairs(ctx: ExecuteContext) -> list[dict[str, Any]]:
    """`mergeByFields.values` when the names differ, else the comma-separated names for both."""
    if ctx.param("advanced", 0, False):
        return list(ctx.param("mergeByFields.values", 0, []) or [])
    names = str(ctx.param("fieldsToMatchString", 0, "") or "").split(",")
    return [{"field1": name.strip(), "field2": name.strip()} for name in names]


def _choose_branch(ctx: ExecuteContext, inputs: list[list[Item]]) -> list[list[Item]]:
    if ctx.param("chooseBranchMode", 0, "waitForAll") != "waitForAll":
        return [[]]
    output = ctx.param("output", 0, "specifiedInput")
    if output == "specifiedInput":
        chosen = int(ctx.param("useDataOfInput", 0, 1))
        if chosen > len(inputs) or chosen < 1:
            raise NodeOperationError(
                f"Input {chosen} doesn't exist",
                description=f"The node has only {len(inputs)} inputs, so selecting input {chosen} is not possible.",
            )
        return [passed(inputs[chosen - 1], chosen - 1)]
    if output == "empty":
        # n8n pairs the empty item with the items of the first two inputs only.
        return [[Item({}, paired=every_input_item(inputs[:2]))]]
    return [[]]
