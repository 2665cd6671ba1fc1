"""Telegram: the token in the Bot API path, whole `{ok, result}` answers, `ok: false` errors and
429's `parameters.retry_after`."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.telegram import APP

from .harness import body_of, execute_app, reply, run_app

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
CREDENTIALS = {"telegramApi": {"accessToken": TOKEN}}
API = f"https://api.telegram.org/bot{TOKEN}"
SENT = {"ok": True, "result": {"message_id": 42, "date": 1733500000, "text": "Hello",
                               "chat": {"id": -1001234567890, "title": "Ops", "type": "supergroup"},
                               "from": {"id": 123456, "is_bot": True, "first_name": "Knotwork"}}}


async def test_send_message_posts_json_to_the_bot_path_and_returns_the_whole_answer() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "sendMessage", "chatId": "-1001234567890",
                              "text": "Hello", "additionalFields": {"parse_mode": "MarkdownV2",
                                                                    "disable_notification": True}},
                        responses=[reply(SENT)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/sendMessage")
    assert "authorization" not in request.headers
    assert body_of(request) == {"chat_id": "-1001234567890", "text": "Hello", "parse_mode": "MarkdownV2",
                                "disable_notification": True}
    assert run.json == [SENT]


async def test_send_photo_and_document_by_url_or_file_id_on_a_local_bot_api_server() -> None:
    credentials = {"telegramApi": {"accessToken": TOKEN, "baseUrl": "http://127.0.0.1:8081/"}}
    photo = {"ok": True, "result": {"message_id": 43, "photo": [{"file_id": "AgACAgIAAxk", "width": 90}]}}
    run = await run_app(APP, {"resource": "message", "operation": "sendPhoto", "chatId": "@ops",
                              "file": "https://example.com/cat.jpg", "additionalFields": {"caption": "Cat"}},
                        responses=[reply(photo)], credentials=credentials)
    assert str(run.requests[0].url) == f"http://127.0.0.1:8081/bot{TOKEN}/sendPhoto"
    assert body_of(run.requests[0]) == {"chat_id": "@ops", "photo": "https://example.com/cat.jpg", "caption": "Cat"}
    assert run.json == [photo]
    document = {"ok": True, "result": {"message_id": 44, "document": {"file_id": "BQACAgIAAxk"}}}
    run = await run_app(APP, {"resource": "message", "operation": "sendDocument", "chatId": "@ops",
                              "file": "BQACAgIAAxk"}, responses=[reply(document)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/sendDocument"
    assert body_of(run.requests[0]) == {"chat_id": "@ops", "document": "BQACAgIAAxk"}


async def test_edit_message_text_for_a_chat_message_or_an_inline_message() -> None:
    edited = {"ok": True, "result": {"message_id": 42, "text": "Updated"}}
    run = await run_app(APP, {"resource": "message", "operation": "editMessageText", "chatId": "-100",
                              "messageId": "42", "text": "Updated"}, responses=[reply(edited)],
                        credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/editMessageText"
    assert body_of(run.requests[0]) == {"chat_id": "-100", "message_id": "42", "text": "Updated"}
    assert run.json == [edited]
    run = await run_app(APP, {"resource": "message", "operation": "editMessageText", "messageType": "inlineMessage",
                              "inlineMessageId": "AAAB", "text": "Updated"},
                        responses=[reply({"ok": True, "result": True})], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"inline_message_id": "AAAB", "text": "Updated"}


async def test_delete_message_and_get_chat() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "deleteMessage", "chatId": "-100",
                              "messageId": "42"}, responses=[reply({"ok": True, "result": True})],
                        credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/deleteMessage")
    assert body_of(run.requests[0]) == {"chat_id": "-100", "message_id": "42"}
    assert run.json == [{"ok": True, "result": True}]
    chat = {"ok": True, "result": {"id": -100, "title": "Ops", "type": "supergroup"}}
    run = await run_app(APP, {"resource": "chat", "operation": "get", "chatId": "-100"},
                        responses=[reply(chat)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/getChat"
    assert body_of(run.requests[0]) == {"chat_id": "-100"}
    assert run.json == [chat]


async def test_telegram_errors_retry_after_from_the_body_and_5xx() -> None:
    answer = reply({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, status=400)
    run = await run_app(APP, {"resource": "message", "operation": "sendMessage", "chatId": "1", "text": "x"},
                        responses=[answer], credentials=CREDENTIALS)
    assert run.error["message"] == "Bad request - please check your parameters (400): Bad Request: chat not found"
    limited = reply({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 35",
                     "parameters": {"retry_after": 35}}, status=429)
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "message", "operation": "sendMessage", "chatId": "1", "text": "x"},
                          responses=[limited], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 35.0, "Too Many Requests: retry after 35")
    run = await run_app(APP, {"resource": "chat", "operation": "get", "chatId": "1"},
                        responses=[reply(text="<html>502 Bad Gateway</html>", status=502)], credentials=CREDENTIALS)
    assert run.error["message"].startswith("Bad gateway - the service failed to handle your request (502)")


async def test_inline_message_id_is_required_only_for_inline_messages() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "editMessageText", "messageType": "inlineMessage",
                              "text": "x"}, credentials=CREDENTIALS)
    assert run.error["message"] == "Parameter 'Inline Message ID' is required"
    assert run.requests == []
