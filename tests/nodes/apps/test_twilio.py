"""Twilio: form-encoded Messages/Calls requests, basic auth by token or API key, Twilio's errors."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl

import pytest

from engine.errors import NodeApiError
from nodes.apps.twilio import APP

from .harness import execute_app, reply, run_app

CREDENTIALS = {"twilioApi": {"accountSid": "AC123", "authToken": "tok"}}
API = "https://api.twilio.com/2010-04-01/Accounts/AC123"
MESSAGE = {"sid": "SM1f0e8ae6ade43cb3c0ce4525424e404f", "status": "queued", "body": "Hi",
           "from": "+14155238886", "to": "+15558675310", "account_sid": "AC123"}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_send_sms_form_encoded_with_account_basic_auth() -> None:
    run = await run_app(APP, {"resource": "sms", "operation": "send", "from": "+14155238886", "to": "+15558675310",
                              "message": "Hi", "options": {"statusCallback": "https://hooks.acme.io/s"}},
                        responses=[reply(MESSAGE, status=201)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", f"{API}/Messages.json")
    assert request.headers["authorization"] == basic("AC123", "tok")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.content.decode()) == [("From", "+14155238886"), ("To", "+15558675310"), ("Body", "Hi"),
                                                   ("StatusCallback", "https://hooks.acme.io/s")]
    assert run.json == [MESSAGE]


async def test_whatsapp_numbers_and_api_key_auth() -> None:
    credentials = {"twilioApi": {"authType": "apiKey", "accountSid": "AC123", "apiKeySid": "SK9",
                                 "apiKeySecret": "sec"}}
    run = await run_app(APP, {"resource": "sms", "operation": "send", "from": "+1415", "to": "+1555",
                              "toWhatsapp": True, "message": "Hi"}, responses=[reply(MESSAGE, status=201)],
                        credentials=credentials)
    assert run.requests[0].headers["authorization"] == basic("SK9", "sec")
    assert parse_qsl(run.requests[0].content.decode()) == [("From", "whatsapp:+1415"), ("To", "whatsapp:+1555"),
                                                           ("Body", "Hi")]


async def test_make_call_says_the_message_or_sends_twiml() -> None:
    call = {"sid": "CAa346467ca321c71dbd5e12f627deb854", "status": "queued", "to": "+1555", "from": "+1415"}
    run = await run_app(APP, {"resource": "call", "operation": "make", "from": "+1415", "to": "+1555",
                              "message": "Fish & chips"}, responses=[reply(call, status=201)], credentials=CREDENTIALS)
    assert (run.requests[0].method, str(run.requests[0].url)) == ("POST", f"{API}/Calls.json")
    assert parse_qsl(run.requests[0].content.decode()) == [
        ("From", "+1415"), ("To", "+1555"), ("Twiml", "<Response><Say>Fish &amp; chips</Say></Response>")]
    assert run.json == [call]
    twiml = '<Response><Play>https://demo.twilio.com/docs/classic.mp3</Play></Response>'
    run = await run_app(APP, {"resource": "call", "operation": "make", "from": "+1415", "to": "+1555",
                              "twiml": True, "message": twiml}, responses=[reply(call, status=201)],
                        credentials=CREDENTIALS)
    assert dict(parse_qsl(run.requests[0].content.decode()))["Twiml"] == twiml


async def test_invalid_number_shows_twilios_message() -> None:
    error = {"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.",
             "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
    run = await run_app(APP, {"resource": "sms", "operation": "send", "from": "+1415", "to": "+1555",
                              "message": "Hi"}, responses=[reply(error, status=400)], credentials=CREDENTIALS)
    assert run.error["message"].endswith("(400): The 'To' number +1555 is not a valid phone number.")


async def test_429_retry_after_and_5xx() -> None:
    parameters = {"resource": "sms", "operation": "send", "from": "+1415", "to": "+1555", "message": "Hi"}
    limited = reply({"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/"
                     "20429", "status": 429}, status=429, headers={"Retry-After": "1"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, parameters, responses=[limited], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.description) == (
        429, 1.0, "Too Many Requests")
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, parameters, responses=[reply({"code": 20500, "message": "Internal Server Error",
                                                             "status": 500}, status=500)], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.description) == (500, "Internal Server Error")
