"""Fixtures shared by the service tests: a started runtime (embedded worker and scheduler) and its owner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from models import Database
from services.access import Actor
from services.runtime import Runtime
from services.users import create_user

from .runtimes import make_runtime


@pytest.fixture
def runtime(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    runtime = make_runtime(database, tmp_path)
    runtime.start_embedded()
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def owner(runtime: Runtime) -> Actor:
    user = create_user(runtime.db, "owner@example.com", "long enough password", role="owner")
    return Actor(user.id, "owner", user.email)
