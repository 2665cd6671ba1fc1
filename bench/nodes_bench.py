"""Data node benchmarks (run by hand or `make bench`, not by `make test`). Prints medians.

Each case runs one node on 100,000 items through the engine's executor (`execute_workflow`,
starting at the node with the items given), several times, and prints the median wall time of the
whole run next to the target: <= 1 s per node.

Cases are `(label, build_fn)` pairs in CASES: `build_fn()` returns the node's JSON (name, type,
typeVersion, parameters). Other nodes add their case to CASES (see "Merge by field" below).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine.items import Item  # noqa: E402
from engine.registry import NodeRegistry  # noqa: E402
from engine.runner import execute_workflow  # noqa: E402
from engine.workflow import parse_workflow  # noqa: E402

ITEMS = 100_000
RUNS = 5
TARGET_SECONDS = 1.0
NODE = "Node"


def make_items(count: int = ITEMS) -> list[Item]:
    """Items with a group (100 values), a number, a text and an email repeated twice."""
    return [
        Item({
            "id": index,
            "group": f"g{index % 100}",
            "value": (index * 7) % 1000,
            "name": f"User {(index * 7919) % count}",
            "email": f"user{index % (count // 2)}@example.org",
            "address": {"city": f"c{index % 10}", "zip": index % 1000},
        })
        for index in range(count)
    ]


def _node(type_name: str, parameters: dict[str, Any], version: float = 1) -> dict[str, Any]:
    return {"name": NODE, "type": type_name, "typeVersion": version, "position": [0, 0], "parameters": parameters}


def aggregate_node() -> dict[str, Any]:
    fields = [{"fieldToAggregate": "value"}, {"fieldToAggregate": "address.city"}]
    return _node("n8n-nodes-base.aggregate", {"fieldsToAggregate": {"fieldToAggregate": fields}})


def summarize_node() -> dict[str, Any]:
    values = [
        {"aggregation": "sum", "field": "value"},
        {"aggregation": "average", "field": "value"},
        {"aggregation": "countUnique", "field": "address.city"},
        {"aggregation": "max", "field": "name"},
    ]
    return _node("n8n-nodes-base.summarize", {"fieldsToSummarize": {"values": values}, "fieldsToSplitBy": "group"},
                 1.1)


def sort_node() -> dict[str, Any]:
    fields = [{"fieldName": "group", "order": "ascending"}, {"fieldName": "value", "order": "descending"}]
    return _node("n8n-nodes-base.sort", {"sortFieldsUi": {"sortField": fields}})


def remove_duplicates_node() -> dict[str, Any]:
    return _node("n8n-nodes-base.removeDuplicates",
                 {"compare": "selectedFields", "fieldsToCompare": "email, address.city"}, 2)


def remove_duplicates_all_fields_node() -> dict[str, Any]:
    return _node("n8n-nodes-base.removeDuplicates", {"compare": "allFieldsExcept", "fieldsToExclude": "id"}, 2)


CASES: list[tuple[str, Callable[[], dict[str, Any]]]] = [
    ("Aggregate (2 fields)", aggregate_node),
    ("Summarize (4 aggregations, split by group)", summarize_node),
    ("Sort (2 fields)", sort_node),
    ("Remove Duplicates (selected fields)", remove_duplicates_node),
    ("Remove Duplicates (all fields except id)", remove_duplicates_all_fields_node),
]
# Merge needs both inputs fed: bench_merge runs bench/merge_bench_case.py's workflow instead.


async def bench_case(label: str, build: Callable[[], dict[str, Any]], registry: NodeRegistry,
                     items: list[Item]) -> float:
    """Median seconds of RUNS runs of the node on the items; prints the line."""
    node = build()
    workflow = parse_workflow({"name": label, "nodes": [node], "connections": {},
                               "settings": {"executionOrder": "v1"}}, registry)
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await execute_workflow(workflow, registry, start_node=NODE, start_items=items)
        seconds.append(time.perf_counter() - started)
        assert result.status == "success", result.error
    median = statistics.median(seconds)
    out = len(result.output_of(NODE))
    verdict = "ok" if median <= TARGET_SECONDS else "SLOW"
    print(f"{label:<45} median {median:6.3f} s  (min {min(seconds):.3f})  -> {out:>6} items  "
          f"[target <= {TARGET_SECONDS:.0f} s: {verdict}]")
    return median


async def main() -> None:
    registry = NodeRegistry.from_entry_points()
    items = make_items()
    print(f"{ITEMS:,} items, median of {RUNS} runs per node, through execute_workflow")
    for label, build in CASES:
        await bench_case(label, build, registry, items)
    await bench_merge(registry)


async def bench_merge(registry: NodeRegistry) -> float:
    """Merge by field (hash join) of ITEMS items per input: the Merge node's own time (from its run
    data) and the whole run (trigger and two No-Ops feeding the inputs)."""
    from merge_bench_case import MERGE_NODE, merge_by_field_case

    workflow_json, start_items = merge_by_field_case(ITEMS)
    workflow = parse_workflow(workflow_json, registry)
    node_seconds, run_seconds = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await execute_workflow(workflow, registry, start_items=start_items)
        run_seconds.append(time.perf_counter() - started)
        assert result.status == "success", result.error
        node_seconds.append(result.run_data[MERGE_NODE][0].execution_time / 1000)
    median = statistics.median(node_seconds)
    verdict = "ok" if median <= TARGET_SECONDS else "SLOW"
    print(f"{'Merge by field (node; whole run ' + format(statistics.median(run_seconds), '.2f') + ' s)':<45} "
          f"median {median:6.3f} s  (min {min(node_seconds):.3f})  -> {len(result.output_of(MERGE_NODE)):>6} items  "
          f"[target <= {TARGET_SECONDS:.0f} s: {verdict}]")
    return median


if __name__ == "__main__":
    asyncio.run(main())
