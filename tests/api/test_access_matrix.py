"""Every endpoint of /api/v1 × every role × a thing in the team project "Acme" and in the outsider's
personal project: allowed, denied (403), or not even visible (404).

"Allowed" means the access check let the call through: the answer is neither 401, 403 nor 404
(a 400/409 from the use case itself still counts as allowed). Each call gets fresh things to act
on, so a DELETE in one cell cannot change the next. A test also checks that the table covers every
operation in the OpenAPI document: a new endpoint without a row here fails the suite.

Roles (tests/api/conftest.py): owner and admin see every project; member belongs to no team
project; acme_admin / acme_editor / acme_viewer have those roles in Acme; outsider is a member whose
personal project is the second target.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models import Project, ProjectMember, Tag, Variable
from models.repositories import create_execution, transition
from services.credentials import create_credential
from services.runtime import Runtime
from services.users import create_user
from services.workflows import create_workflow

from .conftest import ACME_ROLES, PASSWORD, PEOPLE, Team

ROLES = tuple(PEOPLE)
OK, DENIED, HIDDEN = "allowed", 403, 404

# Who may do what to a thing in Acme, and to a thing in the outsider's personal project.
_ACME_READ = {"owner": OK, "admin": OK, "member": HIDDEN, "acme_admin": OK, "acme_editor": OK, "acme_viewer": OK,
              "outsider": HIDDEN}
_ACME_WRITE = {**_ACME_READ, "acme_viewer": DENIED}
_ACME_SHARE = {**_ACME_WRITE, "acme_editor": DENIED}
_PERSONAL = {role: OK if role in ("owner", "admin", "outsider") else HIDDEN for role in ROLES}
LEVELS: dict[str, dict[str, dict[str, Any]]] = {
    "anyone": {"acme": dict.fromkeys(ROLES, OK)},
    "instance admin": {"acme": {role: OK if role in ("owner", "admin") else DENIED for role in ROLES}},
    "read": {"acme": _ACME_READ, "personal": _PERSONAL},
    "write": {"acme": _ACME_WRITE, "personal": _PERSONAL},
    "share": {"acme": _ACME_SHARE, "personal": _PERSONAL},
    # Managing a team project (members, name): its admins, and the instance's owner and admin.
    "manage project": {"acme": _ACME_SHARE},
    "read project": {"acme": _ACME_READ},
}


@dataclass
class Things:
    """Fresh things in one project for one call."""

    project: str
    workflow: str
    credential: str
    execution: int
    variable: str
    tag: str
    user: str
    personal: str  # the caller's own personal project (a transfer's destination)


WORKFLOW = {"name": "Matrix", "nodes": [
    {"id": "a", "name": "Start", "type": "knotwork.manualTrigger", "typeVersion": 1, "position": [0, 0],
     "parameters": {}},
    {"id": "b", "name": "Done", "type": "knotwork.noOp", "typeVersion": 1, "position": [200, 0], "parameters": {}},
], "connections": {"Start": {"main": [[{"node": "Done", "type": "main", "index": 0}]]}},
    "settings": {"executionOrder": "v1"}}

Body = Callable[[Things], Any]
# (method, path, level, body); `{name}` in a path is a field of Things.
MATRIX: list[tuple[str, str, str, Body | None]] = [
    ("GET", "/workflows", "anyone", None),
    ("POST", "/workflows", "write", lambda t: {**WORKFLOW, "projectId": t.project}),
    ("GET", "/workflows/{workflow}", "read", None),
    ("PUT", "/workflows/{workflow}", "write", lambda t: WORKFLOW),
    ("DELETE", "/workflows/{workflow}", "write", None),
    ("POST", "/workflows/{workflow}/activate", "write", None),
    ("POST", "/workflows/{workflow}/deactivate", "write", None),
    ("PUT", "/workflows/{workflow}/transfer", "share", lambda t: {"destinationProjectId": t.personal}),
    ("PUT", "/workflows/{workflow}/share", "share", lambda t: {"projectIds": [t.personal]}),
    ("GET", "/workflows/{workflow}/tags", "read", None),
    ("PUT", "/workflows/{workflow}/tags", "write", lambda t: [{"id": t.tag}]),
    ("POST", "/workflows/{workflow}/run", "write", lambda t: {"items": [{"n": 1}]}),
    ("GET", "/executions", "anyone", None),
    ("GET", "/executions/{execution}", "read", None),
    ("DELETE", "/executions/{execution}", "write", None),
    ("POST", "/executions/{execution}/retry", "write", lambda t: {"loadWorkflow": True}),
    ("POST", "/executions/{execution}/stop", "write", None),
    ("GET", "/tags", "anyone", None),
    ("POST", "/tags", "anyone", lambda t: {"name": f"tag-{uuid.uuid4().hex[:8]}"}),
    ("GET", "/tags/{tag}", "anyone", None),
    ("PUT", "/tags/{tag}", "instance admin", lambda t: {"name": f"renamed-{uuid.uuid4().hex[:8]}"}),
    ("DELETE", "/tags/{tag}", "instance admin", None),
    ("GET", "/credentials", "anyone", None),
    ("POST", "/credentials", "write", lambda t: {"name": "New", "type": "httpHeaderAuth", "projectId": t.project,
                                                 "data": {"name": "X-Key", "value": "v"}}),
    ("GET", "/credentials/schema/httpHeaderAuth", "anyone", None),
    ("GET", "/credentials/{credential}", "read", None),
    ("PATCH", "/credentials/{credential}", "write", lambda t: {"name": "Renamed"}),
    ("DELETE", "/credentials/{credential}", "write", None),
    ("PUT", "/credentials/{credential}/transfer", "share", lambda t: {"destinationProjectId": t.personal}),
    ("PUT", "/credentials/{credential}/share", "share", lambda t: {"projectIds": [t.personal]}),
    ("POST", "/credentials/{credential}/test", "write", None),
    ("GET", "/variables", "anyone", None),
    ("POST", "/variables", "share", lambda t: {"key": f"K{uuid.uuid4().hex[:8]}", "value": "v",
                                               "projectId": t.project}),
    ("PUT", "/variables/{variable}", "share", lambda t: {"key": f"K{uuid.uuid4().hex[:8]}", "value": "w"}),
    ("DELETE", "/variables/{variable}", "share", None),
    ("GET", "/users", "anyone", None),
    ("POST", "/users", "instance admin", lambda t: [{"email": f"{uuid.uuid4().hex[:8]}@example.com"}]),
    ("GET", "/users/{user}", "anyone", None),
    ("DELETE", "/users/{user}", "instance admin", None),
    ("PATCH", "/users/{user}/role", "instance admin", lambda t: {"newRoleName": "global:member"}),
    ("GET", "/projects", "anyone", None),
    ("POST", "/projects", "instance admin", lambda t: {"name": "New team"}),
    ("PUT", "/projects/{project}", "manage project", lambda t: {"name": "Renamed team"}),
    ("DELETE", "/projects/{project}", "manage project", None),
    ("GET", "/projects/{project}/users", "read project", None),
    ("POST", "/projects/{project}/users", "manage project",
     lambda t: {"relations": [{"userId": t.user, "role": "project:viewer"}]}),
    ("PATCH", "/projects/{project}/users/{user}", "manage project", lambda t: {"role": "project:editor"}),
    ("DELETE", "/projects/{project}/users/{user}", "manage project", None),
    ("GET", "/audit/events", "instance admin", None),
    ("POST", "/audit", "instance admin", None),
]


def make_things(runtime: Runtime, team: Team, target: str, caller: str, fresh_project: bool) -> Things:
    """Fresh things in the target project ("acme", a fresh copy of Acme, or the outsider's personal)."""
    db = runtime.db
    user = create_user(db, f"target-{uuid.uuid4().hex[:10]}@example.com", PASSWORD)
    project_id = team.acme_id if target == "acme" else team.personal("outsider")
    with db.session() as session:
        if fresh_project:  # things that delete or rename the project get their own copy of Acme
            copy = Project(name=f"Acme copy {uuid.uuid4().hex[:6]}", type="team")
            session.add(copy)
            session.flush()
            project_id = copy.id
            for name, role in ACME_ROLES.items():
                session.add(ProjectMember(project_id=copy.id, user_id=team.users[name].user_id, role=role))
            session.add(ProjectMember(project_id=copy.id, user_id=user.id, role="viewer"))
        tag = Tag(name=f"t-{uuid.uuid4().hex[:10]}")
        variable = Variable(key=f"V{uuid.uuid4().hex[:10]}", value="x", project_id=project_id)
        session.add(tag)
        session.add(variable)
    workflow = create_workflow(db, dict(WORKFLOW), project_id, registry=runtime.registry)
    credential = create_credential(db, runtime.executions.encryption_key, project_id=project_id, name="Key",
                                   type="httpHeaderAuth", data={"name": "X-Key", "value": "secret"})
    with db.session() as session:
        execution_id = create_execution(session, workflow.id, project_id, "manual").id
        assert execution_id is not None
        transition(session, execution_id, "running")
        transition(session, execution_id, "error", error_message="failed on purpose")
    return Things(project_id, workflow.id, credential.id, execution_id, variable.id, tag.id, user.id,
                  team.personal(caller))


def outcome(status: int) -> Any:
    assert status != 401, "the API key was not accepted"
    assert status < 500, f"server error {status}"
    return status if status in (DENIED, HIDDEN) else OK


CELLS = [(method, path, level, body, target) for method, path, level, body in MATRIX for target in LEVELS[level]]


@pytest.mark.parametrize(("method", "path", "level", "body", "target"), CELLS,
                         ids=[f"{method} {path} [{target}]" for method, path, _, _, target in CELLS])
def test_who_may_call_it(api: TestClient, runtime: Runtime, team: Team, method: str, path: str, level: str,
                         body: Body | None, target: str) -> None:
    got, expected = {}, LEVELS[level][target]
    for role in ROLES:
        things = make_things(runtime, team, target, role, fresh_project=path.startswith("/projects/{project}"))
        url = path.format(**vars(things))
        response = api.request(method, url, headers=team.auth(role),
                               json=body(things) if body else None)
        got[role] = outcome(response.status_code)
        if got[role] == HIDDEN:
            assert response.json()["code"] == "not_found", response.text
    assert got == expected


def test_the_matrix_covers_every_operation(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    documented = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    placeholders = {"{workflow}": "{id}", "{execution}": "{id}", "{tag}": "{id}", "{credential}": "{id}",
                    "{variable}": "{id}", "{project}": "{projectId}"}

    def as_documented(method: str, path: str) -> tuple[str, str]:
        for ours, theirs in placeholders.items():
            path = path.replace(ours, theirs)
        path = path.replace("/users/{user}", "/users/{id}") if path.startswith("/users") else path
        return method, path.replace("/users/{user}", "/users/{userId}").replace(
            "/schema/httpHeaderAuth", "/schema/{credentialTypeName}")

    covered = {as_documented(method, path) for method, path, _, _ in MATRIX}
    assert documented - covered == set(), "endpoints without a row in the access matrix"
    assert covered - documented == set(), "matrix rows for endpoints that do not exist"
