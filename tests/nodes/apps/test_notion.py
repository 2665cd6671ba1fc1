"""Notion: Notion-Version header, property values, body cursors for database queries, simple output."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.notion import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"notionApi": {"apiKey": "secret_abc"}}
API = "https://api.notion.com/v1"
DB = "d9824bdc84454327be8b5b47500af6ce"
PAGE = {"object": "page", "id": "59833787-2cf9-4fdf-8782-e53db20768a5", "url": "https://www.notion.so/Tuscan-5983",
        "archived": False, "properties": {
            "Name": {"id": "title", "type": "title", "title": [{"type": "text", "plain_text": "Tuscan kale",
                                                                "text": {"content": "Tuscan kale"}}]},
            "Food group": {"id": "A%40Hk", "type": "select", "select": {"id": "5e8e", "name": "Vegetable"}},
            "Price": {"id": "BJXS", "type": "number", "number": 2.5},
            "Tags": {"id": "t", "type": "multi_select", "multi_select": [{"name": "green"}, {"name": "leafy"}]}}}
SIMPLE = {"id": "59833787-2cf9-4fdf-8782-e53db20768a5", "name": "Tuscan kale", "url": "https://www.notion.so/Tuscan-5983",
          "property_name": "Tuscan kale", "property_food_group": "Vegetable", "property_price": 2.5,
          "property_tags": ["green", "leafy"]}


async def test_create_database_page_with_properties_and_blocks() -> None:
    run = await run_app(APP, {"resource": "databasePage", "operation": "create",
                              "databaseId": {"__rl": True, "value": DB, "mode": "id"},
                              "propertiesUi": {"propertyValues": [
                                  {"key": "Name|title", "title": "Tuscan kale"},
                                  {"key": "Food group|select", "selectValue": "Vegetable"},
                                  {"key": "Price|number", "numberValue": 2.5},
                                  {"key": "Tags|multi_select", "multiSelectValue": ["green", "leafy"]},
                                  {"key": "Due|date", "date": "2024-05-01"}]},
                              "blockUi": {"blockValues": [{"type": "paragraph", "textContent": "Fresh"}]},
                              "options": {"icon": "🥬"}},
                        responses=[reply(PAGE)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/pages")
    assert request.headers["authorization"] == "Bearer secret_abc"
    assert request.headers["notion-version"] == "2022-02-22"
    assert body_of(request) == {
        "parent": {"database_id": DB},
        "properties": {"Name": {"title": [{"type": "text", "text": {"content": "Tuscan kale"}}]},
                       "Food group": {"select": {"name": "Vegetable"}}, "Price": {"number": 2.5},
                       "Tags": {"multi_select": [{"name": "green"}, {"name": "leafy"}]},
                       "Due": {"date": {"start": "2024-05-01"}}},
        "children": [{"object": "block", "type": "paragraph",
                      "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Fresh"}}]}}],
        "icon": {"type": "emoji", "emoji": "🥬"}}
    assert run.json == [PAGE]


async def test_get_page_simple_and_raw_and_archive() -> None:
    run = await run_app(APP, {"resource": "databasePage", "operation": "get", "pageId": PAGE["id"]},
                        responses=[reply(PAGE)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("GET", f"{API}/pages/{PAGE['id']}")
    assert run.json == [SIMPLE]
    run = await run_app(APP, {"resource": "page", "operation": "archive", "pageId": PAGE["id"], "simple": False},
                        responses=[reply({**PAGE, "archived": True})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PATCH", f"{API}/pages/{PAGE['id']}")
    assert body_of(run.requests[0]) == {"archived": True}
    assert run.json == [{**PAGE, "archived": True}]


async def test_database_query_pages_with_start_cursor_in_the_post_body() -> None:
    pages = [reply({"object": "list", "results": [PAGE], "next_cursor": "fe2cc560-036c", "has_more": True}),
             reply({"object": "list", "results": [{**PAGE, "id": "p2"}], "next_cursor": None, "has_more": False})]
    run = await run_app(APP, {"resource": "databasePage", "operation": "getAll", "databaseId": DB, "returnAll": True,
                              "simple": False, "filterType": "json",
                              "filterJson": '{"property": "Price", "number": {"greater_than": 2}}',
                              "options": {"sort": {"sortValue": [{"key": "Price|number",
                                                                  "direction": "ascending"}]}}},
                        responses=pages, credentials=CREDENTIALS)
    assert [item["id"] for item in run.json] == [PAGE["id"], "p2"]
    assert [(r.method, str(r.url)) for r in run.requests] == [("POST", f"{API}/databases/{DB}/query")] * 2
    first = {"page_size": 100, "filter": {"property": "Price", "number": {"greater_than": 2}},
             "sorts": [{"property": "Price", "direction": "ascending"}]}
    assert [body_of(r) for r in run.requests] == [first, {**first, "start_cursor": "fe2cc560-036c"}]


async def test_database_query_with_a_limit_and_simple_output() -> None:
    page = reply({"object": "list", "results": [PAGE, PAGE], "next_cursor": "c2", "has_more": True})
    run = await run_app(APP, {"resource": "databasePage", "operation": "getAll", "databaseId": DB, "limit": 2},
                        responses=[page], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"page_size": 2}
    assert run.json == [SIMPLE, SIMPLE]


async def test_block_append_and_get_child_blocks_with_query_cursor() -> None:
    appended = {"object": "list", "results": [{"object": "block", "id": "b1", "type": "to_do"}], "has_more": False}
    run = await run_app(APP, {"resource": "block", "operation": "append", "blockId": PAGE["id"],
                              "blockUi": {"blockValues": [{"type": "to_do", "textContent": "Buy", "checked": True}]}},
                        responses=[reply(appended)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PATCH", f"{API}/blocks/{PAGE['id']}/children")
    assert body_of(run.requests[0]) == {"children": [{"object": "block", "type": "to_do", "to_do": {
        "rich_text": [{"type": "text", "text": {"content": "Buy"}}], "checked": True}}]}
    assert run.json == [appended]
    pages = [reply({"object": "list", "results": [{"id": "b1"}], "next_cursor": "b2", "has_more": True}),
             reply({"object": "list", "results": [{"id": "b2"}], "next_cursor": None, "has_more": False})]
    run = await run_app(APP, {"resource": "block", "operation": "getAll", "blockId": "pg1", "returnAll": True},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"id": "b1"}, {"id": "b2"}]
    assert [str(r.url) for r in run.requests] == [f"{API}/blocks/pg1/children?page_size=100",
                                                  f"{API}/blocks/pg1/children?page_size=100&start_cursor=b2"]


async def test_validation_error_shows_notions_message() -> None:
    error = {"object": "error", "status": 400, "code": "validation_error",
             "message": "body failed validation: body.parent.database_id should be a valid uuid"}
    run = await run_app(APP, {"resource": "databasePage", "operation": "create", "databaseId": "nope"},
                        responses=[reply(error, status=400)], credentials=CREDENTIALS)
    assert run.error["message"].endswith("(400): body failed validation: body.parent.database_id should be a "
                                         "valid uuid")


async def test_unsupported_property_type_is_named() -> None:
    run = await run_app(APP, {"resource": "databasePage", "operation": "create", "databaseId": DB,
                              "propertiesUi": {"propertyValues": [{"key": "Pic|files"}]}}, credentials=CREDENTIALS)
    assert run.error["message"] == "Notion property 'Pic' has an unsupported type 'files'"
    assert run.requests == []


async def test_429_retry_after_and_5xx() -> None:
    limited = reply({"object": "error", "status": 429, "code": "rate_limited",
                     "message": "You have been rate limited. Please try again in a few minutes."},
                    status=429, headers={"Retry-After": "3"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "databasePage", "operation": "get", "pageId": "p"},
                          responses=[limited], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after) == (429, 3.0)
    assert raised.value.description.startswith("You have been rate limited")
    unavailable = reply({"object": "error", "status": 503, "code": "service_unavailable",
                         "message": "Notion is unavailable."}, status=503)
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "databasePage", "operation": "get", "pageId": "p"},
                          responses=[unavailable], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.description) == (503, "Notion is unavailable.")


async def test_page_create_under_a_parent_page_is_the_default_operation() -> None:
    run = await run_app(APP, {"pageId": {"__rl": True, "value": "parent1", "mode": "id"}, "title": "Notes",
                              "options": {"icon": "https://x.io/i.png"}},
                        responses=[reply(PAGE)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/pages")
    assert body_of(run.requests[0]) == {"parent": {"page_id": "parent1"},
                                        "properties": {"title": [{"text": {"content": "Notes"}}]},
                                        "icon": {"type": "external", "external": {"url": "https://x.io/i.png"}}}
    assert run.json == [PAGE]
