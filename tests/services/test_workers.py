"""Worker health: the workers that are alive (presence keys in queue mode, the process itself in
embedded mode), the executions each runs, orphans of gone workers, and the queue in front of them."""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from models import Database, Execution
from models.types import utcnow
from services.housekeeping import PRESENCE_PREFIX
from services.runtime import Runtime
from services.workers import worker_info, workers_health
from services.workflow_json import workflow_to_json
from services.workflows import create_workflow
from ui.pages.workers import diagnosis

from .runtimes import make_runtime

REDIS = "redis://127.0.0.1:6379/13"
SLOW = {"name": "slow", "settings": {"executionOrder": "v1"}, "nodes": [
    {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0], "parameters": {}},
    {"name": "Pause", "type": "n8n-nodes-base.wait", "typeVersion": 1.1, "position": [200, 0],
     "parameters": {"resume": "timeInterval", "amount": 30, "unit": "seconds"}}],
    "connections": {"Start": {"main": [[{"node": "Pause", "type": "main", "index": 0}]]}}}


def add_execution(runtime: Runtime, workflow_id: str, project_id: str, status: str, worker: str | None,
                  age: float = 0) -> int:
    with runtime.db.session() as session:
        row = Execution(workflow_id=workflow_id, project_id=project_id, mode="webhook", status=status,
                        worker_id=worker, created_at=utcnow() - timedelta(seconds=age),
                        started_at=utcnow() if status == "running" else None)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def test_embedded_mode_shows_this_process_and_what_it_runs(runtime: Runtime) -> None:
    # Given a running execution in the embedded worker
    row = create_workflow(runtime.db, SLOW, registry=runtime.registry)
    execution_id = runtime.executions.start(workflow_to_json(row), workflow_id=row.id, project_id=row.project_id,
                                            mode="trigger")
    deadline = time.monotonic() + 10
    try:
        while not (health := workers_health(runtime)).workers[0].running:
            assert time.monotonic() < deadline, "the execution never ran"
            time.sleep(0.01)
    finally:
        runtime.executions.cancel(execution_id)
    # Then the one worker is this process, with the execution and the workflow's name
    [worker] = health.workers
    assert not health.queue_mode and worker.id == runtime.worker_id and worker.concurrency == 4
    assert [(e.id, e.workflow_name, e.mode) for e in worker.running] == [(execution_id, "slow", "trigger")]
    assert health.orphans == [] and health.queued == 0
    assert diagnosis(health).startswith("Embedded mode (executions run in the web process): 1 worker(s), "
                                        "1 of 4 execution slots busy, 0 queued, 0 waiting.")


def test_queue_mode_lists_present_workers_and_orphans(database: Database, tmp_path: Path) -> None:
    redis = pytest.importorskip("redis")
    client: Any = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    runtime = make_runtime(database, tmp_path, KNOTWORK_REDIS_URL=REDIS)
    alive, old, gone = (f"test-{name}-{time.time_ns()}" for name in ("alive", "old", "gone"))
    try:
        client.set(PRESENCE_PREFIX + alive, worker_info(alive, 2), px=10_000)
        client.set(PRESENCE_PREFIX + old, "1", px=10_000)  # a worker of an older version
        row = create_workflow(runtime.db, SLOW, registry=runtime.registry)
        on_alive = add_execution(runtime, row.id, row.project_id, "running", alive)
        orphan = add_execution(runtime, row.id, row.project_id, "running", gone)
        add_execution(runtime, row.id, row.project_id, "new", None, age=42)
        health = workers_health(runtime)
    finally:
        client.delete(PRESENCE_PREFIX + alive, PRESENCE_PREFIX + old)
        client.close()
        runtime.close()
    ours = {worker.id: worker for worker in health.workers if worker.id in (alive, old)}
    assert health.queue_mode
    assert json.loads(worker_info(alive, 2))["pid"] == ours[alive].pid
    assert ours[alive].concurrency == 2 and [e.id for e in ours[alive].running] == [on_alive]
    assert ours[old].pid is None and ours[old].running == []
    assert [e.id for e in health.orphans] == [orphan] and health.queued == 1
    assert health.oldest_queued is not None and (utcnow() - health.oldest_queued).total_seconds() >= 42


def test_the_diagnosis_names_why_executions_wait(database: Database, tmp_path: Path) -> None:
    from services.workers import WorkersHealth, WorkerStatus

    nobody = WorkersHealth(True, [], 3, utcnow() - timedelta(seconds=90), 0, [])
    assert diagnosis(nobody).endswith("The oldest queued execution waits for 90 s because no worker is alive.")
    full = WorkersHealth(True, [WorkerStatus("w", concurrency=0)], 1, utcnow() - timedelta(seconds=5), 0, [])
    assert "because every slot is busy; add workers or raise KNOTWORK_WORKER_CONCURRENCY" in diagnosis(full)


def test_a_queue_worker_announces_itself_with_its_details(database: Database, tmp_path: Path) -> None:
    redis = pytest.importorskip("redis")
    client: Any = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    runtime = make_runtime(database, tmp_path, KNOTWORK_REDIS_URL=REDIS, KNOTWORK_WORKER_CONCURRENCY="3")
    try:
        runtime.start_queue_worker()
        [me] = [worker for worker in workers_health(runtime).workers if worker.id == runtime.worker_id]
    finally:
        runtime.close()
        client.close()
    assert (me.concurrency, me.pid) == (3, os.getpid()) and me.host == socket.gethostname()
