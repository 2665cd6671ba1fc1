"""HTTP Request v4.2 answers: response formats, full response, output field, files, encodings,
errors carrying the server's message, never-error, continue-on-fail and the error output."""

from __future__ import annotations

import base64

from engine.items import Item
from engine.registry import NodeRegistry

from .conftest import error_of, jsons, run_http
from .server import LATIN1_TEXT, PNG, TestServer


def response_options(**values: object) -> dict[str, object]:
    return {"response": {"response": values}}


async def test_autodetect_splits_a_json_array_into_items(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, {"url": server.url("/array")})
    assert jsons(result) == [{"n": 1}, {"n": 2}]
    assert [item.paired for item in result.output_of("HTTP")] == [(0, 0), (0, 0)]


async def test_autodetect_text_and_charset(registry: NodeRegistry, server: TestServer) -> None:
    # Given a latin1 answer whose charset is quoted / Then it is decoded to the right text
    assert jsons(await run_http(registry, {"url": server.url("/latin1")})) == [{"data": LATIN1_TEXT}]
    assert jsons(await run_http(registry, {"url": server.url("/html")})) == [{"data": "<html><body>hi</body></html>"}]


async def test_autodetect_file_and_file_format(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, {"url": server.url("/file")})
    [item] = result.output_of("HTTP")
    entry = item.binary["data"]
    assert (item.json, base64.b64decode(entry["data"]), entry["mimeType"], entry["fileName"]) == ({}, PNG, "image/png",
                                                                                                    "file")
    # The file format with another output field names the file from Content-Disposition
    result = await run_http(registry, {"url": server.url("/download"), "options": response_options(
        responseFormat="file", outputPropertyName="report", fullResponse=True)})
    [item] = result.output_of("HTTP")
    assert item.binary["report"]["fileName"] == "report.pdf"
    assert item.binary["report"]["mimeType"] == "application/pdf"
    assert item.json["statusCode"] == 200 and item.json["headers"]["content-type"] == "application/pdf"


async def test_text_format_full_response_and_output_field(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, {"url": server.url("/array"), "options": response_options(
        responseFormat="text", fullResponse=True, outputPropertyName="raw")})
    [data] = jsons(result)
    assert data["raw"] == '[{"n": 1}, {"n": 2}]'
    assert (data["statusCode"], data["statusMessage"]) == (200, "OK")
    assert data["headers"]["content-type"] == "application/json; charset=utf-8"


async def test_json_full_response_keeps_the_array_as_body(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, {"url": server.url("/array"), "options": response_options(fullResponse=True)})
    [data] = jsons(result)
    assert data["body"] == [{"n": 1}, {"n": 2}] and data["statusCode"] == 200


async def test_json_format_on_html_fails_clearly(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, {"url": server.url("/html"), "options": response_options(responseFormat="json")})
    assert error_of(result)["message"] == 'Response body is not valid JSON. Change "Response Format" to "Text"'


async def test_empty_answer(registry: NodeRegistry, server: TestServer) -> None:
    assert jsons(await run_http(registry, {"url": server.url("/empty")})) == [{"data": ""}]
    options = response_options(responseFormat="json")
    assert jsons(await run_http(registry, {"url": server.url("/empty"), "options": options})) == [{}]


async def test_4xx_raises_with_the_servers_message(registry: NodeRegistry, server: TestServer) -> None:
    error = error_of(await run_http(registry, {"url": server.url("/status/404")}))
    assert error["name"] == "NodeApiError" and error["httpCode"] == "404"
    assert error["message"] == "The resource you are requesting could not be found (404): server says 404"
    error = error_of(await run_http(registry, {"url": server.url("/status/500?text=boom")}))
    assert error["message"] == "The service was not able to process your request (500): boom"


async def test_never_error_returns_the_error_answer(registry: NodeRegistry, server: TestServer) -> None:
    result = await run_http(registry, {"url": server.url("/status/404"), "options": response_options(
        neverError=True, fullResponse=True)})
    [data] = jsons(result)
    assert data["statusCode"] == 404 and data["body"] == {"error": {"message": "server says 404"}}


async def test_continue_on_fail_gives_the_error_object_per_item(registry: NodeRegistry, server: TestServer) -> None:
    # Given two items, one of them asking a failing URL, and continue on fail
    items = [Item({"path": "/echo"}), Item({"path": "/status/403"})]
    result = await run_http(registry, {"url": "=" + server.url("") + "{{ $json.path }}"}, items=items,
                            onError="continueRegularOutput")
    output = result.output_of("HTTP")
    # Then the good item is answered and the failing one carries the error, paired with its item
    assert output[0].json["method"] == "GET"
    assert output[1].json["error"]["httpCode"] == "403"
    assert output[1].json["error"]["message"].startswith("Forbidden")
    assert output[1].paired == (1, 0)


async def test_error_output_receives_parameter_and_answer_errors(registry: NodeRegistry, server: TestServer) -> None:
    bad_json = {"method": "POST", "url": server.url("/echo"), "sendBody": True, "specifyBody": "json",
                "jsonBody": '{"q": "abc",}'}
    result = await run_http(registry, bad_json, onError="continueErrorOutput")
    assert jsons(result, output=1) == [{"error": "JSON parameter needs to be valid JSON"}]
    assert jsons(result, output=0) == []


async def test_invalid_url_names_the_parameter(registry: NodeRegistry, server: TestServer) -> None:
    error = error_of(await run_http(registry, {"url": "ftp://example.com"}))
    assert error["message"] == "Invalid URL: 'ftp://example.com'. URL must start with \"http\" or \"https\""
    assert error["context"]["parameter"] == "url" and error["itemIndex"] == 0


async def test_connection_refused_is_a_clear_api_error(registry: NodeRegistry, server: TestServer) -> None:
    url = server.url("/echo")
    await server.stop()
    error = error_of(await run_http(registry, {"url": url}))
    assert error["name"] == "NodeApiError"
    assert error["message"] == "The service refused the connection - perhaps it is offline"
