"""The OAuth2 client of the oAuth2Api credential: authorization URL, token requests, and an httpx
auth that keeps the access token fresh.

Authlib encodes the protocol (grant URI, token request body, client authentication, PKCE S256);
httpx carries it. Tokens are stored as n8n's `oauthTokenData`: the token endpoint's JSON answer
plus `expires_at` (epoch seconds) when it said `expires_in`.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import Any
from urllib.parse import parse_qsl

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from engine.credential_types import TokenCallback, network_reason
from engine.errors import KnotworkError

Clock = Callable[[], float]
EXPIRY_LEEWAY = 30.0  # seconds: refresh a little early, so a token does not expire in flight
TOKEN_TIMEOUT = 30.0


class OAuth2Error(KnotworkError):
    """A token could not be obtained or refreshed, or an OAuth2 state is invalid. Never holds a secret."""


def authorization_url(data: Mapping[str, Any], *, redirect_uri: str, state: str) -> tuple[str, str | None]:
    """The provider's consent URL and, for grantType pkce, the code verifier to keep for the
    code exchange (None otherwise). authQueryParameters are added as they are."""
    if not data.get("authUrl"):
        raise OAuth2Error("The OAuth2 credential has no Authorization URL (authUrl)")
    extra = dict(parse_qsl(str(data.get("authQueryParameters") or ""), keep_blank_values=True))
    verifier = None
    if data.get("grantType") == "pkce":
        verifier = generate_token(64)  # RFC 7636: 43 to 128 unreserved characters
        extra.update(code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256")
    url = prepare_grant_uri(data["authUrl"], data.get("clientId") or "", "code", redirect_uri=redirect_uri,
                            scope=data.get("scope") or None, state=state, **extra)
    return url, verifier


async def exchange_code(data: Mapping[str, Any], code: str, *, redirect_uri: str, code_verifier: str | None,
                        transport: httpx.AsyncBaseTransport | None = None, clock: Clock = time.time) -> dict[str, Any]:
    """Trade the callback's code for a token (to store as oauthTokenData). Raises OAuth2Error."""
    if data.get("grantType") == "pkce" and not code_verifier:
        raise OAuth2Error("The PKCE code verifier is missing: start the connection again")
    return await _token_request(data, "authorization_code", transport, clock, code=code,
                                redirect_uri=redirect_uri, code_verifier=code_verifier)


async def client_credentials_token(data: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None,
                                   clock: Clock = time.time) -> dict[str, Any]:
    """A token for the client itself (grantType clientCredentials). Raises OAuth2Error."""
    return await _token_request(data, "client_credentials", transport, clock, scope=data.get("scope") or None)


async def refresh(data: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None,
                  clock: Clock = time.time) -> dict[str, Any]:
    """A new token from the stored refresh token; the refresh token is kept when the provider does
    not send a new one. Raises OAuth2Error."""
    old = dict(data.get("oauthTokenData") or {})
    if not old.get("refresh_token"):
        raise OAuth2Error("The OAuth2 token cannot be refreshed: the provider gave no refresh token")
    token = await _token_request(data, "refresh_token", transport, clock, refresh_token=old["refresh_token"])
    token.setdefault("refresh_token", old["refresh_token"])
    return token


async def _token_request(data: Mapping[str, Any], grant_type: str, transport: httpx.AsyncBaseTransport | None,
                         clock: Clock, **params: Any) -> dict[str, Any]:
    url = str(data.get("accessTokenUrl") or "")
    if not url:
        raise OAuth2Error("The OAuth2 credential has no Access Token URL (accessTokenUrl)")
    redirect_uri = params.pop("redirect_uri", None)
    body = prepare_token_request(grant_type, redirect_uri=redirect_uri, **params)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    url, headers, body = ClientAuth(data.get("clientId") or "", data.get("clientSecret") or "",
                                    _client_auth_method(data)).prepare("POST", url, headers, body)
    try:
        async with httpx.AsyncClient(transport=transport, timeout=TOKEN_TIMEOUT) as client:
            response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise OAuth2Error(f"Could not reach the token endpoint {_without_query(url)}: {network_reason(error)}") from None
    return _parsed_token(response, grant_type, clock)


