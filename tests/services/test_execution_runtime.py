"""Executions in embedded mode: a real Dramatiq worker (stub broker) and a real database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import select

from models import Database, Execution, Project, Workflow
from models.repositories import create_execution, load_execution_data, transition
from services.events import EXECUTIONS, LocalEventBus
from services.executions import ExecutionRuntime, RunPolicy
from services.queue import EmbeddedWorker, declare_execution_actor, make_broker
from tests.engine.nodes_for_tests import connect, make_registry, node, workflow

FINISHED = {"success", "error", "canceled", "crashed"}


class Harness:
    def __init__(self, database: Database, policy: RunPolicy) -> None:
        self.db = database
        self.bus = LocalEventBus()
        self.events: list[dict[str, Any]] = []
        self.bus.subscribe(EXECUTIONS, lambda channel, event: self.events.append(event))
        self.broker = make_broker("")
        holder: list[Any] = []
        self.runtime = ExecutionRuntime(database, make_registry(), self.bus, policy, "test-worker",
                                        enqueue=lambda execution_id: holder[0].send(execution_id),
                                        encryption_key="runtime-test-key")
        holder.append(declare_execution_actor(self.broker, self.runtime.run))
        self.worker = EmbeddedWorker(self.broker, threads=2)
        with database.session() as session:
            project = Project(name="Team")
            session.add(project)
            session.flush()
            self.project_id = project.id
            row = Workflow(project_id=project.id, name="wf", nodes=[], connections={})
            session.add(row)
            session.flush()
            self.workflow_id = row.id

    def start(self, data: dict[str, Any], **options: Any) -> int:
        return self.runtime.start(data, workflow_id=self.workflow_id, project_id=self.project_id,
                                  mode=options.pop("mode", "trigger"), **options)

    def status(self, execution_id: int) -> str:
        with self.db.session() as session:
            return session.get(Execution, execution_id).status  # type: ignore[union-attr]

    def wait(self, execution_id: int, statuses: set[str] = FINISHED, seconds: float = 20) -> Execution:
        deadline = time.monotonic() + seconds
        while True:
            with self.db.session() as session:
                execution = session.get(Execution, execution_id)
            assert execution is not None
            if execution.status in statuses:
                return execution
            assert time.monotonic() < deadline, f"execution {execution_id} stuck in {execution.status}"
            time.sleep(0.01)

    def data(self, execution_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        with self.db.session() as session:
            loaded = load_execution_data(session, execution_id)
        assert loaded is not None
        return loaded


@pytest.fixture
def harness_factory(database: Database) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(**policy: Any) -> Harness:
        harness = Harness(database, RunPolicy(code_timeout=2, **policy))
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.worker.stop()
        harness.runtime.close()


@pytest.fixture
def harness(harness_factory: Callable[..., Harness]) -> Harness:
    made = harness_factory()
    made.worker.start()
    return made


TRIGGER = node("T", "n8n-nodes-base.manualTrigger")


def simple(items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return workflow(
        [TRIGGER, node("E", "emit", 200, 0, parameters={"items": items or [{"a": 1}]}),
         node("N", "n8n-nodes-base.noOp", 400, 0)],
        connect(("T", "E"), ("E", "N")),
    )


def test_an_execution_is_persisted_queued_run_and_recorded(harness: Harness) -> None:
    execution_id = harness.start(simple())
    execution = harness.wait(execution_id)
    assert execution.status == "success" and execution.last_node == "N"
    assert execution.started_at and execution.stopped_at and execution.worker_id == "test-worker"
    snapshot, document = harness.data(execution_id)
    assert snapshot["workflow"]["nodes"][1]["name"] == "E"
    assert document["runData"]["N"][0]["data"]["main"][0][0]["json"] == {"a": 1}
    assert execution.data_size > 0
    kinds = [(e["event"], e.get("node")) for e in harness.events if e["executionId"] == execution_id]
    assert ("node.finished", "E") in kinds and kinds[-1] == ("execution.finished", None)


def test_many_executions_all_finish_once(harness: Harness) -> None:
    ids = [harness.start(simple([{"n": n}])) for n in range(30)]
    for execution_id in ids:
        assert harness.wait(execution_id).status == "success"
    finished = [e["executionId"] for e in harness.events if e["event"] == "execution.finished"]
    assert sorted(finished) == sorted(ids)


def test_a_failing_workflow_ends_in_error_with_its_message(harness: Harness) -> None:
    data = workflow([TRIGGER, node("F", "fail", 200, 0, parameters={"message": "nope"})], connect(("T", "F")))
    execution = harness.wait(harness.start(data))
    assert execution.status == "error" and execution.error_message == "nope (call 1)"
    assert execution.last_node == "F"


def test_an_invalid_snapshot_ends_in_error_not_a_crash(harness: Harness) -> None:
    execution = harness.wait(harness.start({"nodes": [{"name": "X", "type": "nope.x"}]}))
    assert execution.status == "error" and "unknown node type" in (execution.error_message or "")


def test_a_queued_execution_can_be_canceled_before_it_runs(harness_factory: Callable[..., Harness]) -> None:
    harness = harness_factory()  # worker not started: the message waits in the broker
    execution_id = harness.start(simple())
    assert harness.runtime.cancel(execution_id) is True
    harness.worker.start()
    assert harness.wait(execution_id).status == "canceled"
    assert harness.runtime.cancel(execution_id) is False  # finished: nothing to cancel


def test_a_running_execution_is_canceled_even_inside_a_slow_node(harness: Harness) -> None:
    data = workflow([TRIGGER, node("S", "slow", 200, 0)], connect(("T", "S")))
    execution_id = harness.start(data)
    harness.wait(execution_id, {"running"})
    deadline = time.monotonic() + 10
    while not any(e.get("node") == "S" and e["event"] == "node.started" for e in harness.events):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert harness.runtime.cancel(execution_id) is True
    execution = harness.wait(execution_id)
    assert execution.status == "canceled" and execution.error_message == "The execution was canceled"


def test_the_execution_timeout_applies(harness_factory: Callable[..., Harness]) -> None:
    harness = harness_factory(timeout=0.3)
    harness.worker.start()
    data = workflow([TRIGGER, node("S", "slow", 200, 0)], connect(("T", "S")))
    execution = harness.wait(harness.start(data))
    assert execution.status == "canceled" and "timed out" in (execution.error_message or "")


def test_retry_from_the_failed_node_reuses_earlier_results(harness: Harness) -> None:
    data = workflow(
        [TRIGGER, node("E", "emit", 200, 0, parameters={"items": [{"a": 1}]}),
         node("F", "fail", 400, 0, parameters={"failTimes": 1})],
        connect(("T", "E"), ("E", "F")),
    )
    first = harness.start(data)
    assert harness.wait(first).status == "error"
    retry = harness.runtime.retry(first, from_failed_node=True)
    execution = harness.wait(retry)
    assert execution.status == "success" and execution.mode == "retry" and execution.retry_of == first
    _, document = harness.data(retry)
    assert document["runData"]["F"][0]["data"]["main"][0][0]["json"] == {"calls": 2}
    with harness.db.session() as session:
        assert session.get(Execution, first).retry_success_id == retry  # type: ignore[union-attr]


def test_retry_from_the_start_can_use_the_current_workflow(harness: Harness) -> None:
    broken = workflow([TRIGGER, node("F", "fail", 200, 0)], connect(("T", "F")))
    first = harness.start(broken)
    harness.wait(first)
    fixed = workflow([TRIGGER, node("F", "n8n-nodes-base.noOp", 200, 0)], connect(("T", "F")))
    retry = harness.runtime.retry(first, from_failed_node=False, workflow=fixed)
    assert harness.wait(retry).status == "success"
    with pytest.raises(ValueError, match="only failed executions"):
        harness.runtime.retry(retry)


def test_save_policy_keeps_the_row_but_not_the_data(harness_factory: Callable[..., Harness]) -> None:
    harness = harness_factory(save_success="none")
    harness.worker.start()
    kept_by_workflow = simple()
    kept_by_workflow["settings"]["saveDataSuccessExecution"] = "all"
    dropped = harness.wait(harness.start(simple()))
    kept = harness.wait(harness.start(kept_by_workflow))
    assert dropped.status == kept.status == "success"
    assert harness.data(dropped.id)[1] == {}  # type: ignore[arg-type]
    assert "runData" in harness.data(kept.id)[1]  # type: ignore[arg-type]


def test_recovery_requeues_new_and_crashes_running(harness_factory: Callable[..., Harness]) -> None:
    harness = harness_factory()
    queued = harness.start(simple())  # its message is lost with the "previous process"
    with harness.db.session() as session:
        stale = create_execution(session, harness.workflow_id, harness.project_id, "trigger")
        session.flush()
        transition(session, stale.id, "running")  # type: ignore[arg-type]
        stale_id = stale.id
    fresh = harness_factory()  # a restarted process: new broker, empty queue
    fresh.workflow_id, fresh.project_id = harness.workflow_id, harness.project_id
    fresh.worker.start()
    requeued, crashed = fresh.runtime.recover(crash_running=True)
    assert (requeued, crashed) == (1, 1)
    assert fresh.wait(queued).status == "success"
    assert fresh.status(stale_id) == "crashed"  # type: ignore[arg-type]


def test_finished_executions_never_change(harness: Harness) -> None:
    execution_id = harness.start(simple())
    harness.wait(execution_id)
    with harness.db.session() as session:
        for status in ("running", "crashed", "canceled", "error", "new"):
            assert not transition(session, execution_id, status)
        rows = session.exec(select(Execution.status).where(Execution.id == execution_id)).all()
    assert rows == ["success"]


def test_progress_is_saved_after_every_node_when_asked(harness: Harness) -> None:
    data = workflow(
        [TRIGGER, node("E", "emit", 200, 0, parameters={"items": [{"a": 1}]}), node("S", "slow", 400, 0)],
        connect(("T", "E"), ("E", "S")),
        settings={"saveExecutionProgress": True},
    )
    execution_id = harness.start(data)
    deadline = time.monotonic() + 10
    while not any(e.get("node") == "S" and e["event"] == "node.started" for e in harness.events):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    _, document = harness.data(execution_id)
    assert document["status"] == "running" and set(document["runData"]) == {"T", "E"}
    harness.runtime.cancel(execution_id)
    assert harness.wait(execution_id).status == "canceled"


def test_a_node_gets_its_credential_decrypted_and_the_run_data_holds_neither_secret_nor_ciphertext(
        harness: Harness) -> None:
    from services.credentials import create_credential

    stored = create_credential(harness.db, "runtime-test-key", project_id=harness.project_id, name="Token",
                               type="testAuth", data={"token": "t0k3n"})
    data = workflow([TRIGGER, node("S", "secret", 200, 0, credentials={"testAuth": {"id": stored.id, "name": "Token"}})],
                    connect(("T", "S")))
    execution_id = harness.start(data)
    assert harness.wait(execution_id).status == "success"
    _, document = harness.data(execution_id)
    # The node saw the real token (its length), and what was saved has the token scrubbed
    assert document["runData"]["S"][0]["data"]["main"][0][0]["json"] == {"token": "***", "tokenLength": 5}
    assert stored.data not in str(document)
