"""SendGrid: mail/send (202, no body), marketing contacts and lists, `_metadata.next` paging, `errors` list."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.sendgrid import APP

from .harness import body_of, execute_app, reply, run_app

CREDENTIALS = {"sendGridApi": {"apiKey": "SG.key"}}
API = "https://api.sendgrid.com/v3"


async def test_send_mail_builds_personalizations_and_answers_success_on_202() -> None:
    run = await run_app(APP, {"resource": "mail", "operation": "send", "fromEmail": "me@acme.io", "fromName": "Me",
                              "toEmail": "a@x.io, b@x.io", "subject": "Hi", "contentType": "text/html",
                              "contentValue": "<b>Hello</b>",
                              "additionalFields": {"ccEmail": "c@x.io", "replyToEmail": "help@acme.io",
                                                   "categories": "news, weekly"}},
                        responses=[reply(status=202, headers={"X-Message-Id": "abc"})], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/mail/send")
    assert request.headers["authorization"] == "Bearer SG.key"
    assert body_of(request) == {
        "personalizations": [{"to": [{"email": "a@x.io"}, {"email": "b@x.io"}], "cc": [{"email": "c@x.io"}]}],
        "from": {"email": "me@acme.io", "name": "Me"}, "subject": "Hi",
        "content": [{"type": "text/html", "value": "<b>Hello</b>"}], "reply_to": {"email": "help@acme.io"},
        "categories": ["news", "weekly"]}
    assert run.json == [{"success": True}]


async def test_send_with_a_dynamic_template() -> None:
    run = await run_app(APP, {"resource": "mail", "operation": "send", "fromEmail": "me@acme.io", "toEmail": "a@x.io",
                              "dynamicTemplate": True, "templateId": "d-123",
                              "dynamicTemplateFields": {"fields": [{"key": "name", "value": "Ann"}]}},
                        responses=[reply(status=202)], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {
        "personalizations": [{"to": [{"email": "a@x.io"}], "dynamic_template_data": {"name": "Ann"}}],
        "from": {"email": "me@acme.io"}, "template_id": "d-123"}


async def test_upsert_and_delete_contacts_are_jobs() -> None:
    job = {"job_id": "2387e363-4104-4225-8960-4a5758492351"}
    run = await run_app(APP, {"resource": "contact", "operation": "upsert", "email": "ann@x.io",
                              "additionalFields": {"firstName": "Ann", "city": "Oslo",
                                                   "listIdsUi": {"listIdValues": {"listIds": ["l1"]}},
                                                   "customFieldsUi": {"customFieldValues": [
                                                       {"fieldId": "e1_T", "fieldValue": "gold"}]}}},
                        responses=[reply(job, status=202)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("PUT", f"{API}/marketing/contacts")
    assert body_of(run.requests[0]) == {"contacts": [{"email": "ann@x.io", "first_name": "Ann", "city": "Oslo",
                                                      "custom_fields": {"e1_T": "gold"}}], "list_ids": ["l1"]}
    assert run.json == [job]
    run = await run_app(APP, {"resource": "contact", "operation": "delete", "ids": "id1, id2"},
                        responses=[reply(job, status=202)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("DELETE", f"{API}/marketing/contacts?ids=id1%2Cid2")
    assert run.json == [job]


async def test_lists_create_and_get_all_follow_metadata_next() -> None:
    created = {"id": "ca7a3796-e8a8-4029-9ccb-df8937940562", "name": "Newsletter", "contact_count": 0}
    run = await run_app(APP, {"resource": "list", "operation": "create", "name": "Newsletter"},
                        responses=[reply(created, status=201)], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"name": "Newsletter"}
    assert run.json == [created]
    pages = [reply({"result": [{"id": "l1"}], "_metadata": {
                 "self": f"{API}/marketing/lists?page_size=1000",
                 "next": f"{API}/marketing/lists?page_size=1000&page_token=tok2"}}),
             reply({"result": [{"id": "l2"}], "_metadata": {"self": "x"}})]
    run = await run_app(APP, {"resource": "list", "operation": "getAll", "returnAll": True},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"id": "l1"}, {"id": "l2"}]
    assert [str(r.url) for r in run.requests] == [f"{API}/marketing/lists?page_size=1000",
                                                  f"{API}/marketing/lists?page_size=1000&page_token=tok2"]
    run = await run_app(APP, {"resource": "contact", "operation": "getAll", "limit": 1},
                        responses=[reply({"result": [{"id": "c1"}, {"id": "c2"}], "contact_count": 2})],
                        credentials=CREDENTIALS)
    assert run.json == [{"id": "c1"}]


async def test_bad_request_lists_sendgrids_errors() -> None:
    error = {"errors": [{"message": "The from email does not contain a valid address.", "field": "from.email",
                         "help": "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.from"}]}
    run = await run_app(APP, {"resource": "mail", "operation": "send", "fromEmail": "nope", "toEmail": "a@x.io",
                              "subject": "s", "contentValue": "c"},
                        responses=[reply(error, status=400)], credentials=CREDENTIALS)
    assert run.error["message"].endswith("(400): The from email does not contain a valid address. (from.email)")


async def test_429_retry_after_and_5xx() -> None:
    limited = reply({"errors": [{"field": None, "message": "too many requests"}]}, status=429,
                    headers={"Retry-After": "5"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "list", "operation": "create", "name": "x"}, responses=[limited],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 5.0, "too many requests")
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "list", "operation": "create", "name": "x"},
                          responses=[reply({"errors": [{"message": "internal error"}]}, status=500)],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.description) == (500, "internal error")
