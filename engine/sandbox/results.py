"""What a Code node's user code may return, and how its errors read (n8n's wording and format).

Runs in the sandbox worker (normalising results) and in the host (the Code node formats error
messages with `format_error_message`); it imports only the standard library.

All-items mode must return a list (or tuple) of items `{"json": {...}, "binary"?, "pairedItem"?,
"error"?}` or of plain dicts, which are wrapped as `{"json": dict}`; a single dict is accepted as
a list of one. Each-item mode must return one such dict, or None to drop the item. As in n8n, once
any returned dict uses an item key, every returned dict must use item keys only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ALL_ITEMS = "runOnceForAllItems"
EACH_ITEM = "runOnceForEachItem"
ITEM_KEYS = frozenset({"json", "binary", "pairedItem", "error"})

_LIST_HINT = "Please return a list of dictionaries, one for each item you would like to output."


class ValidationError(Exception):
    """User code returned something that is not items; `item_index` names the culprit if known."""

    def __init__(self, message: str, description: str, item_index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.description = description
        self.item_index = item_index

    def to_dict(self) -> dict[str, Any]:
        """The error in the answer's shape (see `format_error_message`)."""
        error: dict[str, Any] = {
            "message": self.message,
            "type": "ValidationError",
            "description": self.description,
        }
        if self.item_index is not None:
            error["itemIndex"] = self.item_index
        return error


def format_error_message(error: Mapping[str, Any]) -> str:
    """n8n's text for a Code-node error: "<message> [line N]", "[line N, for item I]" or "[item I]"."""
    message = str(error.get("message") or "Unknown error")
    line, item = error.get("line"), error.get("itemIndex")
    if line is not None and item is not None:
        return f"{message} [line {line}, for item {item}]"
    if line is not None:
        return f"{message} [line {line}]"
    if item is not None:
        return f"{message} [item {item}]"
    return message


def normalize_all(result: Any) -> list[dict[str, Any]]:
    """The items returned in all-items mode, as item dicts. Raises ValidationError."""
    if isinstance(result, dict):
        result = [result]
    elif not isinstance(result, (list, tuple)):
        raise ValidationError(f"Code doesn't return items properly (it returned {_a(result)})", _LIST_HINT)
    item_shaped = any(isinstance(entry, dict) and not ITEM_KEYS.isdisjoint(entry) for entry in result)
    return [_output_item(entry, index, item_shaped) for index, entry in enumerate(result)]


def normalize_each(result: Any, index: int) -> dict[str, Any] | None:
    """The item returned for input item `index` in each-item mode (None: dropped)."""
    if result is None:
        return None
    if isinstance(result, (list, tuple)):
        raise ValidationError(
            f"Code doesn't return a single object (it returned {_a(result)})",
            "If you need to output multiple items, please use the 'Run Once for All Items' mode instead.",
            index,
        )
    if not isinstance(result, dict):
        raise ValidationError(
            f"Code doesn't return an object (it returned {_a(result)})",
            "Please return a dictionary representing the output item, or None to output nothing.",
            index,
        )
    item = dict(_output_item(result, index, item_shaped=not ITEM_KEYS.isdisjoint(result)))
    item.setdefault("pairedItem", {"item": index})
    return item


def _output_item(entry: Any, index: int, item_shaped: bool) -> dict[str, Any]:
    """The item for one returned entry; may be `entry` itself when it is already exactly
    `{"json": {...}}` (100,000 items then cost no copies)."""
    if not isinstance(entry, dict):
        raise ValidationError(
            f"Code doesn't return items properly ({_a(entry)} instead of a dictionary)", _LIST_HINT, index
        )
    if not item_shaped:
        return {"json": entry}
    if not entry.keys() <= ITEM_KEYS:
        unknown = next(key for key in entry if key not in ITEM_KEYS)
        raise ValidationError(
            f"Unknown top-level item key: {unknown}",
            "Access the properties of an item under `.json`, e.g. `item.json`",
            index,
        )
    data = entry.get("json", {})
    if not isinstance(data, dict):
        raise ValidationError(
            "A 'json' property isn't an object",
            f"In the returned data, every key named 'json' must point to a dictionary (not {_a(data)}).",
            index,
        )
    if len(entry) == 1 and "json" in entry:
        return entry
    item: dict[str, Any] = {"json": data}
    binary = entry.get("binary")
    if binary is not None:
        if not isinstance(binary, dict):
            raise ValidationError(
                "A 'binary' property isn't an object",
                f"In the returned data, every key named 'binary' must point to a dictionary (not {_a(binary)}).",
                index,
            )
        item["binary"] = binary
    for key in ("pairedItem", "error"):
        if entry.get(key) is not None:
            item[key] = entry[key]
    return item


def _a(value: Any) -> str:
    """'a str', 'an int', 'None': the returned value's type, for error messages."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiouAEIOU' else 'a'} {name}"
