"""HTTP Request transport options: TLS checks, proxy, redirects, timeout and batching."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.items import Item
from engine.registry import NodeRegistry
from nodes.http import spec

from .conftest import error_of, jsons, run_http
from .server import TestServer, self_signed_context


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[TestServer]:
    running = await TestServer().start(ssl_context=self_signed_context(tmp_path))
    yield running
    await running.stop()


async def test_self_signed_certificate_fails_unless_ignored(registry: NodeRegistry, tls_server: TestServer) -> None:
    # Given an HTTPS server with a self-signed certificate / When the node calls it as is
    error = error_of(await run_http(registry, {"url": tls_server.url("/echo")}))
    # Then the TLS failure is named
    assert error["message"].startswith("SSL/TLS error")
    # And with Ignore SSL Issues the call succeeds
    result = await run_http(registry, {"url": tls_server.url("/echo"), "options": {"allowUnauthorizedCerts": True}})
    assert jsons(result)[0]["method"] == "GET"


async def test_redirects_followed_limited_or_not(registry: NodeRegistry, server: TestServer) -> None:
    assert jsons(await run_http(registry, {"url": server.url("/redirect")}))[0]["query"] == [["redirected", "1"]]
    # Not followed: the 302 itself is the answer
    options = {"redirect": {"redirect": {"followRedirects": False}},
               "response": {"response": {"fullResponse": True, "responseFormat": "text"}}}
    [data] = jsons(await run_http(registry, {"url": server.url("/redirect"), "options": options}))
    assert data["statusCode"] == 302 and data["headers"]["location"] == "/echo?redirected=1"
    # A limit of 0 redirects fails clearly
    options = {"redirect": {"redirect": {"followRedirects": True, "maxRedirects": 0}}}
    error = error_of(await run_http(registry, {"url": server.url("/redirect"), "options": options}))
    assert error["message"] == "Maximum number of redirects exceeded (0)"


async def test_timeout(registry: NodeRegistry, server: TestServer) -> None:
    started = time.monotonic()
    error = error_of(await run_http(registry, {"url": server.url("/slow"), "options": {"timeout": 200}}))
    assert error["message"].startswith("The connection timed out")
    assert "no answer within 200 ms" in error["description"]
    assert time.monotonic() - started < 1.5


async def test_proxy_receives_the_request(registry: NodeRegistry, server: TestServer) -> None:
    # Given a minimal forward proxy on loopback that answers itself
    lines: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines.append(head.split(b"\r\n", 1)[0].decode())
        body = b'{"proxied": true}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    proxy = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = proxy.sockets[0].getsockname()[1]
    try:
        result = await run_http(registry, {"url": "http://example.invalid/path?q=1",
                                           "options": {"proxy": f"http://127.0.0.1:{port}"}})
    finally:
        proxy.close()
        await proxy.wait_closed()
    # Then the proxy got the absolute URL and its answer is the item
    assert lines == ["GET http://example.invalid/path?q=1 HTTP/1.1"]
    assert jsons(result) == [{"proxied": True}]


async def test_batching_sends_items_in_batches_with_an_interval(registry: NodeRegistry, server: TestServer) -> None:
    items = [Item({"n": n}) for n in range(4)]
    options = {"batching": {"batch": {"batchSize": 2, "batchInterval": 300}}}
    started = time.monotonic()
    result = await run_http(registry, {"url": "=" + server.url("/echo") + "?n={{ $json.n }}", "options": options},
                            items=items)
    assert [data["query"] for data in jsons(result)] == [[["n", str(n)]] for n in range(4)]
    assert time.monotonic() - started >= 0.3
    assert [r.query for r in server.requests][:2] in ([[("n", "0")], [("n", "1")]], [[("n", "1")], [("n", "0")]])


async def test_without_a_timeout_option_the_default_applies(registry: NodeRegistry, server: TestServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a short stand-in for the 300 s default, and options that set no timeout
    monkeypatch.setattr(spec, "DEFAULT_TIMEOUT", 0.2)
    error = error_of(await run_http(registry, {"url": server.url("/slow"), "options": {"proxy": ""}}))
    # Then the default applied (not the 10 s the form offers when the option is added)
    assert error["message"].startswith("The connection timed out")
