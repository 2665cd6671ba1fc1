"""No Operation and Sticky Note: nodes that do nothing, on purpose."""

from __future__ import annotations

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter


class NoOp(NodeType):
    description = NodeDescription(
        name="knotwork.noOp",
        display_name="No Operation, do nothing",
        group="organization",
        description="Passes its input through unchanged; useful as a named end point",
        versions=(1.0,),
        default_version=1.0,
        aliases=("n8n-nodes-base.noOp",),
        search_aliases=("nothing", "noop", "pass"),
        categories=("Core Nodes", "Flow"),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [ctx.input_items]


class StickyNote(NodeType):
    """A canvas note. It has no inputs or outputs, so the executor never reaches it."""

    description = NodeDescription(
        name="knotwork.stickyNote",
        display_name="Sticky Note",
        group="organization",
        description="A markdown note on the canvas",
        versions=(1.0,),
        default_version=1.0,
        inputs=0,
        outputs=0,
        aliases=("n8n-nodes-base.stickyNote",),
        parameters=(
            Parameter("content", "Content", "string", default="", type_options={"rows": 6, "markdown": True}),
            Parameter("height", "Height", "number", default=160),
            Parameter("width", "Width", "number", default=240),
            Parameter("color", "Color", "number", default=1),
        ),
        categories=("Core Nodes",),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return []
