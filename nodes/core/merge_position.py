"""Merge "combine by position" and "all possible combinations" (v2 mergeByPosition/multiplex,
v3 combineByPosition/combineAll).

Clashing fields resolve by `options.clashHandling.values.resolveClash`: the preferred input's
value wins (v2 preferInput1/preferInput2; v3 preferInput1..N or preferLast), or `addSuffix`
renames every field to `<name>_<input number>`.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext

from .merge_objects import Fold, deep_merge, fold_for, joined_refs, with_suffix


def _clash(ctx: ExecuteContext) -> dict[str, Any]:
    return ctx.param("options.clashHandling.values", 0, {}) or {}


def _combined(fold: Fold, items: list[Item]) -> Item:
    """The items folded left to right (later ones win); binary always deep-merged as n8n does."""
    binary = deep_merge(*(item.binary or {} for item in items)) or None
    return Item(fold(*(item.json for item in items)), binary, joined_refs(items))


def _two_inputs(first: list[Item], second: list[Item], clash: dict[str, Any]) -> tuple[list[Item], list[Item]]:
    """n8n's two-input preparation: swap so the preferred input comes last, or add suffixes."""
    if clash.get("resolveClash") == "preferInput1":
        return second, first
    if clash.get("resolveClash") == "addSuffix":
        return [with_suffix(item, "1") for item in first], [with_suffix(item, "2") for item in second]
    return first, second


def combine_all(ctx: ExecuteContext, first: list[Item], second: list[Item]) -> list[Item]:
    """Every pairing of an item of input 1 with one of input 2 (a cross join)."""
    clash = _clash(ctx)
    one, two = _two_inputs(first, second, clash)
    fold = fold_for(clash)
    return [_combined(fold, [left, right]) for left in one for right in two]


def merge_by_position_v2(ctx: ExecuteContext, first: list[Item], second: list[Item]) -> list[Item]:
    """v2 mergeByPosition: item i of input 1 with item i of input 2."""
    if not first or not second:
        return first + second  # n8n passes on whichever input has data
    clash = _clash(ctx)
    include_unpaired = bool(ctx.param("options.includeUnpaired", 0, False))
    one, two = _two_inputs(first, second, clash)
    count = max(len(one), len(two)) if include_unpaired else min(len(one), len(two))
    fold = fold_for(clash)
    merged: list[Item] = []
    for index in range(count):
        if index >= len(one):
            merged.append(two[index])
        elif index >= len(two):
            merged.append(one[index])
        else:
            merged.append(_combined(fold, [one[index], two[index]]))
    return merged


def combine_by_position_v3(ctx: ExecuteContext, inputs: list[list[Item]]) -> list[Item]:
    """v3 combineByPosition over every input: item i of each input folded together, the
    preferred input last so it wins. Without includeUnpaired, the shortest input sets the count."""
    clash = _clash(ctx)
    include_unpaired = bool(ctx.param("options.includeUnpaired", 0, False))
    preferred = _preferred_input(str(clash.get("resolveClash") or ""), len(inputs))
    if clash.get("resolveClash") == "addSuffix":
        inputs = [[with_suffix(item, str(number)) for item in items] for number, items in enumerate(inputs, start=1)]
    lengths = [len(items) for items in inputs]
    count = max(lengths) if include_unpaired else min(lengths)
    fold = fold_for(clash)
    order = [index for index in range(len(inputs)) if index != preferred] + [preferred]
    merged: list[Item] = []
    for position in range(count):
        present = [inputs[index][position] for index in order if position < len(inputs[index])]
        merged.append(_combined(fold, present))
    return merged


def _preferred_input(resolve: str, input_count: int) -> int:
    if not resolve.startswith("preferInput"):
        return input_count - 1  # preferLast, addSuffix or unset: the last input wins
    try:
        number = int(resolve.removeprefix("preferInput"))
    except ValueError:
        number = 0
    if not 1 <= number <= input_count:
        raise NodeOperationError(
            f"The clash handling '{resolve}' names an input this node does not have",
            description=f"The node has {input_count} inputs",
        )
    return number - 1
