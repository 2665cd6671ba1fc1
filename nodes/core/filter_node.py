"""Filter: keep the items that match the conditions; the others are dropped.

Same condition models as IF: v1 the legacy per-type conditions (combined with AND/OR), v2+ the
filter parameter. n8n computes a "discarded" list too, but the node exposes only one output.
"""

from __future__ import annotations

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .conditions_legacy import legacy_conditions_parameter
from .if_node import V1, filter_parameters, route_items, route_items_legacy


class Filter(NodeType):
    description = NodeDescription(
        name="knotwork.filter",
        display_name="Filter",
        group="transform",
        description="Remove items matching a condition",
        versions=(1.0, 2.0, 2.1, 2.2),
        default_version=2.2,
        outputs=1,
        output_names=("Kept",),
        aliases=("n8n-nodes-base.filter",),
        search_aliases=("filter", "condition", "remove", "keep", "where"),
        categories=("Core Nodes", "Flow"),
        icon="fa:filter",
        parameters=(
            legacy_conditions_parameter(V1),
            Parameter(
                "combineConditions",
                "Combine Conditions",
                "options",
                default="AND",
                show=V1,
                options=(
                    Option(
                        "AND", "AND", "Items are passed to the next node only if they meet all the conditions"
                    ),
                    Option(
                        "OR", "OR", "Items are passed to the next node if they meet at least one condition"
                    ),
                ),
                description="How to combine the conditions: AND requires all conditions to be true, "
                "OR requires at least one condition to be true",
            ),
            *filter_parameters(),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if ctx.type_version < 2:
            kept, _ = route_items_legacy(ctx, "combineConditions", "AND", {"AND": "all", "OR": "any"})
        else:
            kept, _ = route_items(ctx)
        return [kept]
