"""What every file node shares: running per item with n8n's error handling, dotted lookups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from engine.errors import ExecutionCanceled, NodeError, NodeOperationError
from engine.items import Item, Paired
from engine.node_api import ExecuteContext
from nodes.core.dot_path import MISSING
from nodes.core.dot_path import get_path as dotted_get
from nodes.core.dot_path import set_path as dotted_set

__all__ = ["MISSING", "all_items", "error_item", "failure", "get_path", "per_item", "set_path"]

ItemHandler = Callable[[int, Item], Awaitable[list[Item]]]


def failure(ctx: ExecuteContext, error: Exception, item_index: int | None) -> NodeError:
    """`error` as a NodeError naming this node and the item (a NodeError is completed in place)."""
    failed = error if isinstance(error, NodeError) else NodeOperationError(str(error) or type(error).__name__)
    failed.node = failed.node or ctx.node.name
    if failed.item_index is None:
        failed.item_index = item_index
    return failed


def error_item(ctx: ExecuteContext, error: Exception, item_index: int | None, paired: Paired) -> Item:
    """The item n8n outputs for a failure when the node continues on fail: `{"error": message}`."""
    return Item({"error": failure(ctx, error, item_index).message}, paired=paired)


async def per_item(ctx: ExecuteContext, handler: ItemHandler) -> list[Item]:
    """Run `handler(index, item)` for every input item and concatenate what it returns.

    A failing item becomes an error item paired to it when the node continues on fail; otherwise
    the failure is raised as a NodeError naming the node and the item index.
    """
    output: list[Item] = []
    for index, item in enumerate(ctx.input_items):
        try:
            output.extend(await handler(index, item))
        except ExecutionCanceled:
            raise
        except Exception as error:
            if not ctx.continue_on_fail:
                failed = failure(ctx, error, index)
                if failed is error:
                    raise
                raise failed from error
            output.append(error_item(ctx, error, index, (index, 0)))
    return output


async def all_items(ctx: ExecuteContext, build: Callable[[], Awaitable[Item]]) -> list[Item]:
    """Run `build()` once for all input items (n8n's "once" mode), pairing its item with all of them.

    A failure becomes one error item when the node continues on fail, else it is raised.
    """
    paired: Paired = [(index, 0) for index in range(len(ctx.input_items))]
    try:
        item = await build()
    except ExecutionCanceled:
        raise
    except Exception as error:
        if not ctx.continue_on_fail:
            failed = failure(ctx, error, None)
            if failed is error:
                raise
            raise failed from error
        return [error_item(ctx, error, None, paired)]
    item.paired = paired
    return [item]


def get_path(data: Any, path: str) -> Any:
    """lodash `get` for dotted paths with [n] indexes; MISSING when a part is absent."""
    return dotted_get(data, path)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """lodash `set` for dotted paths: creates the objects on the way, copies shared containers."""
    dotted_set(data, path, value, set())
