"""Discord: bot-token messages (send, get, delete, `before` pagination), the webhook resource and
Discord's own error and rate-limit bodies."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.discord import APP

from .harness import body_of, execute_app, reply, run_app

BOT = {"discordBotApi": {"botToken": "MTA1.Gx7.bot"}}
HOOK_URL = "https://discord.com/api/webhooks/1100000000000000000/tok_EN"
HOOK = {"discordWebhookApi": {"webhookUri": HOOK_URL}}
API = "https://discord.com/api/v10/channels/1029384756102938475/messages"
CHANNEL = {"__rl": True, "value": "1029384756102938475", "mode": "list"}
MESSAGE = {"id": "1162349273463210000", "type": 0, "content": "Deploy done", "channel_id": "1029384756102938475",
           "author": {"id": "1100", "username": "knotwork", "bot": True}, "timestamp": "2026-12-06T20:00:00+00:00"}


async def test_send_to_a_channel_with_the_bot_token() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "send", "guildId": "9000", "channelId": CHANNEL,
                              "content": "Deploy done", "options": {"flags": ["SUPPRESS_EMBEDS",
                                                                              "SUPPRESS_NOTIFICATIONS"],
                                                                    "message_reference": "1160000000000000000"}},
                        responses=[reply(MESSAGE)], credentials=BOT)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", API)
    assert request.headers["authorization"] == "Bot MTA1.Gx7.bot"
    assert body_of(request) == {"content": "Deploy done", "flags": 4100,
                                "message_reference": {"message_id": "1160000000000000000", "guild_id": "9000"}}
    assert run.json == [MESSAGE]


async def test_get_and_delete_a_message() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "get", "channelId": CHANNEL,
                              "messageId": MESSAGE["id"]}, responses=[reply(MESSAGE)], credentials=BOT)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("GET", f"{API}/{MESSAGE['id']}")
    assert run.json == [MESSAGE]
    run = await run_app(APP, {"resource": "message", "operation": "deleteMessage", "channelId": CHANNEL,
                              "messageId": MESSAGE["id"]}, responses=[reply(status=204)], credentials=BOT)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("DELETE", f"{API}/{MESSAGE['id']}")
    assert run.json == [{"success": True}]


async def test_get_all_pages_backwards_with_before() -> None:
    first = [{"id": str(300 - n)} for n in range(100)]
    pages = [reply(first), reply([{"id": "200"}, {"id": "199"}])]
    run = await run_app(APP, {"resource": "message", "operation": "getAll", "channelId": CHANNEL, "returnAll": True},
                        responses=pages, credentials=BOT)
    assert len(run.json) == 102
    assert run.json[-1] == {"id": "199"}
    assert [str(r.url) for r in run.requests] == [f"{API}?limit=100", f"{API}?limit=100&before=201"]


async def test_get_all_limit() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "getAll", "channelId": CHANNEL, "limit": 2},
                        responses=[reply([{"id": "3"}, {"id": "2"}])], credentials=BOT)
    assert run.json == [{"id": "3"}, {"id": "2"}]
    assert [str(r.url) for r in run.requests] == [f"{API}?limit=2"]


async def test_webhook_resource_is_the_default_with_a_webhook_credential() -> None:
    # n8n saves a webhook node without resource/operation (their defaults for webhook sign-in).
    run = await run_app(APP, {"authentication": "webhook", "content": "Hello",
                              "options": {"username": "CI", "tts": False}},
                        responses=[reply(status=204)], credentials=HOOK)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", HOOK_URL)
    assert "authorization" not in request.headers
    assert body_of(request) == {"content": "Hello", "username": "CI", "tts": False}
    assert run.json == [{"success": True}]


async def test_webhook_wait_returns_the_message() -> None:
    run = await run_app(APP, {"authentication": "webhook", "resource": "webhook", "operation": "sendLegacy",
                              "content": "Hello", "options": {"wait": True}},
                        responses=[reply(MESSAGE)], credentials=HOOK)
    assert str(run.requests[0].url) == f"{HOOK_URL}?wait=true"
    assert body_of(run.requests[0]) == {"content": "Hello"}
    assert run.json == [MESSAGE]


async def test_discord_errors_rate_limit_and_5xx() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "get", "channelId": "1", "messageId": "2"},
                        responses=[reply({"message": "Unknown Channel", "code": 10003}, status=404)], credentials=BOT)
    assert run.error["message"] == "The resource you are requesting could not be found (404): Unknown Channel"
    run = await run_app(APP, {"resource": "message", "operation": "send", "channelId": "1", "content": "x"},
                        responses=[reply({"message": "Missing Permissions", "code": 50013}, status=403)],
                        credentials=BOT)
    assert run.error["message"] == "Forbidden - perhaps check your credentials? (403): Missing Permissions"
    limited = reply({"message": "You are being rate limited.", "retry_after": 1.5, "global": False}, status=429,
                    headers={"Retry-After": "2", "X-RateLimit-Scope": "user"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "message", "operation": "get", "channelId": "1", "messageId": "2"},
                          responses=[limited], credentials=BOT)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 2.0, "You are being rate limited.")
    no_header = reply({"message": "You are being rate limited.", "retry_after": 1.5, "global": True}, status=429)
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"authentication": "webhook", "resource": "webhook", "operation": "sendLegacy",
                                "content": "x"}, responses=[no_header], credentials=HOOK)
    assert raised.value.retry_after == 1.5
    run = await run_app(APP, {"resource": "message", "operation": "get", "channelId": "1", "messageId": "2"},
                        responses=[reply({"message": "500: Internal Server Error", "code": 0}, status=500)],
                        credentials=BOT)
    assert run.error["message"] == "The service was not able to process your request (500): 500: Internal Server Error"


async def test_send_to_a_user_is_refused_clearly_before_any_request() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "send", "sendTo": "user", "userId": "42",
                              "content": "hi"}, credentials=BOT)
    assert run.error["message"] == "Sending a direct message to a user is not supported yet; send to a channel"
    assert run.requests == []
