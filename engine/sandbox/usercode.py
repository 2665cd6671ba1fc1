"""The world a Code node's Python sees inside the sandbox worker, and running it.

Runs in the worker process only (standard library, RestrictedPython and the policy). Given a
request `{"code", "mode", "items", "context", "continueOnFail"?}`, `run_request` compiles the code
once, runs it once (all items) or once per item (each item), and returns the answer:
`{"items": [...], "logs": [...]}` or `{"error": {"message", "type", "line"?, "itemIndex"?,
"description"?}, "logs": [...]}`. Line numbers are the user's own.

User code gets n8n's `$` names spelled with `_`: `_input` (`.all()`, `.first()`, `.last()`,
`.item`), `_json`/`_item`/`_binary`/`_itemIndex` (the current item; the first one in all-items
mode), `_items`, `_('Node')` (asked of the parent through `call_parent("node", [name, method,
args, item_index])`, cached per request), `_node["Node"]` (legacy), `_now`, `_today`, `_vars`,
`_execution`, `_workflow`, `_runIndex`, plus the policy's curated modules. Items and every json
object are dicts whose keys read and write as attributes (`item.json.name = 1`); a missing key
reads as None. Keys named like dict methods (`items`, `get`...) need `["items"]`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import zoneinfo
from collections.abc import Callable
from types import CodeType
from typing import Any

from . import policy
from .results import (
    ALL_ITEMS,
    EACH_ITEM,
    ValidationError,
    format_error_message,
    normalize_all,
    normalize_each,
)

CallParent = Callable[[str, list[Any]], Any]
MAX_LOG_CHARS = 1_000_000
_MAX_MESSAGE_CHARS = 10_000


class JsonDict(dict[str, Any]):
    """A json object: `obj.key` reads a key (None when missing), `obj.key = value` writes it.

    A plain dict written by attribute is stored as a JsonDict copy, so it reads by attribute too;
    `obj["key"] = value` stores the value as it is."""

    __slots__ = ()
    _guarded_writes = True  # RestrictedPython's write guard then lets user code assign attributes

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # keep Python's own protocols (copy, pickle) honest
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = wrap(value)

    def __delattr__(self, name: str) -> None:
        self.pop(name, None)


# An item as user code sees it (`item.json`, `item.binary`): a JsonDict too, used in place as
# decoded, never copied, so 100,000 items cost no extra allocations.
UserItem = JsonDict


def wrap(value: Any) -> Any:
    """Plain dicts (and dicts inside plain lists) become JsonDicts; anything else is kept."""
    if type(value) is dict:
        return JsonDict({key: wrap(inner) for key, inner in value.items()})
    if type(value) is list:
        return [wrap(inner) for inner in value]
    return value


def decode(data: bytes) -> Any:
    """Parse JSON from the parent with every object as a JsonDict."""
    return json.loads(data, object_hook=JsonDict)


class ExpressionError(Exception):
    """The parent could not answer (unknown node, no paired item...), or a name was misused."""


class Printer:
    """Collects `print(...)` output (RestrictedPython calls `_print_(_getattr_)` per function)."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        room = MAX_LOG_CHARS - self._size
        if room > 0:
            self._parts.append(text[:room])
        self._size += len(text)

    def __call__(self) -> str:  # RestrictedPython's `printed`
        return "".join(self._parts)

    def _call_print(self, *objects: Any, sep: str | None = " ", end: str | None = "\n", **_: Any) -> None:
        print(*objects, sep=sep, end=end, file=self)

    def lines(self) -> list[str]:
        text = self()
        lines = text.split("\n") if text else []
        if lines and lines[-1] == "":
            lines.pop()
        if self._size > MAX_LOG_CHARS:
            lines.append(f"[print output truncated at {MAX_LOG_CHARS:,} characters]")
        return lines


class _Run:
    """One request's state: the input items, the current item and answers from the parent."""

    def __init__(self, items: list[UserItem], each_item: bool, call_parent: CallParent) -> None:
        self.items = items
        self.each_item = each_item
        self.item_index = 0
        self._call_parent = call_parent
        self._cache: dict[tuple[Any, ...], Any] = {}

    def node(self, name: Any, method: str, args: list[Any]) -> Any:
        if not isinstance(name, str):
            raise ExpressionError(f"_() takes a node name (a str), not {type(name).__name__}")
        item_index = self.item_index if method == "item" else None
        key = (name, method, repr(args), item_index)
        if key not in self._cache:
            answer = self._call_parent("node", [name, method, args, self.item_index])
            self._cache[key] = _as_user_value(answer)
        value = self._cache[key]
        return list(value) if isinstance(value, list) else value


