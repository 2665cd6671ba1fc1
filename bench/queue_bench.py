"""Executions per second through the queue (queue mode: Redis broker, worker.py processes).

A 3-node workflow (Manual Trigger -> Edit Fields -> No Operation) with its run data saved, N
executions queued first, then 1 or 2 worker processes started; the figure is N divided by the
time from the first execution starting to the last one stopping (database timestamps).
On SQLite and on PostgreSQL. Target (issue 3): >= 200/s with one worker process on PostgreSQL,
and >= 1.6x that with two. n8n publishes 72/s for its queue mode on a 2-vCPU c5.large.

Needs Redis on 127.0.0.1:6379 (uses logical database 14, flushed) and, for the PostgreSQL rows,
PostgreSQL on 127.0.0.1:5432 (creates and drops its own database).
"""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from sqlalchemy import create_engine, func, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from models import Execution, Project, Workflow  # noqa: E402
from models.db import Database  # noqa: E402
from services.runtime import build_runtime  # noqa: E402
from services.settings import load_settings  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/14"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EXECUTIONS = int(os.environ.get("QUEUE_BENCH_EXECUTIONS", "1000"))
THREADS = os.environ.get("QUEUE_BENCH_THREADS", "4")

WORKFLOW = {
    "name": "bench",
    "nodes": [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0], "parameters": {}},
        {"name": "Set", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 0],
         "parameters": {"assignments": {"assignments": [
             {"id": "1", "name": "double", "value": "={{ $json.n * 2 }}", "type": "number"}]},
             "includeOtherFields": True}},
        {"name": "Done", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [400, 0], "parameters": {}},
    ],
    "connections": {
        "Start": {"main": [[{"node": "Set", "type": "main", "index": 0}]]},
        "Set": {"main": [[{"node": "Done", "type": "main", "index": 0}]]},
    },
    "settings": {"executionOrder": "v1"},
}


def environment(database_url: str, data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOTWORK_")}
    env.update(KNOTWORK_REDIS_URL=REDIS_URL, KNOTWORK_DATABASE_URL=database_url, KNOTWORK_DATA_DIR=data_dir,
               KNOTWORK_WORKER_CONCURRENCY=THREADS, PYTHONUNBUFFERED="1")
    return env


def run_once(database_url: str, processes: int) -> float:
    redis.Redis.from_url(REDIS_URL).flushdb()
    with tempfile.TemporaryDirectory() as data_dir:
        env = environment(database_url, data_dir)
        os.environ.update(env)
        runtime = build_runtime(load_settings(env))
        db = runtime.db
        with db.session() as session:
            session.exec(text("DELETE FROM execution"))  # type: ignore[call-overload]
            project = Project(name="bench")
            session.add(project)
            session.flush()
            workflow = Workflow(project_id=project.id, name="bench", nodes=WORKFLOW["nodes"],
                                connections=WORKFLOW["connections"], settings=WORKFLOW["settings"])
            session.add(workflow)
        for n in range(EXECUTIONS):
            runtime.executions.start(WORKFLOW, workflow_id=workflow.id, project_id=project.id, mode="trigger",
                                     start_items=[{"json": {"n": n}}])
        workers = [subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(processes)]
        try:
            deadline = time.monotonic() + 600
            while True:
                with db.session() as session:
                    left = session.exec(select(func.count()).select_from(Execution)  # type: ignore[arg-type]
                                        .where(Execution.status.in_(("new", "running")))).one()
                if left == 0:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{left} executions still unfinished")
                time.sleep(0.2)
            with db.session() as session:
                first, last, ok = session.exec(
                    select(func.min(Execution.started_at), func.max(Execution.stopped_at),  # type: ignore[arg-type]
                           func.count()).where(Execution.status == "success")).one()
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
            runtime.close()
        assert ok == EXECUTIONS, f"only {ok} of {EXECUTIONS} succeeded"
        return EXECUTIONS / (last - first).total_seconds()


def with_postgres(action):  # type: ignore[no-untyped-def]
    name = f"knotwork_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return action(PG_SERVER.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    repeats = int(os.environ.get("QUEUE_BENCH_REPEATS", "3"))
    results: dict[tuple[str, int], float] = {}
    for backend in os.environ.get("QUEUE_BENCH_BACKENDS", "postgresql,sqlite").split(","):
        for processes in (1, 2):
            rates = []
            for _ in range(repeats):
                if backend == "postgresql":
                    rates.append(with_postgres(lambda url, p=processes: run_once(url, p)))
                else:
                    with tempfile.TemporaryDirectory() as folder:
                        url = f"sqlite:///{folder}/bench.db"
                        Database(url).upgrade()
                        rates.append(run_once(url, processes))
            results[(backend, processes)] = statistics.median(rates)
            print(f"{backend:10} {processes} worker process(es) x {THREADS} threads: "
                  f"median {results[(backend, processes)]:.0f} executions/s over {EXECUTIONS} "
                  f"(runs: {', '.join(f'{r:.0f}' for r in rates)})", flush=True)
    one, two = results[("postgresql", 1)], results[("postgresql", 2)]
    print(f"PostgreSQL: 1 process {one:.0f}/s [target >= 200], 2 processes {two:.0f}/s = {two / one:.2f}x "
          f"[target >= 1.6x]; n8n queue mode: 72/s")


if __name__ == "__main__":
    main()
