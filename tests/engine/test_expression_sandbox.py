"""Expressions run in-process, so every escape or resource attack must fail the node and leave
the host untouched."""

from __future__ import annotations

import pytest

from engine.ports import Services
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()

ATTACKS = [
    "__import__('os').system('touch {canary}')",
    "import os",
    "().__class__.__base__.__subclasses__()",
    "type(1).__mro__",
    "getattr(1, '__class__')",
    "eval('1')",
    "exec('x=1')",
    "open('{canary}', 'w')",
    "'{{0.__class__}}'.format(1)",
    "'{{0}}'.format_map({{}})",
    "(x for x in []).gi_frame.f_back.f_globals",
    "[].__class__",
    "globals()",
    "vars()",
    "locals()",
    "dir()",
    "compile('1', 'f', 'eval')",
    "breakpoint()",
    "$json.__class__",
    "$input.__dict__",
    "$input.all.__self__",
    "$('Src')._proxy",
    "$input._proxy._state.services",
    "json.codecs",
    "re.copyreg",
    "math.__loader__",
    "datetime.datetime.__subclasses__()",
    "(lambda: 0).__globals__",
    "(lambda: 0).__code__",
    "string.Formatter",
    "'x' * (2 ** 33)",
    "[0] * 10 ** 10",
    "10 ** 10 ** 8",
    "1 << (10 ** 10)",
    "'a'.ljust(10 ** 10)",
    "'%*d' % (10 ** 9, 1)",
    "bytes(10 ** 10)",
    "list(range(10 ** 10))",
    "list(iter(int, 1))",
    "[[y for y in range(10 ** 6)] for x in range(10 ** 6)]",
    "[[0] * 10 ** 6 for x in range(10 ** 6)]",
    "['x' * 10 ** 6 for x in range(10 ** 6)]",
    "sum(x for x in range(10 ** 9))",
    "(lambda f: f(f))(lambda f: f(f))",
]


@pytest.mark.parametrize("attack", ATTACKS)
async def test_attack_fails_the_node(attack: str, tmp_path) -> None:
    canary = tmp_path / "canary"
    expression = "={{ " + attack.format(canary=canary) + " }}"
    data = workflow(
        [node("T", "n8n-nodes-base.manualTrigger"), node("Src", "emit", 200, 0, parameters={"items": [{"a": 1}]}),
         node("Eval", "evaluate", 400, 0, parameters={"value": expression})],
        connect(("T", "Src"), ("Src", "Eval")),
    )
    services = Services(expression_timeout=1.0)
    result = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY, services=services)
    assert result.status == "error", f"{attack} was allowed: {result.output_of('Eval')}"
    assert result.run_data["Eval"][0].error["name"] == "ExpressionError"
    assert not canary.exists()
