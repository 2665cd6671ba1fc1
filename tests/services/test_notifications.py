"""Failure notifications: a failed execution is reported to webhooks (Slack, Discord, generic) and by
email, with the workflow, the error and a link to the execution; at most one per workflow per window,
the held-back failures counted in the next message; never for manual runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models import Database, Execution
from services.notifications import (
    FailureNotifications,
    MemoryRateLimiter,
    NotificationTargetError,
    RedisRateLimiter,
    Target,
    parse_targets,
)
from services.runtime import Runtime
from services.settings import SettingsError, load_settings
from services.workflow_json import workflow_to_json
from services.workflows import create_workflow
from tests.smtp_inbox import smtp_inbox
from tests.templates.stub_http import StubServer, stub_server

from .runtimes import make_runtime

PUBLIC = "https://knotwork.example"


def failing(name: str = "nightly import", **settings: Any) -> dict[str, Any]:
    return {"name": name, "settings": {"executionOrder": "v1", **settings}, "nodes": [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
         "parameters": {}},
        {"name": "Check", "type": "n8n-nodes-base.stopAndError", "typeVersion": 1, "position": [200, 0],
         "parameters": {"errorMessage": "stock file missing"}}],
        "connections": {"Start": {"main": [[{"node": "Check", "type": "main", "index": 0}]]}}}


@pytest.fixture
def hooks() -> Iterator[StubServer]:
    with stub_server() as server:
        yield server


def started(database: Database, tmp_path: Path, **extra: str) -> Runtime:
    runtime = make_runtime(database, tmp_path, KNOTWORK_PUBLIC_URL=PUBLIC + "/", **extra)
    runtime.start_embedded()
    return runtime


def run_failing(runtime: Runtime, document: dict[str, Any], mode: str = "trigger", times: int = 1) -> list[int]:
    row = create_workflow(runtime.db, document, registry=runtime.registry)
    ids = []
    for _ in range(times):
        execution_id = runtime.executions.start(workflow_to_json(row), workflow_id=row.id,
                                                project_id=row.project_id, mode=mode)
        wait_finished(runtime, execution_id)
        ids.append(execution_id)
    return ids


def wait_finished(runtime: Runtime, execution_id: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        with runtime.db.session() as session:
            execution = session.get(Execution, execution_id)
            if execution is not None and execution.status == "error":
                return
        assert time.monotonic() < deadline, f"execution {execution_id} did not fail"
        time.sleep(0.01)


def test_a_failed_execution_posts_to_the_instance_webhook(database: Database, tmp_path: Path,
                                                          hooks: StubServer) -> None:
    # Given an instance-wide webhook target
    runtime = started(database, tmp_path, KNOTWORK_NOTIFY_ON_FAILURE=f"webhook:{hooks.url}/failed")
    try:
        # When a workflow fails in production
        [execution_id] = run_failing(runtime, failing())
        [call] = hooks.wait_for("/failed")
    finally:
        runtime.close()
    # Then the webhook gets the workflow, the error and the link to the execution
    body = call.json()
    assert call.method == "POST" and call.headers["content-type"] == "application/json"
    assert body["event"] == "execution.failed" and body["workflow"]["name"] == "nightly import"
    assert body["execution"] == {"id": str(execution_id), "url": f"{PUBLIC}/execution/{execution_id}",
                                 "mode": "trigger", "error": {"message": "stock file missing"},
                                 "lastNodeExecuted": "Check"}
    assert body["suppressed"] == 0
    assert body["message"] == (f"Workflow 'nightly import' failed in node 'Check': stock file missing\n"
                               f"Execution {execution_id} (trigger): {PUBLIC}/execution/{execution_id}")


def test_workflow_targets_use_each_chat_format_and_manual_runs_stay_silent(
        database: Database, tmp_path: Path, hooks: StubServer) -> None:
    runtime = started(database, tmp_path)
    targets = [f"slack:{hooks.url}/slack", f"discord:{hooks.url}/discord", f"teams:{hooks.url}/teams"]
    try:
        run_failing(runtime, failing("manual one", failureNotifications=targets), mode="manual")
        [execution_id] = run_failing(runtime, failing("orders", failureNotifications=targets))
        [slack], [discord], [teams] = (hooks.wait_for(p) for p in ("/slack", "/discord", "/teams"))
    finally:
        runtime.close()
    text = (f"Workflow 'orders' failed in node 'Check': stock file missing\n"
            f"Execution {execution_id} (trigger): {PUBLIC}/execution/{execution_id}")
    assert slack.json() == {"text": text} and teams.json() == {"text": text}
    assert discord.json() == {"content": text}
    assert len(hooks.requests) == 3  # the manual run notified nobody


def test_failures_inside_the_window_are_counted_into_the_next_message(database: Database, tmp_path: Path,
                                                                      hooks: StubServer) -> None:
    runtime = started(database, tmp_path, KNOTWORK_NOTIFY_ON_FAILURE=f"slack:{hooks.url}/slack",
                      KNOTWORK_NOTIFY_INTERVAL_MINUTES="10")
    now = [1000.0]
    runtime.executions.notifications.limiter = MemoryRateLimiter(600, clock=lambda: now[0])
    try:
        document = failing("sync")
        row = create_workflow(runtime.db, document, registry=runtime.registry)
        ids = []
        for moment in (1000.0, 1100.0, 1200.0, 1700.0):  # two failures inside the first 10 minutes
            now[0] = moment
            ids.append(runtime.executions.start(workflow_to_json(row), workflow_id=row.id,
                                                project_id=row.project_id, mode="webhook"))
            wait_finished(runtime, ids[-1])
        first, second = hooks.wait_for("/slack", 2)
    finally:
        runtime.close()
    assert len(hooks.calls("/slack")) == 2
    assert f"Execution {ids[0]} " in first.json()["text"] and "not notified" not in first.json()["text"]
    assert second.json()["text"].endswith(
        f"Execution {ids[3]} (webhook): {PUBLIC}/execution/{ids[3]}\n"
        "2 more failure(s) of this workflow in the last 10 minutes were not notified.")


def test_an_email_target_sends_through_smtp(database: Database, tmp_path: Path) -> None:
    with smtp_inbox() as (port, inbox):
        runtime = started(database, tmp_path, KNOTWORK_SMTP_HOST="127.0.0.1", KNOTWORK_SMTP_PORT=str(port),
                          KNOTWORK_SMTP_STARTTLS="false", KNOTWORK_SMTP_SENDER="robot@knotwork.example",
                          KNOTWORK_NOTIFY_ON_FAILURE="email:ops@example.com")
        try:
            [execution_id] = run_failing(runtime, failing())
            deadline = time.monotonic() + 10
            while not inbox.messages:
                assert time.monotonic() < deadline, "no email arrived"
                time.sleep(0.01)
        finally:
            runtime.close()
    [mail] = inbox.messages
    assert (mail["To"], mail["From"]) == ("ops@example.com", "robot@knotwork.example")
    assert mail["Subject"] == "Knotwork: workflow 'nightly import' failed"
    assert f"{PUBLIC}/execution/{execution_id}" in mail.get_payload()


def test_targets_are_checked() -> None:
    assert parse_targets(" email:a@b.c , slack:https://hooks.example/x ") == [
        Target("email", "a@b.c"), Target("slack", "https://hooks.example/x")]
    assert parse_targets(["webhook:http://127.0.0.1/x"]) == [Target("webhook", "http://127.0.0.1/x")]
    with pytest.raises(NotificationTargetError, match="'pager:123' is not kind:address"):
        parse_targets("pager:123")
    with pytest.raises(NotificationTargetError, match="needs an http"):
        parse_targets("slack:hooks.example")
    bad = load_settings({"KNOTWORK_NOTIFY_ON_FAILURE": "sms:+100"})
    with pytest.raises(SettingsError, match="KNOTWORK_NOTIFY_ON_FAILURE is invalid"):
        FailureNotifications(bad, PUBLIC)


def test_the_redis_window_is_shared_by_every_worker() -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    key = f"test-{time.time_ns()}"
    one, two = RedisRateLimiter(url, 60), RedisRateLimiter(url, 60)
    try:
        assert [one.admit(key), two.admit(key), one.admit(key)] == [0, None, None]
        one._redis.delete(f"knotwork:notify:{key}")  # the window ends
        assert two.admit(key) == 2
    finally:
        one._redis.delete(f"knotwork:notify:{key}", f"knotwork:notify:{key}:held")
        one.close()
        two.close()
