"""Queue mode as deployed: two web processes (main.py; each offers to lead the scheduler), the
webhook-only process (`knotwork webhook`, two uvicorn processes) and two workers, on PostgreSQL and
Redis. A webhook call through the webhook process is answered by a worker's run, a schedule fires
from the web process, and a waiting execution resumes through the webhook process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.processes import Workers, wait_until
from tests.integration.test_webhook_server import (
    activate,
    double,
    environment,
    seed,
    server,
    serving,
    webhook_workflow,
)
from tests.test_app import free_loopback_port


@contextmanager
def webhook_process(environ: dict[str, str], log: Path) -> Iterator[str]:
    """`knotwork webhook` with two processes on a free loopback port."""
    port = free_loopback_port()
    command = [sys.executable, "-m", "cli", "webhook", "--port", str(port), "--processes", "2"]
    with serving(command, environ, log, port) as base_url:
        yield base_url


def executions(base_url: str, key: str, workflow_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{base_url}/api/v1/executions", params={"workflowId": workflow_id, "includeData": "false"},
                       headers={"X-KNOTWORK-API-KEY": key}, timeout=10)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def tick_moment(base_url: str, key: str, execution_id: int) -> str:
    answer = httpx.get(f"{base_url}/api/v1/executions/{execution_id}", params={"includeData": "true"},
                       headers={"X-KNOTWORK-API-KEY": key}, timeout=10)
    run_data = answer.json()["data"]["resultData"]["runData"]
    return str(run_data["Tick"][0]["data"]["main"][0][0]["json"]["timestamp"])


def scheduled() -> dict[str, Any]:
    return {"name": "Every second", "settings": {}, "nodes": [
        {"name": "Tick", "type": "n8n-nodes-base.scheduleTrigger", "typeVersion": 1.2, "position": [0, 0],
         "parameters": {"rule": {"interval": [{"field": "seconds", "secondsInterval": 1}]}}}], "connections": {}}


def approval() -> dict[str, Any]:
    nodes = [
        {"name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
         "webhookId": "wh-approval", "parameters": {"path": "approval", "httpMethod": "POST",
                                                    "responseMode": "onReceived"}},
        {"name": "Wait", "type": "n8n-nodes-base.wait", "typeVersion": 1.1, "position": [200, 0],
         "parameters": {"resume": "webhook", "httpMethod": "POST", "responseMode": "lastNode"}},
        {"name": "Done", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [400, 0],
         "parameters": {"assignments": {"assignments": [
             {"id": "1", "name": "verdict", "value": "={{ $json.body.verdict }}", "type": "string"}]}}},
    ]
    connections = {"Webhook": {"main": [[{"node": "Wait", "type": "main", "index": 0}]]},
                   "Wait": {"main": [[{"node": "Done", "type": "main", "index": 0}]]}}
    return {"name": "Approval", "nodes": nodes, "connections": connections, "settings": {}}


@pytest.mark.integration
def test_web_webhook_and_worker_processes_work_together(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    environ = environment(tmp_path / "data", KNOTWORK_DATABASE_URL=postgres_url, KNOTWORK_REDIS_URL=redis_url)
    key = seed(environ)
    workers = Workers(environ, tmp_path)
    try:
        workers.start(2)
        with server(environ, tmp_path / "web.log") as web, server(environ, tmp_path / "web2.log") as other_web, \
                webhook_process(environ, tmp_path / "hooks.log") as hooks:
            # A webhook answered through the webhook process by a worker's run
            activate(web, key, webhook_workflow("Doubler", "double"))
            wait_until(lambda: double(hooks, "double", 1).status_code == 200, 15, "the webhook process never answered")
            for n in range(4):  # uvicorn spreads the calls over its two processes
                answer = double(hooks, "double", n)
                assert (answer.status_code, answer.json()) == (200, {"double": 2 * n})
            assert httpx.get(f"{hooks}/workflows", timeout=5).status_code == 404  # no pages, no API here

            # A schedule fires from the leading web process's scheduler (two web processes offer to
            # lead: each moment fires once) and runs on a worker
            ticking = activate(web, key, scheduled())
            wait_until(lambda: len([e for e in executions(web, key, ticking) if e["status"] == "success"]) >= 4, 30,
                       "the schedule never fired four times")
            httpx.post(f"{other_web}/api/v1/workflows/{ticking}/deactivate", headers={"X-KNOTWORK-API-KEY": key},
                       timeout=10)
            moments = [tick_moment(web, key, e["id"]) for e in executions(web, key, ticking) if e["status"] == "success"]
            assert len(moments) == len(set(moments)), f"a moment fired twice: {sorted(moments)}"

            # A Wait resumed by a call to its resume URL on the webhook process
            waiting_flow = activate(web, key, approval())
            assert httpx.post(f"{hooks}/webhook/approval", json={}, timeout=10).status_code == 200
            waiting = wait_until(lambda: [e for e in executions(web, key, waiting_flow) if e["status"] == "waiting"],
                                 30, "the run never started waiting")
            resumed = httpx.post(f"{hooks}/webhook-waiting/{waiting[0]['id']}", json={"verdict": "yes"}, timeout=30)
            assert (resumed.status_code, resumed.json()) == (200, {"verdict": "yes"})
    finally:
        workers.close()
