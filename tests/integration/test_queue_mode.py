"""Queue mode with real processes and servers: `python worker.py` children, PostgreSQL and Redis.

The test process plays the web process: `build_runtime(settings)` in queue mode persists each execution
and enqueues it to Redis; it never runs one. Worker processes share both servers with it (issue 3, Proof).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from sqlmodel import col, select

from models import Execution, Project, Workflow
from models.db import Database
from models.repositories import create_execution, load_execution_data, save_execution_data
from services.events import EXECUTIONS, RedisEventBus
from services.housekeeping import PRESENCE_PREFIX
from services.queue import QUEUE
from services.runtime import Runtime, build_runtime
from services.settings import Settings, load_settings
from tests.integration.processes import Workers, restart_redis, tagged_processes, wait_until

pytestmark = pytest.mark.integration

FINISHED = {"success", "error", "canceled", "crashed"}


# ---- workflows (built-in node types only: the workers load the real registry) ------------------------


def node(name: str, node_type: str, x: int, version: float = 1, **parameters: Any) -> dict[str, Any]:
    return {"id": name, "name": name, "type": node_type, "typeVersion": version, "position": [x, 0],
            "parameters": parameters}


def chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    connections = {a["name"]: {"main": [[{"node": b["name"], "type": "main", "index": 0}]]}
                   for a, b in zip(nodes, nodes[1:], strict=False)}
    return {"name": "it", "nodes": list(nodes), "connections": connections, "settings": {"executionOrder": "v1"}}


TRIGGER = node("Trigger", "n8n-nodes-base.manualTrigger", 0)
COUNTING = chain(
    TRIGGER,
    node("Edit Fields", "n8n-nodes-base.set", 200, 3.4,
         assignments={"assignments": [{"id": "1", "name": "copy", "type": "number", "value": "={{ $json.n }}"}]}),
    node("Done", "n8n-nodes-base.noOp", 400),
)
ENDLESS = chain(TRIGGER, node("Spin", "n8n-nodes-base.code", 200, 2, language="python",
                              pythonCode="while True:\n    pass"))


# ---- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(redis_url: str, postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of worker processes (and the settings of the web side)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KNOTWORK_"))}
    return {**inherited, "KNOTWORK_REDIS_URL": redis_url, "KNOTWORK_DATABASE_URL": postgres_url,
            "KNOTWORK_DATA_DIR": str(tmp_path_factory.mktemp("data")), "KNOTWORK_WORKER_CONCURRENCY": "4",
            "KNOTWORK_CODE_TIMEOUT": "600", "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def settings(env: dict[str, str]) -> Settings:
    return load_settings(env)


@pytest.fixture(scope="module")
def ids(settings: Settings) -> dict[str, str]:
    """A project and a workflow row for the executions to belong to."""
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            project = Project(name="Integration")
            session.add(project)
            session.flush()
            workflow = Workflow(project_id=project.id, name="it", nodes=COUNTING["nodes"],
                                connections=COUNTING["connections"])
            session.add(workflow)
            session.flush()
            return {"workflow_id": workflow.id, "project_id": project.id}
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def web(settings: Settings) -> Iterator[Runtime]:
    """The web process's runtime: it enqueues, and never starts a worker."""
    runtime = build_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def workers(env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    made = Workers(env, tmp_path)
    try:
        yield made
    finally:
        made.close()


class EventLog:
    """Every event on the Redis bus's `executions` channel about our workflow (channels span all
    Redis databases, so other users' events are left out)."""

    def __init__(self, redis_url: str, workflow_id: str) -> None:
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._workflow_id = workflow_id
        self.bus = RedisEventBus(redis_url)
        self.bus.subscribe(EXECUTIONS, self._record)

    def _record(self, channel: str, event: dict[str, Any]) -> None:
        if event.get("workflowId") == self._workflow_id:
            with self._lock:
                self.events.append(event)

    def started(self) -> Counter[int]:
        with self._lock:
            return Counter(e["executionId"] for e in self.events if e["event"] == "workflow.started")

    def has(self, event: str, execution_id: int, **fields: Any) -> bool:
        with self._lock:
            return any(e["event"] == event and e["executionId"] == execution_id
                       and all(e.get(k) == v for k, v in fields.items()) for e in self.events)


@pytest.fixture
def events(redis_url: str, ids: dict[str, str]) -> Iterator[EventLog]:
    log = EventLog(redis_url, ids["workflow_id"])
    yield log
    log.bus.close()


# ---- helpers -------------------------------------------------------------------------------------------


def start(runtime: Runtime, ids: dict[str, str], workflow: dict[str, Any] = COUNTING, n: int = 0) -> int:
    return runtime.executions.start(workflow, mode="trigger", start_items=[{"n": n}], **ids)


def rows(runtime: Runtime, execution_ids: list[int]) -> dict[int, Execution]:
    with runtime.db.session() as session:
        found = session.exec(select(Execution).where(col(Execution.id).in_(execution_ids))).all()
    return {row.id: row for row in found if row.id is not None}


def wait_finished(runtime: Runtime, execution_ids: list[int], seconds: float = 60) -> dict[int, Execution]:
    def finished() -> dict[int, Execution] | None:
        found = rows(runtime, execution_ids)
        return found if all(row.status in FINISHED for row in found.values()) else None

    return wait_until(finished, seconds, lambda: "unfinished: " + str(Counter(
        row.status for row in rows(runtime, execution_ids).values() if row.status not in FINISHED)))


def statuses(found: dict[int, Execution]) -> Counter[str]:
    return Counter(row.status for row in found.values())


def status(runtime: Runtime, execution_id: int) -> Execution:
    return rows(runtime, [execution_id])[execution_id]


# ---- the proofs ----------------------------------------------------------------------------------------


def test_two_workers_run_200_queued_executions_each_exactly_once(
        web: Runtime, ids: dict[str, str], workers: Workers, events: EventLog) -> None:
    # Given two worker processes
    started = workers.start(2)
    # When the web process queues 200 executions
    execution_ids = [start(web, ids, n=n) for n in range(200)]
    # Then each ends `success` and started exactly once, on one of the two workers, both of which worked
    found = wait_finished(web, execution_ids)
    assert len(found) == 200 and statuses(found) == {"success": 200}
    wait_until(lambda: sum(events.started().values()) >= 200, 10, "workflow.started events missing")
    assert events.started() == dict.fromkeys(execution_ids, 1)
    by_worker = Counter(row.worker_id for row in found.values())
    assert set(by_worker) == {worker.worker_id for worker in started}, by_worker
    with web.db.session() as session:  # the real nodes ran on each execution's own input
        loaded = load_execution_data(session, execution_ids[123])
    assert loaded is not None
    document = loaded[1]
    assert document["runData"]["Done"][0]["data"]["main"][0] == [{"json": {"copy": 123}, "pairedItem": {"item": 0}}]


def test_a_killed_worker_leaves_its_execution_crashed_and_every_other_one_finishes(
        web: Runtime, ids: dict[str, str], workers: Workers, events: EventLog, redis_url: str) -> None:
    # Given two workers, some executions already done, and an endless Code node running on one worker
    workers.start(2)
    before = [start(web, ids, n=n) for n in range(10)]
    endless = start(web, ids, ENDLESS)
    wait_until(lambda: events.has("node.started", endless, node="Spin"), 30, "the Code node never started")
    around = [start(web, ids, n=n) for n in range(10)]
    assert statuses(wait_finished(web, before + around)) == {"success": 20}
    victim = next(w for w in workers.started if w.worker_id == status(web, endless).worker_id)
    survivor = next(w for w in workers.started if w is not victim)
    spinning = wait_until(lambda: workers.spinning(victim.tag), 30, "no sandbox of the victim runs the endless loop")

    # When it is killed with SIGKILL and more executions arrive meanwhile
    victim.process.kill()
    victim.process.wait(10)
    killed_at = time.monotonic()
    after = [start(web, ids, n=n) for n in range(10)]

    # Then the others succeed (on the survivor), the endless one is `crashed` by the survivor's presence
    # thread once the victim's heartbeat key expires (10 s TTL, 2 s ticks), and nothing the victim
    # started is left running
    finished_after = wait_finished(web, after)
    assert statuses(finished_after) == {"success": 10}
    assert {row.worker_id for row in finished_after.values()} == {survivor.worker_id}
    crashed = wait_finished(web, [endless], seconds=40)[endless]
    assert time.monotonic() - killed_at < 20, "the crash was noticed later than the presence TTL allows"
    assert crashed.status == "crashed" and crashed.worker_id == victim.worker_id
    assert f"Worker {victim.worker_id} stopped" in (crashed.error_message or "")
    assert not set(tagged_processes(victim.tag)) & spinning, "the sandbox outlived its worker"
    workers.assert_gone(victim.tag)
    assert survivor.process.poll() is None
    assert_the_lost_message_is_redelivered_but_not_run_again(web, redis_url, endless, events)


def queued_message_ids(client: redis.Redis, execution_id: int) -> list[str]:
    """Redis ids of the Dramatiq messages (not yet acknowledged) that carry `execution_id`."""
    bodies = client.hgetall(f"knotwork:{QUEUE}.msgs")
    return [key.decode() for key, body in bodies.items() if orjson.loads(body)["args"] == [execution_id]]


def assert_the_lost_message_is_redelivered_but_not_run_again(
        web: Runtime, redis_url: str, execution_id: int, events: EventLog) -> None:
    """The killed worker never acknowledged its message. Dramatiq moves the unacknowledged messages of
    a worker silent for `heartbeat_timeout` (60 s) back to the queue, during a random 0.1 % of its
    commands; a broker that always does that maintenance, with a 5 s timeout, makes it happen now."""
    client = redis.Redis.from_url(redis_url)
    try:
        [message_id] = queued_message_ids(client, execution_id)
        maintainer = RedisBroker(url=redis_url, namespace="knotwork", heartbeat_timeout=5000,
                                 maintenance_chance=MAINTENANCE_SCALE)
        try:
            maintainer.do_qsize(QUEUE)  # any command but ack/nack runs the maintenance
        finally:
            maintainer.close()
        # The survivor fetches the message, runs the actor and acknowledges it
        wait_until(lambda: not queued_message_ids(client, execution_id), 15,
                   "the redelivered message was never processed")
        assert message_id not in {m.decode() for m in client.lrange(f"knotwork:{QUEUE}", 0, -1)}
    finally:
        client.close()
    assert status(web, execution_id).status == "crashed"
    assert events.started()[execution_id] == 1


def test_workers_carry_on_after_redis_restarts_while_idle(
        web: Runtime, ids: dict[str, str], workers: Workers, events: EventLog, redis_url: str) -> None:
    # Given two workers that have run executions and are idle
    started = workers.start(2)
    assert statuses(wait_finished(web, [start(web, ids, n=n) for n in range(4)])) == {"success": 4}
    # When the Redis server restarts (empty: it keeps no data)
    restart_redis()
    # Then the same processes run new executions, and live events and cancel requests flow again
    execution_ids = [start(web, ids, n=n) for n in range(20)]
    found = wait_finished(web, execution_ids)
    assert statuses(found) == {"success": 20}
    assert {row.worker_id for row in found.values()} <= {worker.worker_id for worker in started}
    assert all(worker.process.poll() is None for worker in started)
    client = redis.Redis.from_url(redis_url)
    try:  # both announce themselves again, or the other would take them for crashed
        wait_until(lambda: all(client.exists(PRESENCE_PREFIX + worker.worker_id) for worker in started), 10,
                   "a worker's presence key did not come back")
    finally:
        client.close()
    wait_until(lambda: all(events.started()[i] == 1 for i in execution_ids), 10,
               "the web process's event subscription did not come back")
    endless = start(web, ids, ENDLESS)
    wait_until(workers.spinning, 30, "no sandbox runs the endless Code node")
    assert web.executions.cancel(endless)
    assert wait_finished(web, [endless], seconds=20)[endless].status == "canceled"


def test_a_redis_restart_does_not_turn_running_executions_crashed(
        web: Runtime, ids: dict[str, str], workers: Workers, redis_url: str) -> None:
    """Redis forgets every presence key when it restarts: the first worker to renew its own key must
    not take the others for dead (it did, about every second time, before WorkerPresence waited)."""
    # Given two workers, one of them running an endless Code node
    started = workers.start(2)
    endless = start(web, ids, ENDLESS)
    wait_until(workers.spinning, 30, "no sandbox runs the endless Code node")
    # When Redis restarts and both workers have renewed their keys, and ticked once more
    restart_redis()
    client = redis.Redis.from_url(redis_url)
    try:
        wait_until(lambda: all(client.exists(PRESENCE_PREFIX + worker.worker_id) for worker in started), 10,
                   "a worker's presence key did not come back")
    finally:
        client.close()
    deadline = time.monotonic() + 3
    # Then the execution is still running, and can still be canceled
    while time.monotonic() < deadline:
        assert status(web, endless).status == "running", status(web, endless).error_message
        time.sleep(0.1)
    assert web.executions.cancel(endless)
    assert wait_finished(web, [endless], seconds=20)[endless].status == "canceled"


def test_nothing_queued_is_lost_when_the_web_process_restarts(
        settings: Settings, ids: dict[str, str], workers: Workers, events: EventLog) -> None:
    # Given a web process that queued 30 executions while no worker ran, then went away
    first = build_runtime(settings)
    try:
        queued = [start(first, ids, n=n) for n in range(30)]
    finally:
        first.close()
    client = redis.Redis.from_url(settings.redis_url)
    try:  # their messages wait in Redis, not in the process that sent them
        assert all(len(queued_message_ids(client, execution_id)) == 1 for execution_id in queued)
    finally:
        client.close()
    # ... and one that crashed between persisting an execution and enqueueing it
    second = build_runtime(settings)
    try:
        with second.db.session() as session:
            row = create_execution(session, ids["workflow_id"], ids["project_id"], "trigger")
            assert row.id is not None
            orphan = row.id
            save_execution_data(session, orphan, {"workflow": COUNTING, "startItems": [{"n": 99}]}, {})
        # When the restarted web process queues one more and workers start (their presence threads
        # enqueue `new` executions older than 2 s again)
        fresh = start(second, ids, n=30)
        workers.start(2, KNOTWORK_REQUEUE_AFTER_SECONDS="2")
        # Then all of them run, each once: the queued ones from Redis, the orphan from the database
        everything = [*queued, orphan, fresh]
        assert statuses(wait_finished(second, everything, seconds=30)) == {"success": 32}
        wait_until(lambda: sum(events.started().values()) >= 32, 10, "workflow.started events missing")
        assert events.started() == dict.fromkeys(everything, 1)
    finally:
        second.close()
