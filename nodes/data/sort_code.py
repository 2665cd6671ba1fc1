"""Sort by code: the user's Python comparator, run in the Code node's sandbox (never in-process).

The comparator body sees two items `a` and `b` (`a.json.field`...) and returns a negative number when
`a` goes first, a positive one when `b` goes first, 0 (or None) to keep their order. The whole
(stable, merge) sort runs inside one sandbox call; only the resulting order comes back.
n8n's JavaScript comparators (`code` parameter, the same contract) run in the JavaScript Code node's
V8 context (engine/js), sorted there with JavaScript's stable sort, as n8n sorts them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from engine.errors import NodeOperationError, SandboxError
from engine.items import Item
from engine.node_api import ExecuteContext
from engine.sandbox.results import ALL_ITEMS, format_error_message

PYTHON_COMPARATOR_EXAMPLE = """# The two items to compare are a and b: read their fields from a.json and b.json.
# Return a negative number if a goes first, a positive one if b goes first, 0 to keep their order.
if a.json.myField < b.json.myField:
    return -1
if a.json.myField > b.json.myField:
    return 1
return 0"""

# Lines before the user's code in the program below (error line numbers are shifted back by it).
_PROLOGUE_LINES = 1
_PROGRAM = """def knotwork_compare(a, b):
{body}
items = _input.all()
order = list(range(len(items)))
width = 1
while width < len(order):
    merged = []
    for start in range(0, len(order), 2 * width):
        left = order[start:start + width]
        right = order[start + width:start + 2 * width]
        i = 0
        j = 0
        while i < len(left) and j < len(right):
            result = knotwork_compare(items[left[i]], items[right[j]])
            if result is not None and result > 0:
                merged.append(right[j])
                j += 1
            else:
                merged.append(left[i])
                i += 1
        merged.extend(left[i:])
        merged.extend(right[j:])
    order = merged
    width = width * 2
return [{{"json": {{"index": index}}}} for index in order]
"""


def uses_javascript(ctx: ExecuteContext) -> bool:
    """n8n workflows carry the comparator as JavaScript in `code`; ours is Python in `pythonCode`."""
    stored = getattr(ctx.node, "parameters", None) or {}
    return "code" in stored and "pythonCode" not in stored


async def sort_by_code(ctx: ExecuteContext, items: Sequence[Item]) -> list[Item]:
    """The items in the order the user's comparator gives. Raises NodeOperationError (JavaScript, no
    sandbox, no `return`) and SandboxError (the comparator failed)."""
    code = str(ctx.raw_param("code" if uses_javascript(ctx) else "pythonCode", PYTHON_COMPARATOR_EXAMPLE) or "")
    if "return" not in code:
        raise NodeOperationError("Sort code doesn't return. Please add a 'return' statement to your code")
    runner = ctx.services.code_runner
    if uses_javascript(ctx):
        return await _sort_by_javascript(ctx, items, code, runner)
    if runner is None:
        raise NodeOperationError(
            "No sandbox is configured to run sort code",
            description="The execution's services have no code_runner (engine.sandbox.pool.SandboxPool).",
        )
    request = {
        "code": _PROGRAM.format(body=textwrap.indent(code, "    ")),
        "mode": ALL_ITEMS,
        "items": [{"json": item.json} for item in items],
        "context": {"node": {"name": ctx.node.name}, "runIndex": ctx.run_index},
    }
    answer = await runner.run(request, _no_node_access)
    for line in answer.get("logs") or ():
        ctx.log(line)
    if "error" in answer:
        raise _user_error(dict(answer["error"]), code.count("\n") + 1)
    order = [entry["json"]["index"] for entry in answer.get("items") or ()]
    return [items[index] for index in order]


# The comparator over the input items, sorted by V8's stable sort; only the order comes back.
_JS_PROGRAM = """const knotworkCompare = (a, b) => {{
{body}
}};
return $input.all().map((item, index) => [item, index]).sort((x, y) => knotworkCompare(x[0], y[0]))
  .map(([, index]) => ({{ json: {{ index }} }}));"""


async def _sort_by_javascript(ctx: ExecuteContext, items: Sequence[Item], code: str, runner: Any) -> list[Item]:
    from engine.js.code import run_javascript  # V8 loads only when JavaScript runs

    answer = await run_javascript(ctx.proxy(0), _JS_PROGRAM.format(body=code), ALL_ITEMS,
                                  timeout=float(getattr(runner, "timeout_s", 30.0)),
                                  max_memory=int(getattr(runner, "memory_mb", 512)) * 2**20, log=ctx.log)
    return [items[entry["json"]["index"]] for entry in answer]


def _no_node_access(name: str, args: list[Any]) -> Any:
    raise ValueError("Sort code can only compare the two items a and b")


def _user_error(error: dict[str, Any], user_lines: int) -> SandboxError:
    line = error.get("line")
    if isinstance(line, int):
        line -= _PROLOGUE_LINES
        error["line"] = line if 1 <= line <= user_lines else None
    return SandboxError(
        format_error_message(error),
        description=error.get("description") or str(error.get("type") or "Error"),
    )
