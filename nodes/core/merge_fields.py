"""Merge "combine by matching fields" (v2 `mergeByFields`, v3 `combineByFields`).

Input 2 is indexed once in a dict (key of its match-field values → positions), and each item of
input 1 looks its matches up there: a hash join, linear in the number of items, never a nested
loop over both inputs. With `fuzzyCompare` every item of input 2 is filed under each key it could
fuzzily equal, and candidates are confirmed with n8n's comparison.

Join modes (n8n's names): keepMatches (inner join), keepNonMatches, keepEverything (outer join),
enrichInput1 (left join), enrichInput2 (right join). `outputDataFrom` picks input 1, input 2 or
both merged; clashes between merged fields resolve by `options.clashHandling.values`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item, PairedRef
from engine.node_api import ExecuteContext

from .dot_path import MISSING, get_path
from .merge_objects import (
    deep_merge,
    fold_for,
    fuzzy_equal,
    fuzzy_tokens,
    match_key,
    merged_binary,
    with_suffix,
)

Pair = tuple[str, str]  # (field of input 1, field of input 2)


@dataclass
class Matches:
    """n8n's findMatches result, as positions: each input-1 item with its input-2 matches
    (one record per match when asked), then the input-2 items matched or not, in order."""

    matched: list[tuple[int, list[int]]] = field(default_factory=list)
    matched2: list[int] = field(default_factory=list)
    unmatched1: list[int] = field(default_factory=list)
    unmatched2: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class MatchOptions:
    fuzzy: bool = False
    dot_notation: bool = True
    first_only: bool = False
    one_record_per_match: bool = False  # "both" output and enrich modes pair one match at a time


def read_field(item: Item, name: str, dot_notation: bool) -> Any:
    """The field's value, or MISSING (lodash `get`, or a plain key without dot notation)."""
    if dot_notation and ("." in name or "[" in name):
        return get_path(item.json, name)
    return item.json.get(name, MISSING)  # a plain name reads the same key either way


class _Index:
    """Input 2 filed by match key: key → ascending positions."""

    def __init__(self, items: list[Item], fields: list[str], options: MatchOptions) -> None:
        self.items = items
        self.fields = fields
        self.options = options
        self.buckets: dict[Hashable, list[int]] = {}
        for position, item in enumerate(items):
            for key in self._keys([read_field(item, name, options.dot_notation) for name in fields]):
                bucket = self.buckets.setdefault(key, [])
                if not bucket or bucket[-1] != position:
                    bucket.append(position)

    def _keys(self, values: list[Any]) -> list[Hashable]:
        if self.options.fuzzy:
            return list(product(*(fuzzy_tokens(value) for value in values)))
        if MISSING in values:
            return []  # strict comparison never matches an absent field
        return [self._strict_key(values)]

    def _strict_key(self, values: list[Any]) -> Hashable:
        if len(values) == 1:
            return match_key(values[0])
        return tuple(match_key(value) for value in values)

    def find(self, values: list[Any]) -> list[int]:
        """Positions in input 2 matching these input-1 values, in input-2 order."""
        if not self.options.fuzzy:
            return self.buckets.get(self._strict_key(values), [])
        candidates: set[int] = set()
        for key in self._keys(values):
            candidates.update(self.buckets.get(key, ()))
        return [
            position
            for position in sorted(candidates)
            if all(
                fuzzy_equal(value, read_field(self.items[position], name, self.options.dot_notation))
                for name, value in zip(self.fields, values, strict=True)
            )
        ]


def find_matches(first: list[Item], second: list[Item], pairs: list[Pair], options: MatchOptions) -> Matches:
    """Split both inputs into matched and unmatched positions (n8n findMatches, as a hash join)."""
    # n8n keys its lookup by the input-2 field, so a repeated input-2 field keeps its last pair.
    by_field2 = {field2: field1 for field1, field2 in pairs}
    fields1 = list(by_field2.values())
    index = _Index(second, list(by_field2), options)
    result = Matches()
    matched_in_second: set[int] = set()
    for position, entry in enumerate(first):
        values = [read_field(entry, name, options.dot_notation) for name in fields1]
        positions = [] if MISSING in values else index.find(values)
        if options.first_only:
            positions = positions[:1]
        if not positions:
            result.unmatched1.append(position)
            continue
        matched_in_second.update(positions)
        if options.one_record_per_match:
            result.matched.extend((position, [match]) for match in positions)
        else:
            result.matched.append((position, list(positions)))
    for position in range(len(second)):
        (result.matched2 if position in matched_in_second else result.unmatched2).append(position)
    return result


