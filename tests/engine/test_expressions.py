"""Python expressions: templates, the `$` names, errors that say where, and the sandbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.expressions.python_lang import translate_dollars
from engine.expressions.template import split_template
from engine.ports import FrozenClock, Services
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()
TRIGGER = node("T", "n8n-nodes-base.manualTrigger")
ITEMS = [{"name": "ada", "n": 3, "tags": ["x", "y"], "deep": {"a": {"b": 7}}}, {"name": "bob", "n": 5, "tags": []}]
NOW = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)


async def evaluate(expression: str, items: list[dict] | None = None, **settings: Any) -> list[Any]:
    """Values of `expression` for every item of an Emit node feeding an Evaluate node."""
    data = workflow(
        [TRIGGER, node("Src", "emit", 200, 0, parameters={"items": ITEMS if items is None else items}),
         node("Eval", "evaluate", 400, 0, parameters={"value": expression})],
        connect(("T", "Src"), ("Src", "Eval")),
        settings=settings,
        id="wf1",
    )
    services = Services(clock=FrozenClock(NOW), variables={"region": "eu"})
    result = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, services=services, execution_id="e1")
    if result.status != "success":
        raise AssertionError(result.run_data["Eval"][0].error)
    return [item.json["value"] for item in result.output_of("Eval")]


async def failure(expression: str) -> dict:
    data = workflow(
        [TRIGGER, node("Src", "emit", 200, 0, parameters={"items": ITEMS}),
         node("Eval", "evaluate", 400, 0, parameters={"value": expression})],
        connect(("T", "Src"), ("Src", "Eval")),
    )
    result = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY)
    assert result.status == "error", f"{expression!r} should fail"
    return result.run_data["Eval"][0].error


# ---- templates -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("={{ $json.n }}", [3, 5]),  # a single segment keeps its type
        ("={{ $json.tags }}", [["x", "y"], []]),
        ("=n={{ $json.n }}", ["n=3", "n=5"]),  # text around it makes a string
        ("={{ $json.missing }}", [None, None]),
        ("=[{{ $json.missing }}]", ["[]", "[]"]),  # None renders empty
        ("={{ $json.n > 4 }}!", ["false!", "true!"]),
        ("={{ $json.tags }}", [["x", "y"], []]),
        ("=t:{{ $json.tags }}", ['t:["x","y"]', "t:[]"]),
        ("=plain text", ["plain text", "plain text"]),
        ("={{ {'k': $json.n} }}", [{"k": 3}, {"k": 5}]),
        ('={{ "}}" + $json.name }}', ["}}ada", "}}bob"]),
        ("={{ $json.name }}-{{ $json.n }}", ["ada-3", "bob-5"]),
    ],
)
async def test_template_joining(expression: str, expected: list[Any]) -> None:
    assert await evaluate(expression) == expected


def test_split_template_respects_strings_and_braces():
    assert split_template('a {{ "x}}" }} b {{ {"k": 1} }}') == [
        (False, "a "), (True, ' "x}}" '), (False, " b "), (True, ' {"k": 1} ')]


def test_dollars_are_rewritten_outside_strings_only():
    assert translate_dollars("$json.a + '$json' + $('N').item") == "_json.a + '$json' + _('N').item"


# ---- the $ names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("={{ $json.deep.a.b }}", [7, None]),  # a missing key reads as None, deep too
        ("={{ $json['name'].upper() }}", ["ADA", "BOB"]),
        ("={{ $json.get('n', 0) + 1 }}", [4, 6]),
        ("={{ $input.item.json.name }}", ["ada", "bob"]),
        ("={{ len($input.all()) }}", [2, 2]),
        ("={{ $input.first().json.name + $input.last().json.name }}", ["adabob", "adabob"]),
        ("={{ $('Src').item.json.n }}", [3, 5]),
        ("={{ $('Src').first().json.n }}", [3, 3]),
        ("={{ $('Src').last().json.n }}", [5, 5]),
        ("={{ [i.json.n for i in $('Src').all()] }}", [[3, 5], [3, 5]]),
        ("={{ $('Src').itemMatching(1).json.name }}", ["bob", "bob"]),
        ("={{ $('Src').isExecuted }}", [True, True]),
        ("={{ $node['Src'].json.name }}", ["ada", "bob"]),
        ("={{ $prevNode.name }}", ["Src", "Src"]),
        ("={{ $runIndex }}", [0, 0]),
        ("={{ $itemIndex }}", [0, 1]),
        ("={{ $workflow.id }}", ["wf1", "wf1"]),
        ("={{ $execution.id + ':' + $execution.mode }}", ["e1:test", "e1:test"]),
        ("={{ $vars.region }}", ["eu", "eu"]),
        ("={{ $jmespath($json, 'deep.a.b') }}", [7, None]),
        ("={{ $if($json.n > 4, 'big', 'small') }}", ["small", "big"]),
        ("={{ $ifEmpty($json.tags, ['none']) }}", [["x", "y"], ["none"]]),
        ("={{ $min(4, $json.n) }}", [3, 4]),
        ("={{ $max(4, $json.n) }}", [4, 5]),
        ("={{ $now.isoformat() }}", ["2026-03-29T00:30:00+00:00"] * 2),
        ("={{ $today.isoformat() }}", ["2026-03-29T00:00:00+00:00"] * 2),
        ("={{ math.floor($json.n / 2) }}", [1, 2]),
        ("={{ ', '.join($json.tags) }}", ["x, y", ""]),
        ("={{ sorted([$json.n, 1]) }}", [[1, 3], [1, 5]]),
    ],
)
async def test_dollar_names(expression: str, expected: list[Any]) -> None:
    assert await evaluate(expression) == expected


async def test_now_is_in_the_workflow_timezone():
    # 00:30 UTC on the day Berlin switches to summer time is 01:30 CET
    values = await evaluate("={{ $now.isoformat() }}", timezone="Europe/Berlin")
    assert values[0] == "2026-03-29T01:30:00+01:00"
    assert (await evaluate("={{ $now.hour }}", timezone="America/New_York"))[0] == 20


# ---- errors say where ------------------------------------------------------------------------
async def test_an_error_names_node_parameter_item_and_expression():
    error = await failure("={{ $json.n / 0 }}")
    assert error["node"] == "Eval" and error["parameter"] == "value" and error["itemIndex"] == 0
    assert error["expression"] == "={{ $json.n / 0 }}"
    assert "ZeroDivisionError" in error["message"]


async def test_syntax_errors_are_reported_not_raised():
    error = await failure("={{ $json.n + }}")
    assert error["message"].startswith("Invalid syntax")
    assert (await failure("={{ $json.n "))["message"].startswith("'{{' at position 0 has no closing")


async def test_unknown_node_reference():
    error = await failure("={{ $('Nope').first() }}")
    assert "Referenced node doesn't exist: 'Nope'" in error["message"]


async def test_unexecuted_node_reference():
    data = workflow(
        [TRIGGER, node("Never", "emit", 200, 200), node("Eval", "evaluate", 200, 0, parameters={"value": "={{ $('Never').first() }}"})],
        connect(("T", "Eval")),
    )
    result = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY)
    assert "Referenced node is unexecuted" in result.run_data["Eval"][0].error["message"]
