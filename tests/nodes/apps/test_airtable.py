"""Airtable: record requests with the access token, flattened records, `offset` paging, Airtable's errors."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.airtable import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"airtableTokenApi": {"accessToken": "patAbc.123"}}
TABLE = {"base": {"__rl": True, "value": "appX1", "mode": "id"},
         "table": {"__rl": True, "value": "tblT2", "mode": "id"}}
API = "https://api.airtable.com/v0/appX1/tblT2"
RECORD = {"id": "rec560UJdUtocSouk", "createdTime": "2022-09-12T21:03:48.000Z",
          "fields": {"Name": "Union Square", "Visited": True}}
FLAT = {"id": "rec560UJdUtocSouk", "createdTime": "2022-09-12T21:03:48.000Z", "Name": "Union Square",
        "Visited": True}


async def test_create_record_sends_mapped_columns_and_typecast() -> None:
    run = await run_app(APP, {"resource": "record", "operation": "create", **TABLE,
                              "columns": {"mappingMode": "defineBelow",
                                          "value": {"Name": "Union Square", "Visited": True, "Notes": "x"}},
                              "options": {"typecast": True, "ignoreFields": "Notes"}},
                        responses=[reply(RECORD)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", API)
    assert request.headers["authorization"] == "Bearer patAbc.123"
    assert body_of(request) == {"fields": {"Name": "Union Square", "Visited": True}, "typecast": True}
    assert run.json == [RECORD]


async def test_get_flattens_and_delete_returns_airtables_answer() -> None:
    run = await run_app(APP, {"resource": "record", "operation": "get", **TABLE, "id": "rec560UJdUtocSouk"},
                        responses=[reply(RECORD)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("GET", f"{API}/rec560UJdUtocSouk")
    assert run.json == [FLAT]
    run = await run_app(APP, {"resource": "record", "operation": "deleteRecord", **TABLE, "id": "rec560UJdUtocSouk"},
                        responses=[reply({"id": "rec560UJdUtocSouk", "deleted": True})], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("DELETE", f"{API}/rec560UJdUtocSouk")
    assert run.json == [{"id": "rec560UJdUtocSouk", "deleted": True}]


async def test_update_patches_the_record_matched_on_id() -> None:
    run = await run_app(APP, {"resource": "record", "operation": "update", **TABLE,
                              "columns": {"mappingMode": "defineBelow",
                                          "value": {"id": "rec560UJdUtocSouk", "Visited": False}}},
                        responses=[reply({"records": [{**RECORD, "fields": {"Name": "Union Square"}}]})],
                        credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PATCH", API)
    assert body_of(run.requests[0]) == {"records": [{"id": "rec560UJdUtocSouk", "fields": {"Visited": False}}]}
    assert run.json == [{"id": "rec560UJdUtocSouk", "createdTime": "2022-09-12T21:03:48.000Z",
                         "Name": "Union Square"}]


async def test_search_pages_with_offset_and_sends_formula_fields_and_sort() -> None:
    pages = [reply({"records": [RECORD, {**RECORD, "id": "rec2"}], "offset": "itrA/rec2"}),
             reply({"records": [{**RECORD, "id": "rec3"}]})]
    run = await run_app(APP, {"resource": "record", "operation": "search", **TABLE, "returnAll": True,
                              "filterByFormula": "{Visited}", "options": {"fields": "Name, Visited"},
                              "sort": {"property": [{"field": "Name", "direction": "desc"}]}},
                        responses=pages, credentials=CREDENTIALS)
    assert [item["id"] for item in run.json] == ["rec560UJdUtocSouk", "rec2", "rec3"]
    assert run.json[0] == FLAT
    first, second = (r.url for r in run.requests)
    assert list(first.params.multi_items()) == [
        ("filterByFormula", "{Visited}"), ("fields[]", "Name"), ("fields[]", "Visited"),
        ("sort[0][field]", "Name"), ("sort[0][direction]", "desc"), ("pageSize", "100")]
    assert second.params["offset"] == "itrA/rec2"
    assert str(first).startswith(API + "?")


async def test_not_found_and_invalid_request_show_airtables_message() -> None:
    error = {"error": {"type": "INVALID_VALUE_FOR_COLUMN",
                       "message": "Field \"Visited\" cannot accept the provided value"}}
    run = await run_app(APP, {"resource": "record", "operation": "create", **TABLE,
                              "columns": {"value": {"Visited": "maybe"}}},
                        responses=[reply(error, status=422)], credentials=CREDENTIALS)
    assert run.error["message"].endswith("(422): Field \"Visited\" cannot accept the provided value")
    run = await run_app(APP, {"resource": "record", "operation": "get", **TABLE, "id": "recNope"},
                        responses=[reply({"error": "NOT_FOUND"}, status=404)], credentials=CREDENTIALS)
    assert run.error["message"] == "The resource you are requesting could not be found (404): NOT_FOUND"


async def test_429_retry_after_and_5xx() -> None:
    limited = reply({"errors": [{"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again "
                                 "later"}]}, status=429, headers={"Retry-After": "30"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "record", "operation": "get", "base": "appX1", "table": "tblT2",
                                "id": "rec1"}, responses=[limited], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after) == (429, 30.0)
    assert raised.value.description == "Rate limit exceeded. Please try again later"
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "record", "operation": "get", "base": "appX1", "table": "tblT2",
                                "id": "rec1"}, responses=[reply({"error": {"type": "SERVER_ERROR",
                                                                           "message": "Try again"}}, status=503)],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.description) == (503, "Try again")
