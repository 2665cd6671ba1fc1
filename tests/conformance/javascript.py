"""Which expressions of an n8n workflow need JavaScript, given Knotwork's Python expressions.

Knotwork evaluates `{{ }}` as Python with n8n's `$` names (engine.expressions.python_lang), so
`$json.x`, `$json["x"]`, `$('Node').item.json.x`, `$node["X"].json.x`, literals and most arithmetic
read the same in both languages. What cannot: JavaScript syntax (`!x`, `===`, `&&`, `a ? b : c`),
JavaScript globals (`parseInt`, `Math`, `DateTime` from Luxon) and JavaScript methods on values
(`.toString()`, `.indexOf()`, `.length`). `$` names the Python engine lacks (`$pageCount`) are
n8n built-ins, not JavaScript: they are reported separately, since a node may provide them.
"""

from __future__ import annotations

import ast
import builtins
import keyword
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.expressions import python_lang
from engine.expressions.template import TemplateSyntaxError, split_template

# Methods that exist on JavaScript values (or Luxon DateTimes) but on no Python value we hand out.
JS_METHODS = frozenset({
    "toString", "indexOf", "lastIndexOf", "toFixed", "toPrecision", "toISO", "toISOString",
    "toUpperCase", "toLowerCase", "includes", "startsWith", "endsWith", "padStart", "padEnd",
    "charAt", "charCodeAt", "substring", "substr", "slice", "push", "forEach", "reduce", "some",
    "every", "findIndex", "flatMap", "toJSON", "toLocaleString", "getTime", "toMillis", "toSeconds",
    "toFormat", "minus", "plus", "startOf", "endOf", "diff", "setZone", "toUTC", "trimStart", "trimEnd",
})
JS_PROPERTIES = frozenset({"length"})


@dataclass(frozen=True)
class Finding:
    node: str
    expression: str
    why: str

    def __str__(self) -> str:
        return f"`{self.expression}` in '{self.node}' ({self.why})"


def scan_workflow(workflow: dict[str, Any]) -> tuple[list[Finding], list[Finding]]:
    """(JavaScript-only expressions, `$` names the Python engine lacks) of the enabled nodes."""
    javascript: list[Finding] = []
    unknown_variables: list[Finding] = []
    for node in workflow.get("nodes", []):
        if node.get("disabled"):
            continue
        for code in _expression_segments(node.get("parameters") or {}):
            kind, why = classify_expression(code)
            finding = Finding(node.get("name", "?"), " ".join(code.split()), why)
            if kind == "javascript":
                javascript.append(finding)
            elif kind == "variable":
                unknown_variables.append(finding)
    return javascript, unknown_variables


def classify_expression(code: str) -> tuple[str, str]:
    """("python" | "javascript" | "variable", why) for the code of one `{{ }}` segment."""
    source = python_lang.translate_dollars(code.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return "javascript", "JavaScript syntax"
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
    known = set(python_lang.PYTHON._globals) | set(dir(builtins)) | set(python_lang._RESOLVERS) | bound
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in known and not keyword.iskeyword(node.id):
            if node.id.startswith("_"):
                return "variable", f"n8n variable ${node.id[1:]} not known to the Python expressions"
            return "javascript", f"JavaScript global {node.id}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in JS_METHODS:
            return "javascript", f"JavaScript method .{node.func.attr}()"
        if isinstance(node, ast.Attribute) and node.attr in JS_PROPERTIES:
            return "javascript", f"JavaScript property .{node.attr}"
    return "python", ""


def _expression_segments(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for inner in value.values():
            yield from _expression_segments(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _expression_segments(inner)
    elif isinstance(value, str) and value.startswith("=") and "{{" in value:
        try:
            segments = split_template(value[1:])
        except TemplateSyntaxError:
            yield value[1:]
            return
        yield from (text for is_code, text in segments if is_code)
