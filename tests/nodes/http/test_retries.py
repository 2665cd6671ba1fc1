"""Retry-After: a 429/503 answer's delay is kept on the NodeApiError and node retries wait for it."""

from __future__ import annotations

import email.utils
import time

import pytest

from engine import runner
from engine.errors import NodeApiError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType
from engine.registry import NodeRegistry
from engine.workflow import parse_workflow
from nodes.http.send import retry_after

from .conftest import error_of, jsons, run_http
from .server import TestServer


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = 1_000_000.0
    assert retry_after("7", now) == 7.0
    assert retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == 30.0
    assert retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    assert retry_after("soon", now) is None and retry_after(None, now) is None


async def test_429_error_carries_retry_after(registry: NodeRegistry, server: TestServer) -> None:
    error = error_of(await run_http(registry, {"url": server.url("/status/429?retryAfter=12")}))
    assert error["httpCode"] == "429"
    assert "batching settings" in error["description"]


async def test_node_retry_waits_for_retry_after(registry: NodeRegistry, server: TestServer) -> None:
    # Given a node that retries without a wait of its own, and a server answering 429 Retry-After: 1 once
    started = time.monotonic()
    result = await run_http(registry, {"url": server.url("/flaky")}, retryOnFail=True, maxTries=2,
                            waitBetweenTries=0)
    # Then the second try succeeded, at least a second later
    assert jsons(result) == [{"attempt": 2}]
    assert time.monotonic() - started >= 1.0


class _Throttled(NodeType):
    """Fails like a service asking for a long pause."""

    description = NodeDescription(name="test.throttled", display_name="Throttled", group="transform",
                                  description="raises NodeApiError with retry_after", versions=(1.0,),
                                  default_version=1.0)

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        raise NodeApiError("Too many requests", http_code=429, retry_after=3600.0)


async def test_runner_caps_a_long_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a node whose service asks for an hour's pause, and a recorded sleep
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(runner.asyncio, "sleep", fake_sleep)
    registry = NodeRegistry([_Throttled])
    node = {"name": "T", "type": "test.throttled", "typeVersion": 1, "parameters": {}, "position": [0, 0],
            "retryOnFail": True, "maxTries": 2, "waitBetweenTries": 100}
    workflow = parse_workflow({"nodes": [node], "connections": {}}, registry)
    # When it runs / Then the retry waited the capped Retry-After, not the node's 0.1 s
    result = await runner.execute_workflow(workflow, registry, start_node="T", start_items=[Item({})])
    assert result.status == "error"
    assert slept == [runner.MAX_RETRY_AFTER]
