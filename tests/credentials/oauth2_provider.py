"""A small OAuth2 provider for tests, served by uvicorn on a free loopback port in a thread.

/authorize approves at once (redirects to redirect_uri with a code and the state); /token serves
authorization_code (checking PKCE S256), client_credentials and refresh_token; /resource answers
401 for an unknown, revoked or expired access token. The test reads and changes `Provider` state
directly (revoke a token, look at what was asked)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "knotwork-app"
CLIENT_SECRET = "provider-client-secret-9f2"
TOKEN_LIFETIME = 3600


@dataclass
class Provider:
    base_url: str = ""
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at (server clock)
    refresh_tokens: set[str] = field(default_factory=set)
    authorize_queries: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)  # form + "client_auth"
    resource_hits: int = 0

    def revoke(self, access_token: str) -> None:
        self.access_tokens.pop(access_token, None)

    def grants(self) -> list[str]:
        return [request["grant_type"] for request in self.token_requests]

    # -- endpoints --

    async def authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.authorize_queries.append(query)
        code = secrets.token_urlsafe(12)
        self.codes[code] = query
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}",
                                status_code=302)

    async def token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        client_auth = self._client_auth(request, form)
        self.token_requests.append({**form, "client_auth": client_auth or "rejected"})
        if client_auth is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._exchange(form)
        if grant == "client_credentials":
            return self._issue(refresh=False)
        if grant == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            return self._issue(refresh=False)  # keeps the refresh token: the client must too
        return JSONResponse({"error": "invalid_grant", "error_description": f"bad {grant}"}, status_code=400)

    async def resource(self, request: Request) -> Response:
        self.resource_hits += 1
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.access_tokens.get(token, 0) <= time.time():
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"hello": "resource", "token": token})

    def _client_auth(self, request: Request, form: dict[str, str]) -> str | None:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return "header" if (user, password) == (CLIENT_ID, CLIENT_SECRET) else None
        if form.get("client_id") == CLIENT_ID:
            if "client_secret" in form:
                return "body" if form["client_secret"] == CLIENT_SECRET else None
            return "public"
        return None

    def _exchange(self, form: dict[str, str]) -> Response:
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or asked["redirect_uri"] != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant", "error_description": "unknown code"}, status_code=400)
        if "code_challenge" in asked:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked["code_challenge"]:
                return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verification failed"},
                                    status_code=400)
        return self._issue(refresh=True)

    def _issue(self, *, refresh: bool) -> Response:
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = time.time() + TOKEN_LIFETIME
        answer: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}
        if refresh:
            answer["refresh_token"] = secrets.token_urlsafe(16)
            self.refresh_tokens.add(answer["refresh_token"])
        return JSONResponse(answer)


@contextmanager
def running_provider() -> Iterator[Provider]:
    """Serve a fresh Provider until the block ends."""
    provider = Provider()
    app = Starlette(routes=[
        Route("/authorize", provider.authorize),
        Route("/token", provider.token, methods=["POST"]),
        Route("/resource", provider.resource),
    ])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    provider.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test OAuth2 provider did not start")
        time.sleep(0.01)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
