"""The queue-mode deployment as processes: the exact commands deploy/compose.yaml gives its web, webhook
and worker services (one web, one webhook process with two uvicorn processes, two workers) on the real
PostgreSQL and Redis, with metrics and JSON logs on. A webhook workflow, a scheduled workflow and a
failing workflow run, and the failure is notified to a webhook target (KNOTWORK_NOTIFY_ON_FAILURE) by the
worker that ran it, with a link to the execution; /metrics of the web process (and, identically, of the
webhook process) counts them, readiness reports the database and Redis, and `knotwork config` shows this
environment with its secrets masked."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.deploy.roles import compose, compose_commands
from tests.integration.conftest import flushed_redis
from tests.integration.processes import Workers, wait_until
from tests.integration.test_queue_topology import executions, scheduled
from tests.integration.test_webhook_server import (
    activate,
    double,
    environment,
    seed,
    serving,
    webhook_workflow,
)
from tests.templates.stub_http import StubServer, stub_server
from tests.test_app import ROOT, free_loopback_port

ENCRYPTION_KEY = "observe-topology-shared-key"
# A Redis logical database of this module's own: the metrics hash and the worker presence keys it counts
# must not meet those of another test module's processes (conftest's redis_url uses database 13).
REDIS_URL = "redis://127.0.0.1:6379/11"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with flushed_redis(REDIS_URL) as url:
        yield url


@pytest.fixture
def notified_at() -> Iterator[StubServer]:
    """A loopback HTTP server standing for a `webhook:` notification target."""
    with stub_server() as server:
        yield server


def local(command: list[str]) -> list[str]:
    """The image's `knotwork …` command run from this virtualenv (its console script, as in the image)."""
    assert command[0] == "knotwork", command
    script = Path(sys.executable).with_name("knotwork")
    return [str(script), *command[1:]] if script.exists() else [sys.executable, "-m", "cli", *command[1:]]


@contextmanager
def role(name: str, environ: dict[str, str], log: Path, port_setting: str) -> Iterator[str]:
    """The compose service `name`'s command on a free loopback port; yields its base URL once /healthz answers."""
    port = free_loopback_port()
    with serving(local(compose_commands()[name]), {**environ, port_setting: str(port)}, log, port) as base_url:
        yield base_url


def failing() -> dict[str, Any]:
    nodes = [
        {"name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
         "webhookId": "wh-broken", "parameters": {"path": "broken", "httpMethod": "POST",
                                                  "responseMode": "onReceived"}},
        {"name": "Stop", "type": "n8n-nodes-base.stopAndError", "typeVersion": 1, "position": [200, 0],
         "parameters": {"errorMessage": "broken on purpose"}},
    ]
    return {"name": "Broken", "nodes": nodes, "settings": {},
            "connections": {"Webhook": {"main": [[{"node": "Stop", "type": "main", "index": 0}]]}}}


def scrape(base_url: str) -> dict[str, float]:
    answer = httpx.get(f"{base_url}/metrics", timeout=10)
    assert answer.status_code == 200, answer.text
    values = {}
    for line in answer.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


