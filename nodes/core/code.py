"""Code: run the user's Python on the items, in the sandbox process pool (n8n `code`).

The code runs in `ctx.services.code_runner` (engine.sandbox.pool.SandboxPool): compiled under the
RestrictedPython policy, inside a separate process with memory and time limits. `_('Node')`
questions come back here and are answered from the execution's data through `ctx.proxy`.
JavaScript Code nodes (n8n's default language) run in V8 instead (engine/js/code.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.errors import NodeOperationError, SandboxError
from engine.items import Item, item_from_json
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter
from engine.sandbox.results import ALL_ITEMS, EACH_ITEM, format_error_message

PYTHON_EXAMPLE = """# Loop over the input items and add a field to the json of each one
for item in _input.all():
    item.json.myNewField = 1
return _input.all()
"""
JAVASCRIPT_EXAMPLE = """// Loop over the input items and add a field to the json of each one
for (const item of $input.all()) {
  item.json.myNewField = 1;
}
return $input.all();
"""
_PYTHON = ("python", "pythonNative")
_NODE_METHODS = frozenset({"all", "first", "last", "itemMatching"})
_NODE_PROPERTIES = frozenset({"item", "isExecuted"})


class CodeNode(NodeType):
    description = NodeDescription(
        name="knotwork.code",
        display_name="Code",
        group="transform",
        description="Run custom Python or JavaScript code on the items",
        versions=(1.0, 2.0),
        default_version=2.0,
        parameters=(
            Parameter(
                "mode",
                "Mode",
                "options",
                default=ALL_ITEMS,
                options=(
                    Option(
                        "Run Once for All Items",
                        ALL_ITEMS,
                        "Run this code only once, no matter how many input items there are",
                    ),
                    Option(
                        "Run Once for Each Item",
                        EACH_ITEM,
                        "Run this code as many times as there are input items",
                    ),
                ),
            ),
            Parameter(
                "language",
                "Language",
                "options",
                default="python",
                options=(
                    Option("Python", "python"),
                    Option("JavaScript", "javaScript"),
                    Option("Python (native)", "pythonNative", "Same as Python"),
                ),
            ),
            Parameter(
                "pythonCode",
                "Python",
                "code",
                default=PYTHON_EXAMPLE,
                description="Use _input, _json, _('Node') and friends: n8n's $ names with an underscore",
                show={"language": _PYTHON},
                type_options={"language": "python", "rows": 10},
            ),
            Parameter(
                "jsCode",
                "JavaScript",
                "code",
                default=JAVASCRIPT_EXAMPLE,
                show={"language": ("javaScript",)},
                type_options={"language": "javaScript", "rows": 10},
            ),
        ),
        aliases=("n8n-nodes-base.code",),
        categories=("Core Nodes", "Data Transformation"),
        search_aliases=("python", "script", "function", "custom code"),
        icon="code",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        """Raises NodeOperationError (unknown language, no sandbox) and SandboxError (the code failed)."""
        language = _language(ctx)
        if language == "javaScript":
            return await _run_javascript(ctx)
        if language not in _PYTHON:
            raise NodeOperationError(
                f"Unknown language '{language}'", description="Choose Python or JavaScript."
            )
        runner = ctx.services.code_runner
        if runner is None:
            raise NodeOperationError(
                "No sandbox is configured to run Code nodes",
                description="The execution's services have no code_runner (engine.sandbox.pool.SandboxPool).",
            )
        mode = ctx.param("mode", 0, ALL_ITEMS)
        request = {
            "code": ctx.raw_param("pythonCode", ""),  # code is never an expression
            "mode": mode,
            "items": [_item_to_json(item) for item in ctx.input_items],
            "context": _context(ctx),
            "continueOnFail": ctx.continue_on_fail,
        }
        try:
            answer = await runner.run(request, _Callbacks(ctx))
        except SandboxError as error:
            if ctx.continue_on_fail:
                return [[Item({"error": error.message})]]
            raise
        for line in answer.get("logs") or ():
            ctx.log(line)
        if "error" in answer:
            failure = _user_error(answer["error"])
            if ctx.continue_on_fail:
                return [[Item({"error": failure.message})]]
            raise failure
        return [[item_from_json(item) for item in answer.get("items") or ()]]


async def _run_javascript(ctx: ExecuteContext) -> list[list[Item]]:
    """n8n's JavaScript Code node, in this thread's V8 context (engine/js/code.py)."""
    from engine.js.code import run_javascript  # V8 loads only when a JavaScript Code node runs

    runner = ctx.services.code_runner
    code = str(ctx.raw_param("jsCode", "") or "")
    static = {"global": ctx.static_data("global"), "node": ctx.static_data("node")} \
        if "$getWorkflowStaticData" in code else None
    try:
        items = await run_javascript(
            ctx.proxy(0), code, ctx.param("mode", 0, ALL_ITEMS),
            timeout=float(getattr(runner, "timeout_s", 30.0)),
            max_memory=int(getattr(runner, "memory_mb", 512)) * 2**20, log=ctx.log, static_data=static,
        )
    except SandboxError as error:
        if ctx.continue_on_fail:
            return [[Item({"error": error.message})]]
        raise
    return [[item_from_json(item) for item in items]]


class _Callbacks:
    """Answers the sandbox's `_('Node')` questions from the execution's data."""

    def __init__(self, ctx: ExecuteContext) -> None:
        self._ctx = ctx

    def __call__(self, name: str, args: list[Any]) -> Any:
        if name != "node" or len(args) != 4:
            raise ValueError(f"Unknown sandbox callback {name!r}")
        node_name, method, method_args, item_index = args
        accessor = self._ctx.proxy(int(item_index or 0)).node(str(node_name))
        if method in _NODE_METHODS:
            value = getattr(accessor, method)(*(method_args or ()))
        elif method in _NODE_PROPERTIES:
            value = getattr(accessor, method)
        else:
            raise ValueError(f"Unknown node accessor method {method!r}")
        if isinstance(value, list):
            return [_item_to_json(item) for item in value]
        return _item_to_json(value) if isinstance(value, Item) else value


def _item_to_json(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"json": item.json}
    if item.binary:
        data["binary"] = item.binary
    return data


def _language(ctx: ExecuteContext) -> str:
    stored = getattr(ctx.node, "parameters", None) or {}
    # n8n leaves out parameters holding their default, and its default language is JavaScript:
    # a Code node imported from n8n with only `jsCode` is a JavaScript node.
    if "language" not in stored and "jsCode" in stored and "pythonCode" not in stored:
        return "javaScript"
    return str(ctx.param("language", 0, "python"))


def _context(ctx: ExecuteContext) -> dict[str, Any]:
    """The `_now`, `_workflow`, `_execution`... user code sees (from the proxy when it has them)."""
    services = ctx.services
    proxy = ctx.proxy(0)
    now = getattr(proxy, "now", None)
    if not isinstance(now, dt.datetime):
        now = services.clock.now()
    zone = getattr(now.tzinfo, "key", None) or services.default_timezone
    node = ctx.node
    return {
        "timezone": zone,
        "now": now.isoformat(),
        "vars": dict(getattr(proxy, "variables", None) or services.variables or {}),
        "execution": getattr(proxy, "execution", None)
        or {"id": getattr(ctx, "execution_id", ""), "mode": ctx.mode},
        "workflow": getattr(proxy, "workflow", None) or {},
        "node": {"name": node.name, "id": getattr(node, "id", ""), "typeVersion": ctx.type_version},
        "runIndex": ctx.run_index,
    }


def _user_error(error: dict[str, Any]) -> SandboxError:
    """n8n's message ("... [line 3, for item 0]"); the description names the error type and line."""
    line = error.get("line")
    description = error.get("description")
    if not description:
        kind = str(error.get("type") or "Error")
        description = f"{kind} on line {line} of the code" if line is not None else kind
    context = {key: error[key] for key in ("type", "line") if error.get(key) is not None}
    return SandboxError(
        format_error_message(error),
        description=description,
        item_index=error.get("itemIndex"),
        context=context,
    )
