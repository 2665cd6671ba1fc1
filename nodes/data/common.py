"""Helpers the data nodes share: field lists, field access, JavaScript-like comparison and hashing.

n8n's data nodes read fields with lodash `get` (dot notation) or as literal keys, compare with
lodash `isEqual`/`lt`, and group by JavaScript object keys. These helpers reproduce exactly those
semantics so results match n8n, while letting our nodes hash and sort instead of comparing pairs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from engine.errors import ExecutionCanceled, NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.core.dot_path import MISSING, cast_path, get_path
from nodes.core.set_convert import js_to_number

_ARRAY_INDEX = re.compile(r"^(?:0|[1-9]\d{0,9})$")
_NOT_NESTED_HINT = (
    "If you're trying to use a nested field, make sure you turn off 'disable dot notation' in the node options"
)


def field_list(value: Any, parameter: str = "Fields") -> list[str]:
    """n8n's prepareFieldsArray: a comma-separated string (or a list) as trimmed, non-empty names.

    Raises NodeOperationError for any other type."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(part) for part in value]
    raise NodeOperationError(
        f"The '{parameter}' parameter must be a string of fields separated by commas or an array of strings."
    )


def collection_field_names(value: Any) -> list[str]:
    """Field names of a legacy `{fields: [{fieldName}]}` fixed collection (Item Lists before v3)."""
    entries = value.get("fields") if isinstance(value, dict) else None
    return [str(entry.get("fieldName", "")) for entry in entries or [] if isinstance(entry, dict)]


def value_getter(disable_dot_notation: bool) -> Callable[[dict[str, Any], str], Any]:
    """A reader of one field: lodash `get` with dot notation, else the literal key. MISSING if absent."""
    if disable_dot_notation:
        return lambda data, field: data.get(field, MISSING)
    return _dotted_get


def bind(read: Callable[[dict[str, Any], str], Any], field: str) -> Callable[[Any], Any]:
    """A reader from `value_getter` fixed to one field, its path parsed once (for loops over items)."""
    if read is _dotted_get:
        return path_getter(field)
    return lambda data: read(data, field)


def _dotted_get(data: Any, path: str) -> Any:
    getter = _GETTERS.get(path)
    if getter is None:
        if len(_GETTERS) > 4096:
            _GETTERS.clear()
        getter = _GETTERS[path] = path_getter(path)
    return getter(data)


_GETTERS: dict[str, Callable[[Any], Any]] = {}


def path_getter(path: str) -> Callable[[Any], Any]:
    """`get_path(data, path)` with the path parsed once: data nodes read one path from every item."""
    steps = cast_path(path, None)
    if steps == [path]:
        return lambda data: data.get(path, MISSING) if isinstance(data, dict) else get_path(data, path)

    def get(data: Any) -> Any:
        if isinstance(data, dict) and path in data:  # a literal "a.b" key wins, as in lodash
            return data[path]
        value = data
        for step in steps:
            if isinstance(value, dict):
                value = value.get(step, MISSING)
            elif isinstance(value, list) and _ARRAY_INDEX.match(step) and int(step) < len(value):
                value = value[int(step)]
            else:
                return MISSING
            if value is MISSING:
                return MISSING
        return value

    return get


def not_found_error(field: str, disable_dot_notation: bool, **kwargs: Any) -> NodeOperationError:
    """n8n's "Couldn't find the field" error, with the dot-notation hint where it applies."""
    hint = _NOT_NESTED_HINT if disable_dot_notation and "." in field else None
    return NodeOperationError(f"Couldn't find the field '{field}' in the input data", description=hint, **kwargs)


def nested_field_hint(field: str, disable_dot_notation: bool) -> str | None:
    return _NOT_NESTED_HINT if disable_dot_notation and "." in field else None


_TYPEOF = {bool: "boolean", int: "number", float: "number", str: "string", dict: "object", list: "object",
           type(None): "object"}


def js_typeof(value: Any) -> str:
    """JavaScript `typeof` of a JSON value (MISSING is `undefined`, None is `object`)."""
    found = _TYPEOF.get(type(value))
    if found is not None:
        return found
    return "undefined" if value is MISSING else "object"


def column(items: Iterable[Item], field: str, disable_dot_notation: bool) -> list[Any]:
    """The field's value in every item (MISSING where absent), the path parsed once."""
    if disable_dot_notation:
        return [item.json.get(field, MISSING) for item in items]
    getter = path_getter(field)
    return [getter(item.json) for item in items]


def to_number(value: Any) -> float:
    """lodash `toNumber` (JS `Number`); MISSING (undefined) and objects give NaN."""
    if value is MISSING or isinstance(value, dict):
        return math.nan
    return js_to_number(value)


def canonical(value: Any) -> Any:
    """A hashable stand-in so that `canonical(a) == canonical(b)` exactly when lodash `isEqual(a, b)`.

    Booleans are tagged (Python's True == 1 would merge them with numbers); objects compare without
    key order, as isEqual does; integral floats equal their ints, as in JavaScript."""
    kind = type(value)
    if kind is str or kind is int or kind is float or value is None or value is MISSING:
        return value
    if kind is bool:
        return ("bool", value)
    return ("json", json.dumps(_normalised(value), sort_keys=True, separators=(",", ":"), default=str))


def _normalised(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _normalised(entry) for key, entry in value.items()}
    if isinstance(value, list):
        return [_normalised(entry) for entry in value]
    return value


def js_key_order(keys: Iterable[str]) -> list[str]:
    """The order JavaScript lists an object's keys in: array-index keys ascending, then the others
    in insertion order (n8n groups by object keys, so its output follows this order)."""
    keys = list(keys)
    indexes = sorted((key for key in keys if _ARRAY_INDEX.match(key) and int(key) < 2**32 - 1), key=int)
    return indexes + [key for key in keys if not (_ARRAY_INDEX.match(key) and int(key) < 2**32 - 1)]


def flatten_keys(data: Any, prefix: str = "", out: dict[str, None] | None = None) -> dict[str, None]:
    """The dotted paths of every leaf (n8n's flattenKeys): lists by index; empty containers have none."""
    out = {} if out is None else out
    if isinstance(data, dict):
        for key, entry in data.items():
            flatten_keys(entry, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(data, list):
        for index, entry in enumerate(data):
            flatten_keys(entry, f"{prefix}.{index}" if prefix else str(index), out)
    else:
        out[prefix] = None
    return out


def run_per_item(ctx: ExecuteContext, produce: Callable[[int, Item], list[Item]]) -> list[Item]:
    """Call `produce` for each input item. A failure becomes `{"error": message}` paired to the item
    when the node continues on fail; otherwise it is raised with the item index filled in."""
    output: list[Item] = []
    for index, item in enumerate(ctx.input_items):
        try:
            output.extend(produce(index, item))
        except ExecutionCanceled:
            raise
        except Exception as error:  # any per-item failure becomes an error item or a NodeError
            failure = error if isinstance(error, NodeError) else NodeOperationError(str(error))
            if ctx.continue_on_fail:
                output.append(Item({"error": failure.message}, paired=(index, 0)))
                continue
            if failure.item_index is None:
                failure.item_index = index
            if failure is error:
                raise
            raise failure from error
    return output
