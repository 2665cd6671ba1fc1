"""/api/v1/projects: team projects, their members and roles, and deleting them (with a transfer)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import col, select

from models import AuditEvent, Credential, Project
from services.credentials import create_credential
from services.runtime import Runtime

from .conftest import Team


def members(api: TestClient, team: Team, project_id: str, who: str = "owner") -> dict[str, str]:
    answer = api.get(f"/projects/{project_id}/users", headers=team.auth(who))
    assert answer.status_code == 200, answer.text
    return {row["firstName"]: row["role"] for row in answer.json()["data"]}


def names(api: TestClient, team: Team, who: str) -> list[str]:
    return sorted(row["name"] for row in api.get("/projects", headers=team.auth(who)).json()["data"])


def test_projects_are_listed_as_their_members_see_them(api: TestClient, team: Team) -> None:
    listed = api.get("/projects", headers=team.auth("acme_viewer")).json()

    assert listed["nextCursor"] is None
    assert sorted(listed["data"], key=lambda row: row["name"]) == [
        {"id": team.acme_id, "name": "Acme", "type": "team"},
        {"id": team.personal("acme_viewer"), "name": "acme_viewer (personal)", "type": "personal"}]
    assert names(api, team, "outsider") == ["outsider (personal)"]
    assert len(api.get("/projects", headers=team.auth("admin")).json()["data"]) == 8  # 7 personal + Acme
    page = api.get("/projects?limit=5", headers=team.auth("owner")).json()
    rest = api.get(f"/projects?limit=5&cursor={page['nextCursor']}", headers=team.auth("owner")).json()
    assert len(page["data"]) == 5 and len(rest["data"]) == 3 and rest["nextCursor"] is None


def test_creating_renaming_and_deleting_a_project(api: TestClient, runtime: Runtime, team: Team) -> None:
    assert api.post("/projects", headers=team.auth("member"), json={"name": "Mine"}).status_code == 403
    created = api.post("/projects", headers=team.auth("admin"), json={"name": "  Ops  "})

    assert created.status_code == 201
    project = created.json()
    assert project == {"id": project["id"], "name": "Ops", "type": "team"}
    assert members(api, team, project["id"]) == {"admin": "project:admin"}

    renamed = api.put(f"/projects/{project['id']}", headers=team.auth("admin"), json={"name": "Operations"})
    assert renamed.status_code == 204 and "Operations" in names(api, team, "admin")
    assert api.put(f"/projects/{project['id']}", headers=team.auth("admin"), json={"name": ""}).status_code == 422
    personal = team.personal("member")
    assert api.put(f"/projects/{personal}", headers=team.auth("owner"), json={"name": "x"}).status_code == 400
    assert api.put(f"/projects/{personal}", headers=team.auth("member"), json={"name": "x"}).status_code == 403

    assert api.delete(f"/projects/{personal}", headers=team.auth("owner")).status_code == 400
    assert api.delete(f"/projects/{team.acme_id}", headers=team.auth("acme_editor")).status_code == 403
    assert api.delete(f"/projects/{team.acme_id}", headers=team.auth("outsider")).status_code == 404
    assert api.delete(f"/projects/{project['id']}", headers=team.auth("admin")).status_code == 204
    assert api.delete(f"/projects/{project['id']}", headers=team.auth("admin")).status_code == 404
    with runtime.db.session() as session:
        logged = session.exec(select(AuditEvent.event).where(col(AuditEvent.event).startswith("project."))).all()
    assert list(logged) == ["project.created", "project.deleted"]


def test_deleting_a_project_can_move_its_credentials_first(api: TestClient, runtime: Runtime, team: Team) -> None:
    key = runtime.executions.encryption_key
    kept = create_credential(runtime.db, key, project_id=team.acme_id, name="Kept", type="httpHeaderAuth",
                             data={"name": "X", "value": "v"})
    ops = api.post("/projects", headers=team.auth("owner"), json={"name": "Ops"}).json()["id"]
    create_credential(runtime.db, key, project_id=ops, name="Dropped", type="httpHeaderAuth",
                      data={"name": "X", "value": "v"})

    assert api.delete(f"/projects/{team.acme_id}?transferId={team.acme_id}",
                      headers=team.auth("owner")).status_code == 400
    assert api.delete(f"/projects/{team.acme_id}?transferId={team.personal('member')}",
                      headers=team.auth("acme_admin")).status_code == 404
    assert api.delete(f"/projects/{team.acme_id}?transferId={ops}", headers=team.auth("owner")).status_code == 204
    with runtime.db.session() as session:
        assert session.get(Project, team.acme_id) is None
        assert session.get_one(Credential, kept.id).project_id == ops
    assert api.delete(f"/projects/{ops}", headers=team.auth("owner")).status_code == 204
    with runtime.db.session() as session:
        assert session.exec(select(Credential)).all() == []


def test_project_admins_manage_members(api: TestClient, runtime: Runtime, team: Team) -> None:
    acme = f"/projects/{team.acme_id}/users"
    outsider, member = team.actor("outsider").user_id, team.actor("member").user_id

    # A project admin adds people, with or without the "project:" prefix
    added = api.post(acme, headers=team.auth("acme_admin"),
                     json={"relations": [{"userId": outsider, "role": "project:viewer"}, {"userId": member,
                                                                                         "role": "editor"}]})
    assert added.status_code == 201
    assert members(api, team, team.acme_id, "acme_viewer") == {
        "acme_admin": "project:admin", "acme_editor": "project:editor", "acme_viewer": "project:viewer",
        "outsider": "project:viewer", "member": "project:editor"}
    assert "Acme" in names(api, team, "outsider")

    # and changes their roles, and takes them out
    assert api.patch(f"{acme}/{outsider}", headers=team.auth("acme_admin"), json={"role": "project:admin"}
                     ).status_code == 204
    assert api.delete(f"{acme}/{member}", headers=team.auth("outsider")).status_code == 204
    assert "member" not in members(api, team, team.acme_id)
    assert "Acme" not in names(api, team, "member")
    with runtime.db.session() as session:
        changes = session.exec(select(AuditEvent).where(AuditEvent.event == "project.memberChanged")).all()
    assert [(row.detail["userId"], row.detail["role"]) for row in changes] == [
        (outsider, "viewer"), (member, "editor"), (outsider, "admin"), (member, None)]


def test_member_rules(api: TestClient, team: Team) -> None:
    acme = f"/projects/{team.acme_id}/users"
    viewer, editor, admin = (team.actor(name).user_id for name in ("acme_viewer", "acme_editor", "acme_admin"))
    outsider = team.actor("outsider").user_id

    def add(who: str, user_id: str, role: str, project: str = acme) -> int:
        return api.post(project, headers=team.auth(who), json={"relations": [{"userId": user_id, "role": role}]}
                        ).status_code

    assert add("acme_editor", outsider, "project:viewer") == 403  # editors and viewers do not manage members
    assert add("acme_viewer", outsider, "project:viewer") == 403
    assert add("outsider", outsider, "project:admin") == 404  # nor do people outside the project
    assert add("owner", outsider, "project:personalOwner") == 400  # not a role one can give
    assert add("owner", outsider, "project:owner") == 400
    assert add("owner", "noSuchUser", "project:viewer") == 404
    assert add("owner", outsider, "project:viewer", f"/projects/{team.personal('member')}/users") == 400
    assert api.patch(f"{acme}/{outsider}", headers=team.auth("owner"), json={"role": "viewer"}).status_code == 404
    assert api.delete(f"{acme}/{outsider}", headers=team.auth("owner")).status_code == 404

    # The last project admin cannot leave or be demoted; with a second admin, they can
    assert api.delete(f"{acme}/{admin}", headers=team.auth("owner")).json()["message"].startswith(
        "This is the project's last admin")
    assert api.patch(f"{acme}/{admin}", headers=team.auth("acme_admin"), json={"role": "viewer"}).status_code == 400
    assert api.patch(f"{acme}/{editor}", headers=team.auth("acme_admin"), json={"role": "admin"}).status_code == 204
    assert api.patch(f"{acme}/{admin}", headers=team.auth("acme_admin"), json={"role": "viewer"}).status_code == 204
    # ...after which the former admin manages nothing
    assert api.delete(f"{acme}/{viewer}", headers=team.auth("acme_admin")).status_code == 403
    assert api.patch(f"{acme}/{viewer}", headers=team.auth("acme_editor"), json={"role": "nonsense"}
                     ).json()["message"].startswith("role:")