def _as_user_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_as_user_item(entry) for entry in value]
    return _as_user_item(value)


def _as_user_item(value: Any) -> Any:
    if not isinstance(value, JsonDict):
        return value
    if not isinstance(value.get("json"), dict):
        value["json"] = JsonDict()
    return value


class InputAccessor:
    """`_input`: this node's input items."""

    __slots__ = ("_run",)

    def __init__(self, run: _Run) -> None:
        self._run = run

    def all(self) -> list[UserItem]:
        return list(self._run.items)

    def first(self) -> UserItem | None:
        return self._run.items[0] if self._run.items else None

    def last(self) -> UserItem | None:
        return self._run.items[-1] if self._run.items else None

    @property
    def item(self) -> UserItem:
        if not self._run.each_item:
            raise ExpressionError(
                "_input.item only exists in 'Run Once for Each Item' mode; use _input.all() or _input.first()"
            )
        return self._run.items[self._run.item_index]


class NodeAccessor:
    """`_('Node')`: another node's output, asked of the parent on first use."""

    __slots__ = ("_name", "_run")

    def __init__(self, name: str, run: _Run) -> None:
        self._name = name
        self._run = run

    def all(self, branch: Any = None, run: Any = None) -> list[UserItem]:
        return self._run.node(self._name, "all", [branch, run])

    def first(self, branch: Any = None, run: Any = None) -> UserItem | None:
        return self._run.node(self._name, "first", [branch, run])

    def last(self, branch: Any = None, run: Any = None) -> UserItem | None:
        return self._run.node(self._name, "last", [branch, run])

    def itemMatching(self, index: int) -> UserItem | None:  # noqa: N802 (n8n's name)
        return self._run.node(self._name, "itemMatching", [index])

    @property
    def item(self) -> UserItem | None:
        return self._run.node(self._name, "item", [])

    @property
    def isExecuted(self) -> bool:  # noqa: N802 (n8n's name)
        return bool(self._run.node(self._name, "isExecuted", []))

    def __repr__(self) -> str:
        return f"_({self._name!r})"


class LegacyNodes:
    """`_node["Node"]` (n8n's legacy `$node`): that node's output item at the current index."""

    __slots__ = ("_run",)

    def __init__(self, run: _Run) -> None:
        self._run = run

    def __getitem__(self, name: str) -> UserItem:
        items = self._run.node(name, "all", [0, None])  # n8n's `$node` reads output 0
        index = self._run.item_index
        if index >= len(items):
            raise ExpressionError(f"Node '{name}' has no output item {index}")
        return items[index]


def run_request(request: dict[str, Any], call_parent: CallParent) -> dict[str, Any]:
    """Compile and run one request; user errors come back in the answer, never raised.

    MemoryError is raised (the worker reports it and exits)."""
    printer = Printer()
    answer = _run(request, call_parent, printer)
    answer["logs"] = printer.lines()
    return answer


def _run(request: dict[str, Any], call_parent: CallParent, printer: Printer) -> dict[str, Any]:
    mode = request.get("mode") or ALL_ITEMS
    if mode not in (ALL_ITEMS, EACH_ITEM):
        return {"error": {"message": f"Unknown mode '{mode}'", "type": "ValueError"}}
    try:
        compiled = _compile(str(request.get("code") or ""))
    except policy.UserCodeSyntaxError as error:
        return {"error": _syntax_error(error)}
    items = [_as_user_item(raw) for raw in request.get("items") or []]
    run = _Run(items, mode == EACH_ITEM, call_parent)
    try:
        namespace = _globals(run, request.get("context") or JsonDict(), printer)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError) as error:
        return {"error": {"message": str(error), "type": type(error).__name__}}
    exec(compiled, namespace)
    function = namespace["user_code"]
    if mode == ALL_ITEMS:
        return _run_all_items(function, namespace, run)
    return _run_each_item(function, namespace, run, bool(request.get("continueOnFail")))


@functools.lru_cache(maxsize=64)
def _compile(code: str) -> CodeType:
    """Compiling costs far more than a run; a workflow sends the same code again and again."""
    return policy.compile_function_body(code)


