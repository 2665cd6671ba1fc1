"""Sort: by fields (order, text vs numbers, nested, several fields), random, Python code in the
sandbox, JavaScript refused, and the errors."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from engine.errors import NodeOperationError, SandboxError
from engine.ports import Services
from engine.sandbox.pool import SandboxPool
from nodes.data.sort import Sort
from nodes.data.sort_ops import shuffled

from .helpers import items, jsons, run

SORT = Sort()


def by(*fields: tuple[str, str], **extra: object) -> dict[str, object]:
    return {"sortFieldsUi": {"sortField": [{"fieldName": f, "order": o} for f, o in fields]}, **extra}


@pytest.fixture
async def sandbox() -> AsyncIterator[Services]:
    pool = SandboxPool(workers=1, memory_mb=256, timeout_s=5)
    await pool.start()
    try:
        yield Services(code_runner=pool)
    finally:
        await pool.close()


async def test_text_sorts_case_insensitively_and_pairs_follow_items() -> None:
    output = await run(SORT, 1, by(("name", "ascending")), items({"name": "b"}, {"name": "C"}, {"name": "a"}))
    assert jsons(output) == [{"name": "a"}, {"name": "b"}, {"name": "C"}]
    assert [item.paired for item in output] == [(2, 0), (0, 0), (1, 0)]


async def test_numbers_descending_with_missing_values_and_ties_kept_stable() -> None:
    source = items({"n": 2, "i": 0}, {"i": 1}, {"n": 10, "i": 2}, {"n": 2, "i": 3})
    ascending = await run(SORT, 1, by(("n", "ascending")), source)
    descending = await run(SORT, 1, by(("n", "descending")), source)
    assert [item.json["i"] for item in ascending] == [0, 3, 2, 1]
    assert [item.json["i"] for item in descending] == [1, 2, 0, 3]


async def test_several_fields_nested_paths_and_disabled_dot_notation() -> None:
    source = items({"a": {"b": 1}, "c": "y"}, {"a": {"b": 0}, "c": "y"}, {"a": {"b": 5}, "c": "x"})
    output = await run(SORT, 1, by(("c", "ascending"), ("a.b", "descending")), source)
    assert jsons(output) == [{"a": {"b": 5}, "c": "x"}, {"a": {"b": 1}, "c": "y"}, {"a": {"b": 0}, "c": "y"}]
    literal = items({"a.b": 2}, {"a.b": 1})
    flat = await run(SORT, 1, by(("a.b", "ascending"), options={"disableDotNotation": True}), literal)
    assert jsons(flat) == [{"a.b": 1}, {"a.b": 2}]


async def test_field_errors() -> None:
    with pytest.raises(NodeOperationError, match="No sorting specified"):
        await run(SORT, 1, {"sortFieldsUi": {}}, items({"a": 1}))
    with pytest.raises(NodeOperationError, match="Couldn't find the field 'zz'"):
        await run(SORT, 1, by(("zz", "ascending")), items({"a": 1}))
    with pytest.raises(NodeOperationError) as caught:
        await run(SORT, 1, by(("a.b", "ascending"), options={"disableDotNotation": True}), items({"a": {"b": 1}}))
    assert "disable dot notation" in (caught.value.description or "")


async def test_random_keeps_every_item() -> None:
    source = items(*({"i": i} for i in range(20)))
    output = await run(SORT, 1, {"type": "random"}, source)
    assert sorted(item.json["i"] for item in output) == list(range(20))
    assert [item.json["i"] for item in shuffled(source, random.Random(1))] != list(range(20))


async def test_python_comparator_runs_in_the_sandbox(sandbox: Services) -> None:
    code = "return b.json.n - a.json.n  # largest first"
    source = items({"n": 1}, {"n": 3}, {"n": 2})
    output = await run(SORT, 1, {"type": "code", "pythonCode": code}, source, services=sandbox)
    assert jsons(output) == [{"n": 3}, {"n": 2}, {"n": 1}]
    assert [item.paired for item in output] == [(1, 0), (2, 0), (0, 0)]


async def test_python_comparator_errors_name_the_users_line(sandbox: Services) -> None:
    code = "x = 1\nreturn a.json.n / 0"
    with pytest.raises(SandboxError, match=r"division by zero \[line 2\]"):
        await run(SORT, 1, {"type": "code", "pythonCode": code}, items({"n": 1}, {"n": 2}), services=sandbox)


async def test_code_without_return_and_without_sandbox_is_refused() -> None:
    source = items({"n": 1}, {"n": 2})
    with pytest.raises(NodeOperationError, match="doesn't return"):
        await run(SORT, 1, {"type": "code", "pythonCode": "x = 1"}, source)
    with pytest.raises(NodeOperationError, match="No sandbox"):
        await run(SORT, 1, {"type": "code", "pythonCode": "return 0"}, source)


def javascript_sort(code: str) -> dict[str, Any]:
    pinned = [{"json": {"n": n, "k": k}} for n, k in ((1, "a"), (3, "b"), (1, "c"), (2, "d"))]
    return {
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
             "parameters": {}},
            {"name": "Sort", "type": "n8n-nodes-base.sort", "typeVersion": 1, "position": [200, 0],
             "parameters": {"type": "code", "code": code}},
        ],
        "connections": {"Start": {"main": [[{"node": "Sort", "type": "main", "index": 0}]]}},
        "pinData": {"Start": pinned},
    }


async def test_n8n_javascript_comparator_runs_in_v8(run: Any) -> None:
    """n8n workflows carry `code`: a JavaScript comparator over a and b, sorted stably."""
    result = await run(javascript_sort("return b.json.n - a.json.n;"))
    assert result.status == "success", result.error
    output = result.output_of("Sort")
    assert [item.json["k"] for item in output] == ["b", "d", "a", "c"]  # equal n keep their order
    assert [item.paired for item in output] == [(1, 0), (3, 0), (0, 0), (2, 0)]
    failed = await run(javascript_sort("throw new Error('boom'); return 0;"))
    assert failed.status == "error" and "boom" in failed.error["message"]
