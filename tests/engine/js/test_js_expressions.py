"""JavaScript expressions (settings.expressionLanguage = javascript): n8n's semantics, batched."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.ports import FrozenClock, Services
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from ..nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()
TRIGGER = node("T", "n8n-nodes-base.manualTrigger")
ITEMS = [{"name": "ada", "n": 3, "tags": ["x", "y"], "d": "2026-03-29T10:00:00Z"},
         {"name": "bob", "n": 5, "tags": [], "d": "2026-01-02T00:00:00Z"}]
NOW = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
JS = {"expressionLanguage": "javascript", "timezone": "Europe/Berlin"}


async def run(expression: str, items: list[dict[str, Any]] | None = None, **settings: Any) -> Any:
    data = workflow(
        [TRIGGER, node("Src", "emit", 200, 0, parameters={"items": ITEMS if items is None else items}),
         node("Eval", "evaluate", 400, 0, parameters={"value": expression})],
        connect(("T", "Src"), ("Src", "Eval")),
        settings={**JS, **settings},
        id="wf1",
    )
    services = Services(clock=FrozenClock(NOW), variables={"region": "eu"})
    return await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, services=services, execution_id="e1")


async def values(expression: str, items: list[dict[str, Any]] | None = None) -> list[Any]:
    result = await run(expression, items)
    assert result.status == "success", result.run_data["Eval"][0].error
    return [item.json["value"] for item in result.output_of("Eval")]


async def error_of(expression: str) -> dict[str, Any]:
    result = await run(expression)
    assert result.status == "error", f"{expression!r} should fail"
    error: dict[str, Any] = result.run_data["Eval"][0].error
    return error


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("={{ $json.name.toUpperCase() }}", ["ADA", "BOB"]),
        ("={{ $json.n > 4 ? 'big' : 'small' }}", ["small", "big"]),
        ("={{ `${$json.name}-${$json.n * 2}` }}", ["ada-6", "bob-10"]),
        ("={{ $json.tags.length }}", [2, 0]),
        ("={{ $json.tags }}", [["x", "y"], []]),  # a single segment keeps its type
        ("=n={{ $json.n }}", ["n=3", "n=5"]),
        # n8n's joining: null/undefined vanish, 0 and false stay, objects print as JS does
        ("=[{{ $json.missing }}|{{ 0 }}|{{ false }}|{{ [1, 2] }}|{{ {a: 1} }}]",
         ["[|0|false|1,2|[object Object]]"] * 2),
        ("={{ $json.a.b.c }}", [None, None]),  # reading a property of undefined is swallowed
        ("={{ $itemIndex }}/{{ $runIndex }}", ["0/0", "1/0"]),
        ("={{ $vars.region }} {{ $workflow.id }} {{ $execution.id }} {{ $execution.mode }}", ["eu wf1 e1 test"] * 2),
        ("={{ $('Src').item.json.name }}", ["ada", "bob"]),
        ("={{ $('Src').first().json.n + $('Src').last().json.n }}", [8, 8]),
        ("={{ $('Src').all().length }}", [2, 2]),
        ("={{ $node['Src'].json.name }}", ["ada", "bob"]),
        ("={{ $input.all().map(i => i.json.n).sum() }}", [8, 8]),
        ("={{ $jmespath($json, 'tags[0]') }}", ["x", None]),
        ("={{ $if($json.n > 4, 'y', 'n') }}|{{ $ifEmpty($json.tags, 'none') }}", ["n|x,y", "y|none"]),
    ],
)
async def test_javascript_values(expression: str, expected: list[Any]) -> None:
    assert await values(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("={{ $now.toFormat('yyyy-MM-dd HH:mm') }}", "2026-03-29 01:30"),  # workflow time zone
        ("={{ $today.toISO() }}", "2026-03-29T00:00:00.000+01:00"),
        ("={{ $now.minus({days: 1}).toFormat('yyyy-MM-dd') }}", "2026-03-28"),
        ("={{ DateTime.fromISO($json.d).setZone('UTC').hour }}", 10),
        ("={{ $json.d.toDateTime().plus(2, 'hours').toUTC().hour }}", 12),
        ("={{ Duration.fromObject({hours: 2}).as('minutes') }}", 120),
        ("={{ Interval.fromDateTimes($now, $now.plus({days: 3})).length('days') }}", 3),
        ("={{ 'Hello World'.toSnakeCase() }}", "hello_world"),
        ("={{ 'a@b.co'.isEmail() }}|{{ ' '.isEmpty() }}", "true|false"),
        ("={{ (3.14159).round(2) }}", 3.14),
        ("={{ [1, 1, 2].removeDuplicates().length }}", 2),
        ("={{ {a: 1, b: null}.compact().keys() }}", ["a"]),
        ("={{ $json.keys() }}", ["name", "n", "tags", "d"]),
        ("={{ 'aGVsbG8='.base64Decode() }}", "hello"),
        ("={{ true.toInt() }}", 1),
        ("={{ 'abc'.hash() }}", "900150983cd24fb0d6963f7d28e17f72"),  # MD5 by default, as in n8n
        ("={{ 'abc'.hash('sha256') }}", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("={{ 'abc'.hash('sha1') }}", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("={{ 'abc'.hash('sha512').slice(0, 16) }}", "ddaf35a193617aba"),  # FIPS 180-2 test vector
        ("={{ 'abc'.hash('sha384').slice(0, 16) }}", "cb00753f45a35e8b"),
        ("={{ 'abc'.hash('ripemd160') }}", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"),
    ],
)
async def test_luxon_and_extension_functions(expression: str, expected: Any) -> None:
    assert (await values(expression))[0] == expected


async def test_many_items_are_evaluated_in_batches_with_the_same_results() -> None:
    items = [{"v": i} for i in range(2500)]
    assert await values("={{ $json.v * 2 }}-{{ $itemIndex }}", items) == [f"{i * 2}-{i}" for i in range(2500)]


async def test_a_bad_node_reference_fails_the_node() -> None:
    error = await error_of("={{ $('Nope').item.json.x }}")
    assert error["message"] == "Referenced node doesn't exist: 'Nope'"
    assert error["parameter"] == "value" and error["expression"] == "={{ $('Nope').item.json.x }}"


async def test_a_paired_item_failure_fails_the_node() -> None:
    data = workflow(
        [TRIGGER, node("Src", "emit", 200, 0, parameters={"items": ITEMS}),
         node("Lonely", "emit", 200, 200, parameters={"items": ITEMS}),
         node("Eval", "evaluate", 400, 0, parameters={"value": "={{ $('Lonely').item.json.name }}"})],
        connect(("T", "Src"), ("Src", "Eval")),
        settings=JS,
    )
    result = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY)
    error = result.run_data["Eval"][0].error
    assert result.status == "error"
    assert error["message"] == "Referenced node is unexecuted: 'Lonely'"
    assert error["context"]["type"] == "no_node_execution_data"


async def test_calling_a_missing_function_fails_with_its_name() -> None:
    error = await error_of("={{ $json.name.nope() }}")
    assert "nope is not a function" in error["message"]


async def test_syntax_errors_fail_the_node() -> None:
    error = await error_of("={{ $json.name + }}")
    assert error["message"].startswith("invalid syntax")


async def test_python_stays_the_default_language() -> None:
    data = workflow([TRIGGER, node("Eval", "evaluate", 400, 0, parameters={"value": "={{ [1, 2][-1] }}"})],
                    connect(("T", "Eval")))
    result = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY)
    assert result.output_of("Eval")[0].json["value"] == 2  # Python indexing; JavaScript would give undefined
