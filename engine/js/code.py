"""The JavaScript Code node's run: the user's code in this thread's V8 context (prelude.js
`runCode`), its output checked and normalised the way n8n's Code node does it.

All-items mode must return an array of items `{json, binary?, pairedItem?, error?}` or of plain
objects (wrapped as `{json: obj}`); a single object counts as an array of one. Each-item mode
returns one such object per input item (null/undefined drops it) and pairs it with that item.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import SandboxError
from ..expressions.proxy import DataProxy
from ..sandbox.results import ALL_ITEMS, EACH_ITEM, ITEM_KEYS, format_error_message
from .bridge import JsCall
from .rewrite import rewrite
from .runtime import JsLimitError, runtime

# Code runs off the event loop, on a few threads of its own: each thread keeps one V8 context
# (~50 MB), so their number bounds the memory JavaScript Code nodes take.
_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="knotwork-js")
_ALL_HINT = "Please return an array of objects, one for each item you would like to output."


class CodeValidationError(Exception):
    def __init__(self, message: str, description: str, item_index: int | None = None) -> None:
        super().__init__(message)
        self.error: dict[str, Any] = {"message": message, "description": description, "type": "ValidationError"}
        if item_index is not None:
            self.error["itemIndex"] = item_index


async def run_javascript(proxy: DataProxy, code: str, mode: str, *, timeout: float, max_memory: int,
                         log: Any, static_data: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The output items (as dicts) of `code` over the proxy's input items. Raises SandboxError
    (the user's error, n8n's message format) and never lets a JS error escape otherwise.
    `static_data` ({"global": dict, "node": dict}) is what `$getWorkflowStaticData()` returns;
    the dicts are updated in place with what the code left in them."""
    call = JsCall(proxy)
    items = [item.to_dict() for item in proxy._input_items]
    payload = call.payload(code, code=rewrite(code), mode=mode, items=items, itemsToken=-1,
                           staticData=static_data)

    def execute() -> dict[str, Any]:
        js = runtime()
        js.items_token = None  # this call replaces the items the context holds
        answer: dict[str, Any] = js.call("runCode", payload, timeout=timeout, max_memory=max_memory)
        return answer

    try:
        answer = await asyncio.get_running_loop().run_in_executor(_THREADS, execute)
    except JsLimitError as error:
        raise SandboxError(f"Code stopped: {error}", description="The JavaScript Code node has a time and a "
                           "memory limit for each run.", context={"type": "limit"}) from None
    for line in answer.get("logs") or ():
        log(line)
    if static_data is not None and isinstance(answer.get("staticData"), dict):
        for scope, data in static_data.items():
            data.clear()
            data.update(answer["staticData"].get(scope) or {})
    if "error" in answer:
        raise user_error(answer["error"])
    try:
        if mode == EACH_ITEM:
            return [item for index, value in answer.get("each") or () if (item := normalize_each(value, index))]
        return normalize_all(answer.get("all"))
    except CodeValidationError as invalid:
        raise user_error(invalid.error) from None


def user_error(error: dict[str, Any]) -> SandboxError:
    description = error.get("description")
    if error.get("type") == "security":
        description = "Code cannot reach the Function constructor (it would leave the sandbox)."
    if not description:
        kind = str(error.get("type") or "Error")
        description = f"{kind} on line {error['line']} of the code" if error.get("line") is not None else kind
    context = {key: error[key] for key in ("type", "line") if error.get(key) is not None}
    return SandboxError(format_error_message(error), description=description, item_index=error.get("itemIndex"),
                        context=context)


def normalize_all(result: Any) -> list[dict[str, Any]]:
    if isinstance(result, dict):
        result = [result]
    if not isinstance(result, list):
        raise CodeValidationError("Code doesn't return items properly", _ALL_HINT)
    item_shaped = any(isinstance(entry, dict) and not ITEM_KEYS.isdisjoint(entry) for entry in result)
    return [_item(entry, index, item_shaped) for index, entry in enumerate(result)]


def normalize_each(result: Any, index: int) -> dict[str, Any] | None:
    if result is None:
        return None
    if isinstance(result, list):
        raise CodeValidationError("Code doesn't return a single object", "An array of objects was returned. If you "
                                  "need to output multiple items, please use the 'Run Once for All Items' mode "
                                  "instead.", index)
    if not isinstance(result, dict):
        raise CodeValidationError("Code doesn't return an object", f"Please return an object representing the "
                                  f"output item. ('{_js_text(result)}' was returned instead.)", index)
    item = _item(result, index, not ITEM_KEYS.isdisjoint(result))
    item.setdefault("pairedItem", {"item": index})
    return item


def _item(entry: Any, index: int, item_shaped: bool) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise CodeValidationError("Code doesn't return items properly", _ALL_HINT, index)
    if not item_shaped:
        return {"json": entry}
    if "json" in entry and not isinstance(entry["json"], dict):
        raise CodeValidationError("A 'json' property isn't an object",
                                  "In the returned data, every key named 'json' must point to an object.", index)
    unknown = [key for key in entry if key not in ITEM_KEYS]
    if unknown:
        raise CodeValidationError(f"Unknown top-level item key: {unknown[0]}",
                                  "Access the properties of an item under `.json`, e.g. `item.json`", index)
    if entry.get("binary") is not None and not isinstance(entry["binary"], dict):
        raise CodeValidationError("A 'binary' property isn't an object",
                                  "In the returned data, every key named 'binary' must point to an object.", index)
    item: dict[str, Any] = {"json": entry.get("json") or {}}
    for key in ("binary", "pairedItem", "error"):
        if entry.get(key) is not None:
            item[key] = entry[key]
    return item


def _js_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


__all__ = ["ALL_ITEMS", "EACH_ITEM", "run_javascript"]
