"""Removing items seen in previous executions: the history lives in the workflow's static data.

`ctx.static_data("node")` (scope node) or `ctx.static_data("global")` (scope workflow) holds a
`deduplication` dict: `entries` (seen values, oldest first, at most `historySize`),
`latestIncrementalKey` (a number) and `latestDate` (ISO text). The executor saves static data with
the workflow after production runs, as n8n does. Items are grouped by their dedupe value; a group is
wholly new or wholly already processed, and groups come out in JavaScript object-key order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.core.set_convert import js_string, number_value

from .common import js_key_order, to_number

HISTORY_KEY = "deduplication"
DEFAULT_HISTORY_SIZE = 10000
SEEN = "removeItemsWithAlreadySeenKeyValues"
INCREMENTAL = "removeItemsUpToStoredIncrementalKey"
DATE = "removeItemsUpToStoredDate"


def history(ctx: ExecuteContext) -> dict[str, Any]:
    """The deduplication history of this node's scope. Raises NodeOperationError for an unknown scope."""
    scope = ctx.param("options.scope", 0, "node")
    if scope not in ("node", "workflow"):
        raise NodeOperationError(f"The context '{scope}' is not supported. Please select either \"node\" or \"workflow\".")
    data = ctx.static_data("global" if scope == "workflow" else "node")  # type: ignore[attr-defined]
    stored = data.get(HISTORY_KEY)
    if not isinstance(stored, dict):
        stored = data[HISTORY_KEY] = {}
    return stored


def clear_history(ctx: ExecuteContext) -> None:
    history(ctx).clear()


def remove_seen(ctx: ExecuteContext, items: Sequence[Item]) -> tuple[list[Item], list[Item]]:
    """(new, already processed) items per the `logic` parameter; the history is updated."""
    logic = ctx.param("logic", 0, SEEN)
    if logic == SEEN:
        return _by_entries(ctx, items)
    if logic == INCREMENTAL:
        return _by_latest(ctx, items, "latestIncrementalKey", _incremental_value, "incrementalDedupeValue")
    if logic in (DATE, "RemoveItemsUpToStoredDate"):
        return _by_latest(ctx, items, "latestDate", _date_value, "dateDedupeValue")
    return [item.with_paired((index, 0)) for index, item in enumerate(items)], []


def _value(ctx: ExecuteContext, name: str, index: int) -> Any:
    legacy = {"dedupeValue": "dedupeField", "incrementalDedupeValue": "incrementalDedupeField",
              "dateDedupeValue": "dateDedupeField"}[name]
    stored = getattr(ctx.node, "parameters", None) or {}
    if name not in stored and legacy in stored:  # the names n8n's first v2 releases used
        name = legacy
    return ctx.param(name, index, "")


def _groups(keys: Sequence[str], items: Sequence[Item]) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = {}
    for index, (key, item) in enumerate(zip(keys, items, strict=True)):
        groups.setdefault(key, []).append(item.with_paired((index, 0)))
    return {key: groups[key] for key in js_key_order(groups)}


def _by_entries(ctx: ExecuteContext, items: Sequence[Item]) -> tuple[list[Item], list[Item]]:
    keys = []
    for index in range(len(items)):
        value = _value(ctx, "dedupeValue", index)
        keys.append("" if value is None else js_string(value))
    groups = _groups(keys, items)
    stored = history(ctx)
    entries = [entry for entry in stored.get("entries") or [] if isinstance(entry, str)]
    known = set(entries)
    fresh, processed = [], []
    for key, members in groups.items():
        (processed if key in known else fresh).extend(members)
        if key not in known:
            entries.append(key)
    size = _history_size(ctx)
    stored["entries"] = entries[-size:] if size > 0 else entries
    if size > 0 and len(stored["entries"]) / size > 0.8:
        ctx.log(f"Some duplicates may be not be removed since you're approaching the maximum history size "
                f"({size} items). You can raise this limit using the ‘history size’ option.")
    return fresh, processed


def _history_size(ctx: ExecuteContext) -> int:
    number = to_number(ctx.param("options.historySize", 0, DEFAULT_HISTORY_SIZE))
    return int(number) if math.isfinite(number) else DEFAULT_HISTORY_SIZE


def _by_latest(
    ctx: ExecuteContext,
    items: Sequence[Item],
    slot: str,
    parse: Callable[[Any], tuple[str, float]],
    parameter: str,
) -> tuple[list[Item], list[Item]]:
    """Keep the items whose value is above the stored one; store the highest value seen."""
    parsed = [parse(_value(ctx, parameter, index)) for index in range(len(items))]
    order = {text: number for text, number in parsed}
    groups = _groups([text for text, _ in parsed], items)
    stored = history(ctx)
    latest = stored.get(slot)
    bound = parse(latest)[1] if latest is not None else -math.inf
    fresh, processed = [], []
    for key, members in groups.items():
        (fresh if order[key] > bound else processed).extend(members)
    best = max((number for _, number in parsed), default=-math.inf)
    if best > bound:
        stored[slot] = _stored_form(slot, best)
    return fresh, processed


def _stored_form(slot: str, number: float) -> Any:
    if slot == "latestDate":
        return dt.datetime.fromtimestamp(number, dt.UTC).isoformat().replace("+00:00", "Z")
    return number_value(number)


def _incremental_value(value: Any) -> tuple[str, float]:
    """(group key, number). Raises NodeOperationError for a value that is not a number."""
    number = to_number(value)
    if math.isnan(number):
        raise NodeOperationError(f"The value '{js_string(value)}' is not a number. Please provide a number.")
    return js_string(number_value(number)), number


def _date_value(value: Any) -> tuple[str, float]:
    """(group key, timestamp). Raises NodeOperationError for a value that is not a date."""
    text = "" if value is None else js_string(value)
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise NodeOperationError(f"The value '{text}' is not a valid date. Please provide a valid date.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return text, moment.timestamp()
