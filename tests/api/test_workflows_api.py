"""/api/v1/workflows: n8n's workflow endpoints, sharing and /run, with the real runtime and database.

Helpers here (workflow bodies, test node types, waiting for an execution) are shared with the
executions and tags API tests.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType
from models.executions import FINISHED
from services import audit
from services.api_keys import create_api_key
from services.events import EXECUTIONS
from services.runtime import Runtime
from services.workflows import archive_workflow
from tests.engine.nodes_for_tests import TEST_NODE_TYPES

from .conftest import Team

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
WORKFLOW_KEYS = {"id", "name", "active", "isArchived", "nodes", "connections", "settings", "staticData", "pinData",
                 "meta", "versionId", "tags", "shared", "createdAt", "updatedAt"}


class ScheduleLikeTrigger(NodeType):
    """A trigger that starts a workflow on its own (stands in for Schedule/Webhook until they exist)."""

    description = NodeDescription(name="test.scheduleLike", display_name="Schedule-like", group="trigger",
                                  description="test trigger", versions=(1.0,), default_version=1.0, inputs=0,
                                  outputs=1, trigger=True)

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [[Item({})]]


def add_test_node_types(runtime: Runtime) -> None:
    """The engine's test node types (slow, fail, emit...) and a self-starting trigger, in the runtime's registry."""
    for node_type in [*TEST_NODE_TYPES, ScheduleLikeTrigger]:
        runtime.registry.add(node_type)


@pytest.fixture
def extra_nodes(runtime: Runtime) -> None:
    add_test_node_types(runtime)


# --- helpers -------------------------------------------------------------------------------------

def node(name: str, type_name: str, x: int = 0, **fields: Any) -> dict[str, Any]:
    return {"name": name, "type": type_name, "typeVersion": fields.pop("typeVersion", 1), "position": [x, 0],
            "parameters": fields.pop("parameters", {}), **fields}


def chain(*names: str) -> dict[str, Any]:
    return {source: {"main": [[{"node": target, "type": "main", "index": 0}]]}
            for source, target in zip(names, names[1:], strict=False)}


START = node("Start", "n8n-nodes-base.manualTrigger")
DOUBLE = node("Double", "n8n-nodes-base.set", 200, typeVersion=3.4, parameters={
    "includeOtherFields": True,
    "assignments": {"assignments": [{"id": "1", "name": "doubled", "type": "number",
                                     "value": "={{ $json['n'] * 2 }}"}]}})


def doubler(name: str = "Doubler", **extra: Any) -> dict[str, Any]:
    """Manual Trigger → Set: each item gets doubled = n * 2."""
    return {"name": name, "nodes": [START, DOUBLE], "connections": chain("Start", "Double"), **extra}


def flow(name: str, *nodes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Manual Trigger followed by these nodes, in a chain."""
    return {"name": name, "nodes": [START, *nodes],
            "connections": chain("Start", *(n["name"] for n in nodes)), **extra}


