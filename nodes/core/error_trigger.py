"""Error Trigger (n8n `errorTrigger`): where an error workflow starts. services.error_workflows runs
it with one item describing the failed execution; a manual run with no input gets n8n's sample."""

from __future__ import annotations

import copy

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter

# What n8n's Error Trigger emits when run from the editor, so an error workflow can be built
# before anything has failed (the URL points at Knotwork's execution page instead).
SAMPLE = {
    "execution": {
        "id": 231,
        "url": "/execution/231",
        "retryOf": "34",
        "error": {"message": "Example Error Message", "stack": "Stacktrace"},
        "lastNodeExecuted": "Node With Error",
        "mode": "manual",
    },
    "workflow": {"id": "1", "name": "Example Workflow"},
}


class ErrorTrigger(NodeType):
    description = NodeDescription(
        name="knotwork.errorTrigger",
        display_name="Error Trigger",
        group="trigger",
        description="Starts the workflow when another workflow has an error",
        versions=(1.0,),
        default_version=1.0,
        parameters=(
            Parameter(
                "notice", "This node starts when a workflow that names this one as its error workflow "
                "(Settings → Error workflow) fails.", "notice", default="",
            ),
        ),
        inputs=0,
        outputs=1,
        aliases=("n8n-nodes-base.errorTrigger",),
        search_aliases=("error", "failure", "on error", "alert"),
        categories=("Core Nodes",),
        # Not an event trigger: services.error_workflows starts runs at this node by name.
        trigger=False,
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        items = ctx.input_items
        if ctx.mode == "manual" and len(items) == 1 and not items[0].json and not items[0].binary:
            return [[Item(copy.deepcopy(SAMPLE))]]
        return [[Item(item.json, item.binary) for item in items]]

