"""HTTP Request v4.2: methods, query, headers and every body type, against a real server."""

from __future__ import annotations

import json

import pytest

from engine.items import Item
from engine.registry import NodeRegistry
from nodes.files.binary import binary_entry

from .conftest import jsons, run_http
from .server import TestServer


@pytest.mark.parametrize("method", ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"])
async def test_every_method_reaches_the_server(registry: NodeRegistry, server: TestServer, method: str) -> None:
    # Given a node calling /echo with a method / When it runs
    result = await run_http(registry, {"method": method, "url": server.url("/echo")})
    # Then the server saw that method and the answer is the item
    assert server.last.method == method
    assert jsons(result) == [{"method": method, "query": [], "body": "", "contentType": ""}]


async def test_head_returns_an_empty_text_item(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, {"method": "HEAD", "url": server.url("/echo")})
    assert server.last.method == "HEAD"
    assert jsons(result) == [{}]


async def test_query_parameters_as_pairs_with_arrays_and_url_query(registry: NodeRegistry, server: TestServer) -> None:
    # Given query pairs (one name twice) on a URL that has its own query
    params = {"url": server.url("/echo?fixed=1"), "sendQuery": True, "queryParameters": {"parameters": [
        {"name": "a", "value": "1"}, {"name": "a", "value": "2"}, {"name": "b", "value": "x y"}]}}
    # When it runs with each array format
    for fmt, expected in [("brackets", [("a[]", "1"), ("a[]", "2")]), ("repeat", [("a", "1"), ("a", "2")]),
                          ("indices", [("a[0]", "1"), ("a[1]", "2")])]:
        await run_http(registry, {**params, "options": {"queryParameterArrays": fmt}})
        # Then both queries arrive, the repeated name as the chosen array format
        assert server.last.query == [("fixed", "1"), *expected, ("b", "x y")]


async def test_query_and_headers_as_json_and_expressions(registry: NodeRegistry, server: TestServer) -> None:
    params = {"url": server.url("/echo"), "sendQuery": True, "specifyQuery": "json",
              "jsonQuery": '={{ {"id": $json.id, "tags": ["a", "b"], "f": {"x": 1}} }}',
              "sendHeaders": True, "specifyHeaders": "json", "jsonHeaders": '{"X-Json": "yes"}'}
    await run_http(registry, params, items=[Item({"id": 7})])
    assert server.last.query == [("id", "7"), ("tags[]", "a"), ("tags[]", "b"), ("f[x]", "1")]
    assert server.last.headers["x-json"] == "yes"


async def test_headers_are_lowercased_unless_the_option_is_off(registry: NodeRegistry, server: TestServer) -> None:
    params = {"url": server.url("/echo"), "sendHeaders": True,
              "headerParameters": {"parameters": [{"name": "X-Custom-Name", "value": "={{ 1 + 1 }}"},
                                                   {"name": "", "value": "skipped"}]}}
    await run_http(registry, params)
    assert ("x-custom-name", "2") in server.last.raw_headers
    await run_http(registry, {**params, "options": {"lowercaseHeaders": False}})
    assert ("X-Custom-Name", "2") in server.last.raw_headers


async def test_json_body_from_fields_and_from_json(registry: NodeRegistry, server: TestServer) -> None:
    fields = {"method": "POST", "url": server.url("/echo"), "sendBody": True, "bodyParameters": {"parameters": [
        {"name": "todo", "value": "write"}, {"name": "done", "value": "={{ False }}"}]}}
    result = await run_http(registry, fields)
    assert json.loads(jsons(result)[0]["body"]) == {"todo": "write", "done": False}
    assert server.last.headers["content-type"] == "application/json"
    raw = {"method": "POST", "url": server.url("/echo"), "sendBody": True, "specifyBody": "json",
           "jsonBody": '{"a": [1, 2]}'}
    result = await run_http(registry, raw)
    assert json.loads(jsons(result)[0]["body"]) == {"a": [1, 2]}


async def test_form_urlencoded_body_from_fields_and_from_a_single_field(registry: NodeRegistry,
                                                                          server: TestServer) -> None:
    base = {"method": "POST", "url": server.url("/echo"), "sendBody": True, "contentType": "form-urlencoded"}
    await run_http(registry, {**base, "bodyParameters": {"parameters": [{"name": "a", "value": "1 2"}]}})
    assert server.last.body == b"a=1+2"
    assert server.last.headers["content-type"] == "application/x-www-form-urlencoded"
    await run_http(registry, {**base, "specifyBody": "string", "body": "x=1&y=2"})
    assert server.last.body == b"x=1&y=2"


async def test_multipart_body_with_fields_and_a_binary_file(registry: NodeRegistry, server: TestServer) -> None:
    # Given an item with a binary file and a multipart body naming it
    item = Item({}, {"doc": binary_entry(b"file-bytes", "notes.txt", "text/plain")})
    params = {"method": "POST", "url": server.url("/echo"), "sendBody": True, "contentType": "multipart-form-data",
              "bodyParameters": {"parameters": [
                  {"parameterType": "formData", "name": "title", "value": "hello"},
                  {"parameterType": "formBinaryData", "name": "upload", "inputDataFieldName": "doc"}]}}
    # When it runs
    await run_http(registry, params, items=[item])
    # Then the server got both parts
    body = server.last.body
    assert server.last.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="title"\r\n\r\nhello\r\n' in body
    assert b'name="upload"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nfile-bytes\r\n' in body


async def test_binary_body_and_raw_body(registry: NodeRegistry, server: TestServer) -> None:
    item = Item({}, {"data": binary_entry(b"\x89PNG\r\n\x1a\nxx", "a.png", "image/png")})
    base = {"method": "PUT", "url": server.url("/echo"), "sendBody": True}
    await run_http(registry, {**base, "contentType": "binaryData", "inputDataFieldName": "data"}, items=[item])
    assert server.last.body == b"\x89PNG\r\n\x1a\nxx"
    assert server.last.headers["content-type"] == "image/png"
    await run_http(registry, {**base, "contentType": "raw", "rawContentType": "text/xml", "body": "<a/>"})
    assert (server.last.body, server.last.headers["content-type"]) == (b"<a/>", "text/xml")


async def test_one_request_per_item_paired_with_its_item(registry: NodeRegistry, server: TestServer) -> None:
    items = [Item({"n": n}) for n in range(3)]
    result = await run_http(registry, {"url": "=" + server.url("/echo") + "?n={{ $json.n }}"}, items=items)
    output = result.output_of("HTTP")
    assert [item.json["query"] for item in output] == [[["n", "0"]], [["n", "1"]], [["n", "2"]]]
    assert [item.paired for item in output] == [(0, 0), (1, 0), (2, 0)]
