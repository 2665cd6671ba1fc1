"""Pipedrive: api_token in the query, `data` as the items, start/next_start paging, Pipedrive's errors."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.pipedrive import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"pipedriveApi": {"apiToken": "tok123"}}
API = "https://api.pipedrive.com/v1"
DEAL = {"id": 1, "title": "Big sale", "value": 5000, "currency": "EUR", "status": "open", "stage_id": 2}


async def test_create_deal_posts_json_with_the_token_in_the_query() -> None:
    run = await run_app(APP, {"resource": "deal", "operation": "create", "title": "Big sale",
                              "additionalFields": {"value": 5000, "currency": "EUR",
                                                   "customProperties": {"property": [
                                                       {"name": "dcf558aac1ae4e8c4f849ba5e668430d8df9be12",
                                                        "value": "x"}]}}},
                        responses=[reply({"success": True, "data": DEAL}, status=201)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/deals?api_token=tok123")
    assert "authorization" not in request.headers
    assert body_of(request) == {"title": "Big sale", "value": 5000, "currency": "EUR",
                                "dcf558aac1ae4e8c4f849ba5e668430d8df9be12": "x"}
    assert run.json == [DEAL]


async def test_get_and_update_deal() -> None:
    run = await run_app(APP, {"resource": "deal", "operation": "get", "dealId": 1},
                        responses=[reply({"success": True, "data": DEAL})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("GET", f"{API}/deals/1?api_token=tok123")
    assert run.json == [DEAL]
    won = {**DEAL, "status": "won"}
    run = await run_app(APP, {"resource": "deal", "operation": "update", "dealId": 1,
                              "updateFields": {"status": "won"}},
                        responses=[reply({"success": True, "data": won})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PUT", f"{API}/deals/1?api_token=tok123")
    assert body_of(run.requests[0]) == {"status": "won"}
    assert run.json == [won]


async def test_get_all_deals_pages_with_start_until_no_more_items() -> None:
    more = {"pagination": {"start": 0, "limit": 500, "more_items_in_collection": True, "next_start": 500}}
    done = {"pagination": {"start": 500, "limit": 500, "more_items_in_collection": False}}
    pages = [reply({"success": True, "data": [{"id": 1}, {"id": 2}], "additional_data": more}),
             reply({"success": True, "data": [{"id": 3}], "additional_data": done})]
    run = await run_app(APP, {"resource": "deal", "operation": "getAll", "returnAll": True,
                              "filters": {"status": "won"}}, responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert [str(r.url) for r in run.requests] == [f"{API}/deals?status=won&limit=500&api_token=tok123",
                                                  f"{API}/deals?status=won&limit=500&start=500&api_token=tok123"]


async def test_create_person_and_activity_and_get_person() -> None:
    person = {"id": 7, "name": "Ann", "email": [{"value": "ann@x.io", "primary": True}]}
    run = await run_app(APP, {"resource": "person", "operation": "create", "name": "Ann",
                              "additionalFields": {"email": "ann@x.io", "org_id": 3}},
                        responses=[reply({"success": True, "data": person})], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/persons?api_token=tok123"
    assert body_of(run.requests[0]) == {"name": "Ann", "email": ["ann@x.io"], "org_id": 3}
    assert run.json == [person]
    run = await run_app(APP, {"resource": "person", "operation": "get", "personId": 7},
                        responses=[reply({"success": True, "data": person})], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/persons/7?api_token=tok123"
    activity = {"id": 9, "subject": "Call Ann", "type": "call", "done": False}
    run = await run_app(APP, {"resource": "activity", "operation": "create", "subject": "Call Ann", "type": "call",
                              "additionalFields": {"person_id": 7}},
                        responses=[reply({"success": True, "data": activity})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/activities?api_token=tok123")
    assert body_of(run.requests[0]) == {"subject": "Call Ann", "done": "0", "type": "call", "person_id": 7}
    assert run.json == [activity]


async def test_not_found_shows_pipedrives_error() -> None:
    error = {"success": False, "error": "Deal not found", "error_info": "Please check developers.pipedrive.com",
             "data": None, "additional_data": None}
    run = await run_app(APP, {"resource": "deal", "operation": "get", "dealId": 99},
                        responses=[reply(error, status=404)], credentials=CREDENTIALS)
    assert run.error["message"] == "The resource you are requesting could not be found (404): Deal not found"


async def test_429_retry_after_and_5xx() -> None:
    limited = reply({"success": False, "error": "Request over limit", "errorCode": 429}, status=429,
                    headers={"Retry-After": "2"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "deal", "operation": "get", "dealId": 1}, responses=[limited],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 2.0, "Request over limit")
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "deal", "operation": "get", "dealId": 1},
                          responses=[reply({"success": False, "error": "Internal error"}, status=500)],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.description) == (500, "Internal error")
