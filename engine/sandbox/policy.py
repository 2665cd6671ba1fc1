"""The one RestrictedPython policy for expressions and Code nodes.

RestrictedPython rewrites attribute, item and iteration access into calls to guard functions and
rejects names and attributes starting with `_` at compile time. We allow exactly the n8n-style
names listed in ALLOWED_UNDERSCORE_NAMES (`_json`, `_input`, `_('Node')`...) and nothing else, and
we hand user code only plain data and curated namespaces, never a module or a host object whose
public attributes lead elsewhere (no `json.codecs.open`, no `re.copyreg`).
"""

from __future__ import annotations

import ast
import builtins
import datetime as _datetime
import json as _json
import math
import operator
import re as _re
from collections.abc import Sequence
from types import CodeType, MappingProxyType, SimpleNamespace
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted, compile_restricted_function
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector

from . import limits

# `$name` in expressions is rewritten to `_name`; these are the only underscore names user code
# may use. None of them ends with "_", so none can shadow a guard hook (`_getattr_`...).
ALLOWED_UNDERSCORE_NAMES = frozenset(
    {
        "_",
        "_json",
        "_binary",
        "_input",
        "_item",
        "_items",
        "_node",
        "_prevNode",
        "_runIndex",
        "_itemIndex",
        "_thisItemIndex",
        "_thisRunIndex",
        "_now",
        "_today",
        "_workflow",
        "_execution",
        "_vars",
        "_jmespath",
        "_jmesPath",
        "_if",
        "_ifEmpty",
        "_min",
        "_max",
        "_parameter",
        "_rawParameter",
        "_mode",
        "_nodeVersion",
        "_nodeId",
        "_position",
        "_data",
        "_getWorkflowStaticData",
        "_response",
        "_request",
        "_pageCount",
    }
)


class KnotworkTransformer(RestrictingNodeTransformer):
    """RestrictedPython's transformer, plus the n8n-style `_` names above, and `*`, `**`, `<<`
    routed through size guards (`_mul_`, `_pow_`, `_lshift_`) so `"x" * 10**10` fails fast."""

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        if name in ALLOWED_UNDERSCORE_NAMES:
            return
        super().check_name(node, name, allow_magic_methods)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        guard = _GUARDED_BINOPS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        # f"{x:>{n}}" could ask for a gigabyte of padding: allow only constant, modest specs.
        spec = node.format_spec
        if spec is not None:
            for part in spec.values:  # type: ignore[attr-defined]
                if not isinstance(part, ast.Constant) or _HUGE_NUMBER.search(str(part.value)):
                    self.error(node, "f-string format specs must be constants of modest width")
        return self.node_contents_visit(node)


_GUARDED_BINOPS: dict[type, str] = {
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Mod: "_mod_",
}
_HUGE_NUMBER = _re.compile(r"\d{7,}")