def _client_auth_method(data: Mapping[str, Any]) -> str:
    if not data.get("clientSecret"):
        return "none"  # a public (PKCE) client: client_id goes in the body, no secret
    return "client_secret_post" if data.get("authentication") == "body" else "client_secret_basic"


def _parsed_token(response: httpx.Response, grant_type: str, clock: Clock) -> dict[str, Any]:
    where = f"The token endpoint {_without_query(str(response.request.url))}"
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise OAuth2Error(f"{where} answered HTTP {response.status_code} without a JSON token ({grant_type})")
    if response.is_error or "error" in answer:
        detail = ": ".join(str(answer[k]) for k in ("error", "error_description") if answer.get(k))
        raise OAuth2Error(f"{where} refused the {grant_type} request (HTTP {response.status_code}"
                          f"{': ' + detail if detail else ''})")
    if not answer.get("access_token"):
        raise OAuth2Error(f"{where} answered without an access_token ({grant_type})")
    if answer.get("expires_in") not in (None, ""):
        answer["expires_at"] = clock() + float(answer["expires_in"])
    return answer


def _without_query(url: str) -> str:
    return str(httpx.URL(url).copy_with(query=None))


class OAuth2Auth(httpx.Auth):
    """Sends `Authorization: Bearer` with a fresh token: fetches one by client credentials when
    none is stored, refreshes an expired one, and after a 401 renews once and retries. Every new
    token goes to `on_token` so the caller can encrypt and save it. Async clients only."""

    requires_request_body = True  # the body is sent again on the retry

    def __init__(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, clock: Clock = time.time,
                 retry_statuses: tuple[int, ...] = (401,)) -> None:
        self._data = dict(data)
        self._token: dict[str, Any] = dict(data.get("oauthTokenData") or {})
        self._on_token = on_token
        self._transport = transport
        self._clock = clock
        self._retry_statuses = retry_statuses
        self._lock = asyncio.Lock()

    @property
    def token(self) -> dict[str, Any]:
        return dict(self._token)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("OAuth2 credentials fetch tokens asynchronously: use httpx.AsyncClient")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        token = await self._usable_token()
        request.headers["Authorization"] = f"Bearer {token['access_token']}"
        response = yield request
        if response.status_code not in self._retry_statuses or not self._renewable():
            return
        token = await self._renew(stale=token)
        request.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield request

    async def _usable_token(self) -> dict[str, Any]:
        token = self._token
        if token.get("access_token") and not self._expired(token):
            return token
        if not token.get("access_token") and self._data.get("grantType") != "clientCredentials":
            raise OAuth2Error("The OAuth2 credential is not connected yet: connect it to get an access token")
        if token.get("access_token") and not self._renewable():
            raise OAuth2Error("The OAuth2 access token has expired and there is no refresh token: "
                              "connect the credential again")
        return await self._renew(stale=token)

    def _expired(self, token: Mapping[str, Any]) -> bool:
        expires_at = token.get("expires_at")
        return expires_at is not None and float(expires_at) - EXPIRY_LEEWAY <= self._clock()

    def _renewable(self) -> bool:
        return bool(self._token.get("refresh_token")) or self._data.get("grantType") == "clientCredentials"

    async def _renew(self, stale: Mapping[str, Any]) -> dict[str, Any]:
        async with self._lock:
            if self._token is not stale and self._token.get("access_token"):
                return self._token  # another request renewed it while this one waited
            data = {**self._data, "oauthTokenData": self._token}
            if self._token.get("refresh_token"):
                token = await refresh(data, transport=self._transport, clock=self._clock)
            else:
                token = await client_credentials_token(data, transport=self._transport, clock=self._clock)
            self._token = token
            if self._on_token is not None:
                reported = self._on_token(dict(token))
                if inspect.isawaitable(reported):
                    await reported
            return token


class OAuth2Authenticate:
    """The oAuth2Api type's `authenticate`: signs with an OAuth2Auth over the stored token."""

    def http_auth(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth:
        return OAuth2Auth(data, on_token=on_token, transport=transport)
