"""Completions in the expression editor: `$` names, node names after `$('`, members of `$input` and
`$('Node')`, and field names of the data a `$json...` path points at (read from the preview's scope)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .expression import PreviewScope

ROOT_NAMES = (
    "$json", "$binary", "$input", "$('", "$node", "$now", "$today", "$vars", "$execution",
    "$workflow", "$itemIndex", "$runIndex", "$prevNode", "$parameter", "$jmespath(", "$if(", "$ifEmpty(",
)
_MEMBERS: dict[str, tuple[str, ...]] = {
    "input": ("item", "all()", "first()", "last()", "params"),
    "node": ("item", "first()", "last()", "all()", "itemMatching(", "isExecuted", "params"),
    "item": ("json", "binary", "pairedItem"),
    "$execution": ("id", "mode", "resumeUrl", "customData"),
    "$workflow": ("id", "name", "active"),
    "$prevNode": ("name", "outputIndex", "runIndex"),
    "$now": ("year", "month", "day", "hour", "minute", "isoformat()", "strftime(", "date()", "weekday()"),
}
_MEMBERS["$today"] = _MEMBERS["$now"]
_CHAIN = re.compile(
    r"""\$\w*(?:\((?:'[^']*'?|"[^"]*"?)?\)?)?(?:\.\w*(?:\(\))?|\[\d+\])*"""
)
_CALL = re.compile(r"""\$\(\s*(['"])([^'"]*)(\1\))?""")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class Completion:
    label: str  # what the list shows
    insert: str  # what is appended to the text


def completions(
    text: str, scope: PreviewScope | None, *, item_index: int = 0, variables: Mapping[str, str] | None = None
) -> list[Completion]:
    """What may follow `text` (the expression up to the cursor): `$` names, node names after `$('`,
    members of `$input`/`$('Node')`, and field names of the data a `$json...` path points at."""
    start = text.rfind("$")
    if start < 0 or "{{" not in text[:start] or "}}" in text[start:]:
        return []
    chain = text[start:]
    if not _CHAIN.fullmatch(chain):
        return []
    nodes = [name for name in scope.workflow.nodes if name != scope.node.name] if scope else []
    call = _CALL.match(chain)
    if call and not call.group(3):  # inside `$('...`: node names
        partial, quote = call.group(2), call.group(1)
        return [Completion(name, name[len(partial):] + quote + ")") for name in nodes if name.startswith(partial)]
    if chain == "$(":
        return [Completion(name, f"'{name}')") for name in nodes]
    if "." not in chain and "[" not in chain:
        return [Completion(name, name[len(chain):]) for name in ROOT_NAMES if name.startswith(chain) and name != chain]
    head, _, partial = chain.rpartition(".")
    names = _member_names(head, scope, item_index, variables)
    return [Completion(name, name[len(partial):]) for name in names if name.startswith(partial) and name != partial]


def _member_names(
    head: str, scope: PreviewScope | None, item_index: int, variables: Mapping[str, str] | None
) -> list[str]:
    """Names that may follow `head.` (head is a `$` chain without the trailing partial)."""
    root = re.match(r"\$\w*", head)
    assert root is not None  # _CHAIN guarantees a `$` root
    rest = head[root.end():]
    kind, data = _root_kind(root.group(), rest, scope, item_index, variables)
    if kind == "":
        return []
    rest = re.sub(r"""^\((?:'[^']*'|"[^"]*")?\)""", "", rest)
    for step in re.findall(r"\.\w+(?:\(\))?|\[\d+\]", rest):
        kind, data = _step(kind, data, step.lstrip("."), scope)
        if kind == "":
            return []
    if kind == "data":
        if isinstance(data, Mapping):
            return [key for key in data if _IDENTIFIER.fullmatch(str(key))]
        return []
    return list(_MEMBERS.get(kind, ()))


def _root_kind(
    root: str, rest: str, scope: PreviewScope | None, item_index: int, variables: Mapping[str, str] | None
) -> tuple[str, Any]:
    if root == "$json":
        return "data", scope.sample_json(None, item_index) if scope else {}
    if root == "$input":
        return "input", None
    if root == "$vars":
        return "data", dict(variables or {})
    if root == "$":
        call = _CALL.match("$" + rest)
        return ("node", call.group(2)) if call and call.group(3) else ("", None)
    if root in _MEMBERS:
        return root, None
    return "", None


def _step(kind: str, data: Any, step: str, scope: PreviewScope | None) -> tuple[str, Any]:
    if kind == "input" and step in ("item", "first()", "last()"):
        return "item", None
    if kind == "node" and step in ("item", "first()", "last()"):
        return "item", data
    if kind == "item" and step == "json":
        return "data", scope.sample_json(data) if scope else {}
    if kind == "data":
        if step.startswith("[") and isinstance(data, list):
            index = int(step[1:-1])
            return ("data", data[index]) if index < len(data) else ("", None)
        if isinstance(data, Mapping) and step in data:
            return "data", data[step]
    return "", None
