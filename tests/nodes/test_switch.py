"""Switch v1–v3.2: output counts and names, rules and expression modes, fallback, errors."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.core.switch import Switch
from tests.nodes.fake import FakeContext, make_node

SWITCH = Switch()


def condition(left: Any, right: Any, operation: str = "equals", kind: str = "string") -> dict[str, Any]:
    return {"conditions": [{"leftValue": left, "rightValue": right, "operator": {"type": kind, "operation": operation}}],
            "combinator": "and"}


def rule(left: Any, right: Any, key: str = "", **operator: str) -> dict[str, Any]:
    data: dict[str, Any] = {"conditions": condition(left, right, **operator)}
    if key:
        data.update(renameOutput=True, outputKey=key)
    return data


async def route(version: float, per_item: list[dict[str, Any]], **flags: Any) -> list[list[Any]]:
    """Run the switch over one item per parameter set; returns the `n` of the items per output."""
    node = make_node("knotwork.switch", version, per_item[0], **flags)
    items = [Item({"n": index}) for index in range(len(per_item))]
    ctx = FakeContext(node, [items], per_item=per_item)
    outputs = await SWITCH.execute(ctx)
    assert len(outputs) == max(SWITCH.output_count(node), 1)
    return [[item.json.get("n", item.json) for item in output] for output in outputs]


def v3_rules(values: list[Any], rules: list[Any] | None = None, **options: Any) -> list[dict[str, Any]]:
    """One parameter set per item: rule i matches when the item's value equals "r<i>"."""
    rules = rules if rules is not None else ["r0", "r1"]
    return [{"rules": {"values": [rule(value, right) for right in rules]}, "options": options} for value in values]


# --- outputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "parameters", "names"), [
    (1, {}, ["0", "1", "2", "3"]),
    (2, {"rules": {"rules": [{"outputKey": "A"}, {}]}, "fallbackOutput": "extra"}, ["A", "1", "Fallback"]),
    (2, {"mode": "expression", "outputsAmount": 2}, ["0", "1"]),
    (3.2, {"rules": {"values": [rule(1, 1, "First"), rule(1, 2)]}}, ["First", "1"]),
    (3.2, {"rules": {"values": [rule(1, 1)]}, "options": {"fallbackOutput": "extra", "renameFallbackOutput": "Else"}}, ["0", "Else"]),
    (3.1, {"mode": "expression", "numberOutputs": 3}, ["0", "1", "2"]),
    (3.1, {"mode": "expression", "numberOutputs": "={{ 2 }}"}, ["0", "1", "2", "3"]),
    (3.2, {}, ["0"]),  # n8n's default: one rule
])
def test_output_names_follow_parameters(version: float, parameters: dict[str, Any], names: list[str]) -> None:
    node = make_node("knotwork.switch", version, parameters)
    assert SWITCH.output_names(node) == names and SWITCH.output_count(node) == len(names)


# --- v3 rules ----------------------------------------------------------------------------------


async def test_v3_first_matching_rule_wins_and_unmatched_are_dropped() -> None:
    assert await route(3.2, v3_rules(["r1", "r0", "zz"])) == [[1], [0]]


async def test_v3_items_are_paired_to_their_input() -> None:
    node = make_node("knotwork.switch", 3.2, v3_rules(["r1"])[0])
    outputs = await SWITCH.execute(FakeContext(node, [[Item({"n": 0})]]))
    assert outputs[1][0].paired == (0, 0)


async def test_v3_all_matching_outputs() -> None:
    per_item = v3_rules(["r0"], ["r0", "x", "r0"], allMatchingOutputs=True)
    assert await route(3.2, per_item) == [[0], [], [0]]


async def test_v3_fallback_extra_and_to_a_rule() -> None:
    assert await route(3.2, v3_rules(["zz", "r0"], fallbackOutput="extra")) == [[1], [], [0]]
    assert await route(3.2, v3_rules(["zz", "r0"], fallbackOutput=1)) == [[1], [0]]
    with pytest.raises(NodeOperationError, match="The output 2 is not allowed"):
        await route(3.2, v3_rules(["zz"], fallbackOutput=2))


async def test_v3_ignore_case_option() -> None:
    insensitive = v3_rules(["R0"])
    assert await route(3.2, insensitive) == [[0], []]  # ignoreCase defaults to true
    assert await route(3.2, v3_rules(["R0"], ignoreCase=False)) == [[], []]


async def test_v3_stored_filter_options_rule() -> None:
    per_item = v3_rules(["R0"])
    per_item[0]["rules"]["values"][0]["conditions"]["options"] = {"caseSensitive": True, "typeValidation": "strict"}
    assert await route(3.2, per_item) == [[], []]


async def test_v3_strict_type_error_and_loose_validation() -> None:
    numeric = [{"rules": {"values": [rule("5", 5, kind="number")]}}]
    with pytest.raises(NodeOperationError) as caught:
        await route(3.2, numeric)
    assert caught.value.item_index == 0 and "Convert types where required" in (caught.value.description or "")
    assert await route(3.2, [{**numeric[0], "looseTypeValidation": True}]) == [[0]]
    assert await route(3.0, [{**numeric[0], "options": {"looseTypeValidation": True}}]) == [[0]]