@pytest.mark.integration
def test_deployed_roles_run_workflows_and_report_metrics(tmp_path: Path, postgres_url: str, redis_url: str,
                                                         notified_at: StubServer) -> None:
    notified_at.route("POST", "/failures", status=204)
    environ = environment(tmp_path / "data", KNOTWORK_DATABASE_URL=postgres_url, KNOTWORK_REDIS_URL=redis_url,
                          KNOTWORK_ENCRYPTION_KEY=ENCRYPTION_KEY, KNOTWORK_METRICS="true", KNOTWORK_LOG_FORMAT="json",
                          KNOTWORK_NOTIFY_ON_FAILURE=f"webhook:{notified_at.url}/failures",
                          KNOTWORK_PUBLIC_URL="https://knotwork.example.com",
                          KNOTWORK_WEBHOOK_PROCESSES=compose()["services"]["webhook"]["environment"]
                          ["KNOTWORK_WEBHOOK_PROCESSES"])
    key = seed(environ)
    workers = Workers(environ, tmp_path, command=local(compose_commands()["worker"]))
    try:
        workers.start(compose()["services"]["worker"]["deploy"]["replicas"])
        with role("web", environ, tmp_path / "web.log", "KNOTWORK_PORT") as web, \
                role("webhook", environ, tmp_path / "hooks.log", "KNOTWORK_WEBHOOK_PORT") as hooks:
            for base_url in (web, hooks):
                ready = httpx.get(f"{base_url}/healthz/readiness", timeout=10)
                assert (ready.status_code, ready.json()) == (200, {"status": "ok",
                                                                   "checks": {"database": "ok", "broker": "ok"}})

            doubler = activate(web, key, webhook_workflow("Doubler", "double"))
            broken = activate(web, key, failing())
            wait_until(lambda: double(hooks, "double", 1).status_code == 200, 15, "the webhook process never answered")
            for n in (2, 3):
                assert double(hooks, "double", n).json() == {"double": 2 * n}
            assert httpx.post(f"{hooks}/webhook/broken", json={}, timeout=10).status_code == 200
            assert httpx.post(f"{hooks}/webhook/nowhere", json={}, timeout=10).status_code == 404
            ticking = activate(web, key, scheduled())
            wait_until(lambda: len([e for e in executions(web, key, ticking) if e["status"] == "success"]) >= 2, 30,
                       "the schedule never fired twice")
            httpx.post(f"{web}/api/v1/workflows/{ticking}/deactivate", headers={"X-KNOTWORK-API-KEY": key},
                       timeout=10)
            wait_until(lambda: [e for e in executions(web, key, broken) if e["status"] == "error"], 30,
                       "the failing workflow never failed")
            ticks = len([e for e in executions(web, key, ticking) if e["status"] == "success"])
            [failed] = [e for e in executions(web, key, broken) if e["status"] == "error"]
            [notified] = notified_at.wait_for("/failures", seconds=15)
            report = notified.json()
            assert report["event"] == "execution.failed" and report["workflow"] == {"id": broken, "name": "Broken"}
            assert report["execution"]["url"] == f"https://knotwork.example.com/execution/{failed['id']}"
            assert report["execution"]["error"] == {"message": "broken on purpose"}

            def counted() -> dict[str, float] | None:  # workers send their counts to Redis once a second
                shown = scrape(web)
                done = (shown.get('knotwork_executions_finished_total{mode="webhook",status="success"}') == 3
                        and shown.get('knotwork_executions_finished_total{mode="trigger",status="success"}', 0) >= ticks
                        and shown.get('knotwork_executions_finished_total{mode="webhook",status="error"}') == 1)
                return shown if done else None

            shown = wait_until(counted, 15, lambda: f"the metrics never counted the runs: {scrape(web)}")
            assert shown['knotwork_executions_started_total{mode="webhook"}'] == 4
            assert shown['knotwork_executions_started_total{mode="trigger"}'] >= ticks
            assert shown[f'knotwork_execution_duration_seconds_count{{workflow_id="{doubler}"}}'] == 3
            assert shown[f'knotwork_execution_duration_seconds_count{{workflow_id="{broken}"}}'] == 1
            assert shown[f'knotwork_execution_duration_seconds_bucket{{le="+Inf",workflow_id="{ticking}"}}'] >= ticks
            assert shown['knotwork_webhook_requests_total{kind="production",status="200"}'] >= 4
            assert shown['knotwork_webhook_requests_total{kind="production",status="404"}'] == 1
            assert shown["knotwork_workers"] == 2
            assert shown["knotwork_executions_waiting"] == 0
            wait_until(lambda: scrape(web)["knotwork_queue_depth"] == 0, 15, "executions stayed queued")
            # Any process shows the cluster's numbers: the webhook process's /metrics counts the same runs
            from_hooks = scrape(hooks)
            assert from_hooks['knotwork_executions_finished_total{mode="webhook",status="error"}'] == 1
            assert from_hooks[f'knotwork_execution_duration_seconds_count{{workflow_id="{doubler}"}}'] == 3
    finally:
        workers.close()

    shown_config = subprocess.run(local(["knotwork", "config"]), cwd=ROOT, env=environ, capture_output=True,
                                  text=True, check=True).stdout
    assert "KNOTWORK_ENCRYPTION_KEY=***" in shown_config and ENCRYPTION_KEY not in shown_config
    assert "KNOTWORK_STORAGE_SECRET=***" in shown_config and "KNOTWORK_METRICS=true" in shown_config
    assert f"KNOTWORK_REDIS_URL={redis_url}" in shown_config
