"""JavaScript expressions against Python ones on the 100,000-item engine benchmark (bench_engine (a)).

The same workflow (Code -> Edit Fields `={{ $json.value * 2 }}` -> IF `={{ $json.value }} > 50` ->
NoOps) runs with settings.expressionLanguage python and javascript, each in a fresh process, and
prints per language: the wall time of the run, the time of the Edit Fields and IF nodes (where the
expressions are), and peak RSS. Target: JavaScript <= 1.5x Python. Results also go to
bench/results/js_expressions.txt.
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

from bench.bench_engine import pipeline_workflow  # noqa: E402
from engine.ports import Services  # noqa: E402
from engine.registry import NodeRegistry  # noqa: E402
from engine.runner import execute_workflow  # noqa: E402
from engine.sandbox.pool import SandboxPool  # noqa: E402
from engine.workflow import parse_workflow  # noqa: E402

EXPRESSION_NODES = ("Set", "IF")


async def _one_run(language: str) -> dict:
    import resource

    registry = NodeRegistry.from_entry_points()
    data = pipeline_workflow()
    data["settings"]["expressionLanguage"] = language
    workflow = parse_workflow(data, registry)
    pool = SandboxPool(workers=1, memory_mb=1024, timeout_s=120)
    await pool.start()
    if language == "javascript":  # the context is made once per worker thread, not per run
        from engine.js.runtime import runtime

        runtime()
    started = time.perf_counter()
    result = await execute_workflow(workflow, registry, services=Services(code_runner=pool))
    elapsed = time.perf_counter() - started
    await pool.close()
    assert result.status == "success", result.error
    nodes_ms = sum(result.run_data[name][0].execution_time for name in EXPRESSION_NODES)
    counts = {name: len(result.output_of(name)) for name in ("Set", "True", "False")}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": elapsed, "nodes_seconds": nodes_ms / 1000, "peak_mb": peak_mb, "counts": counts}


def measure(language: str, repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        output = subprocess.run([sys.executable, __file__, "--child", language], check=True, capture_output=True,
                                text=True, cwd=ROOT).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
    return {key: statistics.median(run[key] for run in runs) for key in ("seconds", "nodes_seconds", "peak_mb")} | {
        "counts": runs[-1]["counts"]}


def main(repeats: int = 3) -> None:
    figures = {language: measure(language, repeats) for language in ("python", "javascript")}
    python, javascript = figures["python"], figures["javascript"]
    lines = [
        f"{language:<10} run {f['seconds']:.2f} s, Edit Fields + IF {f['nodes_seconds']:.2f} s, "
        f"peak RSS {f['peak_mb']:.0f} MB, counts {f['counts']}"
        for language, f in figures.items()
    ]
    lines.append(f"javascript / python: run {javascript['seconds'] / python['seconds']:.2f}x, "
                 f"expression nodes {javascript['nodes_seconds'] / python['nodes_seconds']:.2f}x [target <= 1.5x]")
    text = "\n".join(f"(100,000 items, median of {repeats}) {line}" for line in lines)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "js_expressions.txt").write_text(text + "\n")


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(asyncio.run(_one_run(sys.argv[-1]))))
    else:
        main()
