"""/api/v1/variables: global and project variables, n8n's key rule, who may see and change which."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from .conftest import Team


def make(api: TestClient, team: Team, who: str, key: str, value: str = "v", **body: Any) -> httpx.Response:
    return api.post("/variables", headers=team.auth(who), json={"key": key, "value": value, **body})


def keys(api: TestClient, team: Team, who: str, query: str = "") -> list[str]:
    answer = api.get(f"/variables{query}", headers=team.auth(who))
    assert answer.status_code == 200, answer.text
    return sorted(row["key"] for row in answer.json()["data"])


def test_global_and_project_variables_have_n8n_shapes(api: TestClient, team: Team) -> None:
    created = make(api, team, "admin", "API_URL", "https://example.com")
    acme = make(api, team, "acme_admin", "TEAM", "acme", projectId=team.acme_id)

    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "key": "API_URL", "value": "https://example.com",
                              "type": "string", "project": None}
    assert acme.status_code == 201
    assert acme.json()["project"] == {"id": team.acme_id, "name": "Acme"}
    listed = api.get("/variables", headers=team.auth("acme_viewer")).json()
    assert sorted(listed["data"], key=lambda row: row["key"]) == [created.json(), acme.json()]
    assert listed["nextCursor"] is None


def test_who_sees_which_variables(api: TestClient, team: Team) -> None:
    make(api, team, "owner", "GLOBAL")
    make(api, team, "acme_admin", "ACME", projectId=team.acme_id)
    make(api, team, "outsider", "MINE", projectId=team.personal("outsider"))

    assert keys(api, team, "owner") == ["ACME", "GLOBAL", "MINE"]
    assert keys(api, team, "acme_viewer") == ["ACME", "GLOBAL"]
    assert keys(api, team, "outsider") == ["GLOBAL", "MINE"]
    assert keys(api, team, "acme_editor", f"?projectId={team.acme_id}") == ["ACME"]

    # A project the caller is not in cannot be listed, read or changed: it looks like no project at all
    assert api.get(f"/variables?projectId={team.acme_id}", headers=team.auth("outsider")).status_code == 404
    acme_variable = api.get("/variables", headers=team.auth("acme_admin")).json()["data"]
    acme_id = next(row["id"] for row in acme_variable if row["key"] == "ACME")
    changed = api.put(f"/variables/{acme_id}", headers=team.auth("outsider"), json={"key": "X", "value": "y"})
    assert changed.status_code == 404
    assert api.delete(f"/variables/{acme_id}", headers=team.auth("outsider")).status_code == 404
    assert api.delete("/variables/noSuchVariable", headers=team.auth("outsider")).status_code == 404


def test_who_may_change_which_variables(api: TestClient, team: Team) -> None:
    assert make(api, team, "member", "G").status_code == 403
    assert make(api, team, "acme_editor", "E", projectId=team.acme_id).status_code == 403
    assert make(api, team, "outsider", "O", projectId=team.acme_id).status_code == 404
    assert make(api, team, "acme_admin", "A", projectId=team.acme_id).status_code == 201
    global_id = make(api, team, "owner", "G").json()["id"]

    assert api.put(f"/variables/{global_id}", headers=team.auth("member"),
                   json={"key": "G", "value": "changed"}).status_code == 403
    assert api.delete(f"/variables/{global_id}", headers=team.auth("acme_admin")).status_code == 403
    assert api.put(f"/variables/{global_id}", headers=team.auth("admin"),
                   json={"key": "G2", "value": "changed"}).status_code == 204
    assert [(row["key"], row["value"]) for row in api.get("/variables", headers=team.auth("member")).json()["data"]
            ] == [("G2", "changed")]
    assert api.delete(f"/variables/{global_id}", headers=team.auth("admin")).status_code == 204
    assert keys(api, team, "owner") == ["A"]


def test_keys_follow_n8n_rules_and_are_unique_per_scope(api: TestClient, team: Team) -> None:
    for bad, reason in (("has-dash", "letters, digits and underscores"), ("x" * 51, "at most 50"),
                        ("", "needs a key"), ("nul\x00", "letters, digits and underscores")):
        answer = make(api, team, "owner", bad)
        assert answer.status_code == 400, bad
        assert answer.json()["message"].startswith("key:") and reason in answer.json()["message"]
    assert make(api, team, "owner", "OK_1", "x" * 1001).json()["message"].startswith("value:")
    assert make(api, team, "owner", "NUMBER", 5).status_code == 422  # type: ignore[arg-type]

    assert make(api, team, "owner", "SAME").status_code == 201
    duplicate = make(api, team, "owner", "SAME")
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "conflict"
    # The same key in a project is another scope, and overrides the global one at run time
    assert make(api, team, "owner", "SAME", projectId=team.acme_id).status_code == 201
    assert make(api, team, "acme_admin", "SAME", projectId=team.acme_id).status_code == 409
    other = make(api, team, "owner", "OTHER").json()["id"]
    renamed = api.put(f"/variables/{other}", headers=team.auth("owner"), json={"key": "SAME", "value": "v"})
    assert renamed.status_code == 409


def test_a_variable_moves_between_scopes_when_put_names_a_project(api: TestClient, team: Team) -> None:
    created = make(api, team, "owner", "MOVING").json()

    # A PUT without projectId leaves it where it is
    api.put(f"/variables/{created['id']}", headers=team.auth("owner"), json={"key": "MOVING", "value": "1"})
    assert keys(api, team, "outsider") == ["MOVING"]

    # With a projectId it moves there; with null it becomes global again
    api.put(f"/variables/{created['id']}", headers=team.auth("owner"),
            json={"key": "MOVING", "value": "2", "projectId": team.acme_id})
    assert keys(api, team, "outsider") == [] and keys(api, team, "acme_viewer") == ["MOVING"]
    # A project admin may not make it global
    denied = api.put(f"/variables/{created['id']}", headers=team.auth("acme_admin"),
                     json={"key": "MOVING", "value": "3", "projectId": None})
    assert denied.status_code == 403
    api.put(f"/variables/{created['id']}", headers=team.auth("owner"),
            json={"key": "MOVING", "value": "4", "projectId": None})
    assert keys(api, team, "outsider") == ["MOVING"]


def test_the_list_pages_with_a_cursor(api: TestClient, team: Team) -> None:
    for index in range(5):
        make(api, team, "owner", f"K{index}")

    seen: list[str] = []
    cursor = ""
    for _ in range(3):
        answer = api.get(f"/variables?limit=2{cursor}", headers=team.auth("member")).json()
        seen += [row["key"] for row in answer["data"]]
        cursor = f"&cursor={answer['nextCursor']}" if answer["nextCursor"] else ""
    assert sorted(seen) == ["K0", "K1", "K2", "K3", "K4"] and cursor == ""
