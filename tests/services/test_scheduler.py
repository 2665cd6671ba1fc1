"""services.scheduler and services.waiting with the real runtime on the test database: schedules
fire once per moment (also with two schedulers sharing a Redis lock), polls keep their cursor in
static data, and waiting executions resume by time and by call, across a restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription
from models import Database, Execution, Workflow
from models.repositories import load_execution_data
from nodes.schedule.polling import POLL_TIMES, PollingTrigger
from services import workflow_access
from services.access import Actor
from services.credentials import create_credential
from services.runtime import Runtime
from services.scheduler import LEADER_KEY, Scheduler
from services.users import create_user
from services.waiting import answer_waiting_call
from services.webhooks import WebhookRequest, webhook_service
from services.workflow_access import ActivationError

from .runtimes import KEY, make_runtime
from .test_webhooks import chain, node

REDIS = "redis://127.0.0.1:6379/0"


def eventually(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def rows(runtime: Runtime, workflow_id: str) -> list[Execution]:
    with runtime.db.session() as session:
        return list(session.exec(select(Execution).where(col(Execution.workflow_id) == workflow_id)
                                 .order_by(col(Execution.id))))


def every_second() -> dict[str, Any]:
    return node("Tick", "n8n-nodes-base.scheduleTrigger",
                {"rule": {"interval": [{"field": "seconds", "secondsInterval": 1}]}}, 1.2)


def mark() -> dict[str, Any]:
    return node("Mark", "n8n-nodes-base.set", {"assignments": {"assignments": [
        {"id": "1", "name": "at", "value": "={{ $json.timestamp }}", "type": "string"}]}}, 3.4)


def start_items(runtime: Runtime, execution_id: int) -> list[Any]:
    with runtime.db.session() as session:
        loaded = load_execution_data(session, execution_id)
    assert loaded is not None
    return loaded[0].get("startItems") or []


def test_an_active_schedule_fires_and_stops_when_deactivated(runtime: Runtime, owner: Actor) -> None:
    view = workflow_access.create_workflow(runtime, owner, chain("Heartbeat", every_second(), mark()))
    workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    def two_runs() -> list[Execution] | None:
        succeeded = [r for r in rows(runtime, view.workflow.id) if r.status == "success"]
        return succeeded[:2] if len(succeeded) >= 2 else None

    fired = eventually(two_runs, "two scheduled runs", 20)
    assert all(r.mode == "trigger" for r in fired)
    items = [start_items(runtime, r.id)[0]["json"] for r in fired]
    assert items[0]["timestamp"] != items[1]["timestamp"] and items[0]["Timezone"].startswith("UTC")

    workflow_access.deactivate_workflow(runtime.db, owner, view.workflow.id)
    time.sleep(0)  # the deactivation is committed; the next tick reloads
    settled = eventually(lambda: runtime.scheduler and runtime.scheduler._stamp is not None
                         and view.workflow.id not in {t.workflow_id for t in (runtime.scheduler._triggers or {}).values()},
                         "the scheduler to drop the workflow")
    assert settled
    count = len(rows(runtime, view.workflow.id))
    assert runtime.scheduler is not None
    asyncio.run(runtime.scheduler.tick())
    assert len(rows(runtime, view.workflow.id)) == count


def test_an_invalid_cron_refuses_activation_naming_the_node(runtime: Runtime, owner: Actor) -> None:
    bad = node("Nightly", "n8n-nodes-base.scheduleTrigger",
               {"rule": {"interval": [{"field": "cronExpression", "expression": "61 * * * *"}]}}, 1.2)
    view = workflow_access.create_workflow(runtime, owner, chain("Broken", bad, mark()))
    with pytest.raises(ActivationError, match=r"node 'Nightly'.*Invalid cron expression '61 \* \* \* \*'"):
        workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    with runtime.db.session() as session:
        assert session.get(Workflow, view.workflow.id).active is False


def test_two_schedulers_with_a_redis_lock_fire_each_moment_once(database: Database, tmp_path: Path) -> None:
    redis = pytest.importorskip("redis").Redis.from_url(REDIS)
    try:
        redis.ping()
    except Exception:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    redis.delete(LEADER_KEY)
    # Two processes' worth of runtimes on one database, each with its own scheduler
    first, second = make_runtime(database, tmp_path), make_runtime(database, tmp_path)
    user = create_user(first.db, "lead@example.com", "long enough password", role="owner")
    actor = Actor(user.id, "owner", user.email)
    view = workflow_access.create_workflow(first, actor, chain("Once", every_second(), mark()))
    workflow_access.activate_workflow(first, actor, view.workflow.id)
    schedulers = [Scheduler(first, redis_url=REDIS, tick=0.2), Scheduler(second, redis_url=REDIS, tick=0.2)]
    try:
        for scheduler in schedulers:
            scheduler.start()
        eventually(lambda: len(rows(first, view.workflow.id)) >= 3, "three fires")
        # When the leader stops, the other takes over after the lock expires
        leader = next(s for s in schedulers if s.leading)
        follower = next(s for s in schedulers if s is not leader)
        before = len(rows(first, view.workflow.id))
        leader.stop()
        eventually(lambda: follower.leading and len(rows(first, view.workflow.id)) >= before + 2, "a new leader")
    finally:
        for scheduler in schedulers:
            scheduler.stop()
        first.close()
        second.close()
    moments = [start_items(first, r.id)[0]["json"]["timestamp"] for r in rows(first, view.workflow.id)]
    assert len(moments) == len(set(moments)), "a moment fired twice"


# --- polling --------------------------------------------------------------------------------------

class CounterPoll(PollingTrigger):
    """A polling trigger for tests: each poll returns the numbers after its cursor, up to `top`."""

    description = NodeDescription(name="test.counterPoll", display_name="Counter Poll", group="trigger",
                                  description="test", versions=(1.0,), default_version=1.0, inputs=0, trigger=True,
                                  parameters=(POLL_TIMES,))

    async def poll(self, ctx: ExecuteContext) -> list[Item] | None:
        state = ctx.static_data("node")
        cursor = int(state.get("cursor", 0))
        top = int(ctx.param("top"))
        if cursor >= top:
            return None
        state["cursor"] = top
        return [Item({"n": n}) for n in range(cursor + 1, top + 1)]


def test_a_poll_starts_a_run_with_new_items_only_and_keeps_its_cursor(runtime: Runtime, owner: Actor) -> None:
    runtime.registry.add(CounterPoll)
    poller = node("Poll", "test.counterPoll", {"top": 3, "pollTimes": {"item": [
        {"mode": "custom", "cronExpression": "* * * * * *"}]}})
    view = workflow_access.create_workflow(runtime, owner, chain("Poller", poller, mark()))
    workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    first = eventually(lambda: rows(runtime, view.workflow.id), "the first poll's run")
    assert [item["json"] for item in start_items(runtime, first[0].id)] == [{"n": 1}, {"n": 2}, {"n": 3}]
    with runtime.db.session() as session:
        assert session.get(Workflow, view.workflow.id).static_data == {"node:Poll": {"cursor": 3}}
    # Later polls find nothing new: no more runs
    assert runtime.scheduler is not None
    for _ in range(3):
        asyncio.run(runtime.scheduler._poll(next(iter(runtime.scheduler._triggers.values()))))
    assert len(rows(runtime, view.workflow.id)) == 1


# --- waits ----------------------------------------------------------------------------------------

def manual() -> dict[str, Any]:
    return node("Start", "n8n-nodes-base.manualTrigger", {})


def wait(**parameters: Any) -> dict[str, Any]:
    return node("Wait", "n8n-nodes-base.wait", parameters, 1.1)


def done() -> dict[str, Any]:
    return node("Done", "n8n-nodes-base.set", {"assignments": {"assignments": [
        {"id": "1", "name": "done", "value": True, "type": "boolean"}]}, "includeOtherFields": True}, 3.4)


def start_run(runtime: Runtime, owner: Actor, document: dict[str, Any]) -> int:
    view = workflow_access.create_workflow(runtime, owner, document)
    return runtime.executions.start(document, workflow_id=view.workflow.id, project_id=view.workflow.project_id,
                                    mode="trigger")


def status(runtime: Runtime, execution_id: int) -> Execution:
    with runtime.db.session() as session:
        row = session.get(Execution, execution_id)
    assert row is not None
    return row


def resume_call(runtime: Runtime, path: str, method: str = "POST", body: bytes = b'{"ok": true}',
                headers: dict[str, str] | None = None) -> dict[str, Any]:
    request = WebhookRequest(method, "", {"content-type": "application/json", **(headers or {})}, {}, body,
                             "127.0.0.1", "https://hooks.example.test")
    return asyncio.run(answer_waiting_call(webhook_service(runtime), request, path))


def test_a_long_wait_is_saved_waiting_and_resumed_by_time_after_a_restart(database: Database, tmp_path: Path) -> None:
    first = make_runtime(database, tmp_path)
    first.start_embedded()
    user = create_user(first.db, "owner@example.com", "long enough password", role="owner")
    actor = Actor(user.id, "owner", user.email)
    try:
        execution_id = start_run(first, actor, chain("Later", manual(), wait(resume="timeInterval", amount=70,
                                                                            unit="seconds"), done()))
        row = eventually(lambda: (r := status(first, execution_id)).status == "waiting" and r, "the run to wait")
        assert row.wait_till is not None and row.stopped_at is None
    finally:
        first.close()  # the process stops while the execution waits
    # Its time comes while nothing runs (moved forward here instead of waiting 70 s)
    from sqlalchemy import update

    with database.session() as session:
        session.exec(update(Execution).where(col(Execution.id) == execution_id)  # type: ignore[call-overload]
                     .values(wait_till=row.wait_till.replace(year=2000)))
    second = make_runtime(database, tmp_path)
    second.start_embedded()  # the new process's scheduler resumes it
    try:
        finished = eventually(lambda: (r := status(second, execution_id)).status == "success" and r, "the resumed run")
        assert finished.wait_till is None
        with second.db.session() as session:
            _, document = load_execution_data(session, execution_id)
    finally:
        second.close()
    assert document["runData"]["Done"][0]["data"]["main"][0][0]["json"] == {"done": True}
    assert [task["executionStatus"] for task in document["runData"]["Wait"]] == ["success"]


def test_a_webhook_wait_resumes_on_its_url_across_a_restart(database: Database, tmp_path: Path) -> None:
    first = make_runtime(database, tmp_path)
    first.start_embedded()
    user = create_user(first.db, "owner@example.com", "long enough password", role="owner")
    actor = Actor(user.id, "owner", user.email)
    document = chain("Approval", manual(), done())
    project_id = workflow_access.create_workflow(first, actor, document).workflow.project_id
    credential = create_credential(first.db, KEY, project_id=project_id, name="Approver", type="httpHeaderAuth",
                                   data={"name": "X-Approve", "value": "s3cret"})
    waiting = wait(resume="webhook", httpMethod="POST", responseMode="lastNode", incomingAuthentication="headerAuth",
                   options={"webhookSuffix": "approve"})
    waiting["credentials"] = {"httpHeaderAuth": {"id": credential.id, "name": "Approver"}}
    try:
        execution_id = start_run(first, actor, chain("Approval", manual(), waiting, done()))
        eventually(lambda: status(first, execution_id).status == "waiting", "the run to wait")
    finally:
        first.close()  # the process stops while the execution waits
    second = make_runtime(database, tmp_path)
    second.start_embedded()
    try:
        base = f"{execution_id}/approve"
        assert resume_call(second, f"{execution_id}/other")["statusCode"] == 404
        assert resume_call(second, base, method="GET")["statusCode"] == 405
        assert resume_call(second, base)["statusCode"] == 403  # no header: authentication refused
        assert status(second, execution_id).status == "waiting"
        answer = resume_call(second, base, body=b'{"approved": "yes"}', headers={"x-approve": "s3cret"})
        assert answer["statusCode"] == 200, answer
        assert answer["body"]["body"] == {"approved": "yes"} and answer["body"]["done"] is True
        assert status(second, execution_id).status == "success"
        again = resume_call(second, base, headers={"x-approve": "s3cret"})
        assert again["statusCode"] == 409 and "finished already" in str(again["body"])
    finally:
        second.close()
