"""Helpers the format nodes share: the per-item loop with n8n's error handling, binary data
access, dot-path reads and the workflow's time zone."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import ExecutionCanceled, NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.core.dot_path import MISSING, get_path

ItemHandler = Callable[[int, Item], Awaitable[list[Item]]]


async def map_items(ctx: ExecuteContext, handler: ItemHandler) -> list[Item]:
    """Run `handler` for every input item and concatenate what it returns.

    A failing item becomes `{"error": message}` paired to it when the node continues on fail;
    otherwise the error is raised as a NodeOperationError naming the node and the item index."""
    output: list[Item] = []
    for index, item in enumerate(ctx.input_items):
        try:
            output.extend(await handler(index, item))
        except ExecutionCanceled:
            raise
        except Exception as error:  # n8n turns any per-item failure into an error item
            output.append(item_error(ctx, index, error))
    return output


def item_error(ctx: ExecuteContext, index: int, error: Exception) -> Item:
    """The error item for `continue_on_fail`, or raise the failure with node and item filled in."""
    failure = error if isinstance(error, NodeError) else NodeOperationError(str(error) or type(error).__name__)
    if ctx.continue_on_fail:
        return Item({"error": failure.message}, paired=(index, 0))
    if failure.item_index is None:
        failure.item_index = index
    if failure.node is None:
        failure.node = ctx.node.name
    if failure is error:
        raise failure
    raise failure from error


def read_field(data: dict[str, Any], path: str) -> Any:
    """A json field by literal key first, then by dot path (lodash `get`); MISSING if absent."""
    if path in data:
        return data[path]
    return get_path(data, path)


async def read_binary(ctx: ExecuteContext, item: Item, property_name: str, index: int) -> bytes:
    """The bytes of one binary property of an item (inline base64 or in the binary store).

    Raises NodeOperationError when the item has no such binary property."""
    entry = (item.binary or {}).get(property_name)
    if not isinstance(entry, dict):
        if not item.binary:
            raise NodeOperationError("This operation expects the node's input data to contain a binary file "
                                     f"'{property_name}', but none was found [item {index}]", item_index=index)
        raise NodeOperationError(f"The item has no binary field '{property_name}' [item {index}]",
                                 description="Check that the parameter where you specified the input binary field "
                                 "name is correct, and that it matches a field in the binary input",
                                 item_index=index)
    if entry.get("data"):
        return base64.b64decode(entry["data"])
    if entry.get("id"):
        return bytes(await ctx.services.binary.get(str(entry["id"])))
    return b""


def workflow_timezone(ctx: ExecuteContext) -> dt.tzinfo:
    """The workflow's time zone (its settings, else the instance default, else UTC)."""
    zone = getattr(ctx, "timezone", None)
    if isinstance(zone, dt.tzinfo):
        return zone
    return zone_named(getattr(ctx.services, "default_timezone", None) or "UTC")


def zone_named(name: str) -> ZoneInfo:
    """A ZoneInfo by IANA name. Raises NodeOperationError naming the zone when it is unknown."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise NodeOperationError(f"The timezone {name} is not valid. Please check the timezone.") from None


def current_time(ctx: ExecuteContext) -> dt.datetime:
    """Now, from the execution's clock (aware, UTC)."""
    return ctx.services.clock.now().astimezone(dt.UTC)


def is_missing(value: Any) -> bool:
    return value is MISSING
