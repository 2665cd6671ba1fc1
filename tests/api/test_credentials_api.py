"""/api/v1/credentials: create, read masked, change, delete, share, transfer, schema and test, with
the access rules of services.access and never a secret in an answer, the database or the audit log."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import col, select

from engine.credential_types import MASKED
from engine.errors import NodeOperationError
from models import AuditEvent
from services.credentials import DatabaseCredentials
from services.runtime import Runtime

from .conftest import Team

SECRET = "hunter2-very-secret"


class Recorder:
    """A client wrapper that keeps every answer, to check afterwards that none held the secret."""

    def __init__(self, api: TestClient, team: Team) -> None:
        self.api = api
        self.team = team
        self.bodies: list[str] = []

    def __call__(self, method: str, path: str, who: str, **options: Any) -> httpx.Response:
        answer = self.api.request(method, path, headers=self.team.auth(who), **options)
        self.bodies.append(answer.text)
        return answer


@pytest.fixture
def call(api: TestClient, team: Team) -> Recorder:
    return Recorder(api, team)


def create(call: Recorder, who: str, **body: Any) -> dict[str, Any]:
    body = {"name": "Basic", "type": "httpBasicAuth", "data": {"user": "ann", "password": SECRET}, **body}
    answer = call("POST", "/credentials", who, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def usable(runtime: Runtime, project_id: str, credential_id: str, type: str = "httpBasicAuth") -> dict[str, Any] | None:
    """What a workflow of `project_id` gets for the credential, or None when it may not use it."""
    import asyncio

    provider = DatabaseCredentials(runtime.db, runtime.executions.encryption_key, project_id)
    try:
        return asyncio.run(provider.get("HTTP", type, {"id": credential_id}))
    except NodeOperationError:
        return None


def audit_events(runtime: Runtime, prefix: str = "credential.") -> list[AuditEvent]:
    with runtime.db.session() as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    return [row for row in rows if row.event.startswith(prefix)]


def test_a_credential_is_created_encrypted_and_read_back_masked(call: Recorder, runtime: Runtime,
                                                                team: Team) -> None:
    # Given a member's new credential in their personal project (the default)
    created = create(call, "member")

    # Then the answer is n8n's metadata, with no data at all
    personal = team.personal("member")
    assert set(created) == {"id", "name", "type", "isManaged", "createdAt", "updatedAt", "homeProject",
                            "sharedWithProjects"}
    assert created["homeProject"] == {"id": personal, "name": "member (personal)", "type": "personal"}
    assert created["createdAt"].endswith("Z") and len(created["createdAt"]) == len("2024-05-01T12:00:00.000Z")
    assert (created["name"], created["type"], created["isManaged"], created["sharedWithProjects"]) == (
        "Basic", "httpBasicAuth", False, [])

    # When they read it, the password is masked
    read = call("GET", f"/credentials/{created['id']}", "member").json()
    assert read["data"] == {"user": "ann", "password": MASKED}
    assert {key: value for key, value in read.items() if key != "data"} == created

    # And the listing shows it without data
    listed = call("GET", "/credentials", "member").json()
    assert listed == {"data": [created], "nextCursor": None}

    # And a workflow of the personal project gets the real data
    assert usable(runtime, personal, created["id"]) == {"user": "ann", "password": SECRET}

    # And the secret is in no answer, no stored credential row and no audit row
    assert not [body for body in call.bodies if SECRET in body]
    with runtime.db.engine.connect() as connection:
        for table in ("credential", "shared_credential", "audit_event"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                assert SECRET not in str(row), table
    assert [event.event for event in audit_events(runtime)] == ["credential.created", "credential.usedByNode"]


def test_create_checks_the_data_against_the_type_and_names_the_field(call: Recorder) -> None:
    def refused(body: dict[str, Any]) -> dict[str, Any]:
        answer = call("POST", "/credentials", "member", json=body)
        assert answer.status_code == 400, answer.text
        return answer.json()

    base = {"name": "Header", "type": "httpHeaderAuth"}
    assert "'pasword'" in refused({**base, "data": {"name": "X", "pasword": "p"}})["message"]
    assert "field 'name'" in refused({**base, "data": {"value": "v"}})["message"]
    assert "masked placeholder" in refused({**base, "data": {"name": "X", "value": MASKED}})["message"]
    unknown = refused({"name": "X", "type": "httpBasicAuthh", "data": {}})
    assert "type:" in unknown["message"] and "httpBasicAuth" in unknown["message"]
    assert "name:" in refused({**base, "name": "  ", "data": {"name": "X"}})["message"]

    missing = call("POST", "/credentials", "member", json={"type": "httpHeaderAuth", "data": {}})
    assert missing.status_code == 422 and "name" in missing.json()["message"]
    not_object = call("POST", "/credentials", "member", json={**base, "data": "secret"})
    assert not_object.status_code == 422 and "data" in not_object.json()["message"]


def test_a_masked_value_keeps_the_stored_secret(call: Recorder, runtime: Runtime, team: Team) -> None:
    created = create(call, "member")

    # When the data comes back as it was read, with a new user name
    answer = call("PATCH", f"/credentials/{created['id']}", "member",
                  json={"name": "Renamed", "data": {"user": "bob", "password": MASKED}})

    # Then the name and the user change and the password stays
    assert answer.status_code == 200 and answer.json()["name"] == "Renamed"
    assert usable(runtime, team.personal("member"), created["id"]) == {"user": "bob", "password": SECRET}

    # And a new password replaces it; a field left out keeps its value
    call("PATCH", f"/credentials/{created['id']}", "member", json={"data": {"password": "new-password-1"}})
    assert usable(runtime, team.personal("member"), created["id"]) == {"user": "bob", "password": "new-password-1"}

    bad = call("PATCH", f"/credentials/{created['id']}", "member", json={"data": {"nope": 1}})
    assert bad.status_code == 400 and "'nope'" in bad.json()["message"]
    updates = [event for event in audit_events(runtime) if event.event == "credential.updated"]
    assert [event.detail["changed"] for event in updates] == [["name", "data"], ["data"]]
    assert not [body for body in call.bodies if SECRET in body or "new-password-1" in body]


def test_a_project_credential_is_hidden_from_outsiders_and_read_only_for_viewers(call: Recorder,
                                                                                 team: Team) -> None:
    # Given a credential of the Acme project
    created = create(call, "acme_editor", projectId=team.acme_id)
    path = f"/credentials/{created['id']}"

    # Then an outsider cannot read it, change it, or even tell that it exists
    for method, body in (("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None), ("POST", None)):
        target = path + "/test" if method == "POST" else path
        answer = call(method, target, "outsider", json=body)
        assert answer.status_code == 404, (method, answer.text)
        assert answer.json() == call(method, target.replace(created["id"], "noSuchCredential"), "outsider",
                                     json=body).json() | {"message": answer.json()["message"]}
    assert call("GET", "/credentials", "outsider").json()["data"] == []
    assert call("GET", f"/credentials?projectId={team.acme_id}", "outsider").status_code == 404

    # And a viewer sees it without data and may not change it or add one; an outsider cannot add one either
    assert call("POST", "/credentials", "acme_viewer", json={
        "name": "V", "type": "httpBearerAuth", "data": {"token": "t"}, "projectId": team.acme_id}).status_code == 403
    assert call("POST", "/credentials", "outsider", json={
        "name": "O", "type": "httpBearerAuth", "data": {"token": "t"}, "projectId": team.acme_id}).status_code == 404
    viewed = call("GET", path, "acme_viewer").json()
    assert viewed["data"] is None
    assert call("PATCH", path, "acme_viewer", json={"name": "x"}).status_code == 403
    assert call("DELETE", path, "acme_viewer").status_code == 403
    assert call("GET", f"/credentials?projectId={team.acme_id}", "acme_viewer").json()["data"][0]["id"] == created["id"]

    # And the owner sees every credential, with masked data
    assert call("GET", path, "owner").json()["data"] == {"user": "ann", "password": MASKED}


def test_the_list_pages_with_a_cursor_and_filters(call: Recorder, team: Team) -> None:
    ids = sorted(create(call, "member", name=f"C{index}")["id"] for index in range(3))
    create(call, "member", name="Bearer", type="httpBearerAuth", data={"token": SECRET})

    first = call("GET", "/credentials?limit=2&type=httpBasicAuth", "member").json()
    second = call("GET", f"/credentials?limit=2&type=httpBasicAuth&cursor={first['nextCursor']}", "member").json()

    assert [row["id"] for row in first["data"] + second["data"]] == ids
    assert second["nextCursor"] is None
    assert call("GET", "/credentials?cursor=bm9wZQ", "member").status_code == 400
    assert call("GET", "/credentials?limit=0", "member").status_code == 422
    assert len(call("GET", f"/credentials?projectId={team.personal('member')}", "member").json()["data"]) == 4


def test_sharing_lets_another_project_use_but_not_read_the_data(call: Recorder, runtime: Runtime,
                                                                team: Team) -> None:
    created = create(call, "acme_admin", projectId=team.acme_id)
    path = f"/credentials/{created['id']}"
    outsider = team.personal("outsider")
    assert usable(runtime, outsider, created["id"]) is None

    # When the Acme admin shares it with the outsider's personal project
    shared = call("PUT", f"{path}/share", "acme_admin", json={"projectIds": [outsider]})

    # Then workflows there may use it, and the outsider sees it without data
    assert shared.status_code == 200
    assert [p["id"] for p in shared.json()["sharedWithProjects"]] == [outsider]
    assert usable(runtime, outsider, created["id"]) == {"user": "ann", "password": SECRET}
    assert call("GET", path, "outsider").json()["data"] is None
    assert call("PATCH", path, "outsider", json={"name": "mine"}).status_code == 403
    assert call("PUT", f"{path}/share", "outsider", json={"projectIds": []}).status_code == 403

    # And an editor may not share; a team project the admin is not in cannot be found
    assert call("PUT", f"{path}/share", "acme_editor", json={"projectIds": []}).status_code == 403
    with runtime.db.session() as session:
        from models import Project

        other = Project(name="Other team")
        session.add(other)
        session.flush()
        other_id = other.id
    assert call("PUT", f"{path}/share", "acme_admin", json={"projectIds": [other_id]}).status_code == 404

    # When the share is taken back, the outsider loses it again
    assert call("PUT", f"{path}/share", "acme_admin", json={"projectIds": []}).json()["sharedWithProjects"] == []
    assert usable(runtime, outsider, created["id"]) is None
    assert call("GET", path, "outsider").status_code == 404
    shares = [event.detail for event in audit_events(runtime) if event.event == "credential.shared"]
    assert shares == [{"name": "Basic", "added": [outsider], "removed": []},
                      {"name": "Basic", "added": [], "removed": [outsider]}]


def test_transfer_moves_the_credential_to_another_project(call: Recorder, runtime: Runtime, team: Team) -> None:
    created = create(call, "acme_admin")
    path = f"/credentials/{created['id']}/transfer"
    personal = team.personal("acme_admin")

    # When its owner moves it from their personal project to Acme
    moved = call("PUT", path, "acme_admin", json={"destinationProjectId": team.acme_id})

    # Then Acme's workflows use it and the personal project's do not
    assert moved.status_code == 200 and moved.json()["homeProject"]["id"] == team.acme_id
    assert usable(runtime, team.acme_id, created["id"]) is not None
    assert usable(runtime, personal, created["id"]) is None
    assert call("GET", f"/credentials/{created['id']}", "acme_viewer").status_code == 200

    # And an editor may not move it, nobody moves it to a project they cannot create in or to where it is
    assert call("PUT", path, "acme_editor", json={"destinationProjectId": personal}).status_code == 403
    assert call("PUT", path, "acme_admin", json={"destinationProjectId": team.personal("member")}).status_code == 404
    again = call("PUT", path, "acme_admin", json={"destinationProjectId": team.acme_id})
    assert again.status_code == 400 and "destinationProjectId" in again.json()["message"]
    assert call("PUT", path, "acme_admin", json={"destinationProjectId": "bad id!"}).status_code == 422
    transferred = [event.detail for event in audit_events(runtime) if event.event == "credential.transferred"]
    assert transferred == [{"name": "Basic", "fromProjectId": personal, "toProjectId": team.acme_id}]


def test_delete_answers_the_credential_and_removes_it(call: Recorder, runtime: Runtime, team: Team) -> None:
    created = create(call, "acme_editor", projectId=team.acme_id)

    deleted = call("DELETE", f"/credentials/{created['id']}", "acme_editor")

    assert deleted.status_code == 200 and deleted.json()["id"] == created["id"]
    assert call("GET", f"/credentials/{created['id']}", "acme_editor").status_code == 404
    assert usable(runtime, team.acme_id, created["id"]) is None
    assert [event.event for event in audit_events(runtime)] == ["credential.created", "credential.deleted"]


def test_the_schema_of_a_type_is_json_schema(call: Recorder) -> None:
    schema = call("GET", "/credentials/schema/httpHeaderAuth", "member").json()

    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"name", "value"}
    assert schema["properties"]["name"]["type"] == "string"
    assert schema["required"] == ["name"]
    unknown = call("GET", "/credentials/schema/httpHeaderAuthh", "member")
    assert unknown.status_code == 404 and "httpHeaderAuth" in unknown.json()["message"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_test_endpoint_runs_the_type_test_without_showing_the_secret(call: Recorder, team: Team) -> None:
    # Given a Redis credential whose server is not there
    port = free_port()
    created = create(call, "member", name="Redis", type="redis",
                     data={"host": "127.0.0.1", "port": port, "password": SECRET})

    failed = call("POST", f"/credentials/{created['id']}/test", "member")

    assert failed.status_code == 200
    assert failed.json()["status"] == "Error" and "refused" in failed.json()["message"]
    assert SECRET not in failed.text

    # And an SMTP credential whose server answers passes
    server = Controller(handler=object(), hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        smtp = create(call, "member", name="Mail", type="smtp",
                      data={"host": "127.0.0.1", "port": server.port, "secure": False,
                            "disableStartTls": True})
        passed = call("POST", f"/credentials/{smtp['id']}/test", "member").json()
    finally:
        server.stop()
    assert passed["status"] == "OK", passed

    # And a viewer, who may not use a credential, may not test it
    acme = create(call, "acme_admin", projectId=team.acme_id)
    assert call("POST", f"/credentials/{acme['id']}/test", "acme_viewer").status_code == 403


def test_a_narrowed_api_key_cannot_list_credentials(api: TestClient, runtime: Runtime, team: Team) -> None:
    from services.api_keys import create_api_key

    key = create_api_key(runtime.db, team.actor("member"), "workflows only", scopes=["workflow:read"]).key

    answer = api.get("/credentials", headers={"X-KNOTWORK-API-KEY": key})

    assert answer.status_code == 403 and "credential:read" in answer.json()["message"]
