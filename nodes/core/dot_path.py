"""Field paths as n8n's nodes read them (lodash `get`/`set`/`unset` semantics), with copy-on-write.

A path such as `a.b[0].c` or `a["x.y"]` names a nested field. As in lodash, a key the object
already holds literally ("a.b" as one key) wins over the dotted reading, a missing step is created
as an object, or as a list when the next step is an index, and a step that holds a scalar is
replaced. Writers take an `owned` set of container ids: containers not in it are copied before
they are changed, so input items are never mutated while untouched subtrees stay shared.
"""

from __future__ import annotations

import re
from typing import Any, Final

MISSING: Final = object()  # what `get_path` returns for an absent field (JS `undefined`)

_PROP_NAME = re.compile(
    r"""[^.[\]]+|\[(?:(-?\d+(?:\.\d+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))"""
)
_DEEP_PROP = re.compile(r"""\.|\[(?:[^[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]""")
_PLAIN_PROP = re.compile(r"^\w*$")
_ESCAPE_CHAR = re.compile(r"\\(\\)?")
_INDEX = re.compile(r"^(?:0|[1-9]\d*)$")
_FORBIDDEN = frozenset({"__proto__", "constructor", "prototype"})


def split_path(path: str) -> list[str]:
    """The steps of a dotted path, the way lodash's `toPath` splits it."""
    steps: list[str] = [""] if path.startswith(".") else []
    for match in _PROP_NAME.finditer(path):
        number, quote, quoted = match.group(1), match.group(2), match.group(3)
        if quote:
            steps.append(_ESCAPE_CHAR.sub(r"\1", quoted))
        else:
            steps.append(number or match.group(0))
    return steps


def cast_path(path: str, obj: Any) -> list[str]:
    """One literal key when `obj` has it or the path has no dots/brackets, else its steps."""
    if not _DEEP_PROP.search(path) or _PLAIN_PROP.match(path):
        return [path]
    if isinstance(obj, dict) and path in obj:
        return [path]
    return split_path(path)


def sanitize_key(obj: dict[str, Any], key: str) -> str:
    """n8n's literal-key mode: `['a.b']` / `["a.b"]` name the key `a.b` when that key exists."""
    if key in obj:
        return key
    if len(key) >= 4 and ((key.startswith("['") and key.endswith("']")) or (key.startswith('["') and key.endswith('"]'))):
        inner = key[2:-2]
        if inner in obj:
            return inner
    return key


def _read(container: Any, key: str) -> Any:
    if isinstance(container, dict):
        return container.get(key, MISSING)
    if isinstance(container, list) and _INDEX.match(key):
        index = int(key)
        return container[index] if index < len(container) else MISSING
    return MISSING


def _assign(container: Any, key: str, value: Any) -> bool:
    """Store into a dict or list; False when JS would set a property JSON drops (list + name)."""
    if isinstance(container, dict):
        container[key] = value
        return True
    if isinstance(container, list) and _INDEX.match(key):
        index = int(key)
        if index >= len(container):
            container.extend([None] * (index + 1 - len(container)))  # JS array holes serialise as null
        container[index] = value
        return True
    return False


def _owned_copy(value: Any, owned: set[int]) -> Any:
    if id(value) in owned:
        return value
    copied = dict(value) if isinstance(value, dict) else list(value)
    owned.add(id(copied))
    return copied


def get_path(obj: Any, path: str) -> Any:
    """The value at `path`, or MISSING."""
    value = obj
    for step in cast_path(path, obj):
        value = _read(value, step)
        if value is MISSING:
            return MISSING
    return value


def set_path(root: dict[str, Any], path: str, value: Any, owned: set[int]) -> None:
    """lodash `set`: create missing steps, replace scalar steps, copy shared containers first."""
    steps = cast_path(path, root)
    node: Any = root
    for position, step in enumerate(steps):
        if step in _FORBIDDEN:
            return
        if position == len(steps) - 1:
            _assign(node, step, value)
            return
        current = _read(node, step)
        if isinstance(current, (dict, list)):
            following = _owned_copy(current, owned)
        else:
            following = [] if _INDEX.match(steps[position + 1]) else {}
            owned.add(id(following))
        if not _assign(node, step, following):
            return
        node = following


def unset_path(root: dict[str, Any], path: str, owned: set[int]) -> None:
    """lodash `unset`: remove the field when its parent exists; never creates anything."""
    steps = cast_path(path, root)
    node: Any = root
    for step in steps[:-1]:
        node = _read(node, step)
        if not isinstance(node, (dict, list)):
            return
    if _read(node, steps[-1]) is MISSING:
        return
    # Copy along the path only now that something will change.
    _remove(_writable_parent(root, steps[:-1], owned), steps[-1])


def _writable_parent(root: dict[str, Any], steps: list[str], owned: set[int]) -> Any:
    node: Any = root
    for step in steps:
        child = _owned_copy(_read(node, step), owned)
        _assign(node, step, child)
        node = child
    return node


def _remove(container: Any, key: str) -> None:
    if isinstance(container, dict):
        container.pop(key, None)
    elif isinstance(container, list) and _INDEX.match(key) and int(key) < len(container):
        container[int(key)] = None  # `delete arr[i]` leaves a hole, which JSON writes as null
