"""Jira Software Cloud: basic email/token signing, the `fields` object, nextPageToken pagination (search/jql) and
Jira's errorMessages/errors bodies."""

from __future__ import annotations

import base64

import pytest

from engine.errors import NodeApiError
from nodes.apps.jira import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"jiraSoftwareCloudApi": {"email": "ann@example.com", "apiToken": "ATATT3x",
                                        "domain": "https://acme.atlassian.net/"}}
API = "https://acme.atlassian.net/rest/api/2"
BASIC = "Basic " + base64.b64encode(b"ann@example.com:ATATT3x").decode()
CREATED = {"id": "10000", "key": "PROJ-24", "self": f"{API}/issue/10000"}


async def test_create_issue_builds_the_fields_object() -> None:
    run = await run_app(APP, {"resource": "issue", "operation": "create", "project": "10001", "issueType": "10004",
                              "summary": "Login fails", "additionalFields": {
                                  "description": "Steps: ...", "labels": "bug, login", "priority": "2",
                                  "assignee": "5b10a2844c20165700ede21g", "parentIssueKey": "proj-1"}},
                        responses=[reply(CREATED, status=201)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/issue")
    assert request.headers["authorization"] == BASIC
    assert body_of(request) == {"fields": {
        "project": {"id": "10001"}, "issuetype": {"id": "10004"}, "summary": "Login fails",
        "description": "Steps: ...", "labels": ["bug", "login"], "priority": {"id": "2"},
        "assignee": {"id": "5b10a2844c20165700ede21g"}, "parent": {"key": "PROJ-1"}}}
    assert run.json == [CREATED]


async def test_get_update_delete_issue() -> None:
    issue = {"id": "10000", "key": "PROJ-24", "fields": {"summary": "Login fails"}}
    run = await run_app(APP, {"resource": "issue", "operation": "get", "issueKey": "PROJ-24",
                              "additionalFields": {"fields": "summary,status", "expand": "changelog",
                                                   "fieldsByKey": True}},
                        responses=[reply(issue)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == (
        "GET", f"{API}/issue/PROJ-24?fields=summary%2Cstatus&expand=changelog&fieldsByKey=true")
    assert run.json == [issue]
    run = await run_app(APP, {"resource": "issue", "operation": "update", "issueKey": "PROJ-24",
                              "updateFields": {"summary": "Login fails on Safari"}},
                        responses=[reply(status=204)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PUT", f"{API}/issue/PROJ-24")
    assert body_of(run.requests[0]) == {"fields": {"summary": "Login fails on Safari"}}
    assert run.json == [{"success": True}]
    run = await run_app(APP, {"resource": "issue", "operation": "delete", "issueKey": "PROJ-24"},
                        responses=[reply(status=204)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == (
        "DELETE", f"{API}/issue/PROJ-24?deleteSubtasks=false")
    assert run.json == [{"success": True}]


async def test_jql_search_follows_next_page_token_in_the_body() -> None:
    pages = [reply({"issues": [{"id": "1", "key": "P-1"}, {"id": "2", "key": "P-2"}],
                    "nextPageToken": "CAEaAggD", "isLast": False}),
             reply({"issues": [{"id": "3", "key": "P-3"}], "isLast": True})]
    run = await run_app(APP, {"resource": "issue", "operation": "getAll", "returnAll": True,
                              "options": {"jql": "project = P ORDER BY created", "fields": "summary,status"}},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"id": "1", "key": "P-1"}, {"id": "2", "key": "P-2"}, {"id": "3", "key": "P-3"}]
    assert [(r.method, str(r.url)) for r in run.requests] == [("POST", f"{API}/search/jql")] * 2
    first = {"jql": "project = P ORDER BY created", "fields": ["summary", "status"], "maxResults": 100}
    assert [body_of(r) for r in run.requests] == [first, {**first, "nextPageToken": "CAEaAggD"}]
    assert run.requests[0].headers["authorization"] == BASIC


async def test_jql_search_limit_and_n8ns_defaults() -> None:
    run = await run_app(APP, {"resource": "issue", "operation": "getAll", "limit": 1},
                        responses=[reply({"issues": [{"key": "P-1"}], "nextPageToken": "more", "isLast": False})],
                        credentials=CREDENTIALS)
    assert run.json == [{"key": "P-1"}]
    [request] = run.requests
    assert body_of(request) == {"jql": 'created >= "1970-01-01"', "fields": ["*navigable"], "maxResults": 1}


async def test_add_comment_as_a_document_or_as_wiki_markup() -> None:
    comment = {"id": "10010", "author": {"accountId": "5b10"}, "body": {"type": "doc", "version": 1, "content": []}}
    run = await run_app(APP, {"resource": "issueComment", "operation": "add", "issueKey": "PROJ-24",
                              "comment": "Fixed in 1.2", "options": {"expand": "renderedBody"}},
                        responses=[reply(comment, status=201)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == (
        "POST", "https://acme.atlassian.net/rest/api/3/issue/PROJ-24/comment?expand=renderedBody")
    assert body_of(run.requests[0]) == {"body": {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Fixed in 1.2"}]}]}}
    assert run.json == [comment]
    run = await run_app(APP, {"resource": "issueComment", "operation": "add", "issueKey": "PROJ-24",
                              "comment": "*Fixed* in 1.2", "options": {"wikiMarkup": True}},
                        responses=[reply(comment, status=201)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/issue/PROJ-24/comment"
    assert body_of(run.requests[0]) == {"body": "*Fixed* in 1.2"}
    document = '{"type": "doc", "version": 1, "content": []}'
    run = await run_app(APP, {"resource": "issueComment", "operation": "add", "issueKey": "PROJ-24",
                              "jsonParameters": True, "commentJson": document},
                        responses=[reply(comment, status=201)], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"body": {"type": "doc", "version": 1, "content": []}}


async def test_jira_errors_429_and_5xx() -> None:
    answer = reply({"errorMessages": [], "errors": {"summary": "You must specify a summary of the issue."}},
                   status=400)
    run = await run_app(APP, {"resource": "issue", "operation": "create", "project": "1", "issueType": "2",
                              "summary": " "}, responses=[answer], credentials=CREDENTIALS)
    assert run.error["message"] == ("Bad request - please check your parameters (400): "
                                    "summary: You must specify a summary of the issue.")
    missing = reply({"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                     "errors": {}}, status=404)
    run = await run_app(APP, {"resource": "issue", "operation": "get", "issueKey": "PROJ-404"},
                        responses=[missing], credentials=CREDENTIALS)
    assert run.error["message"] == ("The resource you are requesting could not be found (404): "
                                    "Issue does not exist or you do not have permission to see it.")
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "issue", "operation": "get", "issueKey": "P-1"},
                          responses=[reply({"errorMessages": ["Rate limit exceeded."]}, status=429,
                                           headers={"Retry-After": "5"})], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 5.0, "Rate limit exceeded.")
    run = await run_app(APP, {"resource": "issue", "operation": "get", "issueKey": "P-1"},
                        responses=[reply({"errorMessages": ["Internal server error"], "errors": {}}, status=500)],
                        credentials=CREDENTIALS)
    assert run.error["message"] == "The service was not able to process your request (500): Internal server error"
