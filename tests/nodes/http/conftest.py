"""Fixtures: a real HTTP server on loopback, and a runner for one HTTP Request node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from engine.items import Item
from engine.ports import InMemoryCredentials, Services
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .server import TestServer


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    running = await TestServer().start()
    yield running
    await running.stop()


NODE = "HTTP"


async def run_http(registry: NodeRegistry, parameters: dict[str, Any], *, version: float = 4.2,
                   items: list[Item] | None = None, credentials: dict[str, dict[str, Any]] | None = None,
                   **flags: Any) -> ExecutionResult:
    """Run one HTTP Request node as the start node of a workflow, on `items` (default one empty
    item). `credentials` maps a credential type to its data; the node refers to each by id."""
    node: dict[str, Any] = {"name": NODE, "type": "n8n-nodes-base.httpRequest", "typeVersion": version,
                            "parameters": parameters, "position": [0, 0], **flags}
    if credentials:
        node["credentials"] = {kind: {"id": kind, "name": kind} for kind in credentials}
    workflow = parse_workflow({"nodes": [node], "connections": {}}, registry)
    services = Services(credentials=InMemoryCredentials(dict(credentials or {})))
    return await execute_workflow(workflow, registry, services=services, start_node=NODE,
                                  start_items=items or [Item({})])


def jsons(result: ExecutionResult, output: int = 0) -> list[dict[str, Any]]:
    assert result.status == "success", result.error
    return [item.json for item in result.output_of(NODE, output=output)]


def error_of(result: ExecutionResult) -> dict[str, Any]:
    assert result.status == "error", result.status
    return result.error or {}
