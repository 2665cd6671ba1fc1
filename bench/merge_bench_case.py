"""Benchmark case "Merge by field": Merge v3.2 combining two inputs of n items on a field (hash join).

`merge_by_field_case(n)` builds the workflow and its start items for bench/nodes_bench.py;
`python bench/merge_bench_case.py [n]` times it alone (median of a few runs, target <= 1 s).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.registry import NodeRegistry  # noqa: E402
from engine.runner import execute_workflow  # noqa: E402
from engine.workflow import parse_workflow  # noqa: E402

MERGE_NODE = "Merge"
RUNS = 5
TARGET_SECONDS = 1.0


def _node(name: str, type_name: str, version: float, x: int, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": type_name, "typeVersion": version, "position": [x, 0], "parameters": parameters}


def merge_by_field_case(n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(workflow JSON, start items) for a Merge by field over n items per input.

    The start items go from the manual trigger "Start" through two No-Op nodes into both inputs of
    "Merge" (v3.2, combine by matching fields, keep matches, both inputs merged). Input 1 matches on
    `id`, input 2 on `key`, a permutation of the ids (a multiplier coprime to n), so every item
    finds exactly one partner at another position: n output items. Start the run at the trigger:
    `execute_workflow(parse_workflow(workflow, registry), registry, start_items=items)`.
    """
    multiplier = next(m for m in range(7919, 7919 + 10_000) if _coprime(m, n))
    items = [
        {"json": {"id": index, "key": (index * multiplier) % n, "name": f"User {index}", "group": f"g{index % 100}",
                  "address": {"city": f"c{index % 10}"}}}
        for index in range(n)
    ]
    merge = {
        "mode": "combine",
        "combineBy": "combineByFields",
        "advanced": True,
        "mergeByFields": {"values": [{"field1": "id", "field2": "key"}]},
        "joinMode": "keepMatches",
        "options": {},
    }
    workflow = {
        "name": "Merge by field",
        "nodes": [
            _node("Start", "n8n-nodes-base.manualTrigger", 1, 0, {}),
            _node("Input 1", "n8n-nodes-base.noOp", 1, 200, {}),
            _node("Input 2", "n8n-nodes-base.noOp", 1, 200, {}),
            _node(MERGE_NODE, "n8n-nodes-base.merge", 3.2, 400, merge),
        ],
        "connections": {
            "Start": {"main": [[{"node": "Input 1", "type": "main", "index": 0},
                                {"node": "Input 2", "type": "main", "index": 0}]]},
            "Input 1": {"main": [[{"node": MERGE_NODE, "type": "main", "index": 0}]]},
            "Input 2": {"main": [[{"node": MERGE_NODE, "type": "main", "index": 1}]]},
        },
        "settings": {"executionOrder": "v1"},
    }
    return workflow, items


def _coprime(a: int, b: int) -> bool:
    while b:
        a, b = b, a % b
    return a == 1


async def _time_case(n: int) -> None:
    registry = NodeRegistry.from_entry_points()
    workflow_json, items = merge_by_field_case(n)
    workflow = parse_workflow(workflow_json, registry)
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await execute_workflow(workflow, registry, start_items=items)
        seconds.append(time.perf_counter() - started)
        assert result.status == "success", result.error
    out = result.output_of(MERGE_NODE)
    assert len(out) == n, len(out)
    median = statistics.median(seconds)
    verdict = "ok" if median <= TARGET_SECONDS else "SLOW"
    print(f"Merge by field ({n:,} items per input)  median {median:6.3f} s  (min {min(seconds):.3f})  "
          f"-> {len(out):,} items  [target <= {TARGET_SECONDS:.0f} s: {verdict}]")


if __name__ == "__main__":
    asyncio.run(_time_case(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
