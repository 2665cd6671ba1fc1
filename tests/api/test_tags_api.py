"""/api/v1/tags: list, create, read, rename and delete; names unique ignoring case."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.runtime import Runtime

from .conftest import Team
from .test_workflows_api import TIMESTAMP, create, scoped_key


def make(api: TestClient, team: Team, name: str, who: str = "member") -> dict[str, Any]:
    response = api.post("/tags", json={"name": name}, headers=team.auth(who))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_answers_the_tag_and_refuses_a_taken_name(api: TestClient, team: Team) -> None:
    tag = make(api, team, "  Production ")

    assert set(tag) == {"id", "name", "createdAt", "updatedAt"} and tag["name"] == "Production"
    assert TIMESTAMP.match(tag["createdAt"]) and TIMESTAMP.match(tag["updatedAt"])
    assert api.get(f"/tags/{tag['id']}", headers=team.auth("outsider")).json() == tag
    taken = api.post("/tags", json={"name": "PRODUCTION"}, headers=team.auth("member"))
    assert taken.status_code == 409 and taken.json()["code"] == "conflict" and "exists" in taken.json()["message"]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({}, 422, "body.name"), ({"name": ""}, 422, "body.name"), ({"name": "x" * 65}, 422, "body.name"),
    ({"name": 5}, 422, "body.name"), ({"name": "   "}, 400, "name"), ({"name": "a\x00"}, 400, "NUL"),
])
def test_bad_names_are_refused(api: TestClient, team: Team, body: dict[str, Any], status: int, field: str) -> None:
    response = api.post("/tags", json=body, headers=team.auth("member"))
    assert response.status_code == status and field in response.json()["message"]


def test_the_list_pages_by_name(api: TestClient, team: Team) -> None:
    names = ["delta", "Alpha", "charlie", "Echo", "bravo"]
    made = {name: make(api, team, name) for name in names}

    pages, cursor = [], None
    while True:
        answer = api.get("/tags", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                         headers=team.auth("outsider")).json()
        pages.append([tag["name"] for tag in answer["data"]])
        cursor = answer["nextCursor"]
        if cursor is None:
            break

    assert pages == [["Alpha", "bravo"], ["charlie", "delta"], ["Echo"]]
    assert api.get("/tags", headers=team.auth("member")).json() == {
        "data": [made[name] for name in sorted(names, key=str.lower)], "nextCursor": None}
    assert api.get("/tags", params={"cursor": "garbage"}, headers=team.auth("member")).status_code == 400
    assert api.get("/tags", params={"limit": 251}, headers=team.auth("member")).status_code == 422


def test_renaming_and_deleting_need_tag_manage(api: TestClient, team: Team) -> None:
    tag, other = make(api, team, "ops"), make(api, team, "sales")
    workflow = create(api, team, "member")
    api.put(f"/workflows/{workflow['id']}/tags", json=[{"id": tag["id"]}], headers=team.auth("member"))

    # A member may create tags but not rename or delete them
    assert api.put(f"/tags/{tag['id']}", json={"name": "Ops"}, headers=team.auth("member")).status_code == 403
    assert api.delete(f"/tags/{tag['id']}", headers=team.auth("member")).status_code == 403

    # An admin renames it (a new spelling of the same name is fine, another tag's name is not)
    renamed = api.put(f"/tags/{tag['id']}", json={"name": "Ops"}, headers=team.auth("admin"))
    assert renamed.status_code == 200 and renamed.json()["name"] == "Ops" and renamed.json()["id"] == tag["id"]
    clash = api.put(f"/tags/{tag['id']}", json={"name": "SALES"}, headers=team.auth("admin"))
    assert clash.status_code == 409
    assert api.get(f"/workflows/{workflow['id']}/tags", headers=team.auth("member")).json()[0]["name"] == "Ops"

    # And deletes it: the answer is the deleted tag, and the workflow loses it
    deleted = api.delete(f"/tags/{tag['id']}", headers=team.auth("owner"))
    assert deleted.status_code == 200 and deleted.json()["id"] == tag["id"]
    assert api.get(f"/tags/{tag['id']}", headers=team.auth("owner")).status_code == 404
    assert api.get(f"/workflows/{workflow['id']}/tags", headers=team.auth("member")).json() == []
    assert [t["id"] for t in api.get("/tags", headers=team.auth("member")).json()["data"]] == [other["id"]]


@pytest.mark.parametrize(("method", "tag_id"), [
    ("GET", "noSuchTag"), ("PUT", "noSuchTag"), ("DELETE", "noSuchTag"), ("GET", "bad id!"), ("DELETE", "x" * 100),
])
def test_unknown_tags_are_404_json(api: TestClient, team: Team, method: str, tag_id: str) -> None:
    response = api.request(method, f"/tags/{tag_id}", json={"name": "n"} if method == "PUT" else None,
                           headers=team.auth("owner"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_key_without_tag_scopes_cannot_use_tags(api: TestClient, team: Team, runtime: Runtime) -> None:
    tag = make(api, team, "ops")
    reader = scoped_key(runtime, team, "member", "tag:read")
    assert api.get(f"/tags/{tag['id']}", headers=reader).status_code == 200
    assert api.post("/tags", json={"name": "new"}, headers=reader).status_code == 403
    workflows_only = scoped_key(runtime, team, "owner", "workflow:read")
    assert api.get("/tags", headers=workflows_only).status_code == 403
    assert api.delete(f"/tags/{tag['id']}", headers=workflows_only).status_code == 403
