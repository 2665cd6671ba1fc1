"""Runtimes on the test database for the service tests (several per test when a test restarts)."""

from __future__ import annotations

from pathlib import Path

from models import Database
from services.runtime import Runtime, build_runtime
from services.settings import load_settings

KEY = "test-key-for-the-service-tests-only"


def make_runtime(database: Database, tmp_path: Path, **extra: str) -> Runtime:
    """A runtime on the test database, not started."""
    settings = load_settings({"KNOTWORK_DATABASE_URL": database.url.render_as_string(hide_password=False),
                              "KNOTWORK_DATA_DIR": str(tmp_path / "data"), "KNOTWORK_ENCRYPTION_KEY": KEY, **extra})
    return build_runtime(settings, upgrade=False)