def merge_matched(
    first: list[Item], second: list[Item], matched: list[tuple[int, list[int]]], clash: dict[str, Any], join: str
) -> list[Item]:
    """One item per match record, folded as the clash options say (n8n mergeMatched), paired
    to the items it was made of."""
    resolve = clash.get("resolveClash") or ("preferInput1" if join == "enrichInput2" else "preferLast")
    if resolve == "preferInput2":  # v2's name for v3's preferLast
        resolve = "preferLast"
    if resolve not in ("addSuffix", "preferInput1", "preferLast"):
        raise NodeOperationError(
            f"The clash handling '{resolve}' is not supported with two inputs",
            description="Use 'addSuffix', 'preferInput1' or 'preferLast'",
        )
    fold = fold_for(clash)
    suffix = resolve == "addSuffix"
    merged: list[Item] = []
    if not suffix and resolve == "preferLast" and not clash.get("mergeMode") and not clash.get("overrideEmpty"):
        return [_merged_pair(first[position], second[matches[0]], position, matches[0])
                if len(matches) == 1 else _merged_many(first, second, position, matches)
                for position, matches in matched]
    for position, matches in matched:
        entry = with_suffix(first[position], "1") if suffix else first[position]
        found = [with_suffix(second[j], "2") if suffix else second[j] for j in matches]
        refs: list[PairedRef] = [(j, 1) for j in matches]
        if resolve == "preferInput1":
            ordered, refs = [*found, entry], [*refs, (position, 0)]
        else:
            ordered, refs = [entry, *found], [(position, 0), *refs]
        binary = merged_binary(fold, ordered) if any(item.binary for item in ordered) else None
        merged.append(Item(fold(*(item.json for item in ordered)), binary, refs))
    return merged


def _merged_pair(entry: Item, match: Item, position: int, match_position: int) -> Item:
    """The common case, fast: one match, input 2 wins, deep merge."""
    binary = deep_merge(entry.binary, match.binary) or None if entry.binary or match.binary else None
    return Item(deep_merge(entry.json, match.json), binary, [(position, 0), (match_position, 1)])


def _merged_many(first: list[Item], second: list[Item], position: int, matches: list[int]) -> Item:
    ordered = [first[position], *(second[j] for j in matches)]
    binary = deep_merge(*(item.binary for item in ordered)) or None
    return Item(deep_merge(*(item.json for item in ordered)), binary, [(position, 0), *((j, 1) for j in matches)])


def check_pairs(pairs: list[dict[str, Any]]) -> list[Pair]:
    """The field pairs, rejecting empty names as n8n's checkMatchFieldsInput does."""
    if len(pairs) == 1 and not pairs[0].get("field1") and not pairs[0].get("field2"):
        raise NodeOperationError('You need to define at least one pair of fields in "Fields to Match" to match on')
    checked: list[Pair] = []
    for number, pair in enumerate(pairs, start=1):
        field1, field2 = str(pair.get("field1") or ""), str(pair.get("field2") or "")
        if not field1 or not field2:
            raise NodeOperationError(
                f'You need to define both fields in "Fields to Match" for pair {number}',
                description=f"field 1 = '{field1}', field 2 = '{field2}'",
            )
        checked.append((field1, field2))
    return checked


def check_present(items: list[Item], fields: list[str], dot_notation: bool, label: str) -> None:
    """v2.0 only: every match field must exist in at least one item of its input."""
    for name in fields:
        if not any(read_field(item, name, dot_notation) is not MISSING for item in items):
            raise NodeOperationError(f"Field '{name}' is not present in any of items in '{label}'")


