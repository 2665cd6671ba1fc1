"""Switch: route each item to one (or several) of many outputs (n8n `switch`, v1 to v3.2).

The number and names of the outputs depend on the parameters (the rules, the fallback output,
the number of outputs of expression mode), so `output_count`/`output_names` read them. The
versions live in switch_legacy (v1, v2) and switch_v3 (v3, 3.1, 3.2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .switch_legacy import execute_legacy, legacy_output_names, legacy_parameters
from .switch_v3 import execute_v3, v3_output_names, v3_parameters

if TYPE_CHECKING:
    from engine.workflow import NodeSpec


class Switch(NodeType):
    description = NodeDescription(
        name="knotwork.switch",
        display_name="Switch",
        group="transform",
        description="Route items depending on defined expression or rules",
        versions=(1.0, 2.0, 3.0, 3.1, 3.2),
        default_version=3.2,
        outputs=4,
        aliases=("n8n-nodes-base.switch",),
        search_aliases=("router", "if", "path", "filter", "condition", "logic", "branch", "case"),
        categories=("Core Nodes", "Flow"),
        icon="fa:map-signs",
        parameters=(
            Parameter(
                "mode",
                "Mode",
                "options",
                default="rules",
                options=(
                    Option("Rules", "rules", "Build a matching rule for each output"),
                    Option("Expression", "expression", "Write an expression to return the output index"),
                ),
                description="How data should be routed",
            ),
            *legacy_parameters(),
            *v3_parameters(),
        ),
    )

    def output_count(self, node: NodeSpec) -> int:
        return len(self.output_names(node))

    def output_names(self, node: NodeSpec) -> list[str]:
        parameters = dict(node.parameters)
        if node.type_version < 3:
            return legacy_output_names(parameters, node.type_version)
        return v3_output_names(parameters)

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        count = self.output_count(ctx.node)
        if ctx.type_version < 3:
            return execute_legacy(ctx, count)
        return execute_v3(ctx, count)
