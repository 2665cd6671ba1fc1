"""Engine benchmarks (run by `make bench`, not by `make test`). Prints medians.

(a) 100,000 items made by a Code node -> Set (two fields, one `={{ $json.value * 2 }}`) -> IF
    (`value > 50`) -> No Operation on both outputs: engine wall time and peak RSS.
    n8n 2.8.4 on this machine: 15.8 s and 1.6 GB. Target: <= 4 s and <= 500 MB.
(b) a 20-node chain of Set nodes with one item: overhead per node. n8n: 0.2 ms. Target: <= 0.05 ms.
(c) expression evaluation cost per item.

Each (a) run happens in a fresh process so that its peak RSS is its own.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.ports import Services  # noqa: E402
from engine.registry import NodeRegistry  # noqa: E402
from engine.runner import execute_workflow  # noqa: E402
from engine.sandbox.pool import SandboxPool  # noqa: E402
from engine.workflow import parse_workflow  # noqa: E402

ITEMS = 100_000


def _node(name: str, type_: str, version: float, x: int, parameters: dict, y: int = 0) -> dict:
    return {"name": name, "type": type_, "typeVersion": version, "position": [x, y], "parameters": parameters}


def pipeline_workflow(items: int = ITEMS) -> dict:
    code = f"return [{{'value': i}} for i in range({items})]"
    assignments = {
        "assignments": [
            {"id": "1", "name": "double", "value": "={{ $json.value * 2 }}", "type": "number"},
            {"id": "2", "name": "label", "value": "item", "type": "string"},
        ]
    }
    condition = {
        "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict", "version": 2},
        "conditions": [
            {"id": "c", "leftValue": "={{ $json.value }}", "rightValue": 50,
             "operator": {"type": "number", "operation": "gt"}}
        ],
        "combinator": "and",
    }
    nodes = [
        _node("Start", "n8n-nodes-base.manualTrigger", 1, 0, {}),
        _node("Code", "n8n-nodes-base.code", 2, 200, {"language": "python", "pythonCode": code}),
        _node("Set", "n8n-nodes-base.set", 3.4, 400, {"assignments": assignments, "includeOtherFields": True}),
        _node("IF", "n8n-nodes-base.if", 2.2, 600, {"conditions": condition}),
        _node("True", "n8n-nodes-base.noOp", 1, 800, {}, -100),
        _node("False", "n8n-nodes-base.noOp", 1, 800, {}, 100),
    ]
    connections = {
        "Start": {"main": [[{"node": "Code", "type": "main", "index": 0}]]},
        "Code": {"main": [[{"node": "Set", "type": "main", "index": 0}]]},
        "Set": {"main": [[{"node": "IF", "type": "main", "index": 0}]]},
        "IF": {"main": [[{"node": "True", "type": "main", "index": 0}], [{"node": "False", "type": "main", "index": 0}]]},
    }
    return {"name": "bench a", "nodes": nodes, "connections": connections, "settings": {"executionOrder": "v1"}}


def chain_workflow(length: int = 20) -> dict:
    nodes = [_node("Start", "n8n-nodes-base.manualTrigger", 1, 0, {})]
    connections: dict = {}
    previous = "Start"
    for index in range(length):
        name = f"Set{index}"
        assignments = {"assignments": [{"id": "1", "name": f"f{index}", "value": "x", "type": "string"}]}
        nodes.append(_node(name, "n8n-nodes-base.set", 3.4, 200 * (index + 1),
                           {"assignments": assignments, "includeOtherFields": True}))
        connections[previous] = {"main": [[{"node": name, "type": "main", "index": 0}]]}
        previous = name
    return {"name": "bench b", "nodes": nodes, "connections": connections, "settings": {"executionOrder": "v1"}}


async def _one_pipeline_run() -> dict:
    """Runs in a child process: prints wall time of the engine and peak RSS."""
    import resource

    registry = NodeRegistry.from_entry_points()
    workflow = parse_workflow(pipeline_workflow(), registry)
    pool = SandboxPool(workers=1, memory_mb=1024, timeout_s=120)
    await pool.start()
    started = time.perf_counter()
    result = await execute_workflow(workflow, registry, services=Services(code_runner=pool))
    elapsed = time.perf_counter() - started
    await pool.close()
    assert result.status == "success", result.error
    counts = {name: len(result.output_of(name)) for name in ("Code", "Set", "True", "False")}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": elapsed, "peak_mb": peak_mb, "counts": counts}


def bench_pipeline(repeats: int = 5) -> None:
    seconds, peaks = [], []
    for _ in range(repeats):
        output = subprocess.run(
            [sys.executable, __file__, "--pipeline-child"], check=True, capture_output=True, text=True, cwd=ROOT
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        seconds.append(figures["seconds"])
        peaks.append(figures["peak_mb"])
    print(f"(a) 100k items Code->Set->IF->NoOp: median {statistics.median(seconds):.2f} s "
          f"(min {min(seconds):.2f}), peak RSS median {statistics.median(peaks):.0f} MB "
          f"[target <= 4 s, <= 500 MB; n8n 15.8 s, 1.6 GB]  counts {figures['counts']}")


async def bench_chain(runs: int = 300) -> None:
    registry = NodeRegistry.from_entry_points()
    workflow = parse_workflow(chain_workflow(), registry)
    for _ in range(20):  # warm up caches
        await execute_workflow(workflow, registry)
    per_node = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await execute_workflow(workflow, registry)
        per_node.append((time.perf_counter() - started) / 21)
    assert result.status == "success"
    print(f"(b) 20 Set nodes, one item: median {statistics.median(per_node) * 1000:.4f} ms per node "
          f"[target <= 0.05 ms; n8n 0.2 ms]")


def bench_expression(items: int = 100_000) -> None:
    from engine.expressions.engine import ExpressionEngine
    from engine.expressions.proxy import DataProxy
    from engine.expressions.python_lang import PythonLanguage
    from engine.items import Item
    from engine.runner import WorkflowExecutor

    registry = NodeRegistry.from_entry_points()
    workflow = parse_workflow(chain_workflow(1), registry)
    state = WorkflowExecutor(workflow, registry, Services(), "manual", "bench").run_state
    inputs = [Item({"value": i}) for i in range(items)]
    proxy = DataProxy(state, workflow.node("Set0"), 0, inputs, [None])
    engine = ExpressionEngine(PythonLanguage())
    samples = []
    for text in ("={{ $json.value * 2 }}", "=id-{{ $json.value }}", "={{ $('Set0').isExecuted }}"):
        started = time.perf_counter()
        for index in range(items):
            proxy.item_index = index
            engine.evaluate(text, proxy, node="Set0", parameter="value")
        samples.append((text, (time.perf_counter() - started) / items * 1e6))
    for text, micros in samples:
        print(f"(c) expression {text!r}: {micros:.2f} us per item")


if __name__ == "__main__":
    if "--pipeline-child" in sys.argv:
        print(json.dumps(asyncio.run(_one_pipeline_run())))
    else:
        bench_pipeline()
        asyncio.run(bench_chain())
        bench_expression()
