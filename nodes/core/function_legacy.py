"""n8n's legacy Function and Function Item nodes (`function` / `functionItem` v1, removed from n8n
3.0 but still in many exported workflows): JavaScript over the items, run like the JavaScript Code
node (engine/js). Hidden from the palette: new workflows use the Code node.

Function runs `functionCode` once with `items` and returns the items. Function Item runs it once
per item with `item` bound to that item's JSON and returns the new JSON (n8n's contract); the
returned object becomes the item, paired with the one it came from.
"""

from __future__ import annotations

from engine.errors import SandboxError
from engine.items import Item, item_from_json
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter
from engine.sandbox.results import ALL_ITEMS, EACH_ITEM

_FUNCTION_EXAMPLE = """// Code here will run only once, no matter how many input items there are.
// Loop over inputs and add a new field called 'myNewField' to the JSON of each one
for (item of items) {
  item.json.myNewField = 1;
}
return items;"""
_FUNCTION_ITEM_EXAMPLE = """// Code here will run once per input item.
// Add a new field called 'myNewField' to the JSON of the item
item.myNewField = 1;
return item;"""


def _description(name: str, display: str, alias: str, default: str, text: str) -> NodeDescription:
    return NodeDescription(
        name=name, display_name=display, group="transform", description=text, versions=(1.0,),
        default_version=1.0, aliases=(alias,), hidden=True, categories=("Core Nodes",),
        parameters=(Parameter("functionCode", "JavaScript Code", "code", default=default,
                              type_options={"language": "javaScript", "rows": 10}),),
    )


async def _run(ctx: ExecuteContext, code: str, mode: str) -> list[list[Item]]:
    from engine.js.code import run_javascript  # V8 loads only when JavaScript runs

    runner = ctx.services.code_runner
    try:
        items = await run_javascript(ctx.proxy(0), code, mode, timeout=float(getattr(runner, "timeout_s", 30.0)),
                                     max_memory=int(getattr(runner, "memory_mb", 512)) * 2**20, log=ctx.log)
    except SandboxError as error:
        if ctx.continue_on_fail:
            return [[Item({"error": error.message})]]
        raise
    return [[item_from_json(item) for item in items]]


class FunctionNode(NodeType):
    description = _description("knotwork.function", "Function (legacy)", "n8n-nodes-base.function",
                               _FUNCTION_EXAMPLE, "n8n's legacy Function node: JavaScript over all items")

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return await _run(ctx, str(ctx.raw_param("functionCode", "") or ""), ALL_ITEMS)


class FunctionItemNode(NodeType):
    description = _description("knotwork.functionItem", "Function Item (legacy)", "n8n-nodes-base.functionItem",
                               _FUNCTION_ITEM_EXAMPLE, "n8n's legacy Function Item node: JavaScript per item")

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        code = str(ctx.raw_param("functionCode", "") or "")
        # `item` is the item's JSON here; what the code returns is the new JSON (kept on the user's line 1)
        wrapped = "return { json: (function (item) { " + code + "\n}).call(this, $input.item.json) };"
        return await _run(ctx, wrapped, EACH_ITEM)

