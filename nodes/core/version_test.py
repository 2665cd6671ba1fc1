"""The test-only `versionTest` node n8n's engine tests use to check per-version parameter defaults.

Each item becomes `{versionFromNode: <typeVersion>, versionFromParameter: <versionTest>}`; the
`versionTest` parameter defaults to the node's version (1 or 2), as its display rules say.
"""

from __future__ import annotations

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter

from .set_convert import number_value


class VersionTest(NodeType):
    description = NodeDescription(
        name="knotwork.versionTest",
        display_name="Version Test",
        group="organization",
        description="Test node: outputs its version and the version-dependent parameter default",
        versions=(1.0, 2.0),
        default_version=2.0,
        parameters=(
            Parameter("versionTest", "Display V1", "number", default=1, show={"@version": (1.0,)}),
            Parameter("versionTest", "Display V2", "number", default=2, show={"@version": (2.0,)}),
        ),
        aliases=("n8n-nodes-base.versionTest",),
        hidden=True,
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        version = number_value(float(ctx.type_version))
        return [
            [
                Item(
                    {"versionFromNode": version, "versionFromParameter": ctx.param("versionTest", index, version)},
                    paired=(index, 0),
                )
                for index in range(len(ctx.input_items))
            ]
        ]
