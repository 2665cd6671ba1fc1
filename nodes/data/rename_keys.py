"""Rename Keys: rename item fields by path, or every key matching a regular expression (n8n
`renameKeys` v1). Input items are never changed: each output json is a deep copy.

The regex is JavaScript's; named groups `(?<name>...)` are accepted, and the replacement understands
`$1`, `$<name>`, `$&` and `$$`. As in n8n (no `g` flag), only the first match in a key is replaced.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Parameter
from nodes.core.dot_path import MISSING, get_path, set_path, unset_path

from .common import run_per_item

_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")
_REPLACEMENT_TOKEN = re.compile(r"\$(\$|&|`|'|\d{1,2}|<[^>]*>)")

KEY = Group(
    "key",
    "Key",
    (
        Parameter("currentKey", "Current Key Name", "string", default="", placeholder="currentKey",
                  description='The key to rename. Supports dot notation, e.g. "level1.level2.currentKey"'),
        Parameter("newKey", "New Key Name", "string", default="", placeholder="newKey",
                  description='The new name of the key. Supports dot notation, e.g. "level1.level2.newKey"'),
    ),
)
REPLACEMENT = Group(
    "replacements",
    "Replacement",
    (
        Parameter("searchRegex", "Regular Expression", "string", default="", placeholder="e.g. [N-n]ame",
                  description="Regex to match the key name"),
        Parameter("replaceRegex", "Replace With", "string", default="", placeholder="replacedName",
                  description="The name the key will be renamed to ($1... refer to the regex groups)"),
        Parameter("options", "Options", "collection", default={}, fields=(
            Parameter("caseInsensitive", "Case Insensitive", "boolean", default=False,
                      description="Whether to use case insensitive match"),
            Parameter("depth", "Max Depth", "number", default=-1,
                      description="Maximum depth to replace keys (-1 for unlimited, 0 for top level only)"),
        )),
    ),
)


class RenameKeys(NodeType):
    description = NodeDescription(
        name="knotwork.renameKeys",
        display_name="Rename Keys",
        group="transform",
        description="Update item field names",
        versions=(1.0,),
        default_version=1.0,
        aliases=("n8n-nodes-base.renameKeys",),
        search_aliases=("rename", "keys", "fields", "regex", "replace"),
        categories=("Core Nodes", "Data Transformation"),
        parameters=(
            Parameter("keys", "Keys", "fixedCollection", default={}, multiple=True, groups=(KEY,),
                      placeholder="Add new key"),
            Parameter("additionalOptions", "Additional Options", "collection", default={}, fields=(
                Parameter("regexReplacement", "Regex", "fixedCollection", default={}, multiple=True,
                          groups=(REPLACEMENT,), placeholder="Add new regular expression"),
            )),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [run_per_item(ctx, lambda index, item: [rename_item(ctx, index, item)])]


def rename_item(ctx: ExecuteContext, index: int, item: Item) -> Item:
    """One renamed copy of the item. Raises NodeOperationError for an invalid regular expression."""
    json = copy.deepcopy(item.json)
    owned = _all_containers(json)
    for key in ctx.param("keys.key", index, []) or []:
        current, new = str(key.get("currentKey", "") or ""), str(key.get("newKey", "") or "")
        if not current or not new or current == new:
            continue
        value = get_path(item.json, current)
        if value is MISSING:
            continue
        set_path(json, new, value, owned)
        unset_path(json, current, owned)
    for replacement in ctx.param("additionalOptions.regexReplacement.replacements", index, []) or []:
        options = replacement.get("options") or {}
        pattern = compile_js_regex(str(replacement.get("searchRegex", "")), bool(options.get("caseInsensitive")))
        depth = options.get("depth", -1)
        rename_matching_keys(json, pattern, str(replacement.get("replaceRegex", "")), -1 if depth is None else int(depth))
    return Item(json, item.binary, (index, 0))


def _all_containers(value: Any, found: set[int] | None = None) -> set[int]:
    """Ids of every container of a fresh deep copy: they may be changed in place."""
    found = set() if found is None else found
    if isinstance(value, (dict, list)):
        found.add(id(value))
        for entry in value.values() if isinstance(value, dict) else value:
            _all_containers(entry, found)
    return found


def compile_js_regex(source: str, case_insensitive: bool) -> re.Pattern[str]:
    """A JavaScript regular expression as a Python one. Raises NodeOperationError when invalid."""
    try:
        return re.compile(_NAMED_GROUP.sub("(?P<", source), re.IGNORECASE if case_insensitive else 0)
    except re.error as error:
        raise NodeOperationError(f"Invalid regular expression '{source}': {error}") from None


def js_replace_first(pattern: re.Pattern[str], text: str, replacement: str) -> str:
    """JavaScript `text.replace(regex, replacement)` without the `g` flag."""
    match = pattern.search(text)
    if match is None:
        return text

    def expand(token: re.Match[str]) -> str:
        code = token.group(1)
        if code == "$":
            return "$"
        if code == "&":
            return match.group(0)
        if code == "`":
            return text[: match.start()]
        if code == "'":
            return text[match.end() :]
        if code.startswith("<"):
            name = code[1:-1]
            return (match.groupdict().get(name) or "") if name in pattern.groupindex else token.group(0)
        number = int(code)
        if 1 <= number <= pattern.groups:
            return match.group(number) or ""
        return token.group(0)

    return text[: match.start()] + _REPLACEMENT_TOKEN.sub(expand, replacement) + text[match.end() :]


def rename_matching_keys(data: Any, pattern: re.Pattern[str], replacement: str, depth: int) -> None:
    """Rename, in place, the keys matching `pattern`, children first; `depth` 0 is the top level only,
    -1 unlimited. A renamed key moves to the end of its object, as in JavaScript."""
    if isinstance(data, list):
        if depth != 0:
            for entry in data:
                rename_matching_keys(entry, pattern, replacement, depth - 1)
        return
    if not isinstance(data, dict):
        return
    for key in list(data):
        if key not in data:
            continue
        if isinstance(data[key], (dict, list)) and depth != 0:
            rename_matching_keys(data[key], pattern, replacement, depth - 1)
        if pattern.search(key):
            new_key = js_replace_first(pattern, key, replacement)
            if new_key != key:
                data[new_key] = data.pop(key)