def create(api: TestClient, team: Team, who: str, body: dict[str, Any] | None = None,
           **params: Any) -> dict[str, Any]:
    response = api.post("/workflows", json=body or doubler(), params=params, headers=team.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


def share(api: TestClient, team: Team, who: str, workflow_id: str, *project_ids: str) -> None:
    response = api.put(f"/workflows/{workflow_id}/share", json={"projectIds": list(project_ids)},
                       headers=team.auth(who))
    assert response.status_code == 200, response.text


def run(api: TestClient, team: Team, who: str, workflow_id: str, **body: Any) -> dict[str, Any]:
    """Run and wait for the result (200)."""
    response = api.post(f"/workflows/{workflow_id}/run", json={"wait": True, **body}, headers=team.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


def scoped_key(runtime: Runtime, team: Team, who: str, *scopes: str) -> dict[str, str]:
    key = create_api_key(runtime.db, team.actor(who), "scoped", scopes=list(scopes)).key
    return {"X-N8N-API-KEY": key}


def wait_until_finished(runtime: Runtime, api: TestClient, headers: dict[str, str], execution_id: int,
                        seconds: float = 20) -> dict[str, Any]:
    """The execution once it ended: wakes on the bus's execution.finished event (no sleeping)."""
    finished = threading.Event()

    def on_event(channel: str, event: dict[str, Any]) -> None:
        if event.get("event") == "execution.finished" and event.get("executionId") == execution_id:
            finished.set()

    unsubscribe = runtime.bus.subscribe(EXECUTIONS, on_event)
    try:
        answer = api.get(f"/executions/{execution_id}", headers=headers).json()
        if answer["status"] not in FINISHED:
            assert finished.wait(seconds), f"execution {execution_id} did not finish"
            answer = api.get(f"/executions/{execution_id}", headers=headers).json()
        return answer
    finally:
        unsubscribe()


def wait_until_node_started(runtime: Runtime, start: Any, node_name: str, seconds: float = 20) -> Any:
    """Call start() and return its result once the node `node_name` of that execution is running."""
    started = threading.Event()
    wanted: list[int] = []

    def on_event(channel: str, event: dict[str, Any]) -> None:
        if event.get("event") == "node.started" and event.get("node") == node_name:
            wanted.append(event["executionId"])
            started.set()

    unsubscribe = runtime.bus.subscribe(EXECUTIONS, on_event)
    try:
        result = start()
        assert started.wait(seconds), f"node {node_name} did not start"
        return result
    finally:
        unsubscribe()


# --- create and read -----------------------------------------------------------------------------

def test_create_answers_the_workflow_in_n8ns_shape_in_the_personal_project(api: TestClient, team: Team) -> None:
    # Given a workflow body with read-only fields a client copied from an answer
    body = doubler(id="chosenId", active=True, tags=[{"id": "x", "name": "ops"}], staticData={"global": {"n": 1}},
                   pinData={"Double": [{"json": {"pinned": True}}]}, meta={"templateId": "7"})

    # When a member creates it without a project
    created = create(api, team, "member", body)

    # Then it is an inactive workflow of their personal project, read-only fields ignored
    assert set(created) == WORKFLOW_KEYS
    assert created["id"] != "chosenId" and len(created["id"]) == 16
    assert (created["name"], created["active"], created["isArchived"]) == ("Doubler", False, False)
    assert created["tags"] == []
    assert created["nodes"] == [START, DOUBLE] and created["connections"] == chain("Start", "Double")
    assert created["settings"] == {"executionOrder": "v1"}
    assert (created["staticData"], created["pinData"], created["meta"]) == (
        {"global": {"n": 1}}, {"Double": [{"json": {"pinned": True}}]}, {"templateId": "7"})
    personal = team.personal("member")
    assert created["shared"] == [{"projectId": personal, "role": "workflow:owner",
                                  "project": {"id": personal, "name": "member (personal)", "type": "personal"},
                                  "createdAt": created["shared"][0]["createdAt"],
                                  "updatedAt": created["shared"][0]["updatedAt"]}]
    assert all(TIMESTAMP.match(created[key]) for key in ("createdAt", "updatedAt"))
    # And reading it gives the same answer
    assert api.get(f"/workflows/{created['id']}", headers=team.auth("member")).json() == created


def test_create_in_a_team_project_needs_workflow_create_there(api: TestClient, team: Team) -> None:
    acme = team.acme_id
    in_acme = create(api, team, "acme_editor", projectId=acme)
    assert in_acme["shared"][0]["projectId"] == acme
    in_body = create(api, team, "acme_admin", {**doubler(), "projectId": acme})
    assert in_body["shared"][0]["projectId"] == acme

    viewer = api.post("/workflows", params={"projectId": acme}, json=doubler(), headers=team.auth("acme_viewer"))
    assert viewer.status_code == 403 and viewer.json()["code"] == "forbidden"
    outsider = api.post("/workflows", params={"projectId": acme}, json=doubler(), headers=team.auth("outsider"))
    assert outsider.status_code == 404 and outsider.json()["code"] == "not_found"
    unknown = api.post("/workflows", params={"projectId": "no-such-project"}, json=doubler(),
                       headers=team.auth("owner"))
    assert unknown.status_code == 404
    both = api.post("/workflows", params={"projectId": acme}, json={**doubler(), "projectId": "other"},
                    headers=team.auth("acme_admin"))
    assert both.status_code == 400 and "projectId" in both.json()["message"]


@pytest.mark.parametrize(("body", "status", "names"), [
    ({"nodes": [], "connections": {}}, 422, "body.name"),
    ({"name": "x" * 129, "nodes": [], "connections": {}}, 422, "body.name"),
    ({"name": "W", "nodes": {}, "connections": {}}, 422, "body.nodes"),
    ({"name": "W", "nodes": [{"type": "n8n-nodes-base.noOp"}], "connections": {}}, 422, "body.nodes.0.name"),
    ({"name": "W", "nodes": []}, 422, "body.connections"),
    ({"name": "W", "nodes": [], "connections": {"A": {"main": [[{"node": 1}]]}}}, 422, "node"),
    ({"name": "W", "nodes": [node("A", "n8n-nodes-base.nope")], "connections": {}}, 400, "unknown node type"),
    ({"name": "W", "nodes": [START], "connections": chain("Start", "Ghost")}, 400, "'Ghost', which does not exist"),
    ({"name": "   ", "nodes": [], "connections": {}}, 400, "name"),
    ({"name": "W", "nodes": [node("A", "n8n-nodes-base.noOp", parameters={"v": "a\x00b"})], "connections": {}},
     400, "NUL"),
    ({"name": "W", "nodes": [node("A", "n8n-nodes-base.noOp", parameters={"v": 2**70})], "connections": {}},
     400, "64 bits"),
])
def test_bad_bodies_are_refused_naming_the_problem(api: TestClient, team: Team, body: dict[str, Any], status: int,
                                                   names: str) -> None:
    response = api.post("/workflows", json=body, headers=team.auth("member"))
    assert response.status_code == status, response.text
    assert names in response.json()["message"]
    assert response.json()["code"] == ("invalid_request" if status == 422 else "invalid_workflow")


def test_pinned_data_can_be_left_out(api: TestClient, team: Team) -> None:
    created = create(api, team, "member", doubler(pinData={"Double": [{"json": {"a": 1}}]}))
    full = api.get(f"/workflows/{created['id']}", headers=team.auth("member")).json()
    lean = api.get(f"/workflows/{created['id']}", params={"excludePinnedData": "true"}, headers=team.auth("member"))
    assert full["pinData"] == {"Double": [{"json": {"a": 1}}]}
    assert lean.status_code == 200 and set(lean.json()) == WORKFLOW_KEYS - {"pinData"}


@pytest.mark.parametrize(("method", "path"), [
    ("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/activate"), ("POST", "/deactivate"), ("PUT", "/transfer"),
    ("PUT", "/share"), ("GET", "/tags"), ("PUT", "/tags"), ("POST", "/run"),
])
@pytest.mark.parametrize("workflow_id", ["noSuchWorkflow", "not an id!", "x" * 300])
def test_unknown_workflows_are_404_json(api: TestClient, team: Team, method: str, path: str,
                                        workflow_id: str) -> None:
    bodies = {"": doubler(), "/transfer": {"destinationProjectId": team.acme_id}, "/share": {"projectIds": []},
              "/tags": [], "/run": {}}
    response = api.request(method, f"/workflows/{workflow_id}{path}", headers=team.auth("owner"),
                           json=bodies.get(path) if method != "GET" else None)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found" and "not found" in response.json()["message"]


# --- list ----------------------------------------------------------------------------------------

def test_the_list_pages_newest_first_and_filters(api: TestClient, team: Team) -> None:
    # Given five workflows of a member, two tagged, one shared into Acme, and one of someone else
    ids = [create(api, team, "member", doubler(f"Flow {n}"))["id"] for n in range(5)]
    auth = team.auth("member")
    tags = {name: api.post("/tags", json={"name": name}, headers=auth).json()["id"] for name in ("Ops", "Sales")}
    api.put(f"/workflows/{ids[1]}/tags", json=[{"id": tags["Ops"]}], headers=auth)
    api.put(f"/workflows/{ids[3]}/tags", json=[{"id": tags["Sales"]}, {"id": tags["Ops"]}], headers=auth)
    share(api, team, "member", ids[2], team.acme_id)
    create(api, team, "outsider", doubler("Flow of someone else"))

    # When the member pages through with limit 2
    pages, cursor = [], None
    while True:
        answer = api.get("/workflows", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                         headers=auth).json()
        pages.append([workflow["id"] for workflow in answer["data"]])
        cursor = answer["nextCursor"]
        if cursor is None:
            break

    # Then they see their own five, newest first, two per page
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1]]

    def names(**params: Any) -> list[str]:
        answer = api.get("/workflows", params=params, headers=auth)
        assert answer.status_code == 200, answer.text
        return [workflow["name"] for workflow in answer.json()["data"]]

    assert names(name="flow 3") == ["Flow 3"]
    assert names(tags="ops") == ["Flow 3", "Flow 1"]
    assert names(tags="Sales, nothing") == ["Flow 3"]
    assert names(projectId=team.acme_id) == ["Flow 2"]
    assert names(projectId="unknownProject") == []
    assert names(active="true") == []
    assert len(names(active="false")) == 5
    lean = api.get("/workflows", params={"excludePinnedData": "true", "limit": 1}, headers=auth).json()["data"][0]
    assert "pinData" not in lean and lean["tags"] == [] and lean["shared"][0]["role"] == "workflow:owner"


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"limit": 0}, 422, "limit"), ({"limit": 251}, 422, "limit"), ({"active": "maybe"}, 422, "active"),
    ({"cursor": "not-a-cursor"}, 400, "cursor"), ({"cursor": "eyJhZnRlciI6IDF9"}, 400, "cursor"),
    ({"name": "a\x00b"}, 422, "name"),
])
def test_bad_list_parameters_are_refused(api: TestClient, team: Team, params: dict[str, Any], status: int,
                                         field: str) -> None:
    response = api.get("/workflows", params=params, headers=team.auth("member"))
    assert response.status_code == status and field in response.json()["message"]