def _run_all_items(function: Callable[[], Any], namespace: dict[str, Any], run: _Run) -> dict[str, Any]:
    _enter_item(namespace, run, 0)
    try:
        result = function()
    except MemoryError:
        raise
    except BaseException as error:  # SystemExit/KeyboardInterrupt too: user code may raise them
        return {"error": describe_exception(error)}
    try:
        return {"items": normalize_all(result)}
    except ValidationError as error:
        return {"error": error.to_dict()}


def _run_each_item(
    function: Callable[[], Any], namespace: dict[str, Any], run: _Run, continue_on_fail: bool
) -> dict[str, Any]:
    output = []
    for index in range(len(run.items)):
        _enter_item(namespace, run, index)
        try:
            result = function()
        except MemoryError:
            raise
        except BaseException as error:
            failure = describe_exception(error, index)
        else:
            try:
                item = normalize_each(result, index)
            except ValidationError as error:
                failure = error.to_dict()
            else:
                if item is not None:
                    output.append(item)
                continue
        if not continue_on_fail:
            return {"error": failure}
        output.append({"json": {"error": format_error_message(failure)}, "pairedItem": {"item": index}})
    return {"items": output}


def _enter_item(namespace: dict[str, Any], run: _Run, index: int) -> None:
    run.item_index = index
    item = run.items[index] if index < len(run.items) else None
    namespace["_item"] = item
    namespace["_json"] = item["json"] if item is not None else None
    namespace["_binary"] = item.get("binary") if item is not None else None
    namespace["_itemIndex"] = namespace["_thisItemIndex"] = index


def _globals(run: _Run, context: dict[str, Any], printer: Printer) -> dict[str, Any]:
    now = _now(context)
    node = context.get("node") or JsonDict()

    def node_accessor(name: str) -> NodeAccessor:
        if not isinstance(name, str):
            raise ExpressionError(f"_() takes a node name (a str), not {type(name).__name__}")
        return NodeAccessor(name, run)

    extra = {
        "_": node_accessor,
        "_input": InputAccessor(run),
        "_items": list(run.items),
        "_node": LegacyNodes(run),
        "_now": now,
        "_today": now.replace(hour=0, minute=0, second=0, microsecond=0),
        "_vars": context.get("vars") or JsonDict(),
        "_execution": context.get("execution") or JsonDict(),
        "_workflow": context.get("workflow") or JsonDict(),
        "_runIndex": context.get("runIndex") or 0,
        "_thisRunIndex": context.get("runIndex") or 0,
        "_nodeId": node.get("id"),
        "_nodeVersion": node.get("typeVersion"),
        "_print_": lambda _getattr_=None: printer,
    }
    return policy.make_globals(lenient_attributes=False, extra=extra)


def _now(context: dict[str, Any]) -> dt.datetime:
    zone_name = context.get("timezone") or "UTC"
    if not isinstance(zone_name, str):
        raise ValueError(f"Unknown timezone {zone_name!r}")
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Unknown timezone {zone_name!r}") from None
    stamp = context.get("now")
    if not stamp:
        return dt.datetime.now(zone)
    now = dt.datetime.fromisoformat(str(stamp))
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(zone)


def describe_exception(error: BaseException, item_index: int | None = None) -> dict[str, Any]:
    """An exception raised by user code, with the innermost line of user code it passed."""
    message = str(error) or type(error).__name__
    described: dict[str, Any] = {"message": message[:_MAX_MESSAGE_CHARS], "type": type(error).__name__}
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<code>":
            line = trace.tb_lineno
        trace = trace.tb_next
    if line is not None:
        described["line"] = line
    if item_index is not None:
        described["itemIndex"] = item_index
    return described


def _syntax_error(error: policy.UserCodeSyntaxError) -> dict[str, Any]:
    # The policy's messages read "Line 3: SyntaxError: invalid syntax at statement: ..." or
    # "Line 3: "__class__" is an invalid attribute name ..." (a construct the sandbox forbids).
    text = str(error)
    if text.startswith("Line ") and ": " in text:
        text = text.split(": ", 1)[1]
    kind, _, rest = text.partition(": ")
    if kind.endswith("Error") and kind.isidentifier() and rest:
        error_type, text = kind, rest
    else:
        error_type = "SyntaxError"
    described: dict[str, Any] = {"message": text[:_MAX_MESSAGE_CHARS], "type": error_type}
    if error.line is not None:
        described["line"] = error.line
    return described
