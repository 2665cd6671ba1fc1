"""Shared fixtures: the node registry (through the real entry points) and a workflow runner."""

from __future__ import annotations

from typing import Any

import pytest

from engine.ports import Services
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult
from engine.runner import execute_workflow
from engine.workflow import parse_workflow


@pytest.fixture(scope="session")
def registry() -> NodeRegistry:
    return NodeRegistry.from_entry_points()


@pytest.fixture
def run(registry: NodeRegistry) -> Any:
    """`await run(workflow_dict, **options)` → ExecutionResult."""

    async def _run(workflow: dict[str, Any], services: Services | None = None, **options: Any) -> ExecutionResult:
        return await execute_workflow(parse_workflow(workflow, registry), registry, services=services, **options)

    return _run