# --- update, delete ------------------------------------------------------------------------------

def test_update_saves_a_new_version(api: TestClient, team: Team, runtime: Runtime) -> None:
    created = create(api, team, "member", doubler(staticData={"global": {"kept": True}}))
    changed = doubler("Renamed", settings={"executionOrder": "v1", "timezone": "Europe/Paris"})
    changed["nodes"] = [START, {**DOUBLE, "notes": "doubles n"}]

    response = api.put(f"/workflows/{created['id']}", json=changed, headers=team.auth("member"))

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["name"] == "Renamed" and updated["nodes"][1]["notes"] == "doubles n"
    assert updated["settings"]["timezone"] == "Europe/Paris" and updated["staticData"] == {"global": {"kept": True}}
    assert updated["versionId"] != created["versionId"] and updated["createdAt"] == created["createdAt"]
    broken = {"name": "W", "nodes": [START], "connections": chain("Start", "X")}
    bad = api.put(f"/workflows/{created['id']}", json=broken, headers=team.auth("member"))
    assert bad.status_code == 400 and bad.json()["problems"]
    archive_workflow(runtime.db, created["id"])
    archived = api.put(f"/workflows/{created['id']}", json=changed, headers=team.auth("member"))
    assert archived.status_code == 400 and "archived" in archived.json()["message"]