async def test_v3_continue_on_fail_sends_the_error_to_output_0() -> None:
    numeric = [{"rules": {"values": [rule("x", 5, kind="number"), rule(1, 1)]}}]
    node = make_node("knotwork.switch", 3.2, numeric[0], on_error="continueRegularOutput")
    outputs = await SWITCH.execute(FakeContext(node, [[Item({})]]))
    assert outputs[0][0].json["error"] and outputs[0][0].paired == (0, 0) and outputs[1] == []


async def test_v3_no_rules_routes_nothing() -> None:
    assert await route(3.2, [{"rules": {"values": []}}]) == [[]]


# --- expression mode ------------------------------------------------------------------------------


async def test_v3_expression_mode_routes_by_index() -> None:
    per_item = [{"mode": "expression", "numberOutputs": 3, "output": index} for index in (2, 0, "1")]
    assert await route(3.2, per_item) == [[1], [2], [0]]


@pytest.mark.parametrize(("index", "message"), [(3, "The output 3 is not allowed"), (-1, "The output -1 is not allowed"),
                                                 ("x", "not a whole number")])
async def test_expression_index_out_of_range(index: Any, message: str) -> None:
    with pytest.raises(NodeOperationError, match=message) as caught:
        await route(3.2, [{"mode": "expression", "numberOutputs": 3, "output": index}])
    assert caught.value.item_index == 0


async def test_v1_and_v2_expression_mode() -> None:
    assert await route(1, [{"mode": "expression", "output": 3}]) == [[], [], [], [0]]
    assert await route(2, [{"mode": "expression", "outputsAmount": 2, "output": 1}]) == [[], [0]]
    with pytest.raises(NodeOperationError, match="The output 4"):
        await route(1, [{"mode": "expression", "output": 4}])


# --- v1 / v2 legacy rules -------------------------------------------------------------------------


def legacy(version: float, data_type: str, value1: Any, rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"dataType": data_type, "value1": value1, "rules": {"rules": rules}, **extra}


async def test_v1_number_rules_name_their_output() -> None:
    rules = [{"operation": "equal", "value2": 1, "output": 2}, {"operation": "larger", "value2": 5, "output": 1}]
    per_item = [legacy(1, "number", value, rules, fallbackOutput=3) for value in (1, 9, 0)]
    assert await route(1, per_item) == [[], [1], [0], [2]]


async def test_v1_default_rule_is_number_smaller_zero_to_output_0() -> None:
    assert await route(1, [{"value1": -1, "rules": {"rules": [{}]}}]) == [[0], [], [], []]


@pytest.mark.parametrize(("data_type", "value1", "rule_data", "hit"), [
    ("boolean", True, {"operation": "equal", "value2": True}, True),
    ("boolean", True, {"operation": "notEqual", "value2": True}, False),
    ("string", "Hello", {"operation": "startsWith", "value2": "He"}, True),
    ("string", "Hello", {"operation": "regex", "value2": "/^h/i"}, True),
    ("string", "Hello", {"operation": "notContains", "value2": "ell"}, False),
    ("number", 3, {"operation": "smallerEqual", "value2": 3}, True),
    ("dateTime", "2024-01-02", {"operation": "after", "value2": "2024-01-01"}, True),
    ("dateTime", "2024-01-02", {"operation": "before", "value2": "2024-01-01"}, False),
])
async def test_v2_operations_per_data_type(data_type: str, value1: Any, rule_data: dict[str, Any], hit: bool) -> None:
    outputs = await route(2, [legacy(2, data_type, value1, [rule_data])])
    assert outputs == ([[0]] if hit else [[]])


async def test_v2_outputs_per_rule_and_fallback() -> None:
    rules = [{"operation": "equal", "value2": "a", "outputKey": "A"}, {"operation": "equal", "value2": "b"}]
    per_item = [legacy(2, "string", value, rules, fallbackOutput="extra") for value in ("b", "zz", "a")]
    assert await route(2, per_item) == [[2], [0], [1]]
    to_rule = [legacy(2, "string", "zz", rules, fallbackOutput=0)]
    assert await route(2, to_rule) == [[0], []]


async def test_legacy_invalid_date_is_an_item_error() -> None:
    per_item = [legacy(2, "dateTime", "not a date", [{"operation": "after", "value2": "2024-01-01"}])]
    with pytest.raises(NodeOperationError, match="is not a valid DateTime") as caught:
        await route(2, per_item)
    assert caught.value.item_index == 0


async def test_legacy_continue_on_fail() -> None:
    per_item = [legacy(1, "dateTime", "nope", [{"operation": "after", "value2": "2024-01-01"}])]
    node = make_node("knotwork.switch", 1, per_item[0], on_error="continueRegularOutput")
    outputs = await SWITCH.execute(FakeContext(node, [[Item({})]], per_item=per_item))
    assert "not a valid DateTime" in outputs[0][0].json["error"]


async def test_v3_without_stored_rules_uses_n8n_default_rule() -> None:
    node = make_node("knotwork.switch", 3.2, {})
    outputs = await SWITCH.execute(FakeContext(node, [[Item({"n": 0})]]))
    # n8n's default rule compares '' with '': every item goes to output 0
    assert [[item.json for item in output] for output in outputs] == [[{"n": 0}]]