class UserCodeSyntaxError(Exception):
    """The code does not compile (or uses a forbidden construct); `line` is 1-based if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


_LINE_RE = _re.compile(r"Line (\d+)")


def _raise_compile_errors(errors: Sequence[str]) -> None:
    if errors:
        first = errors[0]
        match = _LINE_RE.search(first)
        raise UserCodeSyntaxError(first, int(match.group(1)) if match else None)


def compile_expression(source: str) -> CodeType:
    """Compile one Python expression under the policy. Raises UserCodeSyntaxError."""
    result = compile_restricted(source, "<expression>", "eval", policy=KnotworkTransformer)
    return result  # compile_restricted raises SyntaxError itself


def compile_function_body(body: str, name: str = "user_code") -> CodeType:
    """Compile a Code-node body as a function (top-level `return` allowed).

    Returns the code object of the *module* that defines `name`; exec it in a globals dict built
    by `make_globals`, then call `globals[name]()`. The body is parsed on its own and wrapped as
    a syntax tree (not re-indented as text), so multi-line strings keep their content and line
    numbers in errors and tracebacks (filename "<code>") are the user's own.
    Raises UserCodeSyntaxError.
    """
    try:
        tree = ast.parse(body, "<code>", "exec")
    except SyntaxError as error:
        statement = (error.text or "").strip()
        raise UserCodeSyntaxError(
            f"Line {error.lineno}: {type(error).__name__}: {error.msg} at statement: {statement!r}", error.lineno
        ) from None
    if not tree.body:  # empty or comments only: a function needs one statement
        tree.body = [ast.Pass(lineno=1, col_offset=0)]
    result = compile_restricted_function("", tree, name, filename="<code>", policy=KnotworkTransformer)
    _raise_compile_errors(result.errors)
    assert result.code is not None
    return result.code


def _inplacevar(op: str, left: Any, right: Any) -> Any:
    guard = _INPLACE_GUARDS.get(op)
    if guard is not None:
        return guard(left, right)
    func = _INPLACE_OPERATORS.get(op)
    if func is None:
        raise TypeError(f"operator {op} is not allowed")
    return func(left, right)


_INPLACE_GUARDS = limits.INPLACE_GUARDS
_INPLACE_OPERATORS = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "|=": operator.ior,
    "&=": operator.iand,
    "^=": operator.ixor,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "@=": operator.imatmul,
}

def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's safer_getattr, but a missing attribute raises (clear errors in code)."""
    marker = _MISSING
    value = safer_getattr(obj, name, marker)
    if value is marker:
        raise AttributeError(f"'{type(obj).__name__}' object has no attribute '{name}'")
    return limits.wrap_width_method(obj, name, value)


def lenient_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """For expressions: reading an attribute of None yields None, as n8n yields undefined."""
    if obj is None:
        return None
    return guarded_getattr(obj, name)


_MISSING = object()


def _apply(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _getitem(obj: Any, index: Any) -> Any:
    return obj[index]


def _namespace(name: str, **members: Any) -> SimpleNamespace:
    namespace = SimpleNamespace(**members)
    namespace.__doc__ = name
    return namespace


# Builtins that only compute. (RestrictedPython 9 dropped sorted/zip/... from safe_builtins
# because Zope's per-iteration guard cannot see inside them; our `_getiter_` guards nothing, so
# the real ones are exactly as safe as a loop written in user code.)
_EXTRA_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "dict", "list", "tuple", "set", "frozenset", "sorted", "reversed", "zip", "enumerate",
        "sum", "min", "max", "any", "all", "map", "filter", "iter", "next", "bytes", "format",
        "bin", "ascii",
    )
}

SAFE_MODULES = MappingProxyType(
    {
        "math": _namespace("math", **{k: getattr(math, k) for k in dir(math) if not k.startswith("_")}),
        "json": _namespace("json", loads=_json.loads, dumps=_json.dumps),
        "re": _namespace(
            "re",
            **{k: getattr(_re, k) for k in (
                "compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn",
                "split", "escape", "IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE", "ASCII", "I",
                "M", "S", "X", "A",
            )},
        ),
        "datetime": _namespace(
            "datetime",
            datetime=_datetime.datetime,
            date=_datetime.date,
            time=_datetime.time,
            timedelta=_datetime.timedelta,
            timezone=_datetime.timezone,
        ),
    }
)


def make_builtins() -> dict[str, Any]:
    names = dict(safe_builtins)
    names.update(_EXTRA_BUILTINS)
    names.update(limits.BUILTIN_GUARDS)
    names.pop("__build_class__", None)  # classes are not needed; one less surface
    return names


def make_globals(*, lenient_attributes: bool, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fresh globals dict with the guard hooks every restricted code object needs."""
    glb: dict[str, Any] = {
        "__builtins__": make_builtins(),
        "__name__": "user_code",
        "__metaclass__": type,
        "_getattr_": lenient_getattr if lenient_attributes else guarded_getattr,
        "_getitem_": _getitem,
        "_getiter_": limits.guarded_iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_apply_": _apply,
        "_print_": PrintCollector,
    }
    glb.update(limits.OPERATOR_GUARDS)
    glb.update(SAFE_MODULES)
    if extra:
        glb.update(extra)
    return glb
