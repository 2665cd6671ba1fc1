"""Sending a RequestSpec: one httpx.AsyncClient per transport setting (TLS check, proxy, redirect
limit) for one node run, network failures and 4xx/5xx answers turned into NodeApiError.

    NodeApiError (engine.errors)
    ├── network: refused, host not found, TLS, timeout   message says which, description the detail
    └── HTTP 4xx/5xx                                      http_code, the server's message,
                                                          retry_after from a Retry-After header
"""

from __future__ import annotations

import email.utils
import json
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from engine.credential_types import CredentialDataError, network_reason
from engine.errors import NodeApiError, NodeOperationError
from nodes.credentials.oauth2 import OAuth2Error

from .spec import RequestSpec, build_request

# n8n's messages for HTTP status codes (NodeApiError's STATUS_CODE_MESSAGES).
STATUS_MESSAGES = {
    400: "Bad request - please check your parameters",
    401: "Authorization failed - please check your credentials",
    403: "Forbidden - perhaps check your credentials?",
    404: "The resource you are requesting could not be found",
    405: "Method not allowed - please check you are using the right HTTP method",
    429: "The service is receiving too many requests from you",
    500: "The service was not able to process your request",
    502: "Bad gateway - the service failed to handle your request",
    503: "Service unavailable - try again later or consider setting this node to retry automatically "
         "(in the node settings)",
    504: "Gateway timed out - perhaps try again later?",
}
_MAX_SERVER_MESSAGE = 500


@dataclass
class Clients:
    """The node run's HTTP clients, closed together when the run ends."""

    transport: httpx.AsyncBaseTransport | None = None  # tests may pass a mock transport
    _clients: dict[tuple[bool, str, int], httpx.AsyncClient] = field(default_factory=dict)
    # One signer per credential type for the run, so an OAuth2 token is fetched once, not per item.
    auths: dict[str, httpx.Auth | None] = field(default_factory=dict)

    def for_spec(self, spec: RequestSpec) -> httpx.AsyncClient:
        key = (spec.verify, spec.proxy, spec.max_redirects)
        client = self._clients.get(key)
        if client is None:
            client = httpx.AsyncClient(verify=spec.verify, proxy=spec.proxy or None, transport=self.transport,
                                       max_redirects=max(spec.max_redirects, 0), trust_env=False)
            self._clients[key] = client
        return client

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


async def send(clients: Clients, spec: RequestSpec, auth: httpx.Auth | None, item_index: int) -> httpx.Response:
    """Send and read the whole answer. Raises NodeApiError for network failures (never for a
    status code: see `raise_for_status`)."""
    client = clients.for_spec(spec)
    try:
        request = build_request(client, spec)
    except httpx.InvalidURL as error:
        raise NodeOperationError(f"Invalid URL '{_shown(spec.url)}': {error}", item_index=item_index) from None
    except UnicodeEncodeError as error:  # header values must be latin-1
        raise NodeOperationError(f"A header value holds a character HTTP headers cannot carry: {error.object!r}",
                                 item_index=item_index) from None
    try:
        response = await client.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT,
                                     follow_redirects=spec.follow_redirects)
        await response.aread()
    except httpx.TimeoutException:
        timeout = spec.timeout if spec.timeout is not None else None
        detail = f"no answer within {timeout * 1000:g} ms" if timeout else "no answer in time"
        raise NodeApiError("The connection timed out, consider setting the 'Retry on Fail' option in the "
                           "node settings", description=f"{spec.method} {_shown(spec.url)}: {detail}",
                           item_index=item_index) from None
    except httpx.TooManyRedirects:
        raise NodeApiError(f"Maximum number of redirects exceeded ({spec.max_redirects})",
                           description=f"{spec.method} {_shown(spec.url)}", item_index=item_index) from None
    except (CredentialDataError, OAuth2Error) as error:  # a token could not be had, or bad data
        raise NodeOperationError(f"Could not sign the request: {error}", item_index=item_index) from None
    except httpx.HTTPError as error:
        raise NodeApiError(_network_message(error), description=f"{spec.method} {_shown(spec.url)}: "
                           f"{network_reason(error)}", item_index=item_index) from None
    return response


def _network_message(error: httpx.HTTPError) -> str:
    reason = network_reason(error)
    if reason == "connection refused":
        return "The service refused the connection - perhaps it is offline"
    if reason == "host name not found":
        return "The DNS server returned an error, perhaps the server is offline"
    if reason.startswith("TLS"):
        return f"SSL/TLS error: {reason} (the Ignore SSL Issues option accepts any certificate)"
    return f"The request failed: {reason}"


def _shown(url: str) -> str:
    """The URL without its query (it may carry a secret)."""
    try:
        return str(httpx.URL(url).copy_with(query=None))
    except httpx.InvalidURL:
        return url


def raise_for_status(response: httpx.Response, item_index: int) -> None:
    """Raise NodeApiError for a 4xx/5xx answer, carrying the code, the server's message and the
    Retry-After delay. 1xx-3xx pass (a redirect not followed is an answer)."""
    status = response.status_code
    if status < 400:
        return
    server = server_message(response)
    generic = STATUS_MESSAGES.get(status) or (
        "Your request is invalid or could not be processed by the service" if status < 500
        else "The service failed to process your request")
    message = f"{generic} ({status}): {server}" if server else f"{generic} ({status})"
    description = server or f"{response.request.method} {_shown(str(response.request.url))} answered " \
                            f"{status} {response.reason_phrase}".rstrip()
    if status == 429:
        description = f"{description}. Try spacing your requests out using the batching settings under 'Options'"
    raise NodeApiError(message, http_code=status, description=description, item_index=item_index,
                       retry_after=retry_after(response.headers.get("retry-after")))


def server_message(response: httpx.Response) -> str:
    """The server's own words: JSON `message`, `error` (or `error.message`), else the text."""
    text = response.content.decode(response.encoding or "utf-8", errors="replace").strip()
    try:
        data: Any = json.loads(text) if text else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        for candidate in (data.get("message"), error.get("message") if isinstance(error, dict) else error,
                          data.get("error_description"), data.get("detail")):
            if isinstance(candidate, str) and candidate:
                return candidate[:_MAX_SERVER_MESSAGE]
    return text[:_MAX_SERVER_MESSAGE]


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - (time.time() if now is None else now), 0.0)
