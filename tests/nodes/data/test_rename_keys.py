"""Rename Keys: paths, skipped entries, regex with groups, case-insensitivity and depth."""

from __future__ import annotations

import re

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.data.rename_keys import RenameKeys, js_replace_first

from .helpers import items, jsons, run

RENAME = RenameKeys()


def keys(*pairs: tuple[str, str]) -> dict[str, object]:
    return {"keys": {"key": [{"currentKey": c, "newKey": n} for c, n in pairs]}}


def regex(search: str, replace: str, **options: object) -> dict[str, object]:
    replacement = {"searchRegex": search, "replaceRegex": replace, "options": options}
    return {"additionalOptions": {"regexReplacement": {"replacements": [replacement]}}}


async def test_renames_by_path_without_touching_the_input() -> None:
    source = [Item({"a": 1, "deep": {"b": 2}, "same": 3}, {"f": {"data": "YQ=="}})]
    params = keys(("a", "z"), ("deep.b", "top"), ("same", "same"), ("", "x"), ("ghost", "y"))
    [out] = await run(RENAME, 1, params, source)
    assert out.json == {"deep": {}, "same": 3, "z": 1, "top": 2}
    assert out.binary == source[0].binary and out.paired == (0, 0)
    assert source[0].json == {"a": 1, "deep": {"b": 2}, "same": 3}


async def test_regex_replaces_the_first_match_of_every_key_at_every_depth() -> None:
    source = items({"user_name": 1, "user_user": 2, "nested": {"user_id": [{"user_x": 1}]}})
    [out] = await run(RENAME, 1, regex("user_", "u."), source)
    assert out.json == {"nested": {"u.id": [{"u.x": 1}]}, "u.name": 1, "u.user": 2}


async def test_regex_groups_case_and_depth() -> None:
    source = items({"Name": 1, "inner": {"Name": 2}})
    [insensitive_top] = await run(RENAME, 1, regex("(?<first>n)ame", "$<first>ick", caseInsensitive=True, depth=0),
                                  source)
    [sensitive] = await run(RENAME, 1, regex("(n)ame", "$1ick"), source)
    assert insensitive_top.json == {"inner": {"Name": 2}, "Nick": 1}
    assert sensitive.json == {"Name": 1, "inner": {"Name": 2}}


def test_javascript_replacement_patterns() -> None:
    pattern = re.compile("(b)(c)?")
    assert js_replace_first(pattern, "abcb", "[$&|$1|$2|$$|$`|$'|$9]") == "a[bc|b|c|$|a|b|$9]b"


async def test_an_invalid_regex_fails_or_gives_error_items() -> None:
    with pytest.raises(NodeOperationError, match="Invalid regular expression") as caught:
        await run(RENAME, 1, regex("(", "x"), items({"a": 1}))
    assert caught.value.item_index == 0
    output = await run(RENAME, 1, regex("(", "x"), items({"a": 1}), on_error="continueRegularOutput")
    assert jsons(output)[0]["error"].startswith("Invalid regular expression")
