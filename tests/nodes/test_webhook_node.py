"""Webhook and Respond to Webhook: what their parameters mean, how a request becomes the item, the
answers they shape, and both nodes in small flows run by the real executor."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from engine.ports import InMemoryCredentials, RecordingEventSink, Services
from nodes.core.respond_to_webhook import RESPONSE_EVENT
from nodes.core.webhook import (
    METHOD_KEY,
    UploadedFile,
    WebhookRequest,
    WebhookResponseError,
    binary_entry,
    ip_allowed,
    is_bot,
    last_node_response,
    received_response,
    request_item,
    webhook_settings,
)

URL = "http://example.test/webhook/hook"


def item_for(request: WebhookRequest, version: float = 2.0, **parameters: Any) -> dict[str, Any]:
    settings = webhook_settings(parameters, version)
    return request_item(settings, version, request, {}, webhook_url=URL, test=False)


def post(body: bytes, content_type: str, **fields: Any) -> WebhookRequest:
    return WebhookRequest("POST", "hook", {"content-type": content_type, **fields.pop("headers", {})},
                          fields.pop("query", {}), body, "127.0.0.1", **fields)


# --- settings -------------------------------------------------------------------------------------

def test_settings_apply_n8n_defaults() -> None:
    settings = webhook_settings({}, 2.1)
    assert (settings.methods, settings.several_methods, settings.path) == (("GET",), False, "")
    assert (settings.authentication, settings.response_mode, settings.response_code) == ("none", "onReceived", 200)
    assert settings.response_data == "firstEntryJson"


@pytest.mark.parametrize(("version", "parameters", "code"), [
    (1.0, {"responseCode": 201}, 201),
    (1.1, {"responseCode": "=202"}, 202),
    (2.0, {"responseCode": 201}, 200),  # v2 reads the option, not the old parameter
    (2.0, {"options": {"responseCode": {"values": {"responseCode": 204}}}}, 204),
    (2.1, {"options": {"responseCode": {"values": {"responseCode": "customCode", "customCode": 418}}}}, 418),
    (2.1, {"options": {"responseCode": {"values": {"responseCode": "customCode", "customCode": 7}}}}, 200),
])
def test_response_code_by_version(version: float, parameters: dict[str, Any], code: int) -> None:
    assert webhook_settings(parameters, version).response_code == code


def test_several_methods_default_to_get_and_post() -> None:
    from nodes.core.webhook import Webhook
    from tests.nodes.fake import make_node

    settings = webhook_settings({"multipleMethods": True}, 2.1)
    assert settings.methods == ("GET", "POST") and settings.several_methods
    node = make_node("n8n-nodes-base.webhook", 2.1, {"multipleMethods": True})
    assert Webhook().output_count(node) == 2 and Webhook().output_names(node) == ["GET", "POST"]


def test_paths_lose_their_slashes_and_methods_their_case() -> None:
    settings = webhook_settings({"path": "/orders/:id/", "httpMethod": ["post", "GET", "POST"]}, 2.1)
    assert settings.path == "orders/:id"
    assert settings.methods == ("POST", "GET") and settings.several_methods


# --- requests become items ------------------------------------------------------------------------

def test_json_request_item_has_n8n_keys_in_order() -> None:
    request = post(b'{"a": 1}', "application/json; charset=utf-8", query={"q": "x"},
                   headers={"user-agent": "curl"})
    item = request_item(webhook_settings({}, 2), 2, request, {"id": "7"}, webhook_url=URL, test=True)
    assert list(item["json"]) == ["headers", "params", "query", "body", "webhookUrl", "executionMode"]
    assert item["json"]["body"] == {"a": 1} and item["json"]["params"] == {"id": "7"}
    assert item["json"]["query"] == {"q": "x"} and item["json"]["executionMode"] == "test"
    assert item["json"]["headers"]["user-agent"] == "curl" and "binary" not in item


def test_form_text_and_xml_bodies() -> None:
    assert item_for(post(b"a=1&b=2&a=3", "application/x-www-form-urlencoded"))["json"]["body"] == {
        "a": ["1", "3"], "b": "2"}
    assert item_for(post(b"hello", "text/plain"))["json"]["body"] == "hello"
    assert item_for(post(b"<a>1</a>", "application/xml"))["json"]["body"] == "<a>1</a>"


def test_broken_json_raises_value_error() -> None:
    with pytest.raises(ValueError):
        item_for(post(b"{nope", "application/json"))


def test_other_content_becomes_binary_from_v2() -> None:
    request = post(b"\x89PNG", "image/png", headers={"content-disposition": 'attachment; filename="a.png"'})
    item = item_for(request, 2.0, options={"binaryPropertyName": "file"})
    assert item["json"]["body"] == {}
    entry = item["binary"]["file"]
    assert base64.b64decode(entry["data"]) == b"\x89PNG" and entry["mimeType"] == "image/png"
    assert (entry["fileName"], entry["fileExtension"], entry["fileType"]) == ("a.png", "png", "image")
    assert "binary" not in item_for(request, 1.0)  # v1 needs the Binary File option
    assert "data" in item_for(request, 1.0, options={"binaryData": True})["binary"]


def test_raw_body_option_adds_the_bytes_as_binary_data() -> None:
    item = item_for(post(b'{"a": 1}', "application/json"), 2.0, options={"rawBody": True})
    assert item["json"]["body"] == {"a": 1}
    assert base64.b64decode(item["binary"]["data"]["data"]) == b'{"a": 1}'


def test_multipart_files_become_binary_named_after_their_field() -> None:
    files = (UploadedFile("doc", "a.txt", "text/plain", b"one"), UploadedFile("pics[]", "1.jpg", "image/jpeg", b"1"),
             UploadedFile("pics[]", "2.jpg", "image/jpeg", b"2"))
    request = post(b"--x", "multipart/form-data; boundary=x", form={"name": "Ada"}, files=files)
    item = item_for(request)
    assert item["json"]["body"] == {"name": "Ada"}
    assert sorted(item["binary"]) == ["doc", "pics0", "pics1"]
    assert base64.b64decode(item["binary"]["pics1"]["data"]) == b"2"
    prefixed = item_for(request, options={"binaryPropertyName": "file"})
    assert sorted(prefixed["binary"]) == ["file0", "file1", "file2"]


def test_several_methods_mark_the_method_for_the_node() -> None:
    item = item_for(post(b"", "text/plain"), 2.1, httpMethod=["GET", "POST"])
    assert item["json"][METHOD_KEY] == "POST"
    assert METHOD_KEY not in item_for(post(b"", "text/plain"), 2.1, httpMethod="POST")["json"]


def test_binary_entry_sizes_like_n8n() -> None:
    assert binary_entry(b"x" * 1040, "application/pdf")["fileSize"] == "1.04 kB"
    assert binary_entry(b"x" * 12, "application/json")["fileType"] == "json"


# --- checks -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("allowlist", "ip", "allowed"), [
    ("", "203.0.113.9", True),
    ("203.0.113.9", "203.0.113.9", True),
    ("10.0.0.0/8, 192.168.1.0/24", "192.168.1.20", True),
    ("10.0.0.0/8", "192.168.1.20", False),
    ("10.0.0.0/8", "::ffff:10.1.2.3", True),
    ("2001:db8::/32", "2001:db8::1", True),
    ("192.168.", "192.168.4.4", True),  # n8n 1.x matched parts of addresses
])
def test_ip_allowlist(allowlist: str, ip: str, allowed: bool) -> None:
    assert ip_allowed(allowlist, ip) is allowed


def test_bots_are_recognised() -> None:
    assert is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)") and is_bot("Slackbot-LinkExpanding 1.0")
    assert is_bot("facebookexternalhit/1.1") and not is_bot("curl/8.5.0") and not is_bot("")


# --- answers ----------------------------------------------------------------------------------------

def test_received_answers() -> None:
    assert received_response(webhook_settings({}, 2))["body"] == {"message": "Workflow was started"}
    custom = received_response(webhook_settings({"options": {"responseData": "ok"}}, 2))
    assert (custom["body"], custom["bodyType"]) == ("ok", "text")
    silent = received_response(webhook_settings({"options": {"noResponseBody": True}}, 2))
    assert silent["bodyType"] == "none"
    headers = {"responseHeaders": {"entries": [{"name": "X-Id", "value": "1"}]}}
    assert received_response(webhook_settings({"options": headers}, 2))["headers"] == {"x-id": "1"}


def last(data: str, items: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    parameters = {"responseMode": "lastNode", "responseData": data, "options": options}
    return last_node_response(webhook_settings(parameters, 2), items)


def test_last_node_answers() -> None:
    items = [{"json": {"a": {"b": 1}}}, {"json": {"c": 2}}]
    assert last("allEntries", items)["body"] == [{"a": {"b": 1}}, {"c": 2}]
    assert last("firstEntryJson", items)["body"] == {"a": {"b": 1}}
    assert last("firstEntryJson", items, responsePropertyName="a.b")["body"] == 1
    typed = last("firstEntryJson", items, responseContentType="application/xml")
    assert typed["headers"]["content-type"] == "application/xml"
    assert last("noData", items)["bodyType"] == "none"
    assert last("allEntries", [])["body"] == []
    png = {"json": {}, "binary": {"data": binary_entry(b"img", "image/png")}}
    answer = last("firstEntryBinary", [png])
    assert (answer["bodyType"], base64.b64decode(answer["body"]), answer["headers"]["content-type"]) == (
        "binary", b"img", "image/png")


@pytest.mark.parametrize(("data", "items", "message"), [
    ("firstEntryJson", [], "No item to return was found"),
    ("firstEntryBinary", [], "No item was found to return"),
    ("firstEntryBinary", [{"json": {}}], "No binary data was found to return"),
    ("firstEntryBinary", [{"json": {}, "binary": {"other": {"data": ""}}}],
     "The binary property 'data' which should be returned does not exist"),
])
def test_last_node_answers_that_cannot_be(data: str, items: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(WebhookResponseError, match=message):
        last(data, items)


# --- the nodes in flows -------------------------------------------------------------------------------

def node(name: str, type_name: str, version: float, parameters: dict[str, Any], x: int = 0,
         **fields: Any) -> dict[str, Any]:
    return {"name": name, "type": type_name, "typeVersion": version, "position": [x, 0], "parameters": parameters,
            **fields}


def flow(webhook: dict[str, Any], respond: dict[str, Any] | None = None) -> dict[str, Any]:
    nodes = [node("Webhook", "n8n-nodes-base.webhook", 2.0, {"path": "hook", "responseMode": "responseNode"}),
             node("Respond", "n8n-nodes-base.respondToWebhook", 1.1, {}, 200)]
    nodes[0]["parameters"].update(webhook)
    if respond is not None:
        nodes[1]["typeVersion"] = respond.pop("typeVersion", 1.1)
        nodes[1]["parameters"] = respond
        nodes[1].update(respond.pop("_node", {}))
    return {"nodes": nodes, "connections": {"Webhook": {"main": [[{"node": "Respond", "type": "main", "index": 0}]]}},
            "settings": {"executionOrder": "v1"}}


async def respond(run: Any, parameters: dict[str, Any], items: list[dict[str, Any]] | None = None,
                  credentials: dict[str, dict[str, Any]] | None = None) -> tuple[Any, list[dict[str, Any]]]:
    sink = RecordingEventSink()
    services = Services(events=sink, credentials=InMemoryCredentials(credentials or {}))
    result = await run(flow({}, parameters), services=services, mode="webhook", start_node="Webhook",
                       start_items=items or [{"json": {"body": {"n": 1}}}])
    return result, [payload for event, payload in sink.events if event == RESPONSE_EVENT]


async def test_webhook_node_hands_the_item_on_by_method(run: Any) -> None:
    workflow = {"nodes": [node("Webhook", "n8n-nodes-base.webhook", 2.1,
                               {"path": "p", "multipleMethods": True, "httpMethod": ["GET", "POST"]})],
                "connections": {}}
    result = await run(workflow, mode="webhook", start_node="Webhook",
                       start_items=[{"json": {"body": {}, METHOD_KEY: "POST"}}])
    task = result.run_data["Webhook"][0]
    assert [len(output) for output in task.outputs] == [0, 1]
    assert task.outputs[1][0].json == {"body": {}}
    alone = await run(workflow, mode="manual")  # started by hand: one empty item on the first output
    assert [len(output) for output in alone.run_data["Webhook"][0].outputs] == [1, 0]


async def test_respond_first_item_sends_it_and_passes_items_on(run: Any) -> None:
    result, sent = await respond(run, {"respondWith": "firstIncomingItem",
                                       "options": {"responseCode": 201, "responseKey": "data.item",
                                                   "responseHeaders": {"entries": [{"name": "X-A", "value": "b"}]}}})
    assert result.status == "success"
    assert sent == [{"node": "Respond", "response": {"statusCode": 201, "headers": {"x-a": "b"},
                                                     "body": {"data": {"item": {"body": {"n": 1}}}},
                                                     "bodyType": "json"}}]
    assert [item.json for item in result.output_of("Respond")] == [{"body": {"n": 1}}]


@pytest.mark.parametrize(("parameters", "status", "body", "body_type"), [
    ({"respondWith": "allIncomingItems"}, 200, [{"n": 1}, {"n": 2}], "json"),
    ({"respondWith": "json", "responseBody": '{"ok": true}'}, 200, {"ok": True}, "json"),
    ({"respondWith": "text", "responseBody": "done"}, 200, "done", "text"),
    ({"respondWith": "noData", "options": {"responseCode": 204}}, 204, None, "none"),
    ({"respondWith": "redirect", "redirectURL": "https://example.test/"}, 307, None, "none"),
])
async def test_respond_with(run: Any, parameters: dict[str, Any], status: int, body: Any, body_type: str) -> None:
    _, sent = await respond(run, parameters, [{"json": {"n": 1}}, {"json": {"n": 2}}])
    response = sent[0]["response"]
    assert (response["statusCode"], response["body"], response["bodyType"]) == (status, body, body_type)
    if parameters["respondWith"] == "redirect":
        assert response["headers"] == {"location": "https://example.test/"}


async def test_respond_binary_uses_the_first_binary_field(run: Any) -> None:
    entry = binary_entry(b"%PDF", "application/pdf", "a.pdf")
    _, sent = await respond(run, {"respondWith": "binary"}, [{"json": {}, "binary": {"file": entry}}])
    response = sent[0]["response"]
    assert base64.b64decode(response["body"]) == b"%PDF" and response["headers"]["content-type"] == "application/pdf"
    result, _ = await respond(run, {"respondWith": "binary", "responseDataSource": "set", "inputFieldName": "x"},
                              [{"json": {}, "binary": {"file": entry}}])
    assert result.status == "error" and "no binary field 'x'" in result.error["message"]


async def test_respond_bad_json_fails_or_continues(run: Any) -> None:
    result, sent = await respond(run, {"respondWith": "json", "responseBody": "{oops"})
    assert result.status == "error" and result.error["message"] == "Invalid JSON in 'Response Body' field"
    assert sent == []
    workflow = flow({}, {"respondWith": "json", "responseBody": "{oops", "_node": {"onError": "continueRegularOutput"}})
    continued = await run(workflow, mode="webhook", start_node="Webhook", start_items=[{"json": {}}])
    assert continued.output_of("Respond")[0].json == {"error": "Invalid JSON in 'Response Body' field"}


@pytest.mark.parametrize(("version", "enabled", "outputs"), [(1.1, True, 1), (1.3, False, 2), (1.4, False, 1),
                                                              (1.4, True, 2), (1.5, True, 2)])
async def test_response_output_branch(run: Any, version: float, enabled: bool, outputs: int) -> None:
    result, _ = await respond(run, {"typeVersion": version, "respondWith": "text", "responseBody": "hi",
                                    "enableResponseOutput": enabled})
    task = result.run_data["Respond"][0]
    assert len(task.outputs) == outputs
    if outputs == 2:
        assert task.outputs[1][0].json == {"response": {"headers": {}, "statusCode": 200, "body": "hi"}}


async def test_respond_with_a_signed_jwt(run: Any) -> None:
    from joserfc import jwt
    from joserfc.jwk import OctKey

    secret = "a-secret-long-enough-for-hs256-signing!"
    credentials = {"c1": {"keyType": "passphrase", "secret": secret, "algorithm": "HS256"}}
    workflow_parameters = {"respondWith": "jwt", "payload": '{"sub": "ada"}',
                           "_node": {"credentials": {"jwtAuth": {"id": "c1", "name": "JWT"}}}}
    _, sent = await respond(run, workflow_parameters, credentials=credentials)
    token = sent[0]["response"]["body"]["token"]
    claims = jwt.decode(token, OctKey.import_key(secret), algorithms=["HS256"]).claims
    assert claims["sub"] == "ada" and isinstance(claims["iat"], int)


def test_responses_survive_json_round_trips() -> None:
    """Responses travel over Redis pub/sub in queue mode."""
    answer = last("firstEntryBinary", [{"json": {}, "binary": {"data": binary_entry(b"\x00\x01", "image/png")}}])
    assert orjson.loads(orjson.dumps(answer)) == answer
