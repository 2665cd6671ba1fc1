"""Small node types that exist only for engine tests (registered in a test-only registry)."""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter
from engine.registry import NodeRegistry
from engine.workflow import NodeSpec
from nodes.core import NODE_TYPES


def _description(name: str, **extra: Any) -> NodeDescription:
    return NodeDescription(
        name=f"test.{name}",
        display_name=name.title(),
        group="transform",
        description=f"test node {name}",
        versions=(1.0,),
        default_version=1.0,
        **extra,
    )


class Emit(NodeType):
    """Outputs the items in parameter `items` (or `perOutput`: one list per output)."""

    description = _description(
        "emit",
        parameters=(Parameter("items", "Items", "json", default=[]), Parameter("outputs", "Outputs", "number", default=1)),
    )

    def output_count(self, node: NodeSpec) -> int:
        return int(node.parameters.get("outputs", 1))

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        per_output = ctx.raw_param("perOutput", None)
        if per_output is not None:
            return [[Item(dict(j)) for j in output] for output in per_output]
        return [[Item(dict(j)) for j in ctx.raw_param("items")]]


class Evaluate(NodeType):
    """One output item per input item: `{"value": <parameter value for that item>}`."""

    description = _description("evaluate", parameters=(Parameter("value", "Value", "string", default=""),))

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [[Item({"value": ctx.param("value", i)}) for i in range(len(ctx.input_items))]]


class Fail(NodeType):
    """Fails its first `failTimes` runs within an execution (all runs when absent)."""

    description = _description(
        "fail",
        parameters=(
            Parameter("message", "Message", "string", default="boom"),
            Parameter("failTimes", "Fail times", "number", default=-1),
            Parameter("perItem", "Per item", "boolean", default=False),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        calls = ctx.node_context["calls"] = ctx.node_context.get("calls", 0) + 1
        fail_times = ctx.raw_param("failTimes")
        failing = fail_times < 0 or calls <= fail_times
        message = ctx.raw_param("message")
        if ctx.raw_param("perItem"):
            out = []
            for index, item in enumerate(ctx.input_items):
                if failing and item.json.get("bad") and ctx.continue_on_fail:
                    out.append(Item({"error": message}, paired=(index, 0)))
                elif failing and item.json.get("bad"):
                    raise NodeOperationError(message, item_index=index)
                else:
                    out.append(Item({**item.json, "calls": calls}, paired=(index, 0)))
            return [out]
        if failing:
            raise NodeOperationError(f"{message} (call {calls})")
        return [[Item({"calls": calls})]]


class Join(NodeType):
    """Two inputs, concatenated; releasable with partial input (like Merge append)."""

    description = _description("join", inputs=2)

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [[item.with_paired(item.paired) for k in range(2) for item in ctx.input(k)]]


class Slow(NodeType):
    """Awaits an event that never comes (for timeouts and cancellation)."""

    description = _description("slow")

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        import asyncio

        await asyncio.Event().wait()
        return [[]]


class Countdown(NodeType):
    """Output 1 ("again") for its first `times` runs, then output 0 ("done"); items pass through."""

    description = _description(
        "countdown", outputs=2, output_names=("done", "again"),
        parameters=(Parameter("times", "Times", "number", default=2),),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        runs = ctx.node_context["runs"] = ctx.node_context.get("runs", 0) + 1
        items = ctx.input_items
        return [[], items] if runs <= ctx.raw_param("times") else [items, []]


class Secret(NodeType):
    """Outputs the credential its `credentials.testAuth` reference points at, and the token's length
    (which survives the scrubbing of secrets from saved data)."""

    description = _description("secret")

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        reference = ctx.node.credentials.get("testAuth", {})
        data = await ctx.services.credentials.get(ctx.node.name, "testAuth", reference)
        return [[Item({**data, "tokenLength": len(data.get("token", ""))})]]


TEST_NODE_TYPES: list[type[NodeType]] = [Emit, Evaluate, Fail, Join, Slow, Countdown, Secret]


def make_registry() -> NodeRegistry:
    return NodeRegistry([*NODE_TYPES, *TEST_NODE_TYPES])


def node(name: str, type_name: str, x: float = 0, y: float = 0, **fields: Any) -> dict[str, Any]:
    parameters = fields.pop("parameters", {})
    full_type = type_name if "." in type_name else f"test.{type_name}"
    return {"name": name, "type": full_type, "typeVersion": 1, "position": [x, y], "parameters": parameters, **fields}


def connect(*edges: tuple[str, str] | tuple[str, str, int] | tuple[str, str, int, int]) -> dict[str, Any]:
    """connect(("A", "B"), ("A", "C", 1), ("B", "M", 0, 1)): source, target, output, input."""
    connections: dict[str, Any] = {}
    for edge in edges:
        source, target = edge[0], edge[1]
        output = edge[2] if len(edge) > 2 else 0
        input_index = edge[3] if len(edge) > 3 else 0
        outputs = connections.setdefault(source, {"main": []})["main"]
        while len(outputs) <= output:
            outputs.append([])
        outputs[output].append({"node": target, "type": "main", "index": input_index})
    return connections


def workflow(nodes: list[dict[str, Any]], connections: dict[str, Any], order: str | None = "v1", **extra: Any) -> dict[str, Any]:
    settings = {"executionOrder": order} if order else {}
    settings.update(extra.pop("settings", {}))
    return {"name": "test", "nodes": nodes, "connections": connections, "settings": settings, **extra}
