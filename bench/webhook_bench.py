"""Webhook throughput: Webhook -> Edit Fields (one expression) -> Respond to Webhook, executions saved.

Embedded (default): the app runs as `make run` runs it (main.py: one web process, SQLite, embedded
worker) in a temporary data folder, with the workflow active. WEBHOOK_BENCH_MODE=queue: queue mode
on a throwaway PostgreSQL database and Redis db 12 of this machine: `knotwork webhook` (two
processes) takes the calls, two `worker.py` processes run them (main.py is not needed). A Python asyncio client (aiohttp, keep-alive) in this process
POSTs {"n": i} at concurrency 1, 8 and 32 for WEBHOOK_BENCH_SECONDS each (after a warm-up) and prints
requests per second and p50 / p99 latency; every answer is checked, and so is the number of saved
successful executions at the end.

Target (issue 6): >= 360 req/s at concurrency 8 with p99 <= 95 ms. n8n 2.8.4 on this machine:
156 / 179 / 178 req/s, p99 19 / 95 / 287 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("WEBHOOK_BENCH_SECONDS", "10"))
WARMUP = float(os.environ.get("WEBHOOK_BENCH_WARMUP", "2"))
MODE = os.environ.get("WEBHOOK_BENCH_MODE", "embedded")
POSTGRES = os.environ.get("WEBHOOK_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("WEBHOOK_BENCH_REDIS", "redis://127.0.0.1:6379/12")
LEVELS = tuple(int(n) for n in os.environ.get("WEBHOOK_BENCH_CONCURRENCY", "1,8,32").split(","))
N8N = {1: (156, 19), 8: (179, 95), 32: (178, 287)}

WORKFLOW = {
    "name": "webhook bench",
    "nodes": [
        {"id": "w", "name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
         "webhookId": "5f0c6a52-6e1b-4d7e-9a57-2f3f8f0d7d01",
         "parameters": {"httpMethod": "POST", "path": "bench", "responseMode": "responseNode", "options": {}}},
        {"id": "s", "name": "Edit Fields", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [220, 0],
         "parameters": {"assignments": {"assignments": [
             {"id": "a", "name": "double", "value": "={{ $json.body.n * 2 }}", "type": "number"}]}, "options": {}}},
        {"id": "r", "name": "Respond to Webhook", "type": "n8n-nodes-base.respondToWebhook", "typeVersion": 1.1,
         "position": [440, 0], "parameters": {"respondWith": "firstIncomingItem", "options": {}}},
    ],
    "connections": {
        "Webhook": {"main": [[{"node": "Edit Fields", "type": "main", "index": 0}]]},
        "Edit Fields": {"main": [[{"node": "Respond to Webhook", "type": "main", "index": 0}]]},
    },
    "settings": {"executionOrder": "v1", "saveDataSuccessExecution": "all"},
}

SEED = """
import json, sys
from services.access import Actor
from services.runtime import build_runtime
from services.settings import load_settings
from services.users import create_user
from services import workflow_access

runtime = build_runtime(load_settings())
user = create_user(runtime.db, "bench@example.com", "benchmark password", role="owner")
actor = Actor(user.id, "owner", user.email)
view = workflow_access.create_workflow(runtime, actor, json.loads(sys.argv[1]))
workflow_access.activate_workflow(runtime, actor, view.workflow.id)
runtime.close()
"""

COUNT = """
from sqlmodel import func, select
from models import Execution
from services.runtime import build_runtime
from services.settings import load_settings

runtime = build_runtime(load_settings(), upgrade=False)
with runtime.db.session() as session:
    rows = session.exec(select(Execution.status, func.count()).group_by(Execution.status)).all()
print(dict(rows))
runtime.close()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(data_dir: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KNOTWORK_", "NICEGUI_", "PYTEST_"))}
    env.update(KNOTWORK_DATA_DIR=data_dir, KNOTWORK_HOST="127.0.0.1", KNOTWORK_PORT=str(port),
               KNOTWORK_STORAGE_SECRET="bench-only-secret", PYTHONUNBUFFERED="1")
    return env


async def load(url: str, concurrency: int, seconds: float) -> tuple[list[float], int]:
    """POST for `seconds` with `concurrency` callers; returns the latencies (s) and the failures."""
    latencies: list[float] = []
    failures = 0
    stop_at = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as client:

        async def caller(offset: int) -> None:
            nonlocal failures
            n = offset
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                async with client.post(url, json={"n": n}) as answer:
                    body = await answer.json(content_type=None)
                latencies.append(time.perf_counter() - started)
                if answer.status != 200 or body != {"double": n * 2}:
                    failures += 1
                n += concurrency

        await asyncio.gather(*(caller(i) for i in range(concurrency)))
    return latencies, failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@contextlib.contextmanager
def queue_database(env: dict[str, str]) -> Iterator[None]:
    """Queue mode: a new PostgreSQL database and an emptied Redis db in `env`, dropped afterwards."""
    import redis
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"knotwork_bench_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    client = redis.Redis.from_url(REDIS)
    client.flushdb()
    env.update(KNOTWORK_DATABASE_URL=make_url(POSTGRES).set(database=name).render_as_string(hide_password=False),
               KNOTWORK_REDIS_URL=REDIS)
    try:
        yield
    finally:
        client.flushdb()
        client.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def start_servers(env: dict[str, str], data_dir: str, port: int) -> list[subprocess.Popen[bytes]]:
    """The processes that answer on `port`: main.py, or the webhook process plus two workers."""
    log = (Path(data_dir) / "server.log").open("wb")
    if MODE != "queue":
        return [subprocess.Popen([sys.executable, "main.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)]
    command = [sys.executable, "-m", "cli", "webhook", "--port", str(port), "--processes", "2"]
    return [subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT),
            *(subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
              for _ in range(2))]


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        env = environment(data_dir, port)
        with queue_database(env) if MODE == "queue" else contextlib.nullcontext():
            run_levels(env, data_dir, port)


def run_levels(env: dict[str, str], data_dir: str, port: int) -> None:
    import json

    subprocess.run([sys.executable, "-c", SEED, json.dumps(WORKFLOW)], cwd=ROOT, env=env, check=True)
    log = Path(data_dir) / "server.log"
    servers = start_servers(env, data_dir, port)
    server = servers[0]
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                import urllib.request

                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')}") from None
                time.sleep(0.1)
        url = f"{base}/webhook/bench"
        total = 0
        for concurrency in LEVELS:
            asyncio.run(load(url, concurrency, WARMUP))
            latencies, failures = asyncio.run(load(url, concurrency, SECONDS))
            total += len(latencies)
            rate = len(latencies) / SECONDS
            n8n_rate, n8n_p99 = N8N.get(concurrency, (0, 0))
            print(f"concurrency {concurrency:3}: {rate:6.0f} req/s  p50 {percentile(latencies, .5) * 1000:5.1f} ms"
                  f"  p99 {percentile(latencies, .99) * 1000:6.1f} ms  mean "
                  f"{statistics.fmean(latencies) * 1000:5.1f} ms  failures {failures}"
                  f"   (n8n 2.8.4: {n8n_rate} req/s, p99 {n8n_p99} ms)", flush=True)
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait(timeout=30)
    counted = subprocess.run([sys.executable, "-c", COUNT], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
    print(f"executions by status after the run: {counted}")
    print(f"mode: {MODE}; target (embedded): >= 360 req/s at concurrency 8 with p99 <= 95 ms")


if __name__ == "__main__":
    main()
