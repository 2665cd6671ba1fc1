"""A real HTTP server on a free loopback port for the HTTP Request tests (aiohttp, in the test's
event loop). Every route records the request it got in `server.requests`.

Routes: /echo (any method: what arrived), /status/{code} (that code with a JSON or text message),
/flaky (429 with Retry-After, then 200), /redirect (302 to /echo), /slow, /basic and /digest
(auth challenges), /token (OAuth2 client-credentials), /users (paging like n8n's mock), /file,
/download, /latin1, /html, /array, /empty.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

PNG = b"\x89PNG\r\n\x1a\nfake-png"
LATIN1_TEXT = "Árbol, cañón, façade"


@dataclass
class Recorded:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    raw_headers: list[tuple[str, str]]
    body: bytes


@dataclass
class TestServer:
    __test__ = False

    runner: web.AppRunner | None = None
    base: str = ""
    requests: list[Recorded] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> TestServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(Recorded(request.method, request.path, list(request.query.items()),
                                      {k.lower(): v for k, v in request.headers.items()},
                                      [(k.decode(), v.decode()) for k, v in request.raw_headers], body))
        route = request.path.strip("/").split("/")[0] or "echo"
        handler = getattr(self, f"route_{route}", None)
        if handler is None:
            return web.json_response({"message": f"no route {request.path}"}, status=404)
        return await handler(request, body)

    # --- routes ---------------------------------------------------------------------------------
    async def route_echo(self, request: web.Request, body: bytes) -> web.StreamResponse:
        return web.json_response({"method": request.method, "query": list(request.query.items()),
                                  "body": body.decode("utf-8", "replace"),
                                  "contentType": request.headers.get("content-type", "")})

    async def route_status(self, request: web.Request, body: bytes) -> web.StreamResponse:
        code = int(request.path.rsplit("/", 1)[-1])
        if request.query.get("text"):
            return web.Response(status=code, text=request.query["text"])
        headers = {"Retry-After": request.query["retryAfter"]} if "retryAfter" in request.query else {}
        return web.json_response({"error": {"message": f"server says {code}"}}, status=code, headers=headers)

    async def route_flaky(self, request: web.Request, body: bytes) -> web.StreamResponse:
        count = self.counters["flaky"] = self.counters.get("flaky", 0) + 1
        if count == 1:
            return web.json_response({"message": "slow down"}, status=429, headers={"Retry-After": "1"})
        return web.json_response({"attempt": count})

    async def route_redirect(self, request: web.Request, body: bytes) -> web.StreamResponse:
        raise web.HTTPFound("/echo?redirected=1")

    async def route_slow(self, request: web.Request, body: bytes) -> web.StreamResponse:
        import asyncio

        await asyncio.sleep(2)
        return web.json_response({"slow": True})

    async def route_basic(self, request: web.Request, body: bytes) -> web.StreamResponse:
        expected = "Basic " + base64.b64encode(b"alice:secret").decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"message": "bad credentials"}, status=401)
        return web.json_response({"user": "alice"})

    async def route_digest(self, request: web.Request, body: bytes) -> web.StreamResponse:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Digest ") or not _digest_ok(header[7:], request.method, "alice", "secret"):
            return web.json_response({"message": "digest please"}, status=401, headers={
                "WWW-Authenticate": 'Digest realm="test", nonce="n0nce", qop="auth", algorithm=MD5'})
        return web.json_response({"digest": "ok"})

    async def route_token(self, request: web.Request, body: bytes) -> web.StreamResponse:
        self.counters["token"] = self.counters.get("token", 0) + 1
        form = dict(part.split("=", 1) for part in body.decode().split("&") if "=" in part)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        return web.json_response({"access_token": "tok-1", "token_type": "bearer", "expires_in": 3600})

    async def route_users(self, request: web.Request, body: bytes) -> web.StreamResponse:
        source: dict[str, Any] = dict(request.query)
        if request.method != "GET" and body:
            source = json.loads(body)
        limit, skip = int(source.get("limit", 10)), int(source.get("skip", 0))
        page = [{"id": i} for i in range(skip, min(skip + limit, 15))]
        headers = {"next-url": self.url(f"/users?skip={skip + limit}&limit={limit}")}
        return web.json_response(page, status=200 if page else 404, headers=headers)

    async def route_file(self, request: web.Request, body: bytes) -> web.StreamResponse:
        return web.Response(body=PNG, content_type="image/png")

    async def route_download(self, request: web.Request, body: bytes) -> web.StreamResponse:
        return web.Response(body=b"testing", headers={"Content-Disposition": 'attachment; filename="report.pdf"',
                                                      "Content-Type": "application/pdf"})

    async def route_latin1(self, request: web.Request, body: bytes) -> web.StreamResponse:
        return web.Response(body=LATIN1_TEXT.encode("latin1"), headers={"Content-Type": 'text/plain; charset="latin1"'})

    async def route_html(self, request: web.Request, body: bytes) -> web.StreamResponse:
        return web.Response(text="<html><body>hi</body></html>", content_type="text/html")

    async def route_array(self, request: web.Request, body: bytes) -> web.StreamResponse:
        return web.json_response([{"n": 1}, {"n": 2}])

    async def route_empty(self, request: web.Request, body: bytes) -> web.StreamResponse:
        return web.Response(status=204)


def _digest_ok(header: str, method: str, user: str, password: str) -> bool:
    fields = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value.strip('"')
    md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731, S324 - RFC 2617 test server
    ha1 = md5(f"{user}:test:{password}")
    ha2 = md5(f"{method}:{fields.get('uri', '')}")
    expected = md5(f"{ha1}:{fields.get('nonce')}:{fields.get('nc')}:{fields.get('cnonce')}:{fields.get('qop')}:{ha2}")
    return fields.get("username") == user and fields.get("response") == expected


def self_signed_context(folder: Path) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context
