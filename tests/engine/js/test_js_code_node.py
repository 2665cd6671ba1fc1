"""The JavaScript Code node: both modes, n8n's names, console.log, output checks and errors."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from engine.ports import FrozenClock, Services
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from ..nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()
NOW = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
ITEMS = [{"a": 1}, {"a": 2}, {"a": 3}]
LIMITS = SimpleNamespace(timeout_s=2.0, memory_mb=128)  # the Code node reads its limits from code_runner


async def run_code(code: str, mode: str = "runOnceForAllItems", **fields: Any) -> Any:
    code_node = node("Code", "n8n-nodes-base.code", 400, 0, parameters={"jsCode": code, "mode": mode}, **fields)
    code_node["typeVersion"] = 2
    data = workflow(
        [node("T", "n8n-nodes-base.manualTrigger"), node("Src", "emit", 200, 0, parameters={"items": ITEMS}),
         code_node],
        connect(("T", "Src"), ("Src", "Code")),
        settings={"expressionLanguage": "javascript", "timezone": "UTC"},
        id="wf9", name="Nine",
    )
    services = Services(clock=FrozenClock(NOW), variables={"region": "eu"}, code_runner=LIMITS)  # type: ignore[arg-type]
    return await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, services=services, execution_id="e9")


async def output(code: str, mode: str = "runOnceForAllItems") -> list[dict[str, Any]]:
    result = await run_code(code, mode)
    assert result.status == "success", result.run_data["Code"][0].error
    return [item.to_dict() for item in result.output_of("Code")]


async def failure(code: str, mode: str = "runOnceForAllItems") -> dict[str, Any]:
    result = await run_code(code, mode)
    assert result.status == "error", f"{code!r} should fail"
    error: dict[str, Any] = result.run_data["Code"][0].error
    return error


async def test_all_items_mode_reads_and_changes_the_input() -> None:
    code = "for (const item of $input.all()) { item.json.b = item.json.a * 10 }\nreturn $input.all()"
    assert [item["json"] for item in await output(code)] == [{"a": 1, "b": 10}, {"a": 2, "b": 20}, {"a": 3, "b": 30}]


async def test_bare_objects_are_wrapped_and_legacy_items_work() -> None:
    assert [item["json"] for item in await output("return items.map(i => ({n: i.json.a}))")] == [
        {"n": 1}, {"n": 2}, {"n": 3}]
    assert [item["json"] for item in await output("return {one: 1}")] == [{"one": 1}]


async def test_each_item_mode_pairs_every_output_with_its_input() -> None:
    code = "return {x: $json.a, same: $input.item.json.a, first: $('Src').first().json.a, src: $('Src').item.json.a}"
    items = await output(code, "runOnceForEachItem")
    assert items == [{"json": {"x": i, "same": i, "first": 1, "src": i}, "pairedItem": {"item": i - 1}}
                     for i in (1, 2, 3)]


async def test_execution_names_and_luxon() -> None:
    code = ("return [{t: $now.toFormat('yyyy-MM-dd'), v: $vars.region, w: $workflow.name, id: $execution.id, "
            "m: $execution.mode, at: $('Src').itemMatching(2).json.a}]")
    assert (await output(code))[0]["json"] == {"t": "2026-03-29", "v": "eu", "w": "Nine", "id": "e9", "m": "test",
                                               "at": 3}


async def test_await_works() -> None:
    assert (await output("const v = await Promise.resolve(7); return [{v}]"))[0]["json"] == {"v": 7}


async def test_console_log_goes_to_the_run_log() -> None:
    result = await run_code("console.log('seen', {a: 1}); return []")
    assert result.run_data["Code"][0].logs == ['seen {"a":1}']


@pytest.mark.parametrize(
    ("code", "mode", "message"),
    [
        ('return {json: "test"}', "runOnceForAllItems", "A 'json' property isn't an object [item 0]"),
        ("return 5", "runOnceForAllItems", "Code doesn't return items properly"),
        ("return [{json: {}, extra: 1}]", "runOnceForAllItems", "Unknown top-level item key: extra [item 0]"),
        ("return [1, 2]", "runOnceForEachItem", "Code doesn't return a single object [item 0]"),
        ("return 'x'", "runOnceForEachItem", "Code doesn't return an object [item 0]"),
        ("const x = null;\nreturn x.y", "runOnceForAllItems", "Cannot read properties of null (reading 'y') [line 2]"),
        ("return [{}] +", "runOnceForAllItems", "invalid syntax: Unexpected token '}'"),
    ],
)
async def test_invalid_output_and_errors_read_as_in_n8n(code: str, mode: str, message: str) -> None:
    assert (await failure(code, mode))["message"] == message


async def test_continue_on_fail_outputs_the_error() -> None:
    result = await run_code("throw new Error('nope')", onError="continueRegularOutput")
    assert result.status == "success"
    assert result.output_of("Code")[0].json == {"error": "nope [line 1]"}


async def test_code_may_declare_the_names_n8n_provides() -> None:
    code = "const items = $input.all();\nlet item = items[0];\nconst $json = 1;\nreturn [{n: items.length, a: item.json.a}]"
    assert (await output(code))[0]["json"] == {"n": 3, "a": 1}


async def test_workflow_static_data_is_read_and_kept() -> None:
    code = ("const data = $getWorkflowStaticData('global');\ndata.count = (data.count || 0) + 1;\n"
            "$getWorkflowStaticData('node').seen = true;\nreturn [{count: data.count}]")
    result = await run_code(code)
    assert result.output_of("Code")[0].json == {"count": 1}
    assert result.static_data["global"] == {"count": 1}
    assert result.static_data["node:Code"] == {"seen": True}


async def test_undeclared_assignments_work_as_in_n8ns_sloppy_code_and_stay_in_the_run() -> None:
    """n8n runs Code nodes sloppy: `for (i = 0; ...)` and `total = 0` create variables. They live in
    the run's own scope (never on the frozen global), shared by the items of an each-item run."""
    code = "total = 0\nfor (i = 0; i < $input.all().length; i++) { total += $input.all()[i].json.a }\nreturn {total, i}"
    assert [item["json"] for item in await output(code)] == [{"total": 6, "i": 3}]
    each = "if ($itemIndex === 0) { calls = 0 }\ncalls = calls + 1\nreturn {calls}"
    assert [item["json"] for item in await output(each, "runOnceForEachItem")] == [{"calls": 1}, {"calls": 2}, {"calls": 3}]
    # nothing carries over into the next run, and reading a name never assigned fails as in JavaScript
    assert (await failure("return {total}"))["message"] == "total is not defined [line 1]"
    # the code stays strict: a plain function call gets no global object as `this`
    assert [item["json"] for item in await output("return {strict: (function () { return this })() === undefined}")] == [
        {"strict": True}]