def combine_by_fields(ctx: ExecuteContext, first: list[Item], second: list[Item], pairs: list[Pair]) -> list[Item]:
    """Run one combine-by-fields merge of the two inputs' items (as received); output items are
    paired to their input items ((i, 0) or (j, 1))."""
    join = str(ctx.param("joinMode", 0, "keepMatches"))
    output_from = str(ctx.param("outputDataFrom", 0, "both")) if join in ("keepMatches", "keepNonMatches") else "both"
    options = ctx.param("options", 0, {}) or {}
    dot_notation = not options.get("disableDotNotation", False)
    if ctx.type_version < 2.1:
        check_present(first, [p[0] for p in pairs], dot_notation, "Input 1")
        check_present(second, [p[1] for p in pairs], dot_notation, "Input 2")
    if not first or not second:
        return _one_side_empty(first, second, join, output_from)
    match_options = MatchOptions(
        fuzzy=bool(options.get("fuzzyCompare")),
        dot_notation=dot_notation,
        first_only=options.get("multipleMatches", "all") == "first",
        one_record_per_match=output_from == "both" or join in ("enrichInput1", "enrichInput2"),
    )
    matches = find_matches(first, second, pairs, match_options)
    clash = ctx.param("options.clashHandling.values", 0, {}) or {}
    return _Selection(first, second, matches, clash).output(join, output_from)


def _one_side_empty(first: list[Item], second: list[Item], join: str, output_from: str) -> list[Item]:
    if join == "keepNonMatches" and ((not first and output_from == "input1") or (not second and output_from == "input2")):
        return []
    if join == "keepMatches" or (join == "enrichInput1" and not first) or (join == "enrichInput2" and not second):
        return []
    return passed(first, 0) + passed(second, 1)


def passed(items: list[Item], input_index: int) -> list[Item]:
    """Items as they leave unchanged: each paired to its own position in its input."""
    return [item.with_paired((index, input_index)) for index, item in enumerate(items)]


@dataclass
class _Selection:
    """Builds the output items of one join mode from the matched positions."""

    first: list[Item]
    second: list[Item]
    matches: Matches
    clash: dict[str, Any]

    def output(self, join: str, output_from: str) -> list[Item]:
        matches = self.matches
        if join in ("keepMatches", "keepEverything"):
            if output_from == "input1":
                output = self._items(0, [position for position, _ in matches.matched])
            elif output_from == "input2":
                output = self._items(1, matches.matched2)
            else:
                output = merge_matched(self.first, self.second, matches.matched, self.clash, join)
            if join == "keepEverything":
                output += self._items(0, matches.unmatched1, "1") + self._items(1, matches.unmatched2, "2")
            return output
        if join == "keepNonMatches":
            if output_from == "input1":
                return self._items(0, matches.unmatched1)
            if output_from == "input2":
                return self._items(1, matches.unmatched2)
            return self._items(0, matches.unmatched1, source="input1") + self._items(1, matches.unmatched2, source="input2")
        if join == "enrichInput1":
            merged = merge_matched(self.first, self.second, matches.matched, self.clash, join)
            return merged + self._items(0, matches.unmatched1, "1")
        if join == "enrichInput2":
            merged = merge_matched(self.first, self.second, matches.matched, self.clash, join)
            return merged + self._items(1, matches.unmatched2, "2")
        raise NodeOperationError(f"The output type (joinMode) '{join}' is not known")

    def _items(self, input_index: int, positions: list[int], suffix: str = "", source: str = "") -> list[Item]:
        """Items passed on unmerged: suffixed under addSuffix, or marked with `_source`."""
        items = self.first if input_index == 0 else self.second
        add_suffix = bool(suffix) and self.clash.get("resolveClash") == "addSuffix"
        output: list[Item] = []
        for position in positions:
            item = items[position]
            if add_suffix:
                item = with_suffix(item, suffix)
            elif source:
                item = Item({**item.json, "_source": source}, item.binary, None, item.error)
            output.append(item.with_paired((position, input_index)))
        return output
