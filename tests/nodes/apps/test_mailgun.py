"""Mailgun: the multipart Messages request, region and domain from the credential, basic `api:<key>`."""

from __future__ import annotations

import base64
import email

import pytest

from engine.errors import NodeApiError
from nodes.apps.mailgun import APP

from .harness import execute_app, reply, run_app

CREDENTIALS = {"mailgunApi": {"apiDomain": "api.eu.mailgun.net", "emailDomain": "mg.acme.io", "apiKey": "key-1"}}
SEND = {"fromEmail": "Acme <no-reply@mg.acme.io>", "toEmail": "a@x.io,b@x.io", "subject": "Hello",
        "text": "Hi there"}
QUEUED = {"id": "<20240101.1@mg.acme.io>", "message": "Queued. Thank you."}


def fields(request) -> dict[str, str]:
    raw = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.content
    message = email.message_from_bytes(raw)
    return {part.get_param("name", header="content-disposition"): part.get_payload() for part in message.get_payload()}


async def test_send_posts_multipart_to_the_regions_domain_with_basic_auth() -> None:
    run = await run_app(APP, SEND, responses=[reply(QUEUED)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", "https://api.eu.mailgun.net/v3/mg.acme.io/messages")
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"api:key-1").decode()
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert fields(request) == {"from": "Acme <no-reply@mg.acme.io>", "to": "a@x.io,b@x.io", "subject": "Hello",
                               "text": "Hi there"}
    assert run.json == [QUEUED]


async def test_the_us_region_is_the_default_and_cc_bcc_html_are_sent() -> None:
    run = await run_app(APP, {**SEND, "ccEmail": "c@x.io", "bccEmail": "d@x.io", "html": "<p>Hi</p>"},
                        responses=[reply(QUEUED)],
                        credentials={"mailgunApi": {"emailDomain": "mg.acme.io", "apiKey": "key-1"}})
    assert str(run.requests[0].url) == "https://api.mailgun.net/v3/mg.acme.io/messages"
    assert fields(run.requests[0])["cc"] == "c@x.io"
    assert fields(run.requests[0])["html"] == "<p>Hi</p>"


async def test_bad_request_shows_mailguns_message() -> None:
    run = await run_app(APP, {**SEND, "fromEmail": "nope"}, credentials=CREDENTIALS,
                        responses=[reply({"message": "'from' parameter is not a valid address. please check "
                                                     "documentation"}, status=400)])
    assert run.error["message"].endswith("(400): 'from' parameter is not a valid address. please check documentation")
    run = await run_app(APP, SEND, responses=[reply(text="Forbidden", status=401)], credentials=CREDENTIALS)
    assert run.error["message"].endswith("(401): Forbidden")


async def test_429_retry_after_and_5xx() -> None:
    limited = reply({"message": "Too many requests"}, status=429, headers={"Retry-After": "10"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "email", "operation": "send", **SEND}, responses=[limited], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 10.0, "Too many requests")
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "email", "operation": "send", **SEND}, responses=[reply({"message": "Internal error"}, status=500)],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.description) == (500, "Internal error")