def test_delete_answers_the_deleted_workflow_and_removes_its_executions(api: TestClient, team: Team) -> None:
    created = create(api, team, "member")
    execution_id = run(api, team, "member", created["id"], items=[{"n": 1}])["id"]

    response = api.delete(f"/workflows/{created['id']}", headers=team.auth("member"))

    assert response.status_code == 200 and response.json()["id"] == created["id"]
    assert set(response.json()) == WORKFLOW_KEYS
    assert api.get(f"/workflows/{created['id']}", headers=team.auth("member")).status_code == 404
    assert api.get(f"/executions/{execution_id}", headers=team.auth("member")).status_code == 404


# --- activation ----------------------------------------------------------------------------------

def test_only_a_workflow_that_starts_on_its_own_can_be_active(api: TestClient, team: Team,
                                                              extra_nodes: None) -> None:
    auth = team.auth("member")
    manual_only = create(api, team, "member")
    refused = api.post(f"/workflows/{manual_only['id']}/activate", headers=auth)
    assert refused.status_code == 400 and refused.json()["code"] == "cannot_activate"
    assert "no enabled trigger node" in refused.json()["message"]

    trigger = node("Every hour", "test.scheduleLike")
    disabled = create(api, team, "member", {"name": "Disabled", "nodes": [{**trigger, "disabled": True}, DOUBLE],
                                            "connections": chain("Every hour", "Double")})
    assert api.post(f"/workflows/{disabled['id']}/activate", headers=auth).status_code == 400

    scheduled = create(api, team, "member", {"name": "Hourly", "nodes": [trigger, DOUBLE],
                                             "connections": chain("Every hour", "Double")})
    activated = api.post(f"/workflows/{scheduled['id']}/activate", headers=auth)
    assert activated.status_code == 200 and activated.json()["active"] is True
    assert [w["id"] for w in api.get("/workflows", params={"active": "true"}, headers=auth).json()["data"]] == [
        scheduled["id"]]

    # An active workflow cannot lose its trigger in an update: nothing is saved
    losing = api.put(f"/workflows/{scheduled['id']}", json=doubler("No trigger"), headers=auth)
    assert losing.status_code == 400 and losing.json()["code"] == "cannot_activate"
    assert api.get(f"/workflows/{scheduled['id']}", headers=auth).json()["name"] == "Hourly"

    deactivated = api.post(f"/workflows/{scheduled['id']}/deactivate", headers=auth)
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False


