"""/api/v1/executions: list, read, delete, retry and stop, on executions the real runtime ran."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.runtime import Runtime

from .conftest import Team
from .test_workflows_api import (
    TIMESTAMP,
    add_test_node_types,
    create,
    doubler,
    flow,
    node,
    run,
    scoped_key,
    share,
    wait_until_finished,
    wait_until_node_started,
)


@pytest.fixture
def extra_nodes(runtime: Runtime) -> None:
    add_test_node_types(runtime)


EXECUTION_KEYS = {"id", "finished", "mode", "status", "retryOf", "retrySuccessId", "createdAt", "startedAt",
                  "stoppedAt", "waitTill", "workflowId", "projectId"}


def failing(api: TestClient, team: Team, who: str, **parameters: Any) -> dict[str, Any]:
    """A workflow whose Fail node fails (its first `failTimes` runs, when given)."""
    return create(api, team, who, flow("Failing", node("Fail", "test.fail", parameters=parameters)))


def start_slow(api: TestClient, team: Team, runtime: Runtime, who: str) -> int:
    """A running execution, waiting in a node that never ends."""
    slow = create(api, team, who, flow("Slow", node("Wait forever", "test.slow")))

    def start() -> int:
        response = api.post(f"/workflows/{slow['id']}/run", json={}, headers=team.auth(who))
        assert response.status_code == 202
        return int(response.json()["executionId"])

    return int(wait_until_node_started(runtime, start, "Wait forever"))


def test_an_execution_answers_in_n8ns_shape_with_its_run_data_on_request(api: TestClient, team: Team) -> None:
    created = create(api, team, "member")
    execution_id = run(api, team, "member", created["id"], items=[{"n": 3}])["id"]
    auth = team.auth("member")

    lean = api.get(f"/executions/{execution_id}", headers=auth).json()
    full = api.get(f"/executions/{execution_id}", params={"includeData": "true"}, headers=auth).json()

    assert set(lean) == EXECUTION_KEYS
    assert lean == {**lean, "id": execution_id, "finished": True, "mode": "integrated", "status": "success",
                    "retryOf": None, "retrySuccessId": None, "waitTill": None, "workflowId": created["id"],
                    "projectId": team.personal("member")}
    assert all(TIMESTAMP.match(lean[key]) for key in ("createdAt", "startedAt", "stoppedAt"))
    assert set(full) == EXECUTION_KEYS | {"data", "workflowData"}
    result = full["data"]["resultData"]
    assert result["lastNodeExecuted"] == "Double" and set(result["runData"]) == {"Start", "Double"}
    assert result["runData"]["Double"][0]["data"]["main"][0][0]["json"] == {"n": 3, "doubled": 6}
    assert full["workflowData"]["name"] == "Doubler" and full["workflowData"]["id"] == created["id"]


def test_the_list_pages_newest_first_and_filters(api: TestClient, team: Team, extra_nodes: None) -> None:
    # Given three runs of one workflow, two of another that fail, and a run in Acme
    doubled, broken = create(api, team, "member"), failing(api, team, "member")
    ids = [run(api, team, "member", doubled["id"], items=[{"n": n}])["id"] for n in range(3)]
    errors = [run(api, team, "member", broken["id"])["id"] for _ in range(2)]
    in_acme = create(api, team, "acme_editor", projectId=team.acme_id)
    acme_run = run(api, team, "acme_editor", in_acme["id"], items=[{"n": 1}])["id"]
    auth = team.auth("member")

    # When the member pages through with limit 2
    seen, cursor = [], None
    while True:
        answer = api.get("/executions", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                         headers=auth).json()
        assert len(answer["data"]) <= 2
        seen += [execution["id"] for execution in answer["data"]]
        cursor = answer["nextCursor"]
        if cursor is None:
            break

    # Then they see their five, newest first, and never Acme's
    assert seen == sorted(ids + errors, reverse=True)

    def listed(**params: Any) -> list[int]:
        answer = api.get("/executions", params=params, headers=auth)
        assert answer.status_code == 200, answer.text
        return [execution["id"] for execution in answer.json()["data"]]

    assert listed(status="error") == errors[::-1]
    assert listed(workflowId=doubled["id"]) == ids[::-1]
    assert listed(workflowId=in_acme["id"]) == []
    assert listed(projectId=team.personal("member"), status="success") == ids[::-1]
    assert listed(status="running") == []
    assert [e["id"] for e in api.get("/executions", headers=team.auth("owner")).json()["data"]][0] == acme_run
    with_data = api.get("/executions", params={"includeData": "true", "limit": 1}, headers=auth).json()["data"]
    assert with_data[0]["data"]["resultData"]["lastNodeExecuted"] == "Fail"


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"status": "done"}, 422, "status"), ({"limit": 0}, 422, "limit"), ({"limit": 251}, 422, "limit"),
    ({"cursor": "bm9wZQ"}, 400, "cursor"), ({"cursor": "eyJhZnRlciI6ICJ4In0="}, 400, "cursor"),
    ({"includeData": "perhaps"}, 422, "includeData"),
])
def test_bad_list_parameters_are_refused(api: TestClient, team: Team, params: dict[str, Any], status: int,
                                         field: str) -> None:
    response = api.get("/executions", params=params, headers=team.auth("member"))
    assert response.status_code == status and field in response.json()["message"]


@pytest.mark.parametrize(("method", "path"), [("GET", ""), ("DELETE", ""), ("POST", "/retry"), ("POST", "/stop")])
@pytest.mark.parametrize("execution_id", ["999999", "abc", "-1", "99999999999999999999999", "1.5"])
def test_unknown_executions_are_404_json(api: TestClient, team: Team, method: str, path: str,
                                         execution_id: str) -> None:
    response = api.request(method, f"/executions/{execution_id}{path}", headers=team.auth("owner"))
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


def test_executions_follow_their_workflows_rights(api: TestClient, team: Team, runtime: Runtime,
                                                  extra_nodes: None) -> None:
    # Given a member's failed execution, of a workflow shared with Acme
    broken = failing(api, team, "member", failTimes=1)
    execution_id = run(api, team, "member", broken["id"])["id"]
    share(api, team, "member", broken["id"], team.acme_id)

    # Then an outsider cannot see it at all
    assert api.get(f"/executions/{execution_id}", headers=team.auth("outsider")).status_code == 404
    assert api.get("/executions", headers=team.auth("outsider")).json()["data"] == []
    assert api.delete(f"/executions/{execution_id}", headers=team.auth("outsider")).status_code == 404
    # Acme's viewer reads it, but may not retry, stop or delete it
    viewer = team.auth("acme_viewer")
    assert [e["id"] for e in api.get("/executions", headers=viewer).json()["data"]] == [execution_id]
    for method, path in [("POST", "/retry"), ("POST", "/stop"), ("DELETE", "")]:
        assert api.request(method, f"/executions/{execution_id}{path}", headers=viewer).status_code == 403
    # Acme's editor retries it but may not delete it (the workflow is only shared with them)
    editor = team.auth("acme_editor")
    assert api.delete(f"/executions/{execution_id}", headers=editor).status_code == 403
    retried = api.post(f"/executions/{execution_id}/retry", json={}, headers=editor)
    assert retried.status_code == 200, retried.text
    assert wait_until_finished(runtime, api, editor, retried.json()["id"])["status"] == "success"
    # A key limited to workflows cannot list executions
    assert api.get("/executions", headers=scoped_key(runtime, team, "member", "workflow:read")).status_code == 403


def test_delete_answers_the_deleted_execution(api: TestClient, team: Team, runtime: Runtime,
                                              extra_nodes: None) -> None:
    created = create(api, team, "member")
    execution_id = run(api, team, "member", created["id"], items=[{"n": 1}])["id"]
    auth = team.auth("member")

    response = api.delete(f"/executions/{execution_id}", headers=auth)

    assert response.status_code == 200 and response.json()["id"] == execution_id
    assert set(response.json()) == EXECUTION_KEYS
    assert api.get(f"/executions/{execution_id}", headers=auth).status_code == 404
    assert api.get("/executions", headers=auth).json()["data"] == []

    running = start_slow(api, team, runtime, "member")
    refused = api.delete(f"/executions/{running}", headers=auth)
    assert refused.status_code == 400 and "stop it" in refused.json()["message"]
    assert api.post(f"/executions/{running}/stop", headers=auth).json()["status"] == "canceled"
    assert api.delete(f"/executions/{running}", headers=auth).status_code == 200


def test_retry_resumes_at_the_failed_node(api: TestClient, team: Team, runtime: Runtime, extra_nodes: None) -> None:
    broken = failing(api, team, "member", failTimes=1)
    first = run(api, team, "member", broken["id"])
    assert first["status"] == "error"
    auth = team.auth("member")

    retried = api.post(f"/executions/{first['id']}/retry", headers=auth)

    assert retried.status_code == 200, retried.text
    assert (retried.json()["mode"], retried.json()["retryOf"]) == ("retry", first["id"])
    ended = wait_until_finished(runtime, api, auth, retried.json()["id"])
    assert ended["status"] == "success"
    assert api.get(f"/executions/{first['id']}", headers=auth).json()["retrySuccessId"] == ended["id"]
    again = api.post(f"/executions/{ended['id']}/retry", headers=auth)
    assert again.status_code == 409 and "only failed" in again.json()["message"]


def test_retry_with_load_workflow_runs_the_current_version(api: TestClient, team: Team, runtime: Runtime,
                                                           extra_nodes: None) -> None:
    # Given a failed execution whose run data was not kept
    broken = failing(api, team, "member")
    api.put(f"/workflows/{broken['id']}", headers=team.auth("member"), json=flow(
        "Failing", node("Fail", "test.fail"), settings={"executionOrder": "v1", "saveDataErrorExecution": "none"}))
    first = run(api, team, "member", broken["id"])
    auth = team.auth("member")
    from_failed_node = api.post(f"/executions/{first['id']}/retry", json={"loadWorkflow": False}, headers=auth)
    assert from_failed_node.status_code == 400 and "loadWorkflow" in from_failed_node.json()["message"]

    # When the workflow is fixed and the execution retried with loadWorkflow
    api.put(f"/workflows/{broken['id']}", json=flow("Fixed", node("Fail", "n8n-nodes-base.noOp")), headers=auth)
    retried = api.post(f"/executions/{first['id']}/retry", json={"loadWorkflow": True}, headers=auth)

    # Then the current version runs from the start
    assert retried.status_code == 200, retried.text
    assert wait_until_finished(runtime, api, auth, retried.json()["id"])["status"] == "success"
    assert api.post(f"/executions/{first['id']}/retry", json={"loadWorkflow": "yes please"},
                    headers=auth).status_code == 422


def test_stop_cancels_a_running_execution(api: TestClient, team: Team, runtime: Runtime, extra_nodes: None) -> None:
    running = start_slow(api, team, runtime, "member")
    auth = team.auth("member")
    assert api.get(f"/executions/{running}", headers=auth).json()["status"] == "running"
    assert [e["id"] for e in api.get("/executions", params={"status": "running"}, headers=auth).json()["data"]] == [
        running]

    stopped = api.post(f"/executions/{running}/stop", headers=auth)

    assert stopped.status_code == 200 and set(stopped.json()) == EXECUTION_KEYS
    assert (stopped.json()["status"], stopped.json()["finished"]) == ("canceled", False)
    again = api.post(f"/executions/{running}/stop", headers=auth)
    assert again.status_code == 409 and "canceled" in again.json()["message"]
    created = create(api, team, "member", doubler())
    done = run(api, team, "member", created["id"], items=[{"n": 1}])
    assert api.post(f"/executions/{done['id']}/stop", headers=auth).status_code == 409
