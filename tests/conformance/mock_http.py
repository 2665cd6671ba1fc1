"""Local HTTP servers answering the recorded mocks of `_harness/requirements.json` (n8n's tests
register them with nock and disable the network; we serve them on loopback instead).

One stdlib server per mocked host, each on a free 127.0.0.1 port in a thread. Requests reach them
in one of two ways: `transport()` is an httpx transport for nodes that offer a `transport` seam
(like nock, it sends `https://dummyjson.com/...` to the local server and refuses every other
host, so URLs in the workflow and in response headers stay as upstream has them); otherwise
`rewrite` turns the workflow's `https://dummyjson.com/...` into `http://127.0.0.1:<port>/...` and
URLs in response headers are rewritten the same way. A request no mock answers gets a 501 and is
recorded in `unmatched` (nock would throw). Responses carry only the mock's headers, as nock's do.
"""

from __future__ import annotations

import email.policy
import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

ANY_QUERY = "<any query>"


@dataclass
class Mock:
    """One recorded request and its answer (a `mocks` entry of requirements.json)."""

    method: str
    origin: str  # "https://host"
    path: str
    query: list[tuple[str, str]] | None  # None: any query
    spec: dict[str, Any]
    remaining: float = 1

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Mock:
        raw_url = str(spec["url"]).replace(f"?{ANY_QUERY}", "")
        url = urlsplit(raw_url)
        any_query = ANY_QUERY in str(spec["url"]) or "dynamic" in spec
        # nock interceptors are used once unless persisted; the note marks one registered twice.
        times = math.inf if spec.get("persistent") or "dynamic" in spec else 1
        if "registered twice" in str(spec.get("note", "")):
            times = 2
        return cls(
            method=str(spec.get("method", "GET")).upper(),
            origin=f"{url.scheme}://{url.netloc}",
            path=url.path or "/",
            query=None if any_query else sorted(parse_qsl(url.query, keep_blank_values=True)),
            spec=dict(spec),
            remaining=times,
        )


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class MockServers:
    """Context manager: serves `mocks` (requirements.json entries) until it exits."""

    mocks: list[dict[str, Any]]
    fixtures_dir: Path  # where `body_file` paths are relative to (the _harness folder)
    unmatched: list[str] = field(default_factory=list)
    rewrite_responses: bool = True  # URLs in response headers point at the local servers
    _servers: dict[str, ThreadingHTTPServer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> MockServers:
        parsed = [Mock.from_spec(spec) for spec in self.mocks]
        for origin in dict.fromkeys(mock.origin for mock in parsed):
            own = [mock for mock in parsed if mock.origin == origin]
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self, own))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, args=(0.02,), name=f"mock {origin}", daemon=True).start()
            self._servers[origin] = server
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def base_url(self, origin: str) -> str:
        return f"http://127.0.0.1:{self._servers[origin].server_port}"

    def rewrite(self, text: str) -> str:
        """`text` with every mocked origin replaced by its local server's base URL."""
        for origin in self._servers:
            text = text.replace(origin, self.base_url(origin))
        return text

    def local_port(self, origin: str) -> int | None:
        server = self._servers.get(origin)
        return None if server is None else int(server.server_port)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that sends the mocked hosts' requests to the local servers."""
        return LoopbackTransport(self)

    def rewrite_value(self, value: Any) -> Any:
        """`rewrite` applied to every string inside a JSON value."""
        if isinstance(value, str):
            return self.rewrite(value)
        if isinstance(value, list):
            return [self.rewrite_value(inner) for inner in value]
        if isinstance(value, dict):
            return {key: self.rewrite_value(inner) for key, inner in value.items()}
        return value

    def answer(self, mocks: list[Mock], request: Request) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            mock = next((m for m in mocks if m.remaining > 0 and _matches(m, request)), None)
            if mock is None:
                self.unmatched.append(f"{request.method} {request.path}{'?' if request.query else ''}{request.query}")
                return 501, {"content-type": "text/plain"}, b"no mock matches this request"
            mock.remaining -= 1
        if "dynamic" in mock.spec:
            status, headers, body = _paging_answer(request, mock.origin)
        else:
            status, headers, body = self._static_answer(mock.spec)
        if self.rewrite_responses:
            headers = {name: self.rewrite(value) for name, value in headers.items()}
        return status, headers, body

    def _static_answer(self, spec: Mapping[str, Any]) -> tuple[int, dict[str, str], bytes]:
        headers = {str(k): str(v) for k, v in (spec.get("responseHeaders") or {}).items()}
        if "body_file" in spec:
            body = (self.fixtures_dir / spec["body_file"]).read_bytes()
        elif "body_text" in spec:
            body = str(spec["body_text"]).encode()
        else:
            content = spec.get("responseBody", "")
            if isinstance(content, str):
                body = content.encode()
            else:  # nock sends objects as JSON with a JSON content type
                body = json.dumps(content, separators=(",", ":")).encode()
                if not any(name.lower() == "content-type" for name in headers):
                    headers["Content-Type"] = "application/json"
        return int(spec.get("status", 200)), headers, body


