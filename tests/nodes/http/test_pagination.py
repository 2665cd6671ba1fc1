"""HTTP Request pagination: update a parameter each request or follow a next URL, completed by
an empty answer, status codes or an expression over `$response`; page limit and interval."""

from __future__ import annotations

import json
import time
from typing import Any

from engine.registry import NodeRegistry

from .conftest import error_of, jsons, run_http
from .server import TestServer

ALL_IDS = [{"id": i} for i in range(15)]


def paged(server: TestServer, pagination: dict[str, Any], limit: int = 3, **response: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"pagination": {"pagination": pagination}}
    if response:
        options["response"] = {"response": response}
    return {"url": server.url("/users"), "sendQuery": True,
            "queryParameters": {"parameters": [{"name": "limit", "value": str(limit)}]}, "options": options}


SKIP = {"parameters": {"parameters": [{"name": "skip", "value": "={{ $pageCount * 3 }}"}]}}


async def test_update_a_parameter_with_a_page_limit(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, paged(server, {**SKIP, "limitPagesFetched": True, "maxRequests": 3}))
    assert jsons(result) == ALL_IDS[:9]
    assert [dict(r.query).get("skip") for r in server.requests] == [None, "3", "6"]


async def test_page_limit_may_be_an_expression(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, paged(server, {**SKIP, "limitPagesFetched": True, "maxRequests": "={{ 2 }}"}))
    assert jsons(result) == ALL_IDS[:6]


async def test_complete_on_empty_answer(registry: NodeRegistry, server: TestServer) -> None:
    # Given the last page answers 404 with [] and never-error is on / Then every id, no error
    assert jsons(await run_http(registry, paged(server, SKIP, neverError=True))) == ALL_IDS
    # Without never-error the 404 page is an error
    error = error_of(await run_http(registry, paged(server, SKIP)))
    assert error["httpCode"] == "404"


async def test_complete_on_status_codes(registry: NodeRegistry, server: TestServer) -> None:
    pagination = {**SKIP, "paginationCompleteWhen": "receiveSpecificStatusCodes", "statusCodesWhenComplete": "404, 410"}
    assert jsons(await run_http(registry, paged(server, pagination))) == ALL_IDS


async def test_complete_on_an_expression_over_response(registry: NodeRegistry, server: TestServer) -> None:
    pagination = {**SKIP, "paginationCompleteWhen": "other",
                  "completeExpression": "={{ $response.statusCode == 404 or len($response.body) == 0 }}"}
    assert jsons(await run_http(registry, paged(server, pagination, neverError=True))) == ALL_IDS
    # An expression over the page count
    pagination = {**SKIP, "paginationCompleteWhen": "other", "completeExpression": "={{ $pageCount >= 2 }}"}
    assert jsons(await run_http(registry, paged(server, pagination))) == ALL_IDS[:6]


async def test_next_url_from_a_header_with_text_answers(registry: NodeRegistry, server: TestServer) -> None:
    pagination = {"paginationMode": "responseContainsNextURL", "nextURL": '={{ $response.headers["next-url"] }}',
                  "paginationCompleteWhen": "receiveSpecificStatusCodes", "statusCodesWhenComplete": "404"}
    result = await run_http(registry, paged(server, pagination, limit=4, responseFormat="text", fullResponse=True))
    pages = jsons(result)
    assert [json.loads(page["data"]) for page in pages] == [ALL_IDS[0:4], ALL_IDS[4:8], ALL_IDS[8:12],
                                                            ALL_IDS[12:15], []]
    assert [page["statusCode"] for page in pages] == [200, 200, 200, 200, 404]
    # The next URL's own query replaced the node's `limit`, not doubled it
    assert server.requests[1].query == [("skip", "4"), ("limit", "4")]


async def test_next_url_with_page_limit(registry: NodeRegistry, server: TestServer) -> None:
    pagination = {"paginationMode": "responseContainsNextURL", "nextURL": '={{ $response.headers["next-url"] }}',
                  "limitPagesFetched": True, "maxRequests": 3}
    assert jsons(await run_http(registry, paged(server, pagination, limit=4))) == ALL_IDS[:12]


async def test_an_empty_next_url_is_an_error(registry: NodeRegistry, server: TestServer) -> None:
    pagination = {"paginationMode": "responseContainsNextURL", "limitPagesFetched": True, "maxRequests": 2}
    result = await run_http(registry, paged(server, pagination), onError="continueRegularOutput")
    [data] = jsons(result)
    assert data["error"] == {"message": "'' is not a valid URL.", "name": "NodeOperationError",
                             "description": 'Make sure the "Next URL" parameter evaluates to a valid URL.',
                             "context": {}}


async def test_identical_answers_stop_the_loop(registry: NodeRegistry, server: TestServer) -> None:
    pagination = {"parameters": {"parameters": [{"name": "does_not_matter", "value": "0"}]}}
    error = error_of(await run_http(registry, paged(server, pagination)))
    assert error["message"] == "The returned response was identical 5x, so requests got stopped"
    assert len(server.requests) == 5


async def test_body_and_header_parameters(registry: NodeRegistry, server: TestServer) -> None:
    params = {"method": "POST", "url": server.url("/users"), "sendBody": True,
              "bodyParameters": {"parameters": [{"name": "limit", "value": "3"}, {"name": "skip", "value": "0"}]},
              "options": {"pagination": {"pagination": {
                  "parameters": {"parameters": [{"type": "body", "name": "skip", "value": "={{ $pageCount * 3 }}"},
                                                {"type": "headers", "name": "X-Page", "value": "={{ $pageCount }}"}]},
                  "limitPagesFetched": True, "maxRequests": 3}}}}
    assert jsons(await run_http(registry, params)) == ALL_IDS[:9]
    assert [json.loads(r.body)["skip"] for r in server.requests] == ["0", 3, 6]
    assert [r.headers.get("x-page") for r in server.requests] == [None, "1", "2"]


async def test_interval_between_requests(registry: NodeRegistry, server: TestServer) -> None:
    started = time.monotonic()
    pagination = {**SKIP, "limitPagesFetched": True, "maxRequests": 3, "requestInterval": 200}
    assert len(jsons(await run_http(registry, paged(server, pagination)))) == 9
    assert time.monotonic() - started >= 0.4


async def test_pagination_off(registry: NodeRegistry, server: TestServer) -> None:
    assert jsons(await run_http(registry, paged(server, {"paginationMode": "off"}))) == ALL_IDS[:3]
    assert len(server.requests) == 1


async def test_expressions_see_the_request_and_the_response_body(registry: NodeRegistry, server: TestServer) -> None:
    # Given a next page computed from the last request's query and the answer's last id
    pagination = {"parameters": {"parameters": [
        {"name": "skip", "value": '={{ $response.body[-1]["id"] + 1 }}'},
        {"name": "limit", "value": '={{ int($request.qs["limit"]) + 1 }}'}]},
        "paginationCompleteWhen": "receiveSpecificStatusCodes", "statusCodesWhenComplete": "404"}
    # Then pages grow by one each time until the 404
    assert jsons(await run_http(registry, paged(server, pagination, limit=2))) == ALL_IDS
    assert [dict(r.query)["limit"] for r in server.requests] == ["2", "3", "4", "5", "6", "7"]