# --- access --------------------------------------------------------------------------------------

def test_a_workflow_of_another_project_is_invisible(api: TestClient, team: Team) -> None:
    theirs = create(api, team, "member")
    for method, path, body in [("GET", "", None), ("PUT", "", doubler()), ("DELETE", "", None),
                               ("POST", "/run", {}), ("POST", "/activate", None), ("GET", "/tags", None),
                               ("PUT", "/share", {"projectIds": []})]:
        response = api.request(method, f"/workflows/{theirs['id']}{path}", json=body, headers=team.auth("outsider"))
        assert response.status_code == 404, (method, path, response.text)
    assert api.get("/workflows", headers=team.auth("outsider")).json()["data"] == []
    # Owner and admin see every workflow
    for boss in ("owner", "admin"):
        assert api.get(f"/workflows/{theirs['id']}", headers=team.auth(boss)).status_code == 200
        assert [w["id"] for w in api.get("/workflows", headers=team.auth(boss)).json()["data"]] == [theirs["id"]]


def test_a_viewer_reads_but_cannot_change_or_run(api: TestClient, team: Team) -> None:
    in_acme = create(api, team, "acme_editor", projectId=team.acme_id)
    viewer = team.auth("acme_viewer")
    assert api.get(f"/workflows/{in_acme['id']}", headers=viewer).status_code == 200
    assert [w["id"] for w in api.get("/workflows", headers=viewer).json()["data"]] == [in_acme["id"]]
    for method, path, body in [("PUT", "", doubler()), ("DELETE", "", None), ("POST", "/run", {}),
                               ("POST", "/activate", None), ("POST", "/deactivate", None), ("PUT", "/tags", []),
                               ("PUT", "/share", {"projectIds": []}),
                               ("PUT", "/transfer", {"destinationProjectId": team.personal("acme_viewer")})]:
        response = api.request(method, f"/workflows/{in_acme['id']}{path}", json=body, headers=viewer)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["code"] == "forbidden"


def test_an_editor_of_a_shared_workflow_may_edit_and_run_but_not_delete_or_share(
        api: TestClient, team: Team, runtime: Runtime) -> None:
    # Given a member's workflow shared with the Acme project
    mine = create(api, team, "member")
    share(api, team, "member", mine["id"], team.acme_id)
    shared = api.get(f"/workflows/{mine['id']}", headers=team.auth("member")).json()["shared"]
    assert [(s["projectId"], s["role"]) for s in shared] == [(team.personal("member"), "workflow:owner"),
                                                              (team.acme_id, "workflow:editor")]
    [event] = audit.list_events(runtime.db, team.actor("owner"), event="workflow.shared")
    assert event.target == f"workflow:{mine['id']}" and event.detail["added"] == [team.acme_id]

    # Then Acme's editor may update and run it, but neither delete nor share it
    editor = team.auth("acme_editor")
    assert api.put(f"/workflows/{mine['id']}", json=doubler("Edited"), headers=editor).status_code == 200
    assert run(api, team, "acme_editor", mine["id"], items=[{"n": 2}])["output"] == [{"n": 2, "doubled": 4}]
    assert api.delete(f"/workflows/{mine['id']}", headers=editor).status_code == 403
    assert api.put(f"/workflows/{mine['id']}/share", json={"projectIds": []}, headers=editor).status_code == 403
    # And Acme's viewer may read it only
    assert api.get(f"/workflows/{mine['id']}", headers=team.auth("acme_viewer")).status_code == 200
    assert api.post(f"/workflows/{mine['id']}/run", json={}, headers=team.auth("acme_viewer")).status_code == 403

    # When the member stops sharing it, Acme loses it
    share(api, team, "member", mine["id"])
    assert api.get(f"/workflows/{mine['id']}", headers=editor).status_code == 404
    unknown = api.put(f"/workflows/{mine['id']}/share", json={"projectIds": ["nope"]}, headers=team.auth("member"))
    assert unknown.status_code == 404 and "nope" in unknown.json()["message"]


