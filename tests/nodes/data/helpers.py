"""Running one data node on given items, with a FakeContext that also keeps workflow static data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.items import Item
from engine.node_api import NodeType
from tests.nodes.fake import FakeContext, make_node


@dataclass
class DataContext(FakeContext):
    """FakeContext plus `static_data(scope)` over a shared dict (n8n's getWorkflowStaticData)."""

    workflow_static: dict[str, Any] = field(default_factory=dict)

    def static_data(self, scope: str = "node") -> dict[str, Any]:
        key = "global" if scope == "global" else f"node:{self.node.name}"
        return self.workflow_static.setdefault(key, {})


def items(*jsons: dict[str, Any]) -> list[Item]:
    return [Item(json) for json in jsons]


def jsons(output: list[Item]) -> list[dict[str, Any]]:
    return [item.json for item in output]


async def run_outputs(
    node_type: NodeType, version: float, parameters: dict[str, Any], inputs: list[Item], **flags: Any
) -> list[list[Item]]:
    """Every output of one run of the node."""
    static = flags.pop("static", None)
    services = flags.pop("services", None)
    node = make_node(node_type.description.name, version, parameters, **flags)
    ctx = DataContext(node, [inputs])
    if static is not None:
        ctx.workflow_static = static
    if services is not None:
        ctx.services = services
    return await node_type.execute(ctx)


async def run(node_type: NodeType, version: float, parameters: dict[str, Any], inputs: list[Item], **flags: Any) -> list[Item]:
    """Output 0 of one run of the node."""
    return (await run_outputs(node_type, version, parameters, inputs, **flags))[0]
