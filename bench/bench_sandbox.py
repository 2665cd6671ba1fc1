"""Code-node sandbox benchmark (not a test): prints medians.

(a) round trip of a small request (`return _input.all()` with one item) to a warm worker: what
    one Code-node run costs beyond the user's own code. Measured floor for the bare pipe: ~40 µs.
(b) 100,000 items through `return _input.all()`: encode, send, decode into attribute dicts,
    normalise, encode and decode again; time and items per second.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.sandbox.pool import SandboxPool  # noqa: E402

SMALL_RUNS = 3000
BIG_ITEMS = 100_000
BIG_RUNS = 5


def no_callback(name: str, args: list) -> None:
    raise AssertionError("no callbacks expected")


async def round_trips(pool: SandboxPool) -> list[float]:
    request = {"code": "return _input.all()", "mode": "runOnceForAllItems", "items": [{"json": {"a": 1}}]}
    for _ in range(200):  # warm up: compile cache, allocator, CPU caches
        await pool.run(request, no_callback)
    seconds = []
    for _ in range(SMALL_RUNS):
        started = time.perf_counter()
        await pool.run(request, no_callback)
        seconds.append(time.perf_counter() - started)
    return seconds


async def big_runs(pool: SandboxPool) -> list[float]:
    items = [
        {"json": {"id": i, "name": f"item {i}", "tags": ["a", "b"], "nested": {"x": i}}}
        for i in range(BIG_ITEMS)
    ]
    request = {"code": "return _input.all()", "mode": "runOnceForAllItems", "items": items}
    seconds = []
    for _ in range(BIG_RUNS):
        started = time.perf_counter()
        answer = await pool.run(request, no_callback)
        seconds.append(time.perf_counter() - started)
        assert len(answer["items"]) == BIG_ITEMS
    return seconds


async def main() -> None:
    async with SandboxPool(workers=1, memory_mb=1024, timeout_s=120) as pool:
        small = await round_trips(pool)
        big = await big_runs(pool)
    small_us = sorted(s * 1e6 for s in small)
    print(
        f"(a) round trip, warm worker: median {statistics.median(small_us):.0f} µs, "
        f"p10 {small_us[len(small_us) // 10]:.0f} µs, p90 {small_us[len(small_us) * 9 // 10]:.0f} µs "
        f"({SMALL_RUNS} runs)"
    )
    median = statistics.median(big)
    print(
        f"(b) {BIG_ITEMS:,} items through `return _input.all()`: median {median:.2f} s, "
        f"{BIG_ITEMS / median:,.0f} items/s ({BIG_RUNS} runs, min {min(big):.2f} s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
