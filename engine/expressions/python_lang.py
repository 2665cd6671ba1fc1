"""Python as the expression language: `$json.a * 2`, `$('Node').item.json.x`, `$now.year`.

`$name` becomes `_name` outside string literals (RestrictedPython then allows exactly the
n8n names, see engine.sandbox.policy). Each `{{ }}` becomes a restricted function of exactly the
`$` names it reads, resolved per item from the DataProxy.
"""

from __future__ import annotations

import ast
from typing import Any

from ..sandbox.policy import compile_expression, lenient_getattr, make_globals
from .proxy import DataProxy, LegacyNodes, if_, if_empty, jmespath_search, max_, min_
from .views import JsonView, wrap


def translate_dollars(code: str) -> str:
    """Rewrite `$json` → `_json` and `$('X')` → `_('X')`, leaving string literals untouched."""
    if "$" not in code:
        return code
    out: list[str] = []
    position = 0
    length = len(code)
    quote = ""
    while position < length:
        char = code[position]
        if quote:
            if char == "\\":
                out.append(code[position : position + 2])
                position += 2
                continue
            if code.startswith(quote, position):
                out.append(quote)
                position += len(quote)
                quote = ""
                continue
            out.append(char)
        elif char in "\"'":
            triple = code[position : position + 3]
            quote = triple if triple in ('"""', "'''") else char
            out.append(quote)
            position += len(quote)
            continue
        elif char == "$":
            out.append("_")
        else:
            out.append(char)
        position += 1
    return "".join(out)


_LOOPING_NODES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda, ast.Call)


class CompiledExpression:
    """One `{{ }}` segment as a restricted function of exactly the `$` names it reads, so an
    evaluation costs one call with those values (fast locals) and nothing else."""

    __slots__ = ("function", "resolvers", "needs_budget")

    def __init__(self, function: Any, resolvers: tuple[Any, ...], needs_budget: bool) -> None:
        self.function = function
        self.resolvers = resolvers
        self.needs_budget = needs_budget  # loops can run long: only those pay for a deadline


class PythonLanguage:
    name = "python"

    def __init__(self) -> None:
        self._globals = make_globals(lenient_attributes=True)
        # JSON/JavaScript spellings n8n users type out of habit; harmless in Python.
        self._globals.update(null=None, undefined=None, true=True, false=False)
        self._globals["_getattr_"] = expression_getattr

    def compile(self, code: str) -> CompiledExpression:
        """Compile one `{{ }}` segment. Raises SyntaxError with a readable message."""
        source = translate_dollars(code.strip())
        if not source:
            raise SyntaxError("empty expression")
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as error:
            raise SyntaxError(f"{error.msg} (column {error.offset})") from None
        names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in _RESOLVERS})
        try:
            lambda_code = compile_expression(f"lambda {', '.join(names)}: (\n{source}\n)")
        except SyntaxError as error:
            raise SyntaxError(_syntax_message(error)) from None
        function = eval(lambda_code, self._globals)  # noqa: S307 - restricted code, builds the lambda
        loops = any(isinstance(n, _LOOPING_NODES) for n in ast.walk(tree))
        return CompiledExpression(function, tuple(_RESOLVERS[name] for name in names), loops)

    def evaluate(self, compiled: CompiledExpression, proxy: DataProxy) -> Any:
        return compiled.function(*[resolve(proxy) for resolve in compiled.resolvers])


def expression_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """`$json.field` fast, everything else through the policy's guard (None.x reads as None)."""
    if type(obj) is JsonView:
        data = object.__getattribute__(obj, "_data")
        if name in data:
            return wrap(data[name])
    return lenient_getattr(obj, name)


def _syntax_message(error: SyntaxError) -> str:
    if error.args and isinstance(error.args[0], (tuple, list)):
        return "; ".join(str(part).replace("Line 2: ", "") for part in error.args[0])
    return str(error.msg if error.msg else error)


_RESOLVERS: dict[str, Any] = {
    "_json": lambda p: wrap(p.json),
    "_binary": lambda p: wrap(p.binary),
    "_input": lambda p: p.input,
    "_": lambda p: p.node,
    "_node": lambda p: LegacyNodes(p),
    "_prevNode": lambda p: wrap(p.prev_node),
    "_runIndex": lambda p: p.run_index,
    "_thisRunIndex": lambda p: p.run_index,
    "_itemIndex": lambda p: p.item_index,
    "_thisItemIndex": lambda p: p.item_index,
    "_now": lambda p: p.now,
    "_today": lambda p: p.today,
    "_workflow": lambda p: wrap(p.workflow),
    "_execution": lambda p: wrap(p.execution),
    "_vars": lambda p: wrap(dict(p.variables)),
    "_parameter": lambda p: wrap(p.parameters),
    "_rawParameter": lambda p: wrap(p.parameters),
    "_mode": lambda p: p.mode,
    "_items": lambda p: p.items,
    "_jmespath": lambda p: jmespath_search,
    "_jmesPath": lambda p: jmespath_search,
    "_if": lambda p: if_,
    "_ifEmpty": lambda p: if_empty,
    "_min": lambda p: min_,
    "_max": lambda p: max_,
    # Given by a node for one evaluation (ExecuteContext.evaluate's `extra`), None elsewhere.
    "_response": lambda p: wrap(p.extra.get("$response")),
    "_request": lambda p: wrap(p.extra.get("$request")),
    "_pageCount": lambda p: p.extra.get("$pageCount"),
}


PYTHON = PythonLanguage()  # one instance per process, so compiled templates are shared
