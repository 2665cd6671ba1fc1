"""Merge v1 and v2/v2.1: the two-input modes of n8n's MergeV1 and MergeV2 classes (v2's
`combine` modes run in merge_fields and merge_position, shared with v3).

Paired items follow n8n: an item passed through points at its own input (`(i, input)`), a merged
item points at both items it came from, and an item made from nothing points at the items that
released it (`wait`: every item of input 1; `chooseBranch` empty: every item of both inputs).
"""

from __future__ import annotations

import copy
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item, PairedRef
from engine.node_api import ExecuteContext

from .dot_path import MISSING, get_path
from .merge_fields import check_pairs, combine_by_fields, passed
from .merge_position import combine_all, merge_by_position_v2
from .set_convert import js_string, js_truthy

V1_KEY_MODES = ("keepKeyMatches", "mergeByKey", "removeKeyMatches")


def execute_v1(ctx: ExecuteContext) -> list[list[Item]]:
    mode = ctx.param("mode", 0, "append")
    first, second = ctx.input(0), ctx.input(1)
    if mode == "append":
        return [passed(first, 0) + passed(second, 1)]
    if mode == "passThrough":
        output = ctx.param("output", 0, "input1")
        return [passed(first, 0) if output == "input1" else passed(second, 1)]
    if mode == "wait":
        return [[Item({}, paired=[(index, 0) for index in range(len(first))])]]
    if mode == "mergeByIndex":
        return [_merge_by_index(first, second, ctx.param("join", 0, "left"))]
    if mode == "multiplex":
        return [
            [
                Item({**one.json, **two.json}, paired=[(i, 0), (j, 1)])
                for i, one in enumerate(first)
                for j, two in enumerate(second)
            ]
        ]
    if mode in V1_KEY_MODES:
        return [_merge_by_key(ctx, mode, first, second)]
    raise NodeOperationError(f"The merge mode '{mode}' is not known")


def _merge_by_index(first: list[Item], second: list[Item], join: str) -> list[Item]:
    if not first:
        return [] if join in ("inner", "left") else passed(second, 1)
    if not second:
        return passed(first, 0) if join in ("left", "outer") else []
    count = len(first)
    if join == "inner":
        count = min(len(first), len(second))
    elif join == "outer":
        count = max(len(first), len(second))
    merged: list[Item] = []
    for index in range(count):
        if index >= len(first):
            merged.append(second[index].with_paired((index, 1)))
        elif index >= len(second):
            merged.append(first[index].with_paired((index, 0)))
        else:
            one, two = first[index], second[index]
            binary = {**(one.binary or {}), **{k: v for k, v in (two.binary or {}).items() if v is not None}}
            merged.append(Item({**one.json, **two.json}, binary or None, [(index, 0), (index, 1)]))
    return merged


def _comparable_key(value: Any) -> str | None:
    """The JS object key n8n looks a match up by; None when the value cannot be matched."""
    if value is None:
        return "null"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return js_string(value)


def _merge_by_key(ctx: ExecuteContext, mode: str, first: list[Item], second: list[Item]) -> list[Item]:
    name1 = ctx.param("propertyName1", 0, "")
    name2 = ctx.param("propertyName2", 0, "")
    overwrite = ctx.param("overwrite", 0, "always")
    if not name1 or not name2:
        return [] if mode == "keepKeyMatches" else passed(first, 0)

    lookup: dict[str, Item] = {}
    for entry in second:
        key = get_path(entry.json, name2)
        if key is MISSING or not js_truthy(key):
            continue
        lookup[js_string(key)] = entry

    result: list[Item] = []
    for index, entry in enumerate(first):
        reference = get_path(entry.json, name1)
        key = None if reference is MISSING else _comparable_key(reference)
        if key is None:  # no such field, or a value that cannot be a key: only "remove" keeps it
            if mode == "removeKeyMatches":
                result.append(entry.with_paired((index, 0)))
            continue
        match = lookup.get(key)
        if match is None:
            if mode != "keepKeyMatches":
                result.append(entry.with_paired((index, 0)))
        elif mode == "keepKeyMatches":
            result.append(entry.with_paired((index, 0)))
        elif mode == "mergeByKey":
            result.append(_merged_by_key(entry, match, name2, overwrite, index))
    return result


def _merged_by_key(entry: Item, match: Item, key_field: str, overwrite: str, index: int) -> Item:
    json = copy.deepcopy(entry.json)
    for field, value in match.json.items():
        if field == key_field:
            continue
        if (
            overwrite == "always"
            or (overwrite == "undefined" and field not in json)
            or (overwrite == "blank" and json.get(field) in (None, ""))
        ):
            json[field] = value
    return Item(json, copy.deepcopy(entry.binary), (index, 0))


def execute_v2(ctx: ExecuteContext) -> list[list[Item]]:
    mode = ctx.param("mode", 0, "append")
    first, second = ctx.input(0), ctx.input(1)
    if mode == "append":
        return [passed(first, 0) + passed(second, 1)]
    if mode == "chooseBranch":
        if ctx.param("chooseBranchMode", 0, "waitForBoth") != "waitForBoth":
            return [[]]
        output = ctx.param("output", 0, "input1")
        if output == "input1":
            return [passed(first, 0)]
        if output == "input2":
            return [passed(second, 1)]
        if output == "empty":
            return [[Item({}, paired=every_input_item([first, second]))]]
        return [[]]
    if mode == "combine":
        return [_combine_v2(ctx, first, second)]
    raise NodeOperationError(f"The merge mode '{mode}' is not known")


def _combine_v2(ctx: ExecuteContext, first: list[Item], second: list[Item]) -> list[Item]:
    combination = ctx.param("combinationMode", 0, "mergeByFields")
    if combination == "mergeByFields":
        pairs = check_pairs(list(ctx.param("mergeByFields.values", 0, []) or []))
        return combine_by_fields(ctx, first, second, pairs)
    if combination == "mergeByPosition":
        return merge_by_position_v2(ctx, passed(first, 0), passed(second, 1))
    if combination == "multiplex":
        return combine_all(ctx, passed(first, 0), passed(second, 1))
    raise NodeOperationError(f"The combination mode '{combination}' is not known")


def every_input_item(inputs: list[list[Item]]) -> list[PairedRef]:
    return [(index, input_index) for input_index, items in enumerate(inputs) for index in range(len(items))]
