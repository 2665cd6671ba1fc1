"""/api/v1/users: list, read, invite, delete (with transfer) and role changes, with n8n's role rules."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from models import AuditEvent, AuthSession, Credential, Project, Workflow
from models.types import utcnow
from services.auth import hash_token
from services.credentials import create_credential
from services.runtime import Runtime

from .conftest import PEOPLE, Team


def role_of(api: TestClient, team: Team, name: str) -> str:
    answer = api.get(f"/users/{team.actor(name).user_id}?includeRole=true", headers=team.auth("owner"))
    return answer.json()["role"]


def test_users_are_listed_with_n8n_fields_and_roles_on_request(api: TestClient, team: Team) -> None:
    plain = api.get("/users", headers=team.auth("member")).json()
    with_roles = api.get("/users?includeRole=true", headers=team.auth("member")).json()

    assert plain["nextCursor"] is None and len(plain["data"]) == len(PEOPLE)
    first = plain["data"][0]
    assert set(first) == {"id", "email", "firstName", "lastName", "isPending", "createdAt", "updatedAt"}
    roles = {row["email"]: row["role"] for row in with_roles["data"]}
    assert roles["owner@example.com"] == "global:owner" and roles["admin@example.com"] == "global:admin"
    assert roles["acme_viewer@example.com"] == "global:member"


def test_one_user_by_id_or_email_and_pages(api: TestClient, team: Team) -> None:
    by_email = api.get("/users/Admin@Example.com", headers=team.auth("member")).json()
    by_id = api.get(f"/users/{by_email['id']}", headers=team.auth("member")).json()

    assert by_id == by_email and by_id["email"] == "admin@example.com" and by_id["firstName"] == "admin"
    assert api.get("/users/nobody@example.com", headers=team.auth("member")).status_code == 404
    first = api.get("/users?limit=4", headers=team.auth("member")).json()
    rest = api.get(f"/users?limit=4&cursor={first['nextCursor']}", headers=team.auth("member")).json()
    assert len(first["data"]) == 4 and len(rest["data"]) == 3 and rest["nextCursor"] is None
    acme = api.get(f"/users?projectId={team.acme_id}", headers=team.auth("acme_viewer")).json()["data"]
    assert sorted(row["firstName"] for row in acme) == ["acme_admin", "acme_editor", "acme_viewer"]
    assert api.get(f"/users?projectId={team.acme_id}", headers=team.auth("outsider")).status_code == 404


def test_invitations_answer_a_link_or_an_error_per_email(api: TestClient, runtime: Runtime, team: Team) -> None:
    body = [{"email": "New@Example.com", "role": "global:member"}, {"email": "member@example.com"},
            {"email": "boss@example.com", "role": "global:owner"}, {"email": "not an email"},
            {"email": "helper@example.com", "role": "admin"}]

    answer = api.post("/users", headers=team.auth("admin"), json=body)

    assert answer.status_code == 200
    new, taken, owner, bad, admin = answer.json()
    assert new["error"] is None and new["user"]["email"] == "new@example.com" and new["user"]["emailSent"] is False
    assert new["user"]["inviteAcceptUrl"].startswith("http://127.0.0.1:8080/signin/invite?token=")
    assert new["user"]["id"]
    assert taken == {"user": {"id": None, "email": "member@example.com", "inviteAcceptUrl": None, "emailSent": False},
                     "error": "A user with the email 'member@example.com' already exists"}
    assert "global:owner" in owner["error"]
    assert "not an email address" in bad["error"]
    assert admin["error"] == "Only the owner may invite admins"  # an admin invites members only
    assert api.post("/users", headers=team.auth("member"), json=body[:1]).status_code == 403
    assert api.post("/users", headers=team.auth("owner"), json=[]).status_code == 422


def test_role_changes_follow_the_owner_rules(api: TestClient, runtime: Runtime, team: Team) -> None:
    def change(who: str, target: str, role: str) -> int:
        return api.patch(f"/users/{team.actor(target).user_id}/role", headers=team.auth(who),
                         json={"newRoleName": role}).status_code

    assert change("member", "outsider", "global:admin") == 403  # members change nobody
    assert change("admin", "outsider", "global:admin") == 403  # only the owner makes admins
    assert change("admin", "admin", "global:member") == 403  # nor unmakes them
    assert change("admin", "owner", "global:member") == 403  # nobody changes the owner
    assert change("owner", "owner", "global:admin") == 403
    assert change("owner", "outsider", "global:owner") == 400  # there is one owner
    assert change("owner", "outsider", "global:admin") == 204
    assert role_of(api, team, "outsider") == "global:admin"
    assert change("owner", "outsider", "member") == 204  # the prefix is optional
    assert role_of(api, team, "outsider") == "global:member"
    assert api.patch("/users/noSuchUser/role", headers=team.auth("owner"),
                     json={"newRoleName": "global:admin"}).status_code == 404
    with runtime.db.session() as session:
        changes = session.exec(select(AuditEvent).where(AuditEvent.event == "user.roleChanged")).all()
    assert [(row.detail["fromRole"], row.detail["toRole"]) for row in changes] == [("member", "admin"),
                                                                                  ("admin", "member")]


def sign_in_session(runtime: Runtime, user_id: str) -> None:
    from datetime import timedelta

    from models import AuthSession

    with runtime.db.session() as session:
        session.add(AuthSession(token_hash=hash_token(user_id), user_id=user_id,
                                expires_at=utcnow() + timedelta(hours=1)))


def owned(runtime: Runtime, project_id: str) -> dict[str, list[str]]:
    with runtime.db.session() as session:
        return {"workflows": list(session.exec(select(Workflow.name).where(Workflow.project_id == project_id))),
                "credentials": list(session.exec(select(Credential.name).where(Credential.project_id == project_id)))}


def give_things(runtime: Runtime, team: Team, name: str) -> str:
    personal = team.personal(name)
    with runtime.db.session() as session:
        session.add(Workflow(project_id=personal, name=f"{name}'s flow"))
    from models import SharedWorkflow

    with runtime.db.session() as session:
        flow = session.exec(select(Workflow).where(Workflow.project_id == personal)).one()
        session.add(SharedWorkflow(workflow_id=flow.id, project_id=personal, role="owner"))
    create_credential(runtime.db, runtime.executions.encryption_key, project_id=personal, name=f"{name}'s key",
                      type="httpHeaderAuth", data={"name": "X", "value": "v"})
    return personal


def test_deleting_a_user_ends_their_sessions_and_moves_or_deletes_their_things(api: TestClient, runtime: Runtime,
                                                                               team: Team) -> None:
    # Given two members with a workflow, a credential and a session each
    outsider_project = give_things(runtime, team, "outsider")
    member_project = give_things(runtime, team, "member")
    for name in ("outsider", "member"):
        sign_in_session(runtime, team.actor(name).user_id)

    # When the outsider is deleted with a transfer to the member, and the member without
    moved = api.delete(f"/users/{team.actor('outsider').user_id}?transferId={team.actor('member').user_id}",
                       headers=team.auth("admin"))
    gone = api.delete(f"/users/{team.actor('member').user_id}", headers=team.auth("admin"))

    # Then both are gone with their personal projects and sessions, and only the outsider's things survive
    assert moved.status_code == 204 and gone.status_code == 204
    assert api.get(f"/users/{team.actor('member').user_id}", headers=team.auth("admin")).status_code == 404
    with runtime.db.session() as session:
        assert session.exec(select(AuthSession)).all() == []
        assert session.get(Project, outsider_project) is None and session.get(Project, member_project) is None
        survivors = {"workflows": list(session.exec(select(Workflow.name))),
                     "credentials": list(session.exec(select(Credential.name)))}
        events = session.exec(select(AuditEvent).where(AuditEvent.event == "user.deleted")).all()
    assert survivors == {"workflows": [], "credentials": []}  # the member took the outsider's, then went too
    assert [event.detail["deletedEmail"] for event in events] == ["outsider@example.com", "member@example.com"]
    assert events[0].detail["transferredTo"] == member_project


def test_a_transfer_keeps_the_things_with_the_receiving_user(api: TestClient, runtime: Runtime, team: Team) -> None:
    give_things(runtime, team, "outsider")

    answer = api.delete(f"/users/{team.actor('outsider').user_id}?transferId={team.acme_id}",
                        headers=team.auth("owner"))

    assert answer.status_code == 204
    assert owned(runtime, team.acme_id) == {"workflows": ["outsider's flow"], "credentials": ["outsider's key"]}
    listed = api.get(f"/credentials?projectId={team.acme_id}", headers=team.auth("acme_viewer")).json()["data"]
    assert [row["name"] for row in listed] == ["outsider's key"]


def test_who_may_delete_whom(api: TestClient, team: Team) -> None:
    def delete(who: str, target: str, query: str = "") -> dict[str, Any]:
        answer = api.delete(f"/users/{team.actor(target).user_id}{query}", headers=team.auth(who))
        return {"status": answer.status_code, **(answer.json() if answer.content else {})}

    assert delete("member", "outsider")["status"] == 403
    assert delete("admin", "owner") == {"status": 403, "code": "forbidden", "message": "The owner cannot be deleted"}
    assert delete("owner", "owner")["status"] == 403
    assert delete("admin", "admin")["status"] == 400  # nobody deletes themselves
    assert delete("owner", "outsider", "?transferId=noSuchThing")["status"] == 404
    assert delete("owner", "outsider", f"?transferId={team.actor('outsider').user_id}")["status"] == 400
    assert api.delete("/users/noSuchUser", headers=team.auth("owner")).status_code == 404
    assert delete("owner", "admin")["status"] == 204
