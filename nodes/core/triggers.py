"""Start nodes that need no outside event: Manual Trigger and n8n's legacy Start node."""

from __future__ import annotations

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType


def start_items(ctx: ExecuteContext) -> list[Item]:
    return [Item(item.json, item.binary) for item in ctx.input_items] or [Item({})]


class ManualTrigger(NodeType):
    description = NodeDescription(
        name="knotwork.manualTrigger",
        display_name="Manual Trigger",
        group="trigger",
        description="Starts the workflow when you click Execute in the editor",
        versions=(1.0,),
        default_version=1.0,
        inputs=0,
        outputs=1,
        aliases=("n8n-nodes-base.manualTrigger",),
        search_aliases=("click", "test", "start"),
        categories=("Core Nodes",),
        trigger=True,
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        # The executor feeds a trigger its start items ({"json": {}} for manual runs); trigger
        # output starts a lineage, so it pairs with nothing.
        return [start_items(ctx)]


class Start(NodeType):
    description = NodeDescription(
        name="knotwork.start",
        display_name="Start",
        group="trigger",
        description="The start node of old n8n workflows (kept so they import and run)",
        versions=(1.0,),
        default_version=1.0,
        inputs=0,
        outputs=1,
        aliases=("n8n-nodes-base.start",),
        hidden=True,
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [start_items(ctx)]
