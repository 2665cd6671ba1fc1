"""A recording HTTP server on a free loopback port, standing in for Slack, GitHub, mail APIs and
health-checked sites: canned answers by method and path, every request kept for assertions."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # dict/list: JSON; str/bytes: sent as they are
    content_type: str = "application/json"
    fail_times: int = 0  # answer 503 to the first N calls (retry patterns)


class StubServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Answer] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def route(self, method: str, path: str, answer: Answer | None = None, **fields: Any) -> None:
        self.routes[(method.upper(), path)] = answer or Answer(**fields)

    def calls(self, path: str, method: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path and method in (None, r.method)]

    def wait_for(self, path: str, count: int = 1, seconds: float = 10) -> list[Recorded]:
        deadline = time.monotonic() + seconds
        while len(found := self.calls(path)) < count:
            assert time.monotonic() < deadline, f"{len(found)} calls to {path}, expected {count}"
            time.sleep(0.01)
        return found

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            self.requests.append(Recorded(handler.command, split.path, parse_qs(split.query),
                                          {k.lower(): v for k, v in handler.headers.items()}, body))
            answer = self.routes.get((handler.command, split.path))
            if answer is not None and answer.fail_times > 0:
                answer.fail_times -= 1
                answer = Answer(503, {"error": "try again"})
        answer = answer or Answer(200, {"ok": True})
        content = answer.body if answer.body is not None else {"ok": True}
        raw = content if isinstance(content, bytes) else (
            content.encode() if isinstance(content, str) else json.dumps(content).encode())
        handler.send_response(answer.status)
        handler.send_header("Content-Type", answer.content_type)
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's names)
                stub._answer(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler

    def serve(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def stub_server() -> Iterator[StubServer]:
    server = StubServer()
    server.serve()
    try:
        yield server
    finally:
        server.close()