def test_transfer_moves_ownership_and_executions_stay_where_they_ran(
        api: TestClient, team: Team, runtime: Runtime) -> None:
    # Given a workflow in Acme's admin's personal project, run once, already shared with Acme
    created = create(api, team, "acme_admin")
    execution = run(api, team, "acme_admin", created["id"], items=[{"n": 1}])
    personal = team.personal("acme_admin")
    share(api, team, "acme_admin", created["id"], team.acme_id)

    # When they move it to Acme
    moved = api.put(f"/workflows/{created['id']}/transfer", json={"destinationProjectId": team.acme_id},
                    headers=team.auth("acme_admin"))

    # Then Acme owns it (instead of holding a share), and its execution stays in the personal project
    assert moved.status_code == 204 and moved.content == b""
    after = api.get(f"/workflows/{created['id']}", headers=team.auth("acme_viewer")).json()
    assert [(s["projectId"], s["role"]) for s in after["shared"]] == [(team.acme_id, "workflow:owner")]
    assert api.get(f"/executions/{execution['id']}", headers=team.auth("acme_admin")).json()["projectId"] == personal
    [event] = audit.list_events(runtime.db, team.actor("owner"), event="workflow.transferred")
    assert event.detail == {"fromProjectId": personal, "toProjectId": team.acme_id}

    again = api.put(f"/workflows/{created['id']}/transfer", json={"destinationProjectId": team.acme_id},
                    headers=team.auth("acme_admin"))
    assert again.status_code == 400 and "already belongs" in again.json()["message"]
    # An editor may not move it; nobody may move it into a project they cannot create in
    editor = api.put(f"/workflows/{created['id']}/transfer",
                     json={"destinationProjectId": team.personal("acme_editor")}, headers=team.auth("acme_editor"))
    assert editor.status_code == 403
    elsewhere = api.put(f"/workflows/{created['id']}/transfer",
                        json={"destinationProjectId": team.personal("member")}, headers=team.auth("acme_admin"))
    assert elsewhere.status_code == 404
    no_body = api.put(f"/workflows/{created['id']}/transfer", json={}, headers=team.auth("acme_admin"))
    assert no_body.status_code == 422 and "destinationProjectId" in no_body.json()["message"]


def test_an_api_key_limited_to_reading_cannot_create_or_change(api: TestClient, team: Team,
                                                               runtime: Runtime) -> None:
    existing = create(api, team, "member")
    reader = scoped_key(runtime, team, "member", "workflow:read")

    refused = api.post("/workflows", json=doubler(), headers=reader)
    assert refused.status_code == 403 and "workflow:create" in refused.json()["message"]
    assert api.get("/workflows", headers=reader).json()["data"][0]["id"] == existing["id"]
    assert api.get(f"/workflows/{existing['id']}", headers=reader).status_code == 200
    assert api.put(f"/workflows/{existing['id']}", json=doubler(), headers=reader).status_code == 403
    assert api.post(f"/workflows/{existing['id']}/run", json={}, headers=reader).status_code == 403
    assert api.get("/executions", headers=reader).status_code == 403
    other = scoped_key(runtime, team, "member", "tag:read")
    assert api.get("/workflows", headers=other).status_code == 403


# --- tags of a workflow --------------------------------------------------------------------------

def test_a_workflows_tags_are_set_by_id(api: TestClient, team: Team) -> None:
    created = create(api, team, "member")
    auth = team.auth("member")
    beta, alpha = (api.post("/tags", json={"name": name}, headers=auth).json() for name in ("beta", "Alpha"))
    assert api.get(f"/workflows/{created['id']}/tags", headers=auth).json() == []

    response = api.put(f"/workflows/{created['id']}/tags", json=[{"id": beta["id"]}, {"id": alpha["id"]}],
                       headers=auth)

    assert response.status_code == 200 and response.json() == [alpha, beta]
    assert api.get(f"/workflows/{created['id']}/tags", headers=auth).json() == [alpha, beta]
    assert api.get(f"/workflows/{created['id']}", headers=auth).json()["tags"] == [alpha, beta]
    assert api.put(f"/workflows/{created['id']}/tags", json=[{"id": alpha["id"]}], headers=auth).json() == [alpha]
    missing = api.put(f"/workflows/{created['id']}/tags", json=[{"id": "ghostTag"}], headers=auth)
    assert missing.status_code == 404 and "ghostTag" in missing.json()["message"]
    assert api.put(f"/workflows/{created['id']}/tags", json={"id": alpha["id"]}, headers=auth).status_code == 422


