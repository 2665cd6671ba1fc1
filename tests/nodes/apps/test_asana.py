"""Asana: the `data` envelope both ways, next_page.offset pagination, `errors[].message`."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.asana import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"asanaApi": {"accessToken": "1/1234:abcd"}}
API = "https://app.asana.com/api/1.0"
TASK = {"gid": "1204", "resource_type": "task", "name": "Write report", "completed": False,
        "workspace": {"gid": "12", "resource_type": "workspace", "name": "Acme"}}


async def test_create_task_wraps_fields_in_data_and_returns_the_task() -> None:
    run = await run_app(APP, {"resource": "task", "operation": "create", "workspace": "12", "name": "Write report",
                              "otherProperties": {"notes": "Q4", "due_on": "2026-12-31", "projects": "77, 78"}},
                        responses=[reply({"data": TASK}, status=201)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/tasks")
    assert request.headers["authorization"] == "Bearer 1/1234:abcd"
    assert body_of(request) == {"data": {"workspace": "12", "name": "Write report", "notes": "Q4",
                                         "due_on": "2026-12-31", "projects": ["77", "78"]}}
    assert run.json == [TASK]


async def test_get_update_delete_task() -> None:
    run = await run_app(APP, {"resource": "task", "operation": "get", "id": "1204"},
                        responses=[reply({"data": TASK})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("GET", f"{API}/tasks/1204")
    assert run.json == [TASK]
    run = await run_app(APP, {"resource": "task", "operation": "update", "id": "1204",
                              "otherProperties": {"completed": True}},
                        responses=[reply({"data": {**TASK, "completed": True}})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PUT", f"{API}/tasks/1204")
    assert body_of(run.requests[0]) == {"data": {"completed": True}}
    assert run.json[0]["completed"] is True
    run = await run_app(APP, {"resource": "task", "operation": "delete", "id": "1204"},
                        responses=[reply({"data": {}})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("DELETE", f"{API}/tasks/1204")
    assert run.json == [{}]


async def test_get_all_tasks_follows_next_page_offset() -> None:
    pages = [reply({"data": [{"gid": "1"}, {"gid": "2"}],
                    "next_page": {"offset": "eyJ0eXAiOJiKV1iQLCJhbGciOiJIUzI1NiJ9", "path": "/tasks?offset=x",
                                  "uri": "https://app.asana.com/api/1.0/tasks?offset=x"}}),
             reply({"data": [{"gid": "3"}], "next_page": None})]
    run = await run_app(APP, {"resource": "task", "operation": "getAll", "returnAll": True,
                              "filters": {"project": "77", "opt_fields": ["name", "completed"]}},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"gid": "1"}, {"gid": "2"}, {"gid": "3"}]
    assert [str(r.url) for r in run.requests] == [
        f"{API}/tasks?project=77&opt_fields=name%2Ccompleted&limit=100",
        f"{API}/tasks?project=77&opt_fields=name%2Ccompleted&limit=100&offset=eyJ0eXAiOJiKV1iQLCJhbGciOiJIUzI1NiJ9"]


async def test_subtask_and_projects() -> None:
    run = await run_app(APP, {"resource": "subtask", "operation": "create", "taskId": "1204", "name": "Draft",
                              "otherProperties": {"assignee": "me"}},
                        responses=[reply({"data": {"gid": "1300", "name": "Draft"}}, status=201)],
                        credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/tasks/1204/subtasks")
    assert body_of(run.requests[0]) == {"data": {"name": "Draft", "assignee": "me"}}
    assert run.json == [{"gid": "1300", "name": "Draft"}]
    run = await run_app(APP, {"resource": "project", "operation": "getAll", "workspace": "12", "limit": 1,
                              "additionalFields": {"archived": False}},
                        responses=[reply({"data": [{"gid": "77", "name": "Roadmap"}], "next_page": {"offset": "o2"}})],
                        credentials=CREDENTIALS)
    assert [str(r.url) for r in run.requests] == [f"{API}/projects?workspace=12&limit=1"]
    assert run.json == [{"gid": "77", "name": "Roadmap"}]
    run = await run_app(APP, {"resource": "project", "operation": "getAll", "workspace": "12", "limit": 5,
                              "additionalFields": {"archived": True, "team": "34"}},
                        responses=[reply({"data": [], "next_page": None})], credentials=CREDENTIALS)
    assert [str(r.url) for r in run.requests] == [f"{API}/projects?team=34&archived=true&limit=5"]
    assert run.json == []


async def test_asana_errors_429_and_5xx() -> None:
    answer = reply({"errors": [{"message": "task: Not a valid ID: nope",
                                "help": "For more information on API status codes ..."}]}, status=400)
    run = await run_app(APP, {"resource": "task", "operation": "get", "id": "nope"},
                        responses=[answer], credentials=CREDENTIALS)
    assert run.error["message"] == "Bad request - please check your parameters (400): task: Not a valid ID: nope"
    limited = reply({"errors": [{"message": "You have made too many requests recently."}]}, status=429,
                    headers={"Retry-After": "30"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "task", "operation": "get", "id": "1"}, responses=[limited],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after) == (429, 30.0)
    assert raised.value.description == "You have made too many requests recently."
    run = await run_app(APP, {"resource": "task", "operation": "get", "id": "1"},
                        responses=[reply({"errors": [{"message": "Server Error", "phrase": "6 sad squid snuggle"}]},
                                         status=500)], credentials=CREDENTIALS)
    assert run.error["message"] == "The service was not able to process your request (500): Server Error"


async def test_oauth2_signs_with_the_stored_token() -> None:
    credentials = {"asanaOAuth2Api": {"clientId": "c", "clientSecret": "s",
                                      "oauthTokenData": {"access_token": "oa-1", "token_type": "bearer"}}}
    run = await run_app(APP, {"authentication": "oAuth2", "resource": "task", "operation": "get", "id": "1"},
                        responses=[reply({"data": TASK})], credentials=credentials)
    assert run.requests[0].headers["authorization"] == "Bearer oa-1"
