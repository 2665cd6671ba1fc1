"""/webhook/<path> and /webhook-test/<path> over ASGI: workflows activated through the public API,
bodies of every kind, size limits, public URLs behind proxies, and answers as HTTP."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.webhooks import install
from services.runtime import Runtime
from services.settings import load_settings
from services.webhooks import webhook_service

from .conftest import Team


@pytest.fixture
def web(runtime: Runtime) -> Iterator[TestClient]:
    """A client of an app whose only routes are the webhook entrance (in front of its middleware)."""
    app = FastAPI()
    app.state.runtime = runtime
    install(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def webhook(path: str, method: str | list[str] = "POST", mode: str = "lastNode", **parameters: Any) -> dict[str, Any]:
    return {"name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
            "webhookId": "0b7a4f5e-routes", "parameters": {"path": path, "httpMethod": method, "responseMode": mode,
                                                            **parameters}}


def respond(**parameters: Any) -> dict[str, Any]:
    return {"name": "Respond", "type": "n8n-nodes-base.respondToWebhook", "typeVersion": 1.4, "position": [200, 0],
            "parameters": parameters}


def activate(api: TestClient, team: Team, name: str, *nodes: dict[str, Any], who: str = "owner") -> str:
    connections = {a["name"]: {"main": [[{"node": b["name"], "type": "main", "index": 0}]]}
                   for a, b in zip(nodes, nodes[1:], strict=False)}
    created = api.post("/workflows", headers=team.auth(who),
                       json={"name": name, "nodes": list(nodes), "connections": connections, "settings": {}})
    assert created.status_code == 200, created.text
    workflow_id = created.json()["id"]
    answer = api.post(f"/workflows/{workflow_id}/activate", headers=team.auth(who))
    assert answer.status_code == 200, answer.text
    return str(workflow_id)


def test_json_call_answers_json_with_the_item(api: TestClient, team: Team, web: TestClient) -> None:
    activate(api, team, "Echo", webhook("echo"))
    answer = web.post("/webhook/echo?tag=a&tag=b", json={"n": 1}, headers={"X-Custom": "yes"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json; charset=utf-8"
    item = answer.json()
    assert item["body"] == {"n": 1} and item["query"] == {"tag": ["a", "b"]}
    assert item["headers"]["x-custom"] == "yes" and item["executionMode"] == "production"
    assert item["webhookUrl"] == "http://testserver/webhook/echo"
    assert "set-cookie" not in answer.headers


def test_second_activation_on_a_path_is_refused_by_the_api(api: TestClient, team: Team) -> None:
    activate(api, team, "First owner", webhook("shared"))
    created = api.post("/workflows", headers=team.auth("owner"),
                       json={"name": "Latecomer", "nodes": [webhook("shared")], "connections": {}, "settings": {}})
    refused = api.post(f"/workflows/{created.json()['id']}/activate", headers=team.auth("owner"))
    assert refused.status_code == 400 and refused.json()["code"] == "cannot_activate"
    assert "'First owner'" in refused.json()["message"]


def test_unknown_path_wrong_method_and_preflight(api: TestClient, team: Team, web: TestClient) -> None:
    activate(api, team, "Posts only", webhook("posts"))
    missing = web.post("/webhook/no/such/path")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert '"POST no/such/path"' in missing.json()["message"]
    wrong = web.get("/webhook/posts")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    preflight = web.options("/webhook/posts", headers={"Origin": "https://app.example",
                                                       "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"


def test_allowed_origins(api: TestClient, team: Team, web: TestClient) -> None:
    activate(api, team, "CORS", webhook("cors", options={"allowedOrigins": "https://a.example, https://b.example"}))
    allowed = web.post("/webhook/cors", json={}, headers={"Origin": "https://b.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://b.example"
    other = web.post("/webhook/cors", json={}, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    preflight = web.options("/webhook/cors", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 204 and "access-control-allow-origin" not in preflight.headers


def test_bodies_over_the_limit_get_413(api: TestClient, team: Team, web: TestClient, runtime: Runtime) -> None:
    activate(api, team, "Small", webhook("small"))
    webhook_service(runtime).max_body = 1024
    declared = web.post("/webhook/small", content=b"x" * 2048, headers={"content-type": "text/plain"})
    assert declared.status_code == 413 and "KNOTWORK_PAYLOAD_MAX_MB" in declared.json()["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        for _ in range(4):
            yield b"y" * 512

    streamed = web.post("/webhook/small", content=chunks(), headers={"content-type": "text/plain"})
    assert streamed.status_code == 413
    assert web.post("/webhook/small", content=b"z" * 1000, headers={"content-type": "text/plain"}).json()["body"] == \
        "z" * 1000


def test_multipart_files_become_binary_and_can_be_answered(api: TestClient, team: Team, web: TestClient) -> None:
    activate(api, team, "Upload", webhook("upload", responseData="firstEntryBinary",
                                          responseBinaryPropertyName="report"))
    answer = web.post("/webhook/upload", data={"title": "Q3"},
                      files={"report": ("q3.pdf", b"%PDF-1.4 data", "application/pdf")})
    assert answer.status_code == 200 and answer.content == b"%PDF-1.4 data"
    assert answer.headers["content-type"] == "application/pdf"


def test_form_bodies_and_public_urls(api: TestClient, team: Team, web: TestClient, runtime: Runtime) -> None:
    activate(api, team, "Form", webhook("form"))
    forwarded = {"X-Forwarded-Host": "hooks.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/kw"}
    item = web.post("/webhook/form", data={"a": "1", "b": "2"}, headers=forwarded).json()
    assert item["body"] == {"a": "1", "b": "2"}
    assert item["webhookUrl"] == "https://hooks.example.com/kw/webhook/form"
    service = webhook_service(runtime)
    service.settings = load_settings({"KNOTWORK_PUBLIC_URL": "https://public.example.org/"})
    item = web.post("/webhook/form", data={"a": "1"}, headers=forwarded).json()
    assert item["webhookUrl"] == "https://public.example.org/webhook/form"


@pytest.mark.parametrize(("parameters", "status", "content_type", "content"), [
    ({"respondWith": "text", "responseBody": "<b>hi</b>"}, 200, "text/html; charset=utf-8", b"<b>hi</b>"),
    ({"respondWith": "json", "responseBody": '{"ok": true}', "options": {"responseCode": 201}}, 201,
     "application/json; charset=utf-8", b'{"ok":true}'),
    ({"respondWith": "noData", "options": {"responseCode": 204}}, 204, None, b""),
])
def test_respond_node_answers_as_http(api: TestClient, team: Team, web: TestClient, parameters: dict[str, Any],
                                      status: int, content_type: str | None, content: bytes) -> None:
    activate(api, team, "Answer", webhook("answer", mode="responseNode"), respond(**parameters))
    answer = web.post("/webhook/answer", json={})
    assert (answer.status_code, answer.content) == (status, content)
    assert answer.headers.get("content-type") == content_type
    if content_type and content_type.startswith("text/html"):
        assert answer.headers["content-security-policy"] == "sandbox"  # pages cannot act as the signed-in user


def test_redirects_and_head_requests(api: TestClient, team: Team, web: TestClient) -> None:
    activate(api, team, "Go", webhook("go", method="GET", mode="responseNode"),
             respond(respondWith="redirect", redirectURL="https://example.org/next"))
    answer = web.get("/webhook/go", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (307, "https://example.org/next")
    activate(api, team, "Ping", webhook("ping", method="HEAD", mode="onReceived"))
    head = web.head("/webhook/ping")
    assert head.status_code == 200 and head.content == b""


def test_several_methods_on_one_node(api: TestClient, team: Team, web: TestClient) -> None:
    node = {**webhook("both"), "typeVersion": 2.1,
            "parameters": {"path": "both", "multipleMethods": True, "httpMethod": ["GET", "POST"],
                           "responseMode": "responseNode"}}
    workflow = {"name": "Both", "nodes": [node, respond(respondWith="firstIncomingItem")], "settings": {},
                "connections": {"Webhook": {"main": [[], [{"node": "Respond", "type": "main", "index": 0}]]}}}
    created = api.post("/workflows", headers=team.auth("owner"), json=workflow).json()
    assert api.post(f"/workflows/{created['id']}/activate", headers=team.auth("owner")).status_code == 200
    item = web.post("/webhook/both", json={"x": 1}).json()  # POST is the second output, wired to Respond
    assert item["body"] == {"x": 1} and set(item) == {"headers", "params", "query", "body", "webhookUrl",
                                                     "executionMode"}
    quiet = web.get("/webhook/both")  # GET leaves by the first output, which leads nowhere
    assert (quiet.status_code, quiet.content) == (200, b"")


def test_test_url_answers_the_listening_editor(api: TestClient, team: Team, web: TestClient,
                                               runtime: Runtime) -> None:
    document = {"name": "Draft", "nodes": [webhook("draft")], "connections": {}}
    created = api.post("/workflows", headers=team.auth("owner"), json={**document, "settings": {}}).json()
    service = webhook_service(runtime)

    async def listen() -> Any:
        return service.tests.listen(created["id"], team.personal("owner"), document, runtime.registry)

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(listen())
        answer = web.post("/webhook-test/draft", json={"n": 3})
        assert answer.status_code == 200 and answer.json()["executionMode"] == "test"
        assert answer.json()["webhookUrl"] == "http://testserver/webhook-test/draft"
        assert web.post("/webhook-test/draft", json={}).status_code == 404  # it listened for one call
        assert web.post("/webhook/draft", json={}).status_code == 404  # and the workflow is not active
    finally:
        loop.close()


def test_binary_answers_decode(api: TestClient, team: Team, web: TestClient) -> None:
    activate(api, team, "Raw", webhook("raw", responseData="firstEntryBinary"))
    png = base64.b64decode("iVBORw0KGgo=")
    answer = web.post("/webhook/raw", content=png, headers={"content-type": "image/png"})
    assert answer.content == png and answer.headers["content-type"] == "image/png"
