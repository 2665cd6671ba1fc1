"""Limit: keep only the first or the last N items (n8n `limit` v1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter
from nodes.core.set_convert import js_to_number


def limit_parameters(show: dict[str, tuple[Any, ...]] | None = None) -> tuple[Parameter, ...]:
    return (
        Parameter("maxItems", "Max Items", "number", default=1, type_options={"min": 1}, show=show,
                  description="If there are more items than this number, some are removed"),
        Parameter("keep", "Keep", "options", default="firstItems", show=show,
                  options=(Option("First Items", "firstItems"), Option("Last Items", "lastItems")),
                  description="When removing items, whether to keep the ones at the start or the ending"),
    )


class Limit(NodeType):
    description = NodeDescription(
        name="knotwork.limit",
        display_name="Limit",
        group="transform",
        description="Restrict the number of items",
        versions=(1.0,),
        default_version=1.0,
        aliases=("n8n-nodes-base.limit",),
        search_aliases=("limit", "first", "last", "top", "head", "tail", "slice"),
        categories=("Core Nodes", "Data Transformation"),
        parameters=limit_parameters(),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [limit_items(ctx, ctx.input_items)]


def limit_items(ctx: ExecuteContext, items: Sequence[Item]) -> list[Item]:
    """The first (or last) `maxItems` items, paired with their input positions.

    Raises NodeOperationError when `maxItems` is not a number."""
    raw = ctx.param("maxItems", 0, 1)
    number = js_to_number(raw)
    if number != number:  # NaN
        raise NodeOperationError(f"'Max Items' must be a number, got {raw!r}")
    maximum = max(int(number), 0)
    indexes = range(len(items))
    if len(items) > maximum:
        keep_last = ctx.param("keep", 0, "firstItems") == "lastItems"
        indexes = range(len(items) - maximum, len(items)) if keep_last else range(maximum)
    return [items[index].with_paired((index, 0)) for index in indexes]
