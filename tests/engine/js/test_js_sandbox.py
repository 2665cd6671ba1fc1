"""Escape corpus for JavaScript: nothing reaches the host, nothing outlives its call, and every
attempt fails its node with a clear message (or, in expressions, yields nothing)."""

from __future__ import annotations

import pytest

from engine.ports import Services
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from ..nodes_for_tests import connect, make_registry, node, workflow
from .test_js_code_node import failure, output, run_code

REGISTRY = make_registry()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("return (1).constructor.constructor('return process')()", 'Cannot access "constructor" due to security'),
        ("return [].map.constructor('return this')()", 'Cannot access "constructor" due to security'),
        ("return (async () => {}).constructor('return this')()", 'Cannot access "constructor" due to security'),
        ("return Object.getPrototypeOf(function* () {}).constructor", 'Cannot access "constructor" due to security'),
        ("return Reflect.getPrototypeOf(() => 1).constructor('return globalThis')()", 'Cannot access "constructor"'),
        ("Object.prototype.polluted = 1; return []", "Cannot add property polluted, object is not extensible"),
        ("Array.prototype.push = () => 0; return []", "Cannot assign to read only property 'push'"),
        ("String.prototype.toUpperCase = () => 'x'; return []", "Cannot assign to read only property"),
        ("JSON.parse = () => 1; return []", "Cannot assign to read only property 'parse'"),
        ("let s = 'x'; while (true) s += s;", "RangeError: Invalid string length"),
        ("while (true) {}", "Code stopped: it ran longer than 2 s"),
        ("const a = []; while (true) a.push(new Array(1e6).fill(1));", "Code stopped: it used more than 128 MB"),
        ("return process.env.HOME", "Cannot read properties of undefined (reading 'HOME')"),
        ("return require('fs').readFileSync('/etc/passwd')", "require is not a function"),
        ("return eval('1')", "eval is not defined"),
    ],
)
async def test_escape_attempts_fail_the_node_with_a_clear_message(code: str, message: str) -> None:
    assert message in (await failure(code))["message"]


async def test_this_and_globals_show_nothing_of_the_host() -> None:
    code = ("return [{self: typeof this, keys: Object.keys(this).length, g: Object.keys(globalThis).length, "
            "fn: typeof Function, timer: typeof setTimeout, luxon: typeof luxon, kw: typeof __kw}]")
    assert (await output(code))[0]["json"] == {"self": "object", "keys": 0, "g": 0, "fn": "object",
                                               "timer": "object", "luxon": "object", "kw": "object"}


async def test_nothing_a_run_does_reaches_the_next_run() -> None:
    await run_code("try { Object.prototype.x = 1 } catch (e) {} try { Math.max = () => 0 } catch (e) {} return []")
    assert (await output("return [{x: ({}).x === undefined, m: Math.max(1, 2)}]"))[0]["json"] == {"x": True, "m": 2}


async def test_the_context_recovers_after_a_limit() -> None:
    assert "ran longer" in (await failure("while (true) {}"))["message"]
    assert (await output("return [{ok: 1}]"))[0]["json"] == {"ok": 1}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("={{ (() => { while (true) {} })() }}", "Expression stopped: it ran longer than 0.5 s"),
        ("={{ (() => { const a = []; while (true) a.push(new Array(1e6).fill(1)); })() }}",
         "Expression stopped: it used more than 64 MB"),
        ("={{ 'x'.repeat(2 ** 30) }}", "RangeError: Invalid string length"),
        ("={{ (() => 1).constructor('return this')() }}", 'Cannot access "constructor" due to security concerns'),
    ],
)
async def test_expressions_that_attack_fail_their_node(expression: str, message: str) -> None:
    data = workflow([node("T", "n8n-nodes-base.manualTrigger"),
                     node("Eval", "evaluate", 200, 0, parameters={"value": expression})],
                    connect(("T", "Eval")), settings={"expressionLanguage": "javascript"})
    # The memory bomb must reach its limit before its time is up, on a loaded machine too.
    timeout = 5.0 if "new Array" in expression else 0.5
    services = Services(expression_timeout=timeout, expression_max_memory=64 * 2**20)
    result = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, services=services)
    assert result.status == "error"
    assert message in result.run_data["Eval"][0].error["message"]


async def test_expressions_cannot_change_built_ins_for_later_ones() -> None:
    data = workflow([node("T", "n8n-nodes-base.manualTrigger"),
                     node("A", "evaluate", 200, 0, parameters={"value": "={{ (Array.prototype.x = 1, 2) }}"}),
                     node("B", "evaluate", 400, 0, parameters={"value": "={{ [].x === undefined }}"})],
                    connect(("T", "A"), ("A", "B")), settings={"expressionLanguage": "javascript"})
    result = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY)
    assert result.output_of("A")[0].json["value"] is None  # the assignment threw, swallowed as n8n does
    assert result.output_of("B")[0].json["value"] is True
