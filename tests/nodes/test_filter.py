"""Filter node: keeps matching items (v1 legacy conditions, v2+ filter), drops the rest."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.core import NODE_TYPES
from nodes.core.conditions import FilterTypeError
from nodes.core.filter_node import Filter
from tests.nodes.fake import FakeContext, make_node

PEOPLE = [
    {"id": 1, "name": "Adam", "subscribed": False, "notes": None},
    {"id": 2, "name": "Victor", "subscribed": True, "notes": "some notes"},
    {"id": 3, "name": "Sam", "subscribed": True, "notes": "other notes"},
]


async def run(version: float, parameters_for: Any, **flags: Any) -> list[list[Item]]:
    items = [Item(dict(person)) for person in PEOPLE]
    per_item = [parameters_for(item.json) for item in items]
    ctx = FakeContext(
        make_node("n8n-nodes-base.filter", version, per_item[0], **flags), [items], per_item=per_item
    )
    return await Filter().execute(ctx)


def names(outputs: list[list[Item]]) -> list[str]:
    assert len(outputs) == 1
    return [item.json["name"] for item in outputs[0]]


def condition(kind: str, operation: str, left: Any, right: Any = "", **operator: Any) -> dict[str, Any]:
    return {
        "id": "c",
        "leftValue": left,
        "rightValue": right,
        "operator": {"type": kind, "operation": operation, **operator},
    }


def filter_value(*conditions: dict[str, Any], combinator: str = "and", **options: Any) -> dict[str, Any]:
    stored = {"caseSensitive": True, "leftValue": "", "typeValidation": "strict", **options}
    return {"options": stored, "conditions": list(conditions), "combinator": combinator}


def test_description() -> None:
    description = Filter.description
    assert description.name == "knotwork.filter" and "n8n-nodes-base.filter" in description.aliases
    assert description.versions == (1.0, 2.0, 2.1, 2.2) and description.default_version == 2.2
    assert description.outputs == 1 and Filter in NODE_TYPES
    legacy = {(p.name, p.type) for p in description.parameters if p.visible({}, 1.0)}
    assert legacy == {("conditions", "fixedCollection"), ("combineConditions", "options")}


async def test_v2_keeps_matching_items_only() -> None:
    outputs = await run(
        2.0,
        lambda person: {
            "conditions": filter_value(
                condition("boolean", "true", person["subscribed"], singleValue=True),
                condition("number", "gt", person["id"], 2),
            )
        },
    )
    assert names(outputs) == ["Sam"]


async def test_v2_kept_items_are_the_input_items() -> None:
    items = [Item({"x": 1}), Item({"x": 2})]
    per_item = [
        {"conditions": filter_value(condition("number", "equals", item.json["x"], 2))} for item in items
    ]
    ctx = FakeContext(make_node("n8n-nodes-base.filter", 2.2, {}), [items], per_item=per_item)
    (kept,) = await Filter().execute(ctx)
    assert kept == [items[1]] and kept[0] is items[1]


async def test_v2_ignore_case_and_or() -> None:
    outputs = await run(
        2.2,
        lambda person: {
            "conditions": filter_value(
                condition("string", "startsWith", person["name"], "v"),
                condition("string", "notContains", person["name"], "s"),
                combinator="or",
                caseSensitive=False,
            )
        },
    )
    assert names(outputs) == ["Adam", "Victor"]


async def test_v2_loose_type_validation_from_stored_options() -> None:
    outputs = await run(
        2.0,
        lambda person: {
            "conditions": filter_value(
                condition("number", "lte", str(person["id"]), "2"),
                typeValidation="loose",
            )
        },
    )
    assert names(outputs) == ["Adam", "Victor"]


async def test_v2_strict_error_without_continue_on_fail() -> None:
    with pytest.raises(FilterTypeError) as caught:
        await run(
            2.2, lambda person: {"conditions": filter_value(condition("string", "equals", person["id"], "1"))}
        )
    assert (
        caught.value.message == "Wrong type: '1' is a number but was expecting a string [condition 0, item 0]"
    )
    assert caught.value.item_index == 0


async def test_v2_continue_on_fail_drops_failing_items() -> None:
    def parameters(person: dict[str, Any]) -> dict[str, Any]:
        left = person["name"] if person["id"] != 2 else 2  # item 1 has the wrong type
        return {"conditions": filter_value(condition("string", "notEquals", left, "Adam"))}

    outputs = await run(2.2, parameters, on_error="continueRegularOutput")
    assert names(outputs) == ["Sam"]


@pytest.mark.parametrize(
    ("combine", "expected"), [(None, ["Sam"]), ("AND", ["Sam"]), ("OR", ["Adam", "Victor", "Sam"])]
)
async def test_v1_combine_conditions(combine: str | None, expected: list[str]) -> None:
    def parameters(person: dict[str, Any]) -> dict[str, Any]:
        conditions = {
            "number": [
                {"value1": person["id"], "operation": "largerEqual", "value2": 3},
                {"value1": person["id"], "operation": "smaller", "value2": 10},
            ],
            "boolean": [{"value1": person["subscribed"], "value2": True}],  # operation defaults to "equal"
        }
        return {"conditions": conditions, **({"combineConditions": combine} if combine else {})}

    assert names(await run(1.0, parameters)) == expected


async def test_v1_string_and_date_conditions() -> None:
    def parameters(person: dict[str, Any]) -> dict[str, Any]:
        return {
            "conditions": {
                "string": [
                    {"value1": person["notes"], "operation": "contains", "value2": "notes"},
                    {"value1": person["name"], "operation": "regex", "value2": "/^[A-Z][a-z]*$/"},
                ],
                "dateTime": [{"value1": "2020-10-05T14:48:00.000Z", "value2": "2018-12-31T22:00:00.000Z"}],
            }
        }

    assert names(await run(1.0, parameters)) == ["Victor", "Sam"]


async def test_v1_errors_are_raised_even_with_continue_on_fail() -> None:
    with pytest.raises(NodeOperationError, match="not a valid DateTime"):
        await run(
            1.0,
            lambda person: {"conditions": {"dateTime": [{"value1": person["notes"]}]}},
            on_error="continueRegularOutput",
        )
