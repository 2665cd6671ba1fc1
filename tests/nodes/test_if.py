"""IF node: v2+ filter routing, v1 legacy conditions, errors and continue-on-fail."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import ExpressionError, NodeOperationError
from engine.items import Item
from engine.registry import NodeRegistry
from nodes.core import NODE_TYPES
from nodes.core.conditions import ENABLE_LESS_STRICT_TYPE_VALIDATION, FilterTypeError
from nodes.core.conditions_legacy import compare_legacy
from nodes.core.if_node import If
from tests.nodes.fake import FakeContext, make_node


def v2_conditions(*conditions: dict[str, Any], combinator: str = "and", **options: Any) -> dict[str, Any]:
    stored = {"caseSensitive": True, "leftValue": "", "typeValidation": "strict", "version": 2, **options}
    return {"options": stored, "conditions": list(conditions), "combinator": combinator}


def number_gt(left: Any, right: Any) -> dict[str, Any]:
    return {"id": "1", "leftValue": left, "rightValue": right, "operator": {"type": "number", "operation": "gt"}}


async def run(version: float, per_item: list[dict[str, Any]], items: list[Item] | None = None, **flags: Any) -> list[list[Item]]:
    items = items if items is not None else [Item({"n": i}) for i in range(len(per_item))]
    ctx = FakeContext(make_node("n8n-nodes-base.if", version, per_item[0] if per_item else {}, **flags), [items], per_item=per_item)
    return await If().execute(ctx)


def test_description() -> None:
    description = If.description
    assert description.name == "knotwork.if" and "n8n-nodes-base.if" in description.aliases
    assert description.versions == (1.0, 2.0, 2.1, 2.2) and description.default_version == 2.2
    assert description.outputs == 2 and description.output_names == ("true", "false")
    assert If in NODE_TYPES and NodeRegistry([If]).get("n8n-nodes-base.if")


def test_parameters_follow_the_version() -> None:
    visible = {(p.name, p.type) for p in If.description.parameters if p.visible({}, 2.2)}
    assert visible == {("conditions", "filter"), ("looseTypeValidation", "boolean"), ("options", "collection")}
    legacy = {(p.name, p.type) for p in If.description.parameters if p.visible({}, 1.0)}
    assert legacy == {("conditions", "fixedCollection"), ("combineOperation", "options")}
    options = next(p for p in If.description.parameters if p.name == "options")
    assert [f.name for f in options.fields if f.visible({}, 2.0)] == ["ignoreCase", "looseTypeValidation"]
    assert [f.name for f in options.fields if f.visible({}, 2.1)] == ["ignoreCase"]


async def test_v2_routes_each_item_and_keeps_item_identity() -> None:
    items = [Item({"n": 5}), Item({"n": 1}), Item({"n": 7})]
    per_item = [{"conditions": v2_conditions(number_gt(item.json["n"], 3)), "options": {}} for item in items]
    true_items, false_items = await run(2.2, per_item, items)
    assert true_items == [items[0], items[2]] and true_items[0] is items[0]
    assert false_items[0] is items[1]


async def test_v2_or_combinator() -> None:
    per_item = [{"conditions": v2_conditions(number_gt(1, 3), number_gt(5, 3), combinator="or")}]
    true_items, false_items = await run(2.0, per_item)
    assert len(true_items) == 1 and false_items == []


async def test_v2_strict_error_names_the_item() -> None:
    per_item = [{"conditions": v2_conditions(number_gt(5, 3))}, {"conditions": v2_conditions(number_gt("5", 3))}]
    with pytest.raises(FilterTypeError) as caught:
        await run(2.2, per_item)
    assert caught.value.message == "Wrong type: '5' is a string but was expecting a number [condition 0, item 1]"
    assert caught.value.item_index == 1


async def test_v2_continue_on_fail_sends_failing_items_to_false() -> None:
    per_item = [{"conditions": v2_conditions(number_gt("5", 3))}, {"conditions": v2_conditions(number_gt(5, 3))}]
    true_items, false_items = await run(2.2, per_item, on_error="continueRegularOutput")
    assert [i.json["n"] for i in true_items] == [1] and [i.json["n"] for i in false_items] == [0]


async def test_v2_expression_errors_also_continue() -> None:
    class BrokenContext(FakeContext):
        def param(self, name: str, item_index: int = 0, default: Any = ...) -> Any:
            if name == "conditions" and item_index == 0:
                raise ExpressionError("bad expression", parameter="conditions")
            return super().param(name, item_index, default)

    per_item = [{"conditions": v2_conditions(number_gt(5, 3))}] * 2
    node = make_node("n8n-nodes-base.if", 2.2, {}, on_error="continueRegularOutput")
    ctx = BrokenContext(node, [[Item({"n": 0}), Item({"n": 1})]], per_item=per_item)
    true_items, false_items = await If().execute(ctx)
    assert [i.json["n"] for i in true_items] == [1] and [i.json["n"] for i in false_items] == [0]

    strict = BrokenContext(make_node("n8n-nodes-base.if", 2.2, {}), [[Item({})]], per_item=per_item)
    with pytest.raises(ExpressionError) as caught:
        await If().execute(strict)
    assert caught.value.item_index == 0 and caught.value.description == ENABLE_LESS_STRICT_TYPE_VALIDATION


async def test_v2_regex_error_gets_the_strict_hint() -> None:
    regex = {"id": "r", "leftValue": "a", "rightValue": "(", "operator": {"type": "string", "operation": "regex"}}
    with pytest.raises(NodeOperationError) as caught:
        await run(2.2, [{"conditions": v2_conditions(regex)}])
    assert caught.value.description == ENABLE_LESS_STRICT_TYPE_VALIDATION and caught.value.item_index == 0


@pytest.mark.parametrize(
    ("version", "parameters", "passes"),
    [
        (2.0, {"options": {"looseTypeValidation": True}}, True),
        (2.0, {"looseTypeValidation": True}, None),  # the top-level switch only exists from 2.1
        (2.1, {"looseTypeValidation": True}, True),
        (2.2, {"looseTypeValidation": False}, None),
    ],
)
async def test_node_options_apply_when_the_filter_has_no_stored_options(
    version: float, parameters: dict[str, Any], passes: bool | None
) -> None:
    conditions = {"conditions": [number_gt("5", 3)], "combinator": "and"}
    per_item = [{"conditions": conditions, **parameters}]
    if passes is None:
        with pytest.raises(FilterTypeError):
            await run(version, per_item)
    else:
        assert len((await run(version, per_item))[0]) == 1


@pytest.mark.parametrize(("version", "routed_true"), [(2.1, True), (2.2, False)])
async def test_version_2_2_coerces_booleans_more_strictly(version: float, routed_true: bool) -> None:
    condition = {"leftValue": "false", "rightValue": "", "operator": {"type": "boolean", "operation": "true", "singleValue": True}}
    per_item = [{"conditions": {"conditions": [condition], "combinator": "and"}, "looseTypeValidation": True}]
    true_items, _ = await run(version, per_item)
    assert bool(true_items) is routed_true


async def test_ignore_case_option_without_stored_options() -> None:
    condition = {"leftValue": "ABC", "rightValue": "abc", "operator": {"type": "string", "operation": "equals"}}
    conditions = {"conditions": [condition], "combinator": "and"}
    assert (await run(2.2, [{"conditions": conditions, "options": {"ignoreCase": True}}]))[0]
    assert not (await run(2.2, [{"conditions": conditions, "options": {}}]))[0]


# --- v1 -----------------------------------------------------------------------------------------

LEGACY_CASES = [
    ("equal", True, True, True), ("equal", 1, True, False), ("equal", 1, 1.0, True), ("equal", "1", 1, False),
    ("notEqual", True, False, True), ("notEqual", "a", "a", False),
    ("smaller", 1, 2, True), ("smaller", 2, 2, False), ("smallerEqual", 2, 2, True), ("smallerEqual", 3, 2, False),
    ("larger", 3, 2, True), ("larger", 2, 2, False), ("largerEqual", 2, 2, True), ("largerEqual", 1, 2, False),
    ("smaller", None, 1, True), ("larger", "10", 9, True), ("larger", "10", "9", False),
    ("isEmpty", None, None, True), ("isEmpty", "", None, True), ("isEmpty", {}, None, True), ("isEmpty", [], None, True),
    ("isEmpty", 0, None, False), ("isEmpty", float("nan"), None, True), ("isNotEmpty", "x", None, True),
    ("isNotEmpty", None, None, False),
    ("contains", "Elon Musk", "Elon", True), ("contains", "Elon Musk", "Jeff", False), ("contains", 12345, 234, True),
    ("notContains", "Elon Musk", "Jeff", True), ("notContains", "Elon Musk", "Elon", False),
    ("startsWith", "Elon Musk", "Elon", True), ("startsWith", "Elon Musk", "Musk", False),
    ("notStartsWith", "Elon Musk", "Musk", True), ("notStartsWith", "Elon Musk", "Elon", False),
    ("endsWith", "Elon Musk", "Musk", True), ("endsWith", "Elon Musk", "Elon", False),
    ("notEndsWith", "Elon Musk", "Elon", True), ("notEndsWith", "Elon Musk", "Musk", False),
    ("regex", "Elon Musk", "([E])", True), ("regex", "elon", "([E])", False), ("regex", "elon", "/E/i", True),
    ("notRegex", "elon", "([E])", True), ("notRegex", "Elon", "^[A-Z]+$/", True), ("notRegex", "Elon", "E", False),
    ("after", 2000, 1000, True), ("after", 1000, 2000, False), ("before", 1000, 2000, True), ("before", 2000, 1000, False),
]


@pytest.mark.parametrize(("operation", "value1", "value2", "expected"), LEGACY_CASES)
def test_v1_operations(operation: str, value1: Any, value2: Any, expected: bool) -> None:
    assert compare_legacy(operation, value1, value2) is expected


@pytest.mark.parametrize(("value1", "message"), [(5, "value1.endsWith is not a function"),
                                                 (None, "Cannot read properties of null (reading 'endsWith')")])
def test_v1_string_methods_on_non_strings_fail_like_javascript(value1: Any, message: str) -> None:
    with pytest.raises(NodeOperationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compare_legacy("endsWith", value1, "x")


async def test_v1_routes_with_defaults_and_combine() -> None:
    items = [Item({"v": 1}), Item({"v": 2})]
    # "operation" omitted: a number condition defaults to "smaller"
    per_item = [{"conditions": {"number": [{"value1": item.json["v"], "value2": 2}]}} for item in items]
    true_items, false_items = await run(1.0, per_item, items)
    assert true_items == [items[0]] and false_items == [items[1]]


async def test_v1_combine_any_and_all() -> None:
    conditions = {"boolean": [{"value1": True, "value2": True}], "string": [{"value1": "a", "value2": "b"}]}
    assert (await run(1.0, [{"conditions": conditions, "combineOperation": "any"}]))[0]
    assert (await run(1.0, [{"conditions": conditions}]))[1]
    assert (await run(1.0, [{"conditions": {}}]))[0]  # no conditions: "all" passes


async def test_v1_dates_compare_as_instants() -> None:
    after = {"dateTime": [{"value1": "2023-01-02T00:00:00.000-05:00", "value2": "2023-01-02T04:00:00Z"}]}
    assert (await run(1.0, [{"conditions": after}]))[0]
    before = {"dateTime": [{"value1": "2023-01-01", "operation": "before", "value2": "2023-01-01T00:00:01Z"}]}
    assert (await run(1.0, [{"conditions": before}]))[0]


async def test_v1_invalid_date_is_an_error_even_with_continue_on_fail() -> None:
    conditions = {"dateTime": [{"value1": "nope", "value2": "2023-01-01"}]}
    with pytest.raises(NodeOperationError, match='The value "nope" is not a valid DateTime.') as caught:
        await run(1.0, [{"conditions": conditions}], on_error="continueRegularOutput")
    assert caught.value.item_index == 0
