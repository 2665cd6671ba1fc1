"""HubSpot: CRM v3 requests with the app token, `paging.next.after` paging, HubSpot's error body."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.hubspot import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"hubspotAppToken": {"appToken": "pat-na1-abc"}}
API = "https://api.hubapi.com/crm/v3/objects"
CONTACT = {"id": "512", "properties": {"email": "bcooper@biglytics.net", "firstname": "Bryan",
                                       "lastname": "Cooper"},
           "createdAt": "2019-10-30T03:30:17.883Z", "updatedAt": "2019-12-07T16:50:06.678Z", "archived": False}


async def test_upsert_contact_by_email_maps_n8n_field_names() -> None:
    answer = {"status": "COMPLETE", "results": [CONTACT], "startedAt": "x", "completedAt": "y"}
    run = await run_app(APP, {"resource": "contact", "operation": "upsert", "email": "bcooper@biglytics.net",
                              "additionalFields": {"firstName": "Bryan", "lastName": "Cooper", "city": "",
                                                   "customPropertiesUi": {"customPropertiesValues": [
                                                       {"property": "favorite_color", "value": "blue"}]}}},
                        responses=[reply(answer)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/contacts/batch/upsert")
    assert request.headers["authorization"] == "Bearer pat-na1-abc"
    assert body_of(request) == {"inputs": [{"idProperty": "email", "id": "bcooper@biglytics.net", "properties": {
        "email": "bcooper@biglytics.net", "firstname": "Bryan", "lastname": "Cooper", "favorite_color": "blue"}}]}
    assert run.json == [CONTACT]


async def test_get_and_delete_contact() -> None:
    run = await run_app(APP, {"resource": "contact", "operation": "get", "contactId": "512",
                              "additionalFields": {"properties": ["email", "firstname"]}},
                        responses=[reply(CONTACT)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == (
        "GET", f"{API}/contacts/512?properties=email%2Cfirstname")
    assert run.json == [CONTACT]
    run = await run_app(APP, {"resource": "contact", "operation": "delete", "contactId": "512"},
                        responses=[reply(status=204)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("DELETE", f"{API}/contacts/512")
    assert run.json == [{"success": True}]


async def test_get_all_contacts_follows_paging_next_after() -> None:
    pages = [reply({"results": [{"id": "1"}, {"id": "2"}],
                    "paging": {"next": {"after": "3", "link": "https://api.hubapi.com/crm/v3/objects/contacts?after=3"}}}),
             reply({"results": [{"id": "3"}]})]
    run = await run_app(APP, {"resource": "contact", "operation": "getAll", "returnAll": True},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"id": "1"}, {"id": "2"}, {"id": "3"}]
    assert [str(r.url) for r in run.requests] == [f"{API}/contacts?limit=100", f"{API}/contacts?limit=100&after=3"]


async def test_create_deal_and_company_and_get_deal() -> None:
    deal = {"id": "1467822235", "properties": {"dealname": "Big deal", "dealstage": "appointmentscheduled",
                                               "amount": "1500"}}
    run = await run_app(APP, {"resource": "deal", "operation": "create", "stage": "appointmentscheduled",
                              "additionalFields": {"dealName": "Big deal", "amount": "1500"}},
                        responses=[reply(deal, status=201)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/deals")
    assert body_of(run.requests[0]) == {"properties": {"dealstage": "appointmentscheduled", "dealname": "Big deal",
                                                       "amount": "1500"}}
    assert run.json == [deal]
    run = await run_app(APP, {"resource": "deal", "operation": "get", "dealId": "1467822235"},
                        responses=[reply(deal)], credentials=CREDENTIALS)
    assert str(run.requests[0].url) == f"{API}/deals/1467822235"
    company = {"id": "9", "properties": {"name": "Biglytics", "domain": "biglytics.net"}}
    run = await run_app(APP, {"resource": "company", "operation": "create", "name": "Biglytics",
                              "additionalFields": {"companyDomainName": "biglytics.net"}},
                        responses=[reply(company, status=201)], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"properties": {"name": "Biglytics", "domain": "biglytics.net"}}
    assert run.json == [company]


async def test_conflict_shows_hubspots_message() -> None:
    error = {"status": "error", "message": "Contact already exists. Existing ID: 512",
             "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf", "category": "CONFLICT"}
    run = await run_app(APP, {"resource": "company", "operation": "create", "name": "x"},
                        responses=[reply(error, status=409)], credentials=CREDENTIALS)
    assert run.error["message"].endswith("(409): Contact already exists. Existing ID: 512")


async def test_429_retry_after_and_5xx() -> None:
    limited = reply({"status": "error", "message": "You have reached your secondly limit.",
                     "category": "RATE_LIMITS"}, status=429, headers={"Retry-After": "1"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "deal", "operation": "get", "dealId": "1"}, responses=[limited],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after) == (429, 1.0)
    assert raised.value.description == "You have reached your secondly limit."
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "deal", "operation": "get", "dealId": "1"},
                          responses=[reply({"status": "error", "message": "internal error"}, status=503)],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.description) == (503, "internal error")
