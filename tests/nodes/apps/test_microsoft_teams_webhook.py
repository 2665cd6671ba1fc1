"""Microsoft Teams incoming webhook: the exact posts for text, MessageCard and Adaptive Card, the
`1` answer, and failures reported as text or status."""

from __future__ import annotations

import pytest

from engine.errors import NodeApiError
from nodes.apps.microsoft_teams_webhook import APP

from .harness import body_of, execute_app, reply, run_app

HOOK = ("https://acme.webhook.office.com/webhookb2/7a1c2b3d-0000-4000-8000-1234567890ab@tenant/IncomingWebhook/"
        "f00dcafe/1b2c3d4e")
CREDENTIALS = {"microsoftTeamsWebhookApi": {"webhookUrl": HOOK}}


async def test_send_text_posts_to_the_webhook_url_and_reads_the_1_answer() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "send", "text": "**Deploy** done",
                              "options": {"title": "CI", "themeColor": "#00FF00"}},
                        responses=[reply(text="1")], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", HOOK)
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers
    assert body_of(request) == {"text": "**Deploy** done", "title": "CI", "themeColor": "#00FF00"}
    assert run.json == [{"success": True}]


async def test_message_card_is_sent_as_given_from_a_json_string() -> None:
    card = ('{"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": "Build",'
            ' "sections": [{"activityTitle": "Build 42 passed"}]}')
    run = await run_app(APP, {"resource": "message", "operation": "sendCard", "card": card},
                        responses=[reply(text="1")], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                                        "summary": "Build", "sections": [{"activityTitle": "Build 42 passed"}]}
    assert run.json == [{"success": True}]


async def test_adaptive_card_is_wrapped_as_an_attachment_for_a_workflows_url() -> None:
    workflows = ("https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
                 "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s1g")
    card = {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "text": "Hello"}]}
    run = await run_app(APP, {"resource": "message", "operation": "sendAdaptiveCard", "card": card},
                        responses=[reply(status=202)], credentials={"microsoftTeamsWebhookApi": {"webhookUrl": workflows}})
    assert str(run.requests[0].url) == workflows.replace(":443", "")  # the query (signature) kept
    assert body_of(run.requests[0]) == {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}
    assert run.json == [{"success": True}]


async def test_invalid_card_json_names_the_parameter() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "sendCard", "card": "{not json"},
                        credentials=CREDENTIALS)
    assert run.error["message"].startswith("Parameter 'Card' is not valid JSON")
    assert run.requests == []


async def test_failures_in_200_text_4xx_429_and_5xx() -> None:
    failed = reply(text="Microsoft Teams endpoint returned HTTP error 413 with ContextId tcid=0,server=msgapi")
    run = await run_app(APP, {"resource": "message", "operation": "send", "text": "x"}, responses=[failed],
                        credentials=CREDENTIALS)
    assert run.error["message"] == ("Microsoft Teams Webhook error: Microsoft Teams endpoint returned HTTP error 413"
                                    " with ContextId tcid=0,server=msgapi")
    run = await run_app(APP, {"resource": "message", "operation": "send", "text": ""}, credentials=CREDENTIALS)
    assert run.error["message"] == "Parameter 'Text' is required"
    bad = reply(text="Bad payload received by generic incoming webhook.", status=400)
    run = await run_app(APP, {"resource": "message", "operation": "sendCard", "card": {"@type": "x"}},
                        responses=[bad], credentials=CREDENTIALS)
    assert run.error["message"] == ("Bad request - please check your parameters (400): "
                                    "Bad payload received by generic incoming webhook.")
    with pytest.raises(NodeApiError) as raised:
        await execute_app(APP, {"resource": "message", "operation": "send", "text": "x"},
                          responses=[reply(text="Too many requests", status=429, headers={"Retry-After": "4"})],
                          credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after) == (429, 4.0)
    run = await run_app(APP, {"resource": "message", "operation": "send", "text": "x"},
                        responses=[reply(text="", status=500)], credentials=CREDENTIALS)
    assert run.error["message"] == "The service was not able to process your request (500)"


async def test_a_credential_that_is_not_a_url_is_named() -> None:
    run = await run_app(APP, {"resource": "message", "operation": "send", "text": "x"},
                        credentials={"microsoftTeamsWebhookApi": {"webhookUrl": "not a url"}})
    assert "webhookUrl" in run.error["message"]
