"""The webhook entrance: /webhook/<path> for active workflows, /webhook-test/<path> for the editor's
test listener, /webhook-waiting/<executionId> to resume a waiting execution. `install(app)` puts
it in front of the app's middleware stack, so a call skips what pages need (sessions, compression,
sign-in) and costs no more than it must. It reads the request (at most KNOTWORK_PAYLOAD_MAX_MB;
multipart bodies parsed into fields and files), hands it to services.webhooks (services.waiting
for resume calls) and writes the answer it gets back. No logic beyond HTTP lives here.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response
from nodes.core.webhook import query_values
from services.waiting import answer_waiting_call
from services.webhooks import UploadedFile, WebhookRequest, webhook_service

log = logging.getLogger(__name__)

# (prefix, kind): production routes, the editor's test listener, resume calls of waiting executions.
PREFIXES = (("/webhook/", "production"), ("/webhook-test/", "test"), ("/webhook-waiting/", "waiting"))
_JSON = "application/json; charset=utf-8"


def install(app: Starlette) -> None:
    """Serve webhook calls before `app`'s middleware. Starlette builds the stack on the first request,
    after NiceGUI's ui.run has added its middleware, so the entrance wraps whatever is built then."""
    build = app.build_middleware_stack

    def build_behind_webhooks() -> ASGIApp:
        return WebhookEntrance(build())

    app.build_middleware_stack = build_behind_webhooks  # type: ignore[method-assign]
    app.middleware_stack = None


class WebhookEntrance:
    """Pure ASGI: webhook calls are answered here, everything else goes on to `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            for prefix, kind in PREFIXES:
                if path.startswith(prefix):
                    request = Request(scope, receive)
                    try:
                        response = await _answer(request, path[len(prefix):], kind)
                    except Exception:
                        log.exception("unexpected error answering %s %s", request.method, path)
                        response = error_response(500, "internal_error",
                                                  "Something went wrong on the server; the log has details")
                    request.app.state.runtime.metrics.webhook_request(kind, response.status_code)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def _answer(request: Request, path: str, kind: str) -> Response:
    service = webhook_service(request.app.state.runtime)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > service.max_body:
        return _too_large(service.max_body)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > service.max_body:
            return _too_large(service.max_body)
    headers = _headers(request)
    form: dict[str, Any] | None = None
    files: tuple[UploadedFile, ...] = ()
    if headers.get("content-type", "").lower().startswith("multipart/form-data"):
        try:
            form, files = await _multipart(request, bytes(body))
        except MultiPartException as error:
            return error_response(422, "invalid_request", f"Failed to parse request body: {error.message}")
    incoming = WebhookRequest(
        method=request.method, path=path.strip("/"), headers=headers,
        query=query_values(request.url.query), body=bytes(body),
        client_ip=request.client.host if request.client else "", public_base=_public_base(request),
        form=form, files=files)
    if kind == "waiting":
        return _response(await answer_waiting_call(service, incoming, path))
    return _response(await service.handle(incoming, test=kind == "test"))


def _too_large(limit: int) -> Response:
    return error_response(413, "payload_too_large",
                          f"The request body is larger than {limit // 2**20} MiB (KNOTWORK_PAYLOAD_MAX_MB)")


def _headers(request: Request) -> dict[str, str]:
    """Header names in lower case; repeated headers joined as Node.js joins them."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in request.headers.raw:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in headers:
            headers[name] = f"{headers[name]}{'; ' if name == 'cookie' else ', '}{value}"
        else:
            headers[name] = value
    return headers


def _public_base(request: Request) -> str:
    """scheme://host[/prefix] as the caller saw it: X-Forwarded-Proto/Host/Prefix when a proxy sends
    them (uvicorn already takes the scheme and client address from trusted proxies)."""
    forwarded_host = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
    if not forwarded_host:
        return str(request.base_url).rstrip("/")
    scheme = request.headers.get("x-forwarded-proto", "").split(",")[0].strip() or request.url.scheme
    prefix = request.headers.get("x-forwarded-prefix", "").split(",")[0].strip().rstrip("/")
    return f"{scheme}://{forwarded_host}{prefix}"


async def _multipart(request: Request, body: bytes) -> tuple[dict[str, Any], tuple[UploadedFile, ...]]:
    async def stream() -> AsyncIterator[bytes]:
        yield body

    parser = MultiPartParser(request.headers, stream(), max_files=1000, max_fields=1000,
                             max_part_size=max(len(body), 1))
    parsed = await parser.parse()
    fields: dict[str, Any] = {}
    files: list[UploadedFile] = []
    for name, value in parsed.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read()
            await value.close()
            files.append(UploadedFile(name, value.filename or "", value.content_type or "application/octet-stream",
                                      content))
        elif name in fields:
            fields[name] = [*fields[name], value] if isinstance(fields[name], list) else [fields[name], value]
        else:
            fields[name] = value
    return fields, tuple(files)


def _response(answer: Mapping[str, Any]) -> Response:
    """Write a response dict (nodes.core.respond_to_webhook's shape) as HTTP."""
    headers = {str(name).lower(): str(value) for name, value in (answer.get("headers") or {}).items()}
    kind, body = answer.get("bodyType"), answer.get("body")
    if kind == "binary":
        content = base64.b64decode(body or "")
    elif kind == "text" or (kind == "json" and isinstance(body, str) and "content-type" in headers):
        content = ("" if body is None else str(body)).encode()
        headers.setdefault("content-type", "text/html; charset=utf-8")
    elif kind == "json":
        content = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
        headers.setdefault("content-type", _JSON)
    else:
        content = b""
    if headers.get("content-type", "").startswith("text/html") and "content-security-policy" not in headers:
        # Webhooks share the editor's origin: a page a workflow sends must not act as the signed-in user.
        headers["content-security-policy"] = "sandbox"
    headers.pop("content-length", None)
    return Response(content, status_code=int(answer.get("statusCode") or 200), headers=headers)