# --- run -----------------------------------------------------------------------------------------

def test_run_with_wait_answers_the_output_of_the_last_node(api: TestClient, team: Team) -> None:
    created = create(api, team, "member")

    result = run(api, team, "member", created["id"], items=[{"n": 1}, {"json": {"n": 20}}])

    assert result["output"] == [{"n": 1, "doubled": 2}, {"n": 20, "doubled": 40}]
    assert result["executionId"] == result["id"] and result["workflowId"] == created["id"]
    assert (result["status"], result["finished"], result["mode"], result["error"]) == ("success", True, "integrated",
                                                                                       None)
    assert result["projectId"] == team.personal("member") and "data" not in result


def test_an_api_run_ignores_pinned_data_and_starts_from_one_empty_item(api: TestClient, team: Team) -> None:
    pinned = create(api, team, "member", flow("Pinned", node("Pass", "n8n-nodes-base.noOp", 200),
                                              pinData={"Pass": [{"json": {"pinned": True}}]}))
    assert run(api, team, "member", pinned["id"])["output"] == [{}]
    assert run(api, team, "member", pinned["id"], items=None)["output"] == [{}]


def test_a_failed_run_answers_its_error(api: TestClient, team: Team, extra_nodes: None) -> None:
    failing = create(api, team, "member", flow("Failing", node("Fail", "test.fail", parameters={"message": "nope"})))
    result = run(api, team, "member", failing["id"])
    assert (result["status"], result["finished"], result["error"]) == ("error", False, "nope (call 1)")


def test_a_run_without_wait_or_past_its_timeout_answers_202(api: TestClient, team: Team, runtime: Runtime,
                                                            extra_nodes: None) -> None:
    quick = create(api, team, "member")
    started = api.post(f"/workflows/{quick['id']}/run", json={"items": [{"n": 1}]}, headers=team.auth("member"))
    assert started.status_code == 202 and list(started.json()) == ["executionId"]
    finished = wait_until_finished(runtime, api, team.auth("member"), started.json()["executionId"])
    assert finished["status"] == "success"

    slow = create(api, team, "member", flow("Slow", node("Wait forever", "test.slow")))
    late = api.post(f"/workflows/{slow['id']}/run", json={"wait": True, "timeoutSeconds": 0.2},
                    headers=team.auth("member"))
    assert late.status_code == 202 and set(late.json()) == {"executionId"}
    stopped = api.post(f"/executions/{late.json()['executionId']}/stop", headers=team.auth("member"))
    assert stopped.status_code == 200 and stopped.json()["status"] == "canceled"


@pytest.mark.parametrize(("body", "status", "names"), [
    ({"items": {"n": 1}}, 422, "body.items"),
    ({"items": [1, 2]}, 422, "body.items.0"),
    ({"timeoutSeconds": 301}, 422, "body.timeoutSeconds"),
    ({"timeoutSeconds": 0}, 422, "body.timeoutSeconds"),
    ({"wait": "later"}, 422, "body.wait"),
    ({"items": [{"n": "a\x00"}]}, 400, "NUL"),
])
def test_bad_run_bodies_are_refused(api: TestClient, team: Team, body: dict[str, Any], status: int,
                                    names: str) -> None:
    created = create(api, team, "member")
    response = api.post(f"/workflows/{created['id']}/run", json=body, headers=team.auth("member"))
    assert response.status_code == status and names in response.json()["message"]


def test_an_archived_workflow_cannot_run(api: TestClient, team: Team, runtime: Runtime) -> None:
    created = create(api, team, "member")
    archive_workflow(runtime.db, created["id"])
    response = api.post(f"/workflows/{created['id']}/run", json={}, headers=team.auth("member"))
    assert response.status_code == 400 and "archived" in response.json()["message"]
