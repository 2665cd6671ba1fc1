"""Webhooks on real servers: main.py on loopback answers /webhook/<path> of workflows activated through
the public API, still after a restart; two web processes on one database see each other's
activations; and in queue mode a worker process's Respond to Webhook answer reaches the web process
that took the call (over Redis)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.processes import Workers, wait_until
from tests.test_app import ROOT, app_environment, free_loopback_port, wait_for_health

SEED = """
import sys
from services.access import Actor
from services.api_keys import create_api_key
from services.runtime import build_runtime
from services.settings import load_settings
from services.users import create_user

runtime = build_runtime(load_settings())
user = create_user(runtime.db, "owner@example.com", "long enough password", role="owner")
print(create_api_key(runtime.db, Actor(user.id, "owner", user.email), "webhook tests").key)
runtime.close()
"""


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    environ = app_environment(8080, data_dir)  # each server() picks its own port
    environ.update(settings)
    return environ


def seed(environ: dict[str, str]) -> str:
    """Create the owner and return an API key (before any server starts on that database)."""
    done = subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=environ, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def serving(command: list[str], environ: dict[str, str], log: Path, port: int) -> Iterator[str]:
    """A server process answering /healthz on `port`, until the block ends; yields its base URL."""
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environ, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for_health(process, base_url, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextmanager
def server(environ: dict[str, str], log: Path) -> Iterator[str]:
    """main.py with these settings on a free loopback port, until the block ends; yields its base URL."""
    port = free_loopback_port()
    with serving([sys.executable, str(ROOT / "main.py")], {**environ, "KNOTWORK_PORT": str(port)}, log,
                 port) as base_url:
        yield base_url


def webhook_workflow(name: str, path: str, mode: str = "responseNode") -> dict[str, Any]:
    nodes = [
        {"name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
         "webhookId": f"wh-{path}", "parameters": {"path": path, "httpMethod": "POST", "responseMode": mode}},
        {"name": "Double", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 0],
         "parameters": {"assignments": {"assignments": [
             {"id": "1", "name": "double", "value": "={{ $json.body.n * 2 }}", "type": "number"}]}}},
        {"name": "Respond", "type": "n8n-nodes-base.respondToWebhook", "typeVersion": 1.1, "position": [400, 0],
         "parameters": {"respondWith": "firstIncomingItem"}},
    ]
    connections = {"Webhook": {"main": [[{"node": "Double", "type": "main", "index": 0}]]},
                   "Double": {"main": [[{"node": "Respond", "type": "main", "index": 0}]]}}
    return {"name": name, "nodes": nodes, "connections": connections, "settings": {}}


def activate(base_url: str, key: str, workflow: dict[str, Any]) -> str:
    headers = {"X-KNOTWORK-API-KEY": key}
    created = httpx.post(f"{base_url}/api/v1/workflows", json=workflow, headers=headers, timeout=10)
    assert created.status_code == 200, created.text
    workflow_id = created.json()["id"]
    activated = httpx.post(f"{base_url}/api/v1/workflows/{workflow_id}/activate", headers=headers, timeout=10)
    assert activated.status_code == 200, activated.text
    return str(workflow_id)


def double(base_url: str, path: str, n: int) -> httpx.Response:
    return httpx.post(f"{base_url}/webhook/{path}", json={"n": n}, timeout=30)


@pytest.mark.slow
def test_active_webhooks_answer_after_a_restart(tmp_path: Path) -> None:
    environ = environment(tmp_path / "data")
    key = seed(environ)
    log = tmp_path / "main.log"
    with server(environ, log) as base_url:
        workflow_id = activate(base_url, key, webhook_workflow("Doubler", "double"))
        first = double(base_url, "double", 21)
        assert (first.status_code, first.json()) == (200, {"double": 42})
        assert "set-cookie" not in first.headers  # webhook calls skip the pages' session middleware
    with server(environ, log) as base_url:  # a new process: routes come from the database
        assert double(base_url, "double", 5).json() == {"double": 10}
        deactivated = httpx.post(f"{base_url}/api/v1/workflows/{workflow_id}/deactivate",
                                 headers={"X-KNOTWORK-API-KEY": key}, timeout=10)
        assert deactivated.status_code == 200
        gone = double(base_url, "double", 5)
        assert gone.status_code == 404 and "double" in gone.json()["message"]


@pytest.mark.slow
def test_two_web_processes_see_each_others_activations(tmp_path: Path) -> None:
    environ = environment(tmp_path / "data")
    key = seed(environ)
    with server(environ, tmp_path / "a.log") as first, server(environ, tmp_path / "b.log") as second:
        assert double(second, "shared", 1).status_code == 404
        workflow_id = activate(first, key, webhook_workflow("Shared", "shared"))
        answered = wait_until(lambda: double(second, "shared", 4).status_code == 200, 5,
                              "the second process never answered the route the first one registered")
        assert answered
        assert double(second, "shared", 4).json() == {"double": 8}
        httpx.post(f"{second}/api/v1/workflows/{workflow_id}/deactivate", headers={"X-KNOTWORK-API-KEY": key},
                   timeout=10)
        wait_until(lambda: double(first, "shared", 4).status_code == 404, 5,
                   "the first process kept answering a deactivated route")


@pytest.mark.integration
def test_queue_mode_answers_come_back_from_the_worker(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    environ = environment(tmp_path / "data", KNOTWORK_DATABASE_URL=postgres_url, KNOTWORK_REDIS_URL=redis_url)
    key = seed(environ)
    workers = Workers(environ, tmp_path)
    try:
        workers.start(1)
        with server(environ, tmp_path / "a.log") as first, server(environ, tmp_path / "b.log") as second:
            activate(first, key, webhook_workflow("Queued", "queued"))
            wait_until(lambda: double(second, "queued", 0).status_code == 200, 10,
                       "the second web process never answered")
            for n in range(5):  # each run happens in the worker; its response travels back over Redis
                answer = double(second if n % 2 else first, "queued", n)
                assert (answer.status_code, answer.json()) == (200, {"double": 2 * n})
    finally:
        workers.close()
