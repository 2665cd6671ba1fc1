"""How Merge's combine modes fold several items into one, and how they compare field values.

Folding follows lodash, as n8n does: deep merge (`merge`: nested objects merged key by key, lists
index by index, later sources win), shallow merge (`assign`: top-level keys only), and "Minimize
Empty Fields" (`overrideEmpty`: a later null/""/missing value never replaces an earlier one).
Results are fresh top-level objects sharing untouched values with their sources: input items are
never mutated.

Matching keys: `match_key` turns a field value into a hashable key so combine-by-fields can use a
hash join. Strict keys follow lodash `isEqual` (1 == 1.0, 1 != "1", true != 1, objects compared by
content). Fuzzy comparison (n8n's fuzzyCompare) is not transitive, so `fuzzy_tokens` gives every
bucket a value may match in; candidates found there are confirmed with `fuzzy_equal`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable
from typing import Any

from engine.items import Item, PairedRef, refs_of

from .dot_path import MISSING
from .set_convert import js_string

Fold = Callable[..., dict[str, Any]]


# --- folding ----------------------------------------------------------------------------------


def deep_merge(*sources: Any, keep_empty_target: bool = False) -> dict[str, Any]:
    """lodash `merge({}, ...sources)` (`mergeWith` + n8n's customizer when `keep_empty_target`).

    Only containers that two sources both hold are rebuilt; every other value is shared with its
    source (nodes never mutate items, so sharing untouched subtrees is safe and fast)."""
    result: dict[str, Any] | None = None
    for source in sources:
        if type(source) is not dict:
            continue
        if result is None:
            result = dict(source)
        else:
            _merge_dict(result, source, keep_empty_target)
    return result if result is not None else {}


def _merge_dict(target: dict[str, Any], source: dict[str, Any], keep: bool) -> None:
    for key, value in source.items():
        kind = type(value)
        if kind is dict or kind is list:
            current = target.get(key)
            target[key] = _merged_value(current, value, keep) if type(current) is kind else value
        elif keep and (value is None or value == "") and key in target:
            continue
        else:
            target[key] = value


def _merged_value(current: Any, value: Any, keep: bool) -> Any:
    if type(value) is dict and type(current) is dict:
        merged = dict(current)
        _merge_dict(merged, value, keep)
        return merged
    if type(value) is list and type(current) is list:
        merged_list = list(current)
        for index, child in enumerate(value):
            if index >= len(merged_list):
                merged_list.append(child)
            elif not (keep and (child is None or child == "")):
                merged_list[index] = _merged_value(merged_list[index], child, keep)
        return merged_list
    return value


def shallow_merge(*sources: Any, keep_empty_target: bool = False) -> dict[str, Any]:
    """lodash `assign({}, ...sources)` (`assignWith` + n8n's customizer when `keep_empty_target`);
    values are shared with the sources."""
    result: dict[str, Any] = {}
    for source in sources:
        if not isinstance(source, dict):
            continue
        for key, value in source.items():
            if keep_empty_target and key in result and value in (None, ""):
                continue
            result[key] = value
    return result


def fold_for(clash: dict[str, Any]) -> Fold:
    """n8n's selectMergeMethod: the fold chosen by `mergeMode` and `overrideEmpty`."""
    keep = bool(clash.get("overrideEmpty"))
    if clash.get("mergeMode") == "shallowMerge":
        return lambda *sources: shallow_merge(*sources, keep_empty_target=keep)
    if clash.get("mergeMode") == "deepMerge":
        return lambda *sources: deep_merge(*sources, keep_empty_target=keep)
    return deep_merge  # n8n ignores overrideEmpty when no mode is set


def with_suffix(item: Item, suffix: str) -> Item:
    """The item with `_<suffix>` appended to every top-level key (n8n addSuffixToEntriesKeys)."""
    return Item({f"{key}_{suffix}": value for key, value in item.json.items()}, item.binary, item.paired, item.error)


def merged_binary(fold: Fold, items: list[Item]) -> dict[str, Any] | None:
    return fold(*(item.binary or {} for item in items)) or None


def joined_refs(items: list[Item]) -> list[PairedRef]:
    """The paired items of several items, in order, without repeats."""
    refs: list[PairedRef] = []
    for item in items:
        for ref in refs_of(item.paired):
            if ref not in refs:
                refs.append(ref)
    return refs


# --- matching keys ----------------------------------------------------------------------------


def match_key(value: Any) -> Hashable:
    """A key equal for two values exactly when lodash `isEqual` holds between them."""
    kind = type(value)
    if kind is str or kind is int:
        return value  # never equal to a tagged tuple below; 1 and "1" stay apart
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("nan",) if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, str):
        return value
    return ("json", json.dumps(_plain(value), sort_keys=True))


def _plain(value: Any) -> Any:
    """Integral floats as ints, so 1.0 and 1 serialise alike inside objects."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_plain(child) for child in value]
    return value


def _is_falsy(value: Any) -> bool:
    return value is None or value == "" and isinstance(value, str) or value == [] and isinstance(value, list)


def fuzzy_tokens(value: Any) -> set[Hashable]:
    """Every bucket a value can fuzzy-match in (a superset: `fuzzy_equal` decides)."""
    if value is MISSING:
        return {("falsy",)}
    if _is_falsy(value):
        return {("falsy",), match_key(value)}
    if isinstance(value, bool):
        return {("bool", value), match_key(value)}
    if isinstance(value, (int, float)):
        tokens: set[Hashable] = {("text", js_string(value)), match_key(value)}
        if value in (0, 1):
            tokens.add(("bool", value == 1))
        return tokens
    if isinstance(value, str):
        tokens = {("text", value), match_key(value)}
        lowered = value.lower()
        if lowered in ("true", "false"):
            tokens.add(("bool", lowered == "true"))
        if value in ("0", "1"):
            tokens.add(("bool", value == "1"))
        parsed = _parsed_object(value)
        if parsed is not MISSING:
            tokens.add(match_key(parsed))
        return tokens
    return {match_key(value)}


def _parsed_object(text: str) -> Any:
    if not text.lstrip().startswith(("{", "[")):
        return MISSING
    try:
        parsed = json.loads(text)
    except ValueError:
        return MISSING
    return parsed if isinstance(parsed, (dict, list)) else MISSING


def fuzzy_equal(first: Any, second: Any) -> bool:
    """n8n's fuzzyCompare (version 1) between a value of input 1 and one of input 2 (MISSING:
    the field is absent)."""
    defined = first is not MISSING and second is not MISSING and first is not None and second is not None
    if defined and _js_type(first) == _js_type(second):
        return match_key(first) == match_key(second)
    if _is_falsy_or_missing(first) and _is_falsy_or_missing(second):
        return first is not MISSING or second is not MISSING
    for one, two in ((first, second), (second, first)):
        if _js_type(one) == "number" and isinstance(two, str):
            return js_string(one) == two
        if _js_type(one) == "object" and one is not None and isinstance(two, str):
            parsed = _parsed_object(two)
            return parsed is not MISSING and match_key(parsed) == match_key(one)
    return _boolean_match(first, second) or _boolean_match(second, first)


def _is_falsy_or_missing(value: Any) -> bool:
    return value is MISSING or _is_falsy(value)


def _boolean_match(flag: Any, other: Any) -> bool:
    if not isinstance(flag, bool):
        return False
    if isinstance(other, str):
        return other.lower() == ("true" if flag else "false") or other == ("1" if flag else "0")
    return _js_type(other) == "number" and other == (1 if flag else 0)


def _js_type(value: Any) -> str:
    if value is MISSING:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"
