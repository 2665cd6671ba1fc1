"""HTTP Request v1/v2: the legacy parameter layout (requestMethod, *ParametersUi, jsonParameters,
responseFormat, flat options) over the same sending code."""

from __future__ import annotations

import base64
import json

import pytest

from engine.items import Item
from engine.registry import NodeRegistry
from nodes.files.binary import binary_entry

from .conftest import error_of, jsons, run_http
from .server import PNG, TestServer


@pytest.mark.parametrize("version", [1, 2])
async def test_get_json_splits_arrays(registry: NodeRegistry, server: TestServer, version: int) -> None:
    assert jsons(await run_http(registry, {"url": server.url("/array")}, version=version)) == [{"n": 1}, {"n": 2}]


async def test_string_and_file_formats(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, {"url": server.url("/html"), "responseFormat": "string",
                                       "dataPropertyName": "page"}, version=2)
    assert jsons(result) == [{"page": "<html><body>hi</body></html>"}]
    result = await run_http(registry, {"url": server.url("/file"), "responseFormat": "file"}, version=1)
    [item] = result.output_of("HTTP")
    assert base64.b64decode(item.binary["data"]["data"]) == PNG


async def test_ui_parameters_and_form_body(registry: NodeRegistry, server: TestServer) -> None:
    params = {"requestMethod": "POST", "url": server.url("/echo"),
              "queryParametersUi": {"parameter": [{"name": "q", "value": "1"}]},
              "headerParametersUi": {"parameter": [{"name": "X-Legacy", "value": "yes"}]},
              "bodyParametersUi": {"parameter": [{"name": "a", "value": "b"}]},
              "options": {"bodyContentType": "form-urlencoded"}}
    await run_http(registry, params, version=2)
    last = server.last
    assert (last.method, last.query, last.headers["x-legacy"], last.body) == ("POST", [("q", "1")], "yes", b"a=b")


async def test_json_parameters(registry: NodeRegistry, server: TestServer) -> None:
    params = {"requestMethod": "PUT", "url": server.url("/echo"), "jsonParameters": True,
              "queryParametersJson": '{"q": [1, 2]}', "headerParametersJson": '{"X-J": "1"}',
              "bodyParametersJson": '{"k": {"n": 1}}', "options": {"useQueryString": True}}
    await run_http(registry, params, version=1)
    assert server.last.query == [("q", "1"), ("q", "2")]
    assert json.loads(server.last.body) == {"k": {"n": 1}} and server.last.headers["x-j"] == "1"
    bad = {**params, "bodyParametersJson": "{nope"}
    assert error_of(await run_http(registry, bad, version=1))["message"] == "JSON parameter needs to be valid JSON"


async def test_send_binary_data_raw_and_multipart(registry: NodeRegistry, server: TestServer) -> None:
    item = Item({}, {"data": binary_entry(b"bytes!", "f.bin", "application/octet-stream")})
    params = {"requestMethod": "POST", "url": server.url("/echo"), "jsonParameters": True, "sendBinaryData": True}
    await run_http(registry, params, version=1, items=[item])
    assert server.last.body == b"bytes!"
    multipart = {**params, "binaryPropertyName": "upload:data", "options": {"bodyContentType": "multipart-form-data"}}
    await run_http(registry, multipart, version=1, items=[item])
    assert b'name="upload"; filename="f.bin"' in server.last.body


async def test_full_response_ignore_response_code_and_redirects(registry: NodeRegistry, server: TestServer) -> None:
    options = {"fullResponse": True, "ignoreResponseCode": True}
    [data] = jsons(await run_http(registry, {"url": server.url("/status/418"), "options": options}, version=1))
    assert data["statusCode"] == 418 and data["body"]["error"]["message"] == "server says 418"
    options = {"followRedirect": False, "fullResponse": True}
    result = await run_http(registry, {"url": server.url("/redirect"), "responseFormat": "string",
                                       "options": options}, version=1)
    assert jsons(result)[0]["statusCode"] == 302


async def test_invalid_json_names_the_string_format(registry: NodeRegistry, server: TestServer) -> None:
    error = error_of(await run_http(registry, {"url": server.url("/html")}, version=1))
    assert error["message"] == 'Response body is not valid JSON. Change "Response Format" to "String"'
