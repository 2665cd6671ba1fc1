"""Shared fixtures: the node registry (through the real entry points) and a workflow runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.ports import Services
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult
from engine.runner import execute_workflow
from engine.workflow import parse_workflow
from models.db import Database
from tests import db_backend

TESTS = Path(__file__).resolve().parent
# Test folders that never touch the test database: with KNOTWORK_TEST_DATABASE_URL set (CI's
# PostgreSQL pass) they are skipped, since the SQLite pass already ran them against the same code.
# The integration tests start their own processes on their own databases (a throwaway PostgreSQL
# database for queue mode, SQLite files otherwise), so the first pass covers them too. The gallery
# templates test what the workflows do, which the Knotwork database backend does not change. The UI
# pages reach the database only through the services, whose own tests run on both backends.
BACKEND_INDEPENDENT = {"engine", "nodes", "conformance", "credentials", "cli", "browser", "integration",
                       "templates", "ui", "test_app.py"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not db_backend.uses_postgresql():
        return
    skip = pytest.mark.skip(reason="does not use the test database; the SQLite pass runs it")
    for item in items:
        parts = item.path.resolve().relative_to(TESTS).parts
        if parts and parts[0] in BACKEND_INDEPENDENT:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def server_database() -> Iterator[str | None]:
    """The session's PostgreSQL database URL, or None when the tests run on SQLite files."""
    with db_backend.session_database() as url:
        yield url


@pytest.fixture
def database(tmp_path: Path, server_database: str | None) -> Iterator[Database]:
    """A migrated, empty database on the backend KNOTWORK_TEST_DATABASE_URL chooses."""
    with db_backend.open_test_database(tmp_path, server_database) as database:
        yield database


@pytest.fixture(scope="session")
def registry() -> NodeRegistry:
    return NodeRegistry.from_entry_points()


@pytest.fixture
def run(registry: NodeRegistry) -> Any:
    """`await run(workflow_dict, **options)` → ExecutionResult."""

    async def _run(workflow: dict[str, Any], services: Services | None = None, **options: Any) -> ExecutionResult:
        return await execute_workflow(parse_workflow(workflow, registry), registry, services=services, **options)

    return _run
