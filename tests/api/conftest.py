"""Fixtures for the HTTP API tests: a real runtime on the test database (embedded worker running),
the public API and the /rest API as ASGI apps, and a team of users with API keys and sessions.

`team` holds: owner, admin, member (global roles), and a team project "Acme" where `acme_admin`,
`acme_editor`, `acme_viewer` have those project roles; `outsider` is a member in no team project.
Each person has an API key (`team.key(name)`) and their personal project (`team.personal(name)`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from passlib.context import CryptContext

from api.public import build_public_api
from api.rest import build_rest_api
from models import Database, Project, ProjectMember
from services.access import Actor, personal_project_id
from services.api_keys import create_api_key
from services.runtime import Runtime, build_runtime
from services.settings import load_settings
from services.users import create_user

PASSWORD = "correct horse battery"
PEOPLE = {
    "owner": "owner", "admin": "admin", "member": "member",
    "acme_admin": "member", "acme_editor": "member", "acme_viewer": "member", "outsider": "member",
}
ACME_ROLES = {"acme_admin": "admin", "acme_editor": "editor", "acme_viewer": "viewer"}


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Real argon2, at its lowest cost: the tests create many users and check many passwords."""
    from services import users

    production = users.PASSWORDS
    users.PASSWORDS = CryptContext(schemes=["argon2"], argon2__memory_cost=1024, argon2__rounds=1,
                                   argon2__parallelism=1)
    try:
        yield
    finally:
        users.PASSWORDS = production


@pytest.fixture
def runtime(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on the test database with its embedded worker started (executions really run)."""
    settings = load_settings({
        "KNOTWORK_DATABASE_URL": database.url.render_as_string(hide_password=False),
        "KNOTWORK_DATA_DIR": str(tmp_path / "data"),
        "KNOTWORK_ENCRYPTION_KEY": "test-key-for-the-api-tests-only",
        "KNOTWORK_SIGNIN_MAX_FAILURES": "3",
    })
    runtime = build_runtime(settings, upgrade=False)
    runtime.start_embedded()
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def public_api(runtime: Runtime) -> FastAPI:
    return build_public_api(runtime)


@pytest.fixture
def api(public_api: FastAPI) -> Iterator[TestClient]:
    """A client of /api/v1 (paths relative to it: `api.get("/workflows", headers=team.auth("owner"))`)."""
    with TestClient(public_api, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def rest(runtime: Runtime) -> Iterator[TestClient]:
    """A client of /rest (paths relative to it), keeping cookies like a browser."""
    with TestClient(build_rest_api(runtime), raise_server_exceptions=False) as client:
        yield client


@dataclass
class Team:
    db: Database
    users: dict[str, Actor] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    acme_id: str = ""

    def actor(self, name: str) -> Actor:
        return self.users[name]

    def key(self, name: str) -> str:
        return self.keys[name]

    def auth(self, name: str) -> dict[str, str]:
        return {"X-KNOTWORK-API-KEY": self.keys[name]}

    def personal(self, name: str) -> str:
        with self.db.session() as session:
            return personal_project_id(session, self.users[name].user_id)


@pytest.fixture
def team(runtime: Runtime) -> Team:
    db = runtime.db
    team = Team(db)
    for name, role in PEOPLE.items():
        user = create_user(db, f"{name}@example.com", PASSWORD, role=role, first_name=name)
        team.users[name] = Actor(user.id, role, user.email, via="api_key")  # type: ignore[arg-type]
        team.keys[name] = create_api_key(db, team.users[name], f"{name}'s key").key
    with db.session() as session:
        acme = Project(name="Acme", type="team")
        session.add(acme)
        session.flush()
        team.acme_id = acme.id
        for name, role in ACME_ROLES.items():
            session.add(ProjectMember(project_id=acme.id, user_id=team.users[name].user_id, role=role))
    return team
