"""Fuzz /api/v1 from its own OpenAPI document with schemathesis: whatever a client sends, the API
answers with a JSON error or a result, never a 500.

Every operation is called as the owner (who may do everything, so requests go deep into the
services) and with a bad key (which must be refused before anything else happens).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from api.public import build_public_api
from services.runtime import Runtime

from .conftest import Team

# One app for the module (schemathesis reads its schema at import); each test points it at its runtime.
APP = build_public_api(None)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture
def served(runtime: Runtime) -> Iterator[Runtime]:
    APP.state.runtime = runtime
    try:
        yield runtime
    finally:
        APP.state.runtime = None


@pytest.fixture
def owner_headers(served: Runtime, team: Team) -> dict[str, str]:
    return team.auth("owner")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_makes_the_api_fail(case: schemathesis.Case, owner_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=owner_headers, checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          phases=[Phase.generate])  # a couple of requests per operation prove the key is checked first
def test_a_bad_key_is_refused_everywhere(case: schemathesis.Case, served: Runtime) -> None:
    response = case.call(headers={"X-KNOTWORK-API-KEY": "kw_not-a-key"})
    assert response.status_code == 401, (case.method, case.path, response.text)
    assert response.json()["code"] == "unauthorized"
