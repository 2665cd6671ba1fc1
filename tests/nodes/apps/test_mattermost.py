"""Mattermost: the server from the credential, bearer token, page/per_page pagination and
Mattermost's own error bodies."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.mattermost import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"mattermostApi": {"accessToken": "xkyr7u1", "baseUrl": "https://chat.example.com/"}}
API = "https://chat.example.com/api/v4"
POST = {"id": "7bq1rx9", "create_at": 1733500000000, "user_id": "u1", "channel_id": "c1", "root_id": "",
        "message": "Deploy done", "type": "", "props": {}}


async def test_post_message_with_attachments_and_reply() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "post", "channelId": "c1", "message": "Deploy done",
                              "attachments": [{"title": "Build 42", "color": "#00ff00"}],
                              "otherOptions": {"root_id": "p0"}},
                        responses=[reply(POST, status=201)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/posts")
    assert request.headers["authorization"] == "Bearer xkyr7u1"
    assert body_of(request) == {"channel_id": "c1", "message": "Deploy done", "root_id": "p0",
                                "props": {"attachments": [{"title": "Build 42", "color": "#00ff00"}]}}
    assert run.json == [POST]


async def test_delete_message() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "delete", "postId": "7bq1rx9"},
                        responses=[reply({"status": "OK"})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("DELETE", f"{API}/posts/7bq1rx9")
    assert run.json == [{"status": "OK"}]


async def test_create_private_channel() -> None:
    channel = {"id": "c9", "team_id": "t1", "type": "P", "display_name": "Ops", "name": "ops"}
    run = await run_app(APP, {"resource": "channel", "operation": "create", "teamId": "t1", "displayName": "Ops",
                              "channel": "ops", "type": "private"},
                        responses=[reply(channel, status=201)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/channels")
    assert body_of(run.requests[0]) == {"team_id": "t1", "display_name": "Ops", "name": "ops", "type": "P"}
    assert run.json == [channel]


async def test_channel_members_page_until_a_short_page() -> None:
    full = [{"channel_id": "c1", "user_id": f"u{n}", "roles": "channel_user"} for n in range(200)]
    pages = [reply(full), reply([{"channel_id": "c1", "user_id": "u200", "roles": "channel_admin"}])]
    run = await run_app(APP, {"resource": "channel", "operation": "members", "teamId": "t1", "channelId": "c1",
                              "returnAll": True}, responses=pages, credentials=CREDENTIALS)
    assert len(run.json) == 201
    assert run.json[-1]["user_id"] == "u200"
    assert [str(r.url) for r in run.requests] == [f"{API}/channels/c1/members?per_page=200&page=0",
                                                  f"{API}/channels/c1/members?per_page=200&page=1"]


async def test_channel_search_cut_to_the_limit_and_user_by_email() -> None:
    found = [{"id": "c1", "name": "general"}, {"id": "c2", "name": "general-ops"}]
    run = await run_app(APP, {"resource": "channel", "operation": "search", "teamId": "t1", "term": "general",
                              "limit": 1}, responses=[reply(found)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/teams/t1/channels/search")
    assert body_of(run.requests[0]) == {"term": "general"}
    assert run.json == [{"id": "c1", "name": "general"}]
    user = {"id": "u1", "username": "ann", "email": "ann@example.com"}
    run = await run_app(APP, {"resource": "user", "operation": "getByEmail", "email": "ann@example.com"},
                        responses=[reply(user)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/users/email/ann%40example.com"
    assert run.json == [user]


async def test_mattermost_errors_429_and_5xx() -> None:
    answer = reply({"id": "app.channel.get.existing.app_error", "message": "Unable to find the existing channel.",
                    "detailed_error": "", "request_id": "r1", "status_code": 404}, status=404)
    run = await run_app(APP, {"resource": "channel", "operation": "members", "teamId": "t1", "channelId": "nope"},
                        responses=[answer], credentials=CREDENTIALS)
    assert run.error["message"] == ("The resource you are requesting could not be found (404): "
                                    "Unable to find the existing channel.")
    limited = reply(text="limit exceeded", status=429, headers={"Retry-After": "1", "X-Ratelimit-Remaining": "0"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "user", "operation": "getByEmail", "email": "a@b.c"},
                          responses=[limited], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (429, 1.0, "limit exceeded")
    run = await run_app(APP, {"resource": "user", "operation": "getByEmail", "email": "a@b.c"},
                        responses=[reply(text="", status=503)], credentials=CREDENTIALS)
    assert run.error["message"].startswith("Service unavailable")


async def test_missing_server_is_named() -> None:
    run = await run_app(APP, {"resource": "user", "operation": "getByEmail", "email": "a@b.c"},
                        credentials={"mattermostApi": {"accessToken": "t", "baseUrl": ""}})
    assert "baseUrl" in run.error["message"]
    assert run.requests == []


async def test_post_without_attachments_sends_empty_props_as_n8n() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "post", "channelId": "c1", "message": "hi"},
                        responses=[reply(POST, status=201)], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"channel_id": "c1", "message": "hi", "props": {"attachments": []}}
