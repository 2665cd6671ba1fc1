"""Template tests run in a started runtime on the test database, as the owner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.conftest import owner, runtime  # noqa: F401  (fixtures)
from tests.templates.stub_http import StubServer, stub_server


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with stub_server() as server:
        yield server
