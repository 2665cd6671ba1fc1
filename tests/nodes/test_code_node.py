"""The Python Code node through the real executor and a real sandbox pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from engine.ports import Services
from engine.sandbox.pool import SandboxPool


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    pool = SandboxPool(workers=1, memory_mb=256, timeout_s=1.5)
    await pool.start()
    try:
        yield Services(code_runner=pool)
    finally:
        await pool.close()


def code_workflow(code: str, mode: str = "runOnceForAllItems", **flags: Any) -> dict[str, Any]:
    return {
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0], "parameters": {}},
            {"name": "Split", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [400, 0],
             "parameters": {"language": "python", "pythonCode": "return [{'n': 1}, {'n': 2}]"}},
            {"name": "Code", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [600, 0],
             "parameters": {"language": "python", "mode": mode, "pythonCode": code}, **flags},
        ],
        "connections": {
            "Start": {"main": [[{"node": "Split", "type": "main", "index": 0}]]},
            "Split": {"main": [[{"node": "Code", "type": "main", "index": 0}]]},
        },
        "settings": {"executionOrder": "v1"},
    }


def out(result: Any, node: str = "Code") -> list[dict[str, Any]]:
    return [item.json for item in result.output_of(node)]


async def test_all_items_mode_reads_input_and_other_nodes(run: Any, services: Services) -> None:
    code = (
        "total = sum(item.json.n for item in _input.all())\n"
        "print('total', total)\n"
        "return [{'total': total, 'first': _input.first().json.n, 'split': len(_('Split').all())}]"
    )
    result = await run(code_workflow(code), services=services)
    assert result.status == "success", result.error
    assert out(result) == [{"total": 3, "first": 1, "split": 2}]
    assert result.run_data["Code"][0].logs == ["total 3"]


async def test_each_item_mode_sees_json_and_pairs_items(run: Any, services: Services) -> None:
    code = "return {'double': _json.n * 2, 'index': _itemIndex, 'paired': _('Split').item.json.n}"
    result = await run(code_workflow(code, mode="runOnceForEachItem"), services=services)
    assert result.status == "success", result.error
    assert out(result) == [{"double": 2, "index": 0, "paired": 1}, {"double": 4, "index": 1, "paired": 2}]
    assert [item.paired for item in result.output_of("Code")] == [(0, 0), (1, 0)]


async def test_an_error_names_the_line(run: Any, services: Services) -> None:
    result = await run(code_workflow("x = 1\nreturn [{'a': 1 / 0}]"), services=services)
    assert result.status == "error"
    error = result.run_data["Code"][0].error
    assert "division by zero" in error["message"] and "[line 2]" in error["message"]


async def test_continue_on_fail_turns_item_errors_into_items(run: Any, services: Services) -> None:
    code = "if _json.n == 2:\n    raise ValueError('bad two')\nreturn {'ok': _json.n}"
    result = await run(code_workflow(code, mode="runOnceForEachItem", onError="continueRegularOutput"), services=services)
    assert result.status == "success"
    assert out(result)[0] == {"ok": 1}
    assert "bad two" in out(result)[1]["error"]


async def test_an_infinite_loop_fails_the_node_and_the_pool_recovers(run: Any, services: Services) -> None:
    looping = await run(code_workflow("while True:\n    pass"), services=services)
    assert looping.status == "error"
    assert "longer than" in looping.run_data["Code"][0].error["message"]
    again = await run(code_workflow("return [{'fine': True}]"), services=services)
    assert out(again) == [{"fine": True}]


async def test_imports_are_refused(run: Any, services: Services) -> None:
    result = await run(code_workflow("import os\nreturn []"), services=services)
    assert result.status == "error"
    assert "import" in result.run_data["Code"][0].error["message"].lower()
