"""The inspector's timeline rows from real run data."""

from __future__ import annotations

from typing import Any

from ui.inspector.timeline import human_bytes, human_ms, timeline_rows


def task(start: int, took: int, index: int, outputs: list[list[dict[str, Any]]], error: str | None = None) -> dict:
    data: dict[str, Any] = {"startTime": start, "executionTime": took, "executionIndex": index,
                            "executionStatus": "error" if error else "success", "data": {"main": outputs}}
    if error:
        data["error"] = {"message": error}
    return data


def test_rows_follow_the_execution_order_with_offsets_sizes_and_errors() -> None:
    run_data = {
        "IF": [task(1_000_010, 3, 1, [[{"json": {"a": 1}}], [{"json": {"a": 2}}, {"json": {"a": 3}}]])],
        "Start": [task(1_000_000, 0, 0, [[{"json": {}}]])],
        "Fail": [task(1_000_020, 5, 2, [], error="boom")],
    }
    rows = timeline_rows(run_data)
    assert [(row.node, row.offset_ms, row.duration_ms, row.items, row.status) for row in rows] == [
        ("Start", 0, 0, [1], "success"),
        ("IF", 10, 3, [1, 2], "success"),
        ("Fail", 20, 5, [], "error"),
    ]
    assert rows[1].data_bytes == len(b'[[{"json":{"a":1}}],[{"json":{"a":2}},{"json":{"a":3}}]]')
    assert rows[2].error == "boom"
    assert timeline_rows({}) == []


def test_human_units() -> None:
    assert (human_ms(0), human_ms(12), human_ms(1500)) == ("<1 ms", "12 ms", "1.50 s")
    assert (human_bytes(12), human_bytes(2048), human_bytes(5 * 1024 * 1024)) == ("12 B", "2.0 KB", "5.0 MB")
