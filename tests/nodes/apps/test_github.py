"""GitHub: the exact REST requests (token header, Enterprise server), Link-header pagination and
GitHub's own error messages."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.github import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"githubApi": {"accessToken": "ghp_secret", "user": "ann"}}
REPO = {"owner": {"__rl": True, "value": "acme", "mode": "name"},
        "repository": {"__rl": True, "value": "widgets", "mode": "name"}}
ISSUE = {"id": 1, "number": 7, "title": "Found a bug", "state": "open", "labels": [{"name": "bug"}]}
API = "https://api.github.com/repos/acme/widgets"


async def test_create_issue_posts_title_body_labels_and_assignees() -> None:
    run = await run_app(APP, {"resource": "issue", "operation": "create", **REPO, "title": "Found a bug",
                              "body": "It breaks", "labels": [{"label": "bug"}, {"label": "p1"}],
                              "assignees": [{"assignee": "ann"}]},
                        responses=[reply(ISSUE, status=201)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/issues")
    assert request.headers["authorization"] == "token ghp_secret"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert body_of(request) == {"title": "Found a bug", "body": "It breaks", "labels": ["bug", "p1"],
                                "assignees": ["ann"]}
    assert run.json == [ISSUE]


async def test_get_issue_on_an_enterprise_server() -> None:
    credentials = {"githubApi": {"accessToken": "t", "server": "https://git.example.com/api/v3"}}
    run = await run_app(APP, {"resource": "issue", "operation": "get", **REPO, "issueNumber": 7},
                        responses=[reply(ISSUE)], credentials=credentials)
    assert (run.requests[0].method, str(run.requests[0].url)) == (
        "GET", "https://git.example.com/api/v3/repos/acme/widgets/issues/7")
    assert run.requests[0].content == b""
    assert run.json == [ISSUE]


async def test_edit_issue_patches_only_the_fields_given() -> None:
    closed = {**ISSUE, "state": "closed"}
    run = await run_app(APP, {"resource": "issue", "operation": "edit", **REPO, "issueNumber": 7,
                              "editFields": {"state": "closed", "state_reason": "not_planned",
                                             "labels": [{"label": "wontfix"}]}},
                        responses=[reply(closed)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PATCH", f"{API}/issues/7")
    assert body_of(run.requests[0]) == {"state": "closed", "state_reason": "not_planned", "labels": ["wontfix"]}
    assert run.json == [closed]


async def test_create_comment() -> None:
    comment = {"id": 99, "body": "Thanks!", "user": {"login": "ann"}}
    run = await run_app(APP, {"resource": "issue", "operation": "createComment", **REPO, "issueNumber": 7,
                              "body": "Thanks!"}, responses=[reply(comment, status=201)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/issues/7/comments")
    assert body_of(run.requests[0]) == {"body": "Thanks!"}
    assert run.json == [comment]


async def test_repository_issues_follow_the_link_header() -> None:
    link = f'<{API}/issues?state=all&per_page=100&page=2>; rel="next", <{API}/issues?state=all&per_page=100&page=2>; rel="last"'
    pages = [reply([{"number": 1}, {"number": 2}], headers={"Link": link}), reply([{"number": 3}])]
    run = await run_app(APP, {"resource": "repository", "operation": "getIssues", **REPO, "returnAll": True,
                              "getRepositoryIssuesFilters": {"state": "all"}},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"number": 1}, {"number": 2}, {"number": 3}]
    assert [str(r.url) for r in run.requests] == [f"{API}/issues?state=all&per_page=100",
                                                  f"{API}/issues?state=all&per_page=100&page=2"]
    assert all(r.headers["authorization"] == "token ghp_secret" for r in run.requests)


async def test_repository_issues_limit_sets_per_page() -> None:
    run = await run_app(APP, {"resource": "repository", "operation": "getIssues", **REPO, "limit": 1},
                        responses=[reply([{"number": 1}], headers={"Link": f'<{API}/issues?page=2>; rel="next"'})],
                        credentials=CREDENTIALS)
    assert run.json == [{"number": 1}]
    assert [str(r.url) for r in run.requests] == [f"{API}/issues?per_page=1"]


async def test_create_release() -> None:
    release = {"id": 5, "tag_name": "v1.0.0", "draft": True}
    run = await run_app(APP, {"resource": "release", "operation": "create", **REPO, "releaseTag": "v1.0.0",
                              "additionalFields": {"name": "One", "draft": True}},
                        responses=[reply(release, status=201)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/releases")
    assert body_of(run.requests[0]) == {"tag_name": "v1.0.0", "name": "One", "draft": True}
    assert run.json == [release]


async def test_404_shows_githubs_message() -> None:
    answer = reply({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, status=404)
    run = await run_app(APP, {"resource": "issue", "operation": "get", **REPO, "issueNumber": 8},
                        responses=[answer], credentials=CREDENTIALS)
    assert run.error["message"] == "The resource you are requesting could not be found (404): Not Found"
    assert run.error["httpCode"] == "404"


async def test_422_validation_message_and_403_rate_limit_retry_after() -> None:
    answer = reply({"message": "Validation Failed", "errors": [{"code": "missing_field"}]}, status=422)
    run = await run_app(APP, {"resource": "issue", "operation": "create", **REPO, "title": "x"},
                        responses=[answer], credentials=CREDENTIALS)
    assert "Validation Failed" in run.error["message"]
    limited = reply({"message": "API rate limit exceeded for user ID 1."}, status=429, headers={"Retry-After": "60"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "issue", "operation": "get", "owner": "acme", "repository": "widgets",
                                "issueNumber": 7}, responses=[limited], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after) == (429, 60.0)
    assert raised.value.description == "API rate limit exceeded for user ID 1."


async def test_oauth2_signs_with_the_stored_token() -> None:
    credentials = {"githubOAuth2Api": {"clientId": "cid", "clientSecret": "cs",
                                       "oauthTokenData": {"access_token": "gho_abc", "token_type": "bearer"}}}
    run = await run_app(APP, {"authentication": "oAuth2", "resource": "issue", "operation": "get", **REPO,
                              "issueNumber": 7}, responses=[reply(ISSUE)], credentials=credentials)
    assert run.requests[0].headers["authorization"] == "Bearer gho_abc"
    assert str(run.requests[0].url) == f"{API}/issues/7"
