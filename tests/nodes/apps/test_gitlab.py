"""GitLab: PRIVATE-TOKEN signing, URL-encoded project paths, X-Next-Page pagination and GitLab's
own error bodies."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.gitlab import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"gitlabApi": {"accessToken": "glpat-xyz"}}
PROJECT = {"owner": "acme/platform", "repository": {"__rl": True, "value": "widgets", "mode": "name"}}
API = "https://gitlab.com/api/v4/projects/acme%2Fplatform%2Fwidgets"
ISSUE = {"id": 84, "iid": 7, "project_id": 3, "title": "Found a bug", "state": "opened", "labels": ["bug"]}


async def test_create_issue_with_labels_and_assignees() -> None:
    run = await run_app(APP, {"resource": "issue", "operation": "create", **PROJECT, "title": "Found a bug",
                              "body": "It breaks", "due_date": "2026-12-31", "labels": [{"label": "bug"},
                                                                                        {"label": "p1"}],
                              "assignee_ids": [{"assignee": 12}]},
                        responses=[reply(ISSUE, status=201)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/issues")
    assert request.headers["private-token"] == "glpat-xyz"
    assert body_of(request) == {"title": "Found a bug", "description": "It breaks", "due_date": "2026-12-31",
                                "labels": "bug,p1", "assignee_ids": [12]}
    assert run.json == [ISSUE]


async def test_get_edit_and_comment_on_a_self_managed_server() -> None:
    credentials = {"gitlabApi": {"accessToken": "t", "server": "https://git.example.com/"}}
    base = "https://git.example.com/api/v4/projects/acme%2Fplatform%2Fwidgets/issues/7"
    run = await run_app(APP, {"resource": "issue", "operation": "get", **PROJECT, "issueNumber": 7},
                        responses=[reply(ISSUE)], credentials=credentials)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("GET", base)
    assert run.json == [ISSUE]
    run = await run_app(APP, {"resource": "issue", "operation": "edit", **PROJECT, "issueNumber": 7,
                              "editFields": {"state": "closed", "labels": [{"label": "wontfix"}]}},
                        responses=[reply({**ISSUE, "state": "closed"})], credentials=credentials)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PUT", base)
    assert body_of(run.requests[0]) == {"state_event": "close", "labels": "wontfix"}
    note = {"id": 302, "body": "Thanks!", "noteable_iid": 7, "author": {"username": "ann"}}
    run = await run_app(APP, {"resource": "issue", "operation": "createComment", **PROJECT, "issueNumber": 7,
                              "body": "Thanks!"}, responses=[reply(note, status=201)], credentials=credentials)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", base + "/notes")
    assert body_of(run.requests[0]) == {"body": "Thanks!"}
    assert run.json == [note]


async def test_repository_issues_follow_x_next_page() -> None:
    pages = [reply([{"iid": 1}, {"iid": 2}], headers={"X-Next-Page": "2", "X-Page": "1", "X-Per-Page": "100"}),
             reply([{"iid": 3}], headers={"X-Next-Page": "", "X-Page": "2", "X-Per-Page": "100"})]
    run = await run_app(APP, {"resource": "repository", "operation": "getIssues", **PROJECT, "returnAll": True,
                              "getRepositoryIssuesFilters": {"state": "all", "labels": "bug"}},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"iid": 1}, {"iid": 2}, {"iid": 3}]
    assert [str(r.url) for r in run.requests] == [f"{API}/issues?state=all&labels=bug&per_page=100",
                                                  f"{API}/issues?state=all&labels=bug&per_page=100&page=2"]


async def test_repository_issues_limit() -> None:
    run = await run_app(APP, {"resource": "repository", "operation": "getIssues", **PROJECT, "limit": 2},
                        responses=[reply([{"iid": 1}, {"iid": 2}], headers={"X-Next-Page": "2"})],
                        credentials=CREDENTIALS)
    assert run.json == [{"iid": 1}, {"iid": 2}]
    assert [str(r.url) for r in run.requests] == [f"{API}/issues?per_page=2"]


async def test_create_release() -> None:
    release = {"tag_name": "v1.0.0", "name": "One", "description": "First"}
    run = await run_app(APP, {"resource": "release", "operation": "create", **PROJECT, "releaseTag": "v1.0.0",
                              "additionalFields": {"name": "One", "ref": "main"}},
                        responses=[reply(release, status=201)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/releases")
    assert body_of(run.requests[0]) == {"tag_name": "v1.0.0", "name": "One", "ref": "main"}
    assert run.json == [release]


async def test_gitlab_errors_429_and_5xx() -> None:
    run = await run_app(APP, {"resource": "issue", "operation": "get", **PROJECT, "issueNumber": 8},
                        responses=[reply({"message": "404 Project Not Found"}, status=404)], credentials=CREDENTIALS)
    assert run.error["message"] == "The resource you are requesting could not be found (404): 404 Project Not Found"
    invalid = reply({"message": {"title": ["can't be blank"], "due_date": ["is invalid"]}}, status=400)
    run = await run_app(APP, {"resource": "issue", "operation": "create", **PROJECT, "title": "x"},
                        responses=[invalid], credentials=CREDENTIALS)
    assert run.error["message"] == ("Bad request - please check your parameters (400): "
                                    "title: can't be blank; due_date: is invalid")
    expired = reply({"error": "invalid_token", "error_description": "Token is expired. You can either do re-authorization"
                     " or token refresh."}, status=401)
    run = await run_app(APP, {"resource": "issue", "operation": "get", **PROJECT, "issueNumber": 8},
                        responses=[expired], credentials=CREDENTIALS)
    assert "Token is expired" in run.error["message"]
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "issue", "operation": "get", **PROJECT, "issueNumber": 7},
                          responses=[reply(text="Retry later", status=429, headers={"Retry-After": "60"})],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (429, 60.0, "Retry later")
    run = await run_app(APP, {"resource": "issue", "operation": "get", **PROJECT, "issueNumber": 7},
                        responses=[reply({"message": "500 Internal Server Error"}, status=500)], credentials=CREDENTIALS)
    assert run.error["message"] == "The service was not able to process your request (500): 500 Internal Server Error"