async def run_legacy(type_name: str, code: str) -> Any:
    legacy = node("Fn", type_name, 400, 0, parameters={"functionCode": code})
    data = workflow([node("T", "n8n-nodes-base.manualTrigger"), node("Src", "emit", 200, 0, parameters={"items": ITEMS}),
                     legacy], connect(("T", "Src"), ("Src", "Fn")), settings={"expressionLanguage": "javascript"})
    return await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, services=Services(code_runner=LIMITS))  # type: ignore[arg-type]


async def test_legacy_function_nodes_run_their_javascript() -> None:
    """n8n's Function (all items, `items`) and Function Item (`item` is the JSON, the JSON is returned)."""
    result = await run_legacy("n8n-nodes-base.function", "for (item of items) { item.json.b = item.json.a * 2 }\nreturn items")
    assert result.status == "success", result.error
    assert [item.json for item in result.output_of("Fn")] == [{"a": 1, "b": 2}, {"a": 2, "b": 4}, {"a": 3, "b": 6}]
    result = await run_legacy("n8n-nodes-base.functionItem", "item.c = item.a + 10;\nreturn item;")
    assert result.status == "success", result.error
    assert [item.json for item in result.output_of("Fn")] == [{"a": 1, "c": 11}, {"a": 2, "c": 12}, {"a": 3, "c": 13}]
    assert [item.paired for item in result.output_of("Fn")] == [(0, 0), (1, 0), (2, 0)]
    failed = await run_legacy("n8n-nodes-base.functionItem", "return nope;")
    assert failed.status == "error" and failed.run_data["Fn"][0].error["message"] == "nope is not defined [line 1, for item 0]"