class LoopbackTransport(httpx.AsyncBaseTransport):
    """nock for httpx: mocked origins go to their local server, any other host is refused."""

    def __init__(self, servers: MockServers) -> None:
        self._servers = servers

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        port = self._servers.local_port(origin)
        if port is None:
            self._servers.unmatched.append(f"{request.method} {request.url}")
            raise httpx.ConnectError(f"Network is disabled in conformance runs: no mock for {origin}",
                                     request=request)
        original = request.url
        request.url = original.copy_with(scheme="http", host="127.0.0.1", port=port)
        # A transport per request, read to the end and closed: nothing is pooled, and a client
        # closing its transport never closes a shared one.
        async with httpx.AsyncHTTPTransport() as inner:
            answer = await inner.handle_async_request(request)
            body = await answer.aread()
        request.url = original  # the response belongs to the URL the node asked for
        return httpx.Response(answer.status_code, headers=answer.headers, stream=httpx.ByteStream(body),
                              extensions=answer.extensions, request=request)


def _matches(mock: Mock, request: Request) -> bool:
    if mock.method != request.method or mock.path != request.path:
        return False
    if mock.query is not None and sorted(parse_qsl(request.query, keep_blank_values=True)) != mock.query:
        return False
    lowered = {name.lower(): value for name, value in request.headers.items()}
    for name, value in (mock.spec.get("requireHeader") or {}).items():
        if lowered.get(name.lower()) != value:
            return False
    if "requestBody" in mock.spec:
        return _body_matches(mock.spec["requestBody"], request)
    return True


def _body_matches(wanted: Any, request: Request) -> bool:
    text = request.body.decode("utf-8", "replace")
    parsed = _parsed_body(request)
    if isinstance(wanted, str):
        if text == wanted:
            return True
        try:
            wanted = json.loads(wanted)
        except ValueError:
            return False
    return _json_equal(wanted, parsed)


def _parsed_body(request: Request) -> Any:
    """The body as JSON, multipart form fields or URL-encoded form fields."""
    content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
    if content_type.startswith("multipart/form-data"):
        return _multipart_fields(content_type, request.body)
    text = request.body.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return dict(parse_qsl(text, keep_blank_values=True))


def _multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            fields[name] = part.get_content()
    return fields


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _paging_answer(request: Request, origin: str) -> tuple[int, dict[str, str], bytes]:
    """The dynamic `/users` route of the pagination tests: `limit` (10) and `skip` (0) from the
    query (GET) or the JSON/form body (POST); ids skip..skip+limit-1 up to 14; a `next-url`
    header; 404 with [] once the page is empty."""
    source: Mapping[str, Any] = dict(parse_qsl(request.query))
    if request.method != "GET":
        body = _parsed_body(request)
        source = body if isinstance(body, dict) else {}
    limit, skip = int(source.get("limit", 10)), int(source.get("skip", 0))
    page = [{"id": i} for i in range(skip, min(skip + limit, 15))]
    content_type = request.headers.get("content-type") or request.headers.get("Content-Type") or "application/json"
    headers = {"content-type": content_type, "next-url": f"{origin}/users?skip={skip + limit}&limit={limit}"}
    return (200 if page else 404), headers, json.dumps(page, separators=(",", ":")).encode()


def _handler_class(servers: MockServers, mocks: list[Mock]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the body ends when the connection closes: no extra headers

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            url = urlsplit(self.path)
            request = Request(self.command, url.path, url.query, dict(self.headers.items()), self.rfile.read(length))
            status, headers, body = servers.answer(mocks, request)
            self.send_response_only(status)  # no Server or Date header: nock sends none
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return None  # keep test output clean

    return Handler
