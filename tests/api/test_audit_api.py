"""/api/v1/audit: the audit log with filters and a cursor, and the security audit's risk report."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from fastapi.testclient import TestClient

from models import SharedWorkflow, Workflow
from models.types import utcnow
from services import audit
from services.api_keys import create_api_key
from services.credentials import create_credential
from services.runtime import Runtime

from .conftest import Team


def test_events_are_listed_newest_first_with_filters_and_a_cursor(api: TestClient, runtime: Runtime,
                                                                  team: Team) -> None:
    member = team.actor("member")
    for index in range(3):
        audit.record(runtime.db, "credential.created", actor=member, target=f"credential:{index}", name=f"C{index}")
    audit.record(runtime.db, "user.signedIn", actor=team.actor("owner"), ip="10.0.0.1")

    first = api.get("/audit/events?event=credential.created&limit=2", headers=team.auth("admin")).json()
    rest = api.get(f"/audit/events?event=credential.created&limit=2&cursor={first['nextCursor']}",
                   headers=team.auth("admin")).json()

    assert [row["target"] for row in first["data"] + rest["data"]] == ["credential:2", "credential:1", "credential:0"]
    assert rest["nextCursor"] is None
    row = first["data"][0]
    assert row == {"id": row["id"], "at": row["at"], "event": "credential.created", "userId": member.user_id,
                   "email": "member@example.com", "ip": None, "target": "credential:2", "detail": {"name": "C2"}}
    by_user = api.get(f"/audit/events?userId={team.actor('owner').user_id}", headers=team.auth("admin")).json()
    assert [row["event"] for row in by_user["data"]] == ["user.signedIn", "apiKey.created"]
    future = quote((utcnow() + timedelta(hours=1)).isoformat())
    assert api.get(f"/audit/events?since={future}", headers=team.auth("owner")).json()["data"] == []
    assert api.get("/audit/events?since=2024-01-01T00:00:00", headers=team.auth("owner")).status_code == 422
    assert api.get("/audit/events?cursor=InNvbWUi", headers=team.auth("owner")).status_code == 400


def test_only_owners_and_admins_read_the_audit(api: TestClient, team: Team) -> None:
    for who in ("member", "acme_admin"):
        assert api.get("/audit/events", headers=team.auth(who)).status_code == 403
        assert api.post("/audit", headers=team.auth(who)).status_code == 403


def test_the_risk_report_lists_what_deserves_a_look(api: TestClient, runtime: Runtime, team: Team) -> None:
    key = runtime.executions.encryption_key
    used = create_credential(runtime.db, key, project_id=team.acme_id, name="Used", type="httpHeaderAuth", data={})
    by_name = create_credential(runtime.db, key, project_id=team.acme_id, name="By name", type="httpHeaderAuth",
                                data={})
    unused = create_credential(runtime.db, key, project_id=team.acme_id, name="Unused", type="httpHeaderAuth",
                               data={})
    with runtime.db.session() as session:
        flow = Workflow(project_id=team.acme_id, name="Flow", nodes=[
            {"name": "A", "credentials": {"httpHeaderAuth": {"id": used.id, "name": "Used"}}},
            {"name": "B", "credentials": {"httpHeaderAuth": {"id": "gone", "name": by_name.name}}}])
        session.add(flow)
        session.flush()
        session.add(SharedWorkflow(workflow_id=flow.id, project_id=team.acme_id, role="owner"))
        session.add(SharedWorkflow(workflow_id=flow.id, project_id=team.personal("outsider"), role="editor"))
        flow_id = flow.id
    create_api_key(runtime.db, team.actor("member"), "expiring", expires_at=utcnow() + timedelta(days=1))
    audit.record(runtime.db, "user.signedIn", actor=team.actor("owner"))

    report = api.post("/audit", headers=team.auth("owner"))

    assert report.status_code == 200
    body = report.json()
    assert set(body) == {"unusedCredentials", "apiKeysWithoutExpiry", "usersNeverSignedIn",
                         "workflowsSharedWithOtherProjects"}
    assert body["unusedCredentials"] == [{"id": unused.id, "name": "Unused", "type": "httpHeaderAuth",
                                          "projectId": team.acme_id}]
    assert len(body["apiKeysWithoutExpiry"]) == len(team.keys)  # the team's keys never expire; "expiring" does
    assert {row["label"] for row in body["apiKeysWithoutExpiry"]} == {f"{name}'s key" for name in team.keys}
    assert "owner@example.com" not in [row["email"] for row in body["usersNeverSignedIn"]]
    assert len(body["usersNeverSignedIn"]) == len(team.users) - 1
    assert body["workflowsSharedWithOtherProjects"] == [{"id": flow_id, "name": "Flow", "projectId": team.acme_id,
                                                         "sharedWithProjectIds": [team.personal("outsider")]}]
