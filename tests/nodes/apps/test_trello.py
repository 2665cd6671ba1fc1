"""Trello: key/token query signing, fields in the query string, Trello's text errors."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.trello import APP

from .harness import execute_app, reply, run_app

CREDENTIALS = {"trelloApi": {"apiKey": "k123", "apiToken": "t456"}}
API = "https://api.trello.com/1"
AUTH = "key=k123&token=t456"
CARD = {"id": "5abbe4b7ddc1b351ef961414", "name": "Buy milk", "desc": "2 litres", "idList": "5abbe4b7ddc1b351ef961415",
        "closed": False, "url": "https://trello.com/c/abc/1-buy-milk"}


async def test_create_card_sends_fields_and_credentials_in_the_query() -> None:
    run = await run_app(APP, {"resource": "card", "operation": "create", "listId": "5abbe4b7ddc1b351ef961415",
                              "name": "Buy milk", "description": "2 litres",
                              "additionalFields": {"due": "2026-12-24T10:00:00Z", "pos": "top"}},
                        responses=[reply(CARD)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == (
        "POST", f"{API}/cards?idList=5abbe4b7ddc1b351ef961415&name=Buy+milk&desc=2+litres"
                "&due=2026-12-24T10%3A00%3A00Z&pos=top&" + AUTH)
    assert request.content == b""
    assert run.json == [CARD]


async def test_get_update_delete_card() -> None:
    rl = {"__rl": True, "value": CARD["id"], "mode": "id"}
    run = await run_app(APP, {"resource": "card", "operation": "get", "id": rl,
                              "additionalFields": {"fields": "name,desc"}},
                        responses=[reply(CARD)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == (
        "GET", f"{API}/cards/{CARD['id']}?fields=name%2Cdesc&{AUTH}")
    assert run.json == [CARD]
    run = await run_app(APP, {"resource": "card", "operation": "update", "id": rl,
                              "updateFields": {"closed": True, "name": "Bought milk"}},
                        responses=[reply({**CARD, "closed": True})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == (
        "PUT", f"{API}/cards/{CARD['id']}?closed=true&name=Bought+milk&{AUTH}")
    assert run.json[0]["closed"] is True
    run = await run_app(APP, {"resource": "card", "operation": "delete", "id": rl},
                        responses=[reply({"limits": {}})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("DELETE", f"{API}/cards/{CARD['id']}?{AUTH}")
    assert run.json == [{"limits": {}}]


async def test_list_cards_one_item_per_card_cut_to_the_limit() -> None:
    cards = [{"id": "c1"}, {"id": "c2"}, {"id": "c3"}]
    run = await run_app(APP, {"resource": "list", "operation": "getCards", "id": "L1", "limit": 2},
                        responses=[reply(cards)], credentials=CREDENTIALS)
    assert run.json == [{"id": "c1"}, {"id": "c2"}]
    assert [str(r.url) for r in run.requests] == [f"{API}/lists/L1/cards?limit=2&{AUTH}"]
    run = await run_app(APP, {"resource": "list", "operation": "getCards", "id": "L1", "returnAll": True,
                              "additionalFields": {"fields": "name"}},
                        responses=[reply(cards)], credentials=CREDENTIALS)
    assert run.json == cards
    assert [str(r.url) for r in run.requests] == [f"{API}/lists/L1/cards?fields=name&limit=1000&{AUTH}"]


async def test_get_board_by_boardId_in_v2_and_id_in_v1() -> None:
    board = {"id": "B1", "name": "Groceries", "closed": False}
    run = await run_app(APP, {"resource": "board", "operation": "get",
                              "boardId": {"__rl": True, "value": "B1", "mode": "list"}},
                        responses=[reply(board)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/boards/B1?{AUTH}"
    assert run.json == [board]
    run = await run_app(APP, {"resource": "board", "operation": "get", "id": "B/1"}, version=1.0,
                        responses=[reply(board)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/boards/B%2F1?{AUTH}"
    run = await run_app(APP, {"resource": "board", "operation": "get", "id": "B1"}, credentials=CREDENTIALS)
    assert run.error["message"] == "Parameter 'Board' is required"


async def test_trello_text_errors_429_and_5xx() -> None:
    run = await run_app(APP, {"resource": "card", "operation": "get", "id": "nope"},
                        responses=[reply(text="invalid id", status=400)], credentials=CREDENTIALS)
    assert run.error["message"] == "Bad request - please check your parameters (400): invalid id"
    run = await run_app(APP, {"resource": "card", "operation": "get", "id": "x"},
                        responses=[reply(text="invalid key", status=401)], credentials=CREDENTIALS)
    assert run.error["message"] == "Authorization failed - please check your credentials (401): invalid key"
    limited = reply({"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}, status=429,
                    headers={"Retry-After": "10"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "card", "operation": "get", "id": "x"}, responses=[limited],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 10.0, "Rate limit exceeded")
    run = await run_app(APP, {"resource": "board", "operation": "get", "boardId": "B1"},
                        responses=[reply(text="Internal Server Error", status=500)], credentials=CREDENTIALS)
    assert run.error["message"] == "The service was not able to process your request (500): Internal Server Error"
