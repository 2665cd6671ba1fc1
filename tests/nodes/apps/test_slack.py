"""Slack: the exact Web API requests, cursor pagination and `ok: false` errors."""

from __future__ import annotations

from engine.items import Item
from nodes.apps.slack import APP

from .harness import body_of, reply, run_app

CREDENTIALS = {"slackApi": {"accessToken": "xoxb-test-token"}}
POSTED = {"ok": True, "channel": "C024BE91L", "ts": "1663233118.856619",
          "message": {"type": "message", "text": "Hello", "user": "U012AB3CD", "ts": "1663233118.856619"}}


async def test_post_message_sends_json_with_bearer_token_and_returns_the_answer() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "post", "select": "channel",
                              "channelId": {"__rl": True, "value": "C024BE91L", "mode": "id"},
                              "text": "={{ 'Hel' + 'lo' }}", "otherOptions": {"thread_ts": "1663233000.1"}},
                        responses=[reply(POSTED)], credentials=CREDENTIALS)
    assert run.json == [POSTED]
    assert run.paired == [(0, 0)]
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", "https://slack.com/api/chat.postMessage")
    assert request.headers["authorization"] == "Bearer xoxb-test-token"
    assert request.headers["content-type"] == "application/json"
    assert body_of(request) == {"channel": "C024BE91L", "text": "Hello", "thread_ts": "1663233000.1"}


async def test_post_to_a_user_and_as_another_name() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "post", "select": "user", "user": "U1",
                              "text": "hi", "otherOptions": {"sendAsUser": "bot-name"}},
                        responses=[reply(POSTED)], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"channel": "U1", "text": "hi", "username": "bot-name"}


async def test_update_and_delete_send_the_timestamp() -> None:
    updated = {"ok": True, "channel": "C1", "ts": "1.2", "text": "new"}
    run = await run_app(APP, {"resource": "message", "operation": "update", "channelId": "C1", "ts": "1.2",
                              "text": "new", "updateFields": {"link_names": True}},
                        responses=[reply(updated)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == "https://slack.com/api/chat.update"
    assert body_of(run.requests[0]) == {"channel": "C1", "ts": "1.2", "text": "new", "link_names": True}
    assert run.json == [updated]
    deleted = {"ok": True, "channel": "C1", "ts": "1.2"}
    run = await run_app(APP, {"resource": "message", "operation": "delete", "channelId": "C1", "timestamp": "1.2"},
                        responses=[reply(deleted)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", "https://slack.com/api/chat.delete")
    assert body_of(run.requests[0]) == {"channel": "C1", "ts": "1.2"}
    assert run.json == [deleted]


async def test_channel_list_follows_next_cursor_when_returning_all() -> None:
    pages = [reply({"ok": True, "channels": [{"id": "C1"}, {"id": "C2"}],
                    "response_metadata": {"next_cursor": "dGVhbTpDMDYxRkE1UjI="}}),
             reply({"ok": True, "channels": [{"id": "C3"}], "response_metadata": {"next_cursor": ""}})]
    run = await run_app(APP, {"resource": "channel", "operation": "getAll", "returnAll": True,
                              "filters": {"excludeArchived": True, "types": ["public_channel", "private_channel"]}},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"id": "C1"}, {"id": "C2"}, {"id": "C3"}]
    assert [str(r.url) for r in run.requests] == [
        "https://slack.com/api/conversations.list?types=public_channel%2Cprivate_channel&exclude_archived=true"
        "&limit=200",
        "https://slack.com/api/conversations.list?types=public_channel%2Cprivate_channel&exclude_archived=true"
        "&limit=200&cursor=dGVhbTpDMDYxRkE1UjI%3D"]
    assert all(r.method == "GET" and r.content == b"" for r in run.requests)


async def test_channel_history_stops_at_the_limit() -> None:
    page = reply({"ok": True, "messages": [{"ts": "3"}, {"ts": "2"}],
                  "response_metadata": {"next_cursor": "more"}, "has_more": True})
    run = await run_app(APP, {"resource": "channel", "operation": "history", "channelId": "C1", "limit": 2,
                              "filters": {"oldest": "1"}}, responses=[page], credentials=CREDENTIALS)
    assert run.json == [{"ts": "3"}, {"ts": "2"}]
    assert str(run.requests[0].url) == "https://slack.com/api/conversations.history?channel=C1&oldest=1&limit=2"


async def test_user_info_returns_the_user_object_per_item() -> None:
    users = [reply({"ok": True, "user": {"id": "U1", "name": "ann"}}),
             reply({"ok": True, "user": {"id": "U2", "name": "bob"}})]
    run = await run_app(APP, {"resource": "user", "operation": "info", "user": "={{ $json.id }}"},
                        responses=users, credentials=CREDENTIALS, items=[Item({"id": "U1"}), Item({"id": "U2"})])
    assert run.json == [{"id": "U1", "name": "ann"}, {"id": "U2", "name": "bob"}]
    assert run.paired == [(0, 0), (1, 0)]
    assert [str(r.url) for r in run.requests] == ["https://slack.com/api/users.info?user=U1",
                                                  "https://slack.com/api/users.info?user=U2"]


async def test_ok_false_with_http_200_is_an_error_naming_slacks_code() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "post", "channelId": "C404", "text": "x"},
                        responses=[reply({"ok": False, "error": "channel_not_found"})], credentials=CREDENTIALS)
    assert run.error["message"] == "Slack error: channel_not_found"
    assert run.error["name"] == "NodeApiError"


async def test_rate_limited_carries_retry_after_and_continue_on_fail_reports_it() -> None:
    limited = reply({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "30"})
    run = await run_app(APP, {"resource": "user", "operation": "info", "user": "U1"},
                        responses=[limited], credentials=CREDENTIALS, continueOnFail=True)
    assert run.json == [{"error": "The service is receiving too many requests from you (429): ratelimited"}]


async def test_missing_channel_is_named_before_any_request() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "post", "text": "x"}, credentials=CREDENTIALS)
    assert run.error["message"] == "Parameter 'Channel' is required"
    assert run.requests == []
