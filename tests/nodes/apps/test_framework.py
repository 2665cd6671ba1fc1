"""The declarative app framework: request building, every pagination kind, error reading,
Retry-After, continue-on-fail, and the generated form of every registered app."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from engine.credential_types import CredentialTypeRegistry, QueryAuth
from engine.errors import NodeApiError, NodeOperationError
from engine.items import Item
from engine.node_api import Parameter
from engine.registry import NodeRegistry
from nodes.apps import APPS, CREDENTIAL_TYPES, NODE_TYPES
from nodes.apps.framework import (
    App,
    Auth,
    CredentialType,
    Cursor,
    NextUrl,
    Offset,
    Operation,
    PageNumber,
    Resource,
    app_node,
    docs_markdown,
)

from .harness import execute_app, reply, run_app

KEYED = CredentialType("demoApi", "Demo API", fields=(
    Parameter("apiKey", "API Key", "string", default="", type_options={"password": True}),
    Parameter("host", "Host", "string", default="api.demo.test"),
), authenticate=QueryAuth(name="key", value="{apiKey}"))
LIST = "/v1/things"


def _list(name: str, pagination: Any, items: str = "things") -> Operation:
    return Operation(name, name.title(), "GET", LIST, items=items, pagination=pagination)


DEMO = App(
    name="demo", display_name="Demo", description="A test app", base_url="https://{host}",
    auth=(Auth(KEYED),),
    resources=(
        Resource("thing", "Thing", (
            Operation("get", "Get", "GET", "/v1/things/{thingId}",
                      parameters=(Parameter("thingId", "Thing ID", "string", default="", required=True),)),
            Operation("create", "Create", "POST", "/v1/things", body_format="form",
                      parameters=(Parameter("name", "Name", "string", default=""),
                                  Parameter("extra", "Extra", "collection", default={}, fields=(
                                      Parameter("color", "Color", "string", default=""),))),
                      body={"name": "name", "*": "extra"}),
            Operation("remove", "Remove", "DELETE", "/v1/things/{thingId}",
                      parameters=(Parameter("thingId", "Thing ID", "string", default="", required=True),)),
        )),
        Resource("page", "Paged", (
            _list("byPage", PageNumber(param="page", start=1, size_param="per_page", max_size=2)),
            _list("byOffset", Offset(param="offset", size_param="count", max_size=2)),
            _list("byUrl", NextUrl("links.next")),
            _list("byCursor", Cursor("meta.cursor", "after")),
        )),
    ),
)
CREDENTIALS = {"demoApi": {"apiKey": "k1"}}


async def test_path_placeholders_are_quoted_and_credential_fills_base_url_and_query_key() -> None:
    run = await run_app(DEMO, {"resource": "thing", "operation": "get", "thingId": "a/b c"},
                        responses=[reply({"id": "a/b c"})], credentials={"demoApi": {"apiKey": "k1", "host": "h.test"}})
    assert str(run.requests[0].url) == "https://h.test/v1/things/a%2Fb%20c?key=k1"
    assert run.json == [{"id": "a/b c"}]


async def test_form_body_merges_a_collection_and_leaves_out_empty_values() -> None:
    run = await run_app(DEMO, {"resource": "thing", "operation": "create", "name": "", "extra": {"color": "red"}},
                        responses=[reply({"id": 1})], credentials=CREDENTIALS)
    assert run.requests[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert run.requests[0].content == b"color=red"


async def test_no_content_answer_becomes_success_item() -> None:
    run = await run_app(DEMO, {"resource": "thing", "operation": "remove", "thingId": "9"},
                        responses=[reply(status=204)], credentials=CREDENTIALS)
    assert run.requests[0].method == "DELETE"
    assert run.json == [{"success": True}]


async def test_page_number_stops_at_a_short_page() -> None:
    pages = [reply({"things": [1, 2]}), reply({"things": [3]})]
    run = await run_app(DEMO, {"resource": "page", "operation": "byPage", "returnAll": True},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"data": 1}, {"data": 2}, {"data": 3}]
    assert [r.url.params.get("page") for r in run.requests] == ["1", "2"]
    assert [r.url.params.get("per_page") for r in run.requests] == ["2", "2"]


async def test_offset_advances_by_items_received_until_the_limit() -> None:
    pages = [reply({"things": [1, 2]}), reply({"things": [3, 4]})]
    run = await run_app(DEMO, {"resource": "page", "operation": "byOffset", "limit": 3},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"data": 1}, {"data": 2}, {"data": 3}]
    assert [str(r.url) for r in run.requests] == ["https://api.demo.test/v1/things?count=2&key=k1",
                                                  "https://api.demo.test/v1/things?count=2&offset=2&key=k1"]


async def test_next_url_from_the_body_relative_or_absolute() -> None:
    pages = [reply({"things": [{"n": 1}], "links": {"next": "/v1/things?from=2"}}),
             reply({"things": [{"n": 2}], "links": {"next": None}})]
    run = await run_app(DEMO, {"resource": "page", "operation": "byUrl", "returnAll": True},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"n": 1}, {"n": 2}]
    assert str(run.requests[1].url) == "https://api.demo.test/v1/things?from=2&key=k1"


async def test_cursor_without_return_all_fetches_until_the_limit_only() -> None:
    pages = [reply({"things": [{"n": 1}], "meta": {"cursor": "c2"}}),
             reply({"things": [{"n": 2}, {"n": 3}], "meta": {"cursor": "c3"}})]
    run = await run_app(DEMO, {"resource": "page", "operation": "byCursor", "limit": 2},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"n": 1}, {"n": 2}]
    assert [r.url.params.get("after") for r in run.requests] == [None, "c2"]


async def test_429_raises_node_api_error_with_retry_after() -> None:
    limited = reply({"message": "Slow down"}, status=429, headers={"Retry-After": "17"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(DEMO, {"resource": "thing", "operation": "get", "thingId": "1"},
                          responses=[limited], credentials=CREDENTIALS)
    assert (raised.value.http_code, raised.value.retry_after, raised.value.item_index) == (429, 17.0, 0)
    assert raised.value.message == "The service is receiving too many requests from you (429): Slow down"


async def test_retry_after_from_the_body_when_the_header_is_missing() -> None:
    app = replace(DEMO, retry_after_path="parameters.retry_after")
    limited = reply({"ok": False, "parameters": {"retry_after": 35}}, status=429)
    with pytest.raises(NodeApiError) as raised:
        await execute_app(app, {"resource": "thing", "operation": "get", "thingId": "1"},
                          responses=[limited], credentials=CREDENTIALS)
    assert raised.value.retry_after == 35.0
    with_header = reply({"parameters": {"retry_after": 35}}, status=429, headers={"Retry-After": "3"})
    with pytest.raises(NodeApiError) as raised:
        await execute_app(app, {"resource": "thing", "operation": "get", "thingId": "1"},
                          responses=[with_header], credentials=CREDENTIALS)
    assert raised.value.retry_after == 3.0


async def test_retry_on_fail_sends_again_after_a_429() -> None:
    answers = [reply({"message": "Slow down"}, status=429, headers={"Retry-After": "0"}), reply({"id": "1"})]
    run = await run_app(DEMO, {"resource": "thing", "operation": "get", "thingId": "1"}, responses=answers,
                        credentials=CREDENTIALS, retryOnFail=True, maxTries=2, waitBetweenTries=0)
    assert run.json == [{"id": "1"}]
    assert len(run.requests) == 2


async def test_5xx_without_a_body_names_the_status() -> None:
    with pytest.raises(NodeApiError) as raised:
        await execute_app(DEMO, {"resource": "thing", "operation": "get", "thingId": "1"},
                          responses=[reply(status=502)], credentials=CREDENTIALS)
    assert raised.value.http_code == 502
    assert raised.value.message == "Bad gateway - the service failed to handle your request (502)"


async def test_network_failure_is_a_node_api_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(NodeApiError, match="refused the connection"):
        await execute_app(DEMO, {"resource": "thing", "operation": "get", "thingId": "1"},
                          responses=refuse, credentials=CREDENTIALS)


async def test_continue_on_fail_reports_per_item_and_keeps_going() -> None:
    answers = [reply({"message": "No such thing"}, status=404), reply({"id": "2"})]
    run = await run_app(DEMO, {"resource": "thing", "operation": "get", "thingId": "={{ $json.id }}"},
                        responses=answers, credentials=CREDENTIALS, continueOnFail=True,
                        items=[Item({"id": "1"}), Item({"id": "2"})])
    assert run.json == [{"error": "The resource you are requesting could not be found (404): No such thing"},
                        {"id": "2"}]
    assert run.paired == [(0, 0), (1, 0)]


async def test_required_parameter_and_unknown_operation_are_named() -> None:
    with pytest.raises(NodeOperationError, match="Parameter 'Thing ID' is required"):
        await execute_app(DEMO, {"resource": "thing", "operation": "get"}, credentials=CREDENTIALS)
    with pytest.raises(NodeOperationError, match="Demo has no operation 'explode' for resource 'Thing'"):
        await execute_app(DEMO, {"resource": "thing", "operation": "explode"}, credentials=CREDENTIALS)


@pytest.mark.parametrize("app", [*APPS, DEMO], ids=lambda app: app.name)
def test_every_operation_parameter_shows_only_for_its_resource_and_operation(app: App) -> None:
    description = app_node(app).description
    by_name = {(p.name, tuple(sorted((p.show or {}).items()))): p for p in description.parameters}
    assert len(by_name) == len(description.parameters), "a parameter is declared twice for one operation"
    for resource in app.resources:
        for operation in resource.operations:
            values = {"resource": resource.name, "operation": operation.name, "returnAll": False}
            shown = {p.name for p in description.parameters
                     if p.name not in ("resource", "operation") and p.visible(values, description.default_version)}
            declared = {p.name for p in operation.parameters if p.visible(values, description.default_version)}
            expected = declared | ({"returnAll", "limit"} if operation.pagination else set())
            assert shown - {"authentication"} == expected, (resource.name, operation.name)
    assert docs_markdown(app).count("### ") == sum(len(r.operations) for r in app.resources)


def test_apps_load_through_the_entry_points() -> None:
    registry = NodeRegistry.from_entry_points()
    for node_type in NODE_TYPES:
        for alias in node_type.description.aliases:
            assert type(registry.get(alias)).__name__ == node_type.__name__
    credentials = CredentialTypeRegistry.from_entry_points()
    assert {c.name for c in CREDENTIAL_TYPES} <= {c.name for c in credentials.all()}



def test_every_public_name_of_the_framework_is_documented() -> None:
    from pathlib import Path

    from nodes.apps import framework

    readme = (Path(framework.__file__).parent / "README.md").read_text()
    missing = [name for name in framework.__all__ if name not in readme]
    assert missing == [], f"nodes/apps/README.md does not mention {missing}"


async def test_an_omitted_operation_means_its_resources_default_in_form_and_run() -> None:
    # n8n omits `operation` when it equals the resource's default ("byPage" for "page"),
    # though the first resource's default ("get") comes first in the description.
    from ui.editor.parameter_values import visible_parameters

    description = app_node(DEMO).description
    shown = [p.name for p in visible_parameters(description.parameters, {"resource": "page"}, 1.0)]
    assert shown == ["resource", "operation", "returnAll", "limit"]
    run = await run_app(DEMO, {"resource": "page", "limit": 1}, responses=[reply({"things": [1]})],
                        credentials=CREDENTIALS)
    assert run.requests[0].url.params["page"] == "1"


async def test_cursor_in_body_goes_to_the_json_body_of_the_next_request() -> None:
    query = Operation("query", "Query", "POST", "/v1/search", items="hits",
                      body=lambda args: {"q": "x"}, pagination=Cursor("next", "cursor", in_body=True))
    app = App(name="bodyCursor", display_name="Body Cursor", description="", base_url="https://{host}",
              auth=(Auth(KEYED),), resources=(Resource("hit", "Hit", (query,)),))
    pages = [reply({"hits": [1], "next": "c2"}), reply({"hits": [2], "next": None})]
    run = await run_app(app, {"resource": "hit", "operation": "query", "returnAll": True},
                        responses=pages, credentials=CREDENTIALS)
    assert run.json == [{"data": 1}, {"data": 2}]
    assert [r.content for r in run.requests] == [b'{"q":"x"}', b'{"q":"x","cursor":"c2"}']
    assert [str(r.url) for r in run.requests] == ["https://api.demo.test/v1/search?key=k1"] * 2


async def test_a_resource_offered_only_with_one_sign_in_choice_has_its_own_resource_default() -> None:
    # Discord: with a webhook credential n8n offers only the webhook resource, and omits it when saving.
    hook = CredentialType("hookApi", "Hook", fields=(Parameter("url", "URL", "string", default=""),))
    app = replace(DEMO, auth=(Auth(KEYED, "apiKey"), Auth(hook, "webhook")), base_url="https://{host}", resources=(
        *(replace(resource, auth=("apiKey",)) for resource in DEMO.resources),
        Resource("hook", "Hook", (Operation("send", "Send", "POST", "", base_url="{url}",
                                            parameters=(Parameter("text", "Text", "string", default=""),),
                                            body={"text": "text"}),), auth=("webhook",)),
    ))
    variants = [p for p in app_node(app).description.parameters if p.name == "resource"]
    assert [(p.default, [o.value for o in p.options], p.show) for p in variants] == [
        ("thing", ["thing", "page"], {"authentication": ("apiKey",)}),
        ("hook", ["hook"], {"authentication": ("webhook",)})]
    run = await run_app(app, {"authentication": "webhook", "text": "hi"}, responses=[reply(status=204)],
                        credentials={"hookApi": {"url": "https://hooks.test/abc"}})
    assert (str(run.requests[0].url), run.requests[0].content) == ("https://hooks.test/abc", b'{"text":"hi"}')
    assert run.json == [{"success": True}]


async def test_lookups_run_first_and_a_computed_path_reads_their_answers_and_the_item() -> None:
    find = Operation("found", "Find", "GET", "/v1/ids", query={"name": "name"})
    rename = Operation("rename", "Rename", "PUT", lambda args: f"/v1/things/{args['found']['id']}",
                       parameters=(Parameter("name", "Name", "string", default=""),), lookups=(find,),
                       body=lambda args: {"label": args["$json"]["label"]})
    app = App(name="lookups", display_name="Lookups", description="", base_url="https://{host}",
              auth=(Auth(KEYED),), resources=(Resource("thing", "Thing", (rename,)),))
    run = await run_app(app, {"resource": "thing", "operation": "rename", "name": "a b"},
                        responses=[reply({"id": "t9"}), reply({"id": "t9", "label": "new"})],
                        credentials=CREDENTIALS, items=[Item({"label": "new"})])
    assert [(r.method, str(r.url)) for r in run.requests] == [
        ("GET", "https://api.demo.test/v1/ids?name=a+b&key=k1"), ("PUT", "https://api.demo.test/v1/things/t9?key=k1")]
    assert run.requests[1].content == b'{"label":"new"}'
    assert run.json == [{"id": "t9", "label": "new"}]
    failed = await run_app(app, {"resource": "thing", "operation": "rename", "name": "x"},
                           responses=[reply({"message": "No such name"}, status=404)], credentials=CREDENTIALS)
    assert failed.error["message"] == "The resource you are requesting could not be found (404): No such name"
    assert len(failed.requests) == 1
