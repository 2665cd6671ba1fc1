"""Credential types: declared in Python like nodes, named and shaped like n8n's.

A `CredentialType` lists its fields (the node API's `Parameter`; a secret is
`type_options={"password": True}`), how it signs an HTTP request (`authenticate`) and how to check
it works (`test`: an HTTP request, or an async connect function for non-HTTP services).
Pure: no database, no UI. The registry loads types through the `knotwork.credentials` entry points.
What concerns the data alone (masking, merging, validation) lives in credential_data and is
re-exported here, so this module is the one public entry point.

    KnotworkError
    ├── CredentialDataError     stored or submitted data does not fit the type (names the field)
    ├── CredentialTestFailed    a connect test's specific, secret-free reason for failing
    └── UnknownCredentialType   no such type (with a "did you mean")
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

import httpx

from .credential_data import (
    MASKED,
    CredentialDataError,
    closest_name,
    did_you_mean,
    is_secret,
    json_object,
    mask,
    merge_update,
    scrub,
    scrub_data,
    secret_fields,
    secret_values,
    validate,
)
from .errors import KnotworkError
from .node_api import Parameter
from .registry import RegistryError, _validate_parameters  # the node registry's field checks, shared

__all__ = [
    "MASKED", "Authenticator", "BasicAuth", "BearerAuth", "ConnectionTest", "CredentialDataError", "CredentialTest",
    "CredentialTestFailed", "CredentialType", "CredentialTypeRegistry", "CustomAuth", "HeaderAuth", "QueryAuth",
    "TestResult", "TokenCallback", "UnknownCredentialType", "authenticate_request", "http_auth", "is_secret", "mask",
    "merge_update", "network_reason", "render", "scrub", "scrub_data", "secret_fields", "secret_values", "test_credential",
    "uses_oauth2", "validate",
]

ENTRY_POINT_GROUP = "knotwork.credentials"
OAUTH2_TYPE = "oAuth2Api"

TokenCallback = Callable[[dict[str, Any]], Awaitable[None] | None]
ConnectionTest = Callable[[Mapping[str, Any], float], Awaitable[None]]
"""A non-HTTP test: connect with the data within the timeout; raise CredentialTestFailed on failure."""


class CredentialTestFailed(KnotworkError):
    """A connection test failed for a reason that is safe to show (it never holds a secret)."""


class UnknownCredentialType(KnotworkError, LookupError):
    """No credential type of that name is registered."""


class Authenticator(Protocol):
    """How a credential type signs HTTP requests: an httpx.Auth built from the credential data."""

    def http_auth(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth: ...


@dataclass(frozen=True)
class CredentialTest:
    """An HTTP request that succeeds (2xx) only with valid credentials. `url`, header and query
    values are templates: `{field}` is replaced by the credential's value."""

    url: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CredentialType:
    """A credential type; `name` is n8n's (`httpBasicAuth`) so n8n workflow JSON finds it."""

    name: str
    display_name: str
    fields: tuple[Parameter, ...] = ()
    authenticate: Authenticator | None = None
    test: CredentialTest | ConnectionTest | None = None
    extends: tuple[str, ...] = ()  # parent types whose fields, authenticate and test are inherited
    documentation_url: str = ""


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class

    ok: bool
    message: str


def uses_oauth2(credential_type: CredentialType) -> bool:
    """Whether the type is n8n's oAuth2Api or extends it (it then needs the connect flow)."""
    return credential_type.name == OAUTH2_TYPE or OAUTH2_TYPE in credential_type.extends


# -- signing declarations ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(template: str, data: Mapping[str, Any], type_name: str = "") -> str:
    """Replace each `{field}` in a template by the credential's value. Raises CredentialDataError."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in data or data[name] is None:
            owner = f"Credential type '{type_name}'" if type_name else "The credential"
            raise CredentialDataError(f"{owner}: field '{name}' has no value")
        return str(data[name])

    return _PLACEHOLDER.sub(value, template)


class _Signer:
    """Base of the declarative authenticators: each signs a request in place, without I/O."""

    def sign(self, data: Mapping[str, Any], request: httpx.Request) -> httpx.Request:
        raise NotImplementedError

    def http_auth(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth:
        return _SigningAuth(self, data)


class _SigningAuth(httpx.Auth):
    requires_request_body = True  # CustomAuth may merge fields into the body

    def __init__(self, signer: _Signer, data: Mapping[str, Any]) -> None:
        self._signer = signer
        self._data = data

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield self._signer.sign(self._data, request)


@dataclass(frozen=True)
class HeaderAuth(_Signer):
    """Sets one header, e.g. `HeaderAuth(name="{name}", value="{value}")`."""

    name: str
    value: str

    def sign(self, data: Mapping[str, Any], request: httpx.Request) -> httpx.Request:
        header = render(self.name, data)
        if not header:
            raise CredentialDataError("The credential's header name is empty")
        request.headers[header] = render(self.value, data)
        return request


@dataclass(frozen=True)
class QueryAuth(_Signer):
    """Adds one query parameter, e.g. `QueryAuth(name="api_key", value="{apiKey}")`."""

    name: str
    value: str

    def sign(self, data: Mapping[str, Any], request: httpx.Request) -> httpx.Request:
        name = render(self.name, data)
        if not name:
            raise CredentialDataError("The credential's query parameter name is empty")
        request.url = request.url.copy_merge_params({name: render(self.value, data)})
        return request


@dataclass(frozen=True)
class BasicAuth(_Signer):
    user: str = "{user}"
    password: str = "{password}"

    def sign(self, data: Mapping[str, Any], request: httpx.Request) -> httpx.Request:
        basic = httpx.BasicAuth(render(self.user, data), render(self.password, data))
        return next(basic.auth_flow(request))


@dataclass(frozen=True)
class BearerAuth(_Signer):
    token: str = "{token}"

    def sign(self, data: Mapping[str, Any], request: httpx.Request) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {render(self.token, data)}"
        return request


@dataclass(frozen=True)
class CustomAuth(_Signer):
    """n8n's httpCustomAuth: a JSON field `{"headers": {..}, "qs": {..}, "body": {..}}`; body fields
    are merged into a JSON or form body (an empty body becomes JSON)."""

    field: str = "json"

    def sign(self, data: Mapping[str, Any], request: httpx.Request) -> httpx.Request:
        spec = json_object(data.get(self.field), f"field '{self.field}'")
        for part in ("headers", "qs", "body"):
            if not isinstance(spec.get(part, {}), dict):
                raise CredentialDataError(f"Custom auth JSON: '{part}' must be an object")
        request.headers.update({k: str(v) for k, v in spec.get("headers", {}).items()})
        if spec.get("qs"):
            request.url = request.url.copy_merge_params({k: str(v) for k, v in spec["qs"].items()})
        return _merge_body(request, spec["body"]) if spec.get("body") else request


def _merge_body(request: httpx.Request, extra: dict[str, Any]) -> httpx.Request:
    content_type = request.headers.get("content-type", "")
    body = request.content
    headers = httpx.Headers(request.headers)
    headers.pop("content-length", None)
    if not body or "json" in content_type:
        existing = json.loads(body) if body else {}
        if not isinstance(existing, dict):
            raise CredentialDataError("Custom auth can add body fields only to a JSON object body")
        headers["content-type"] = content_type or "application/json"
        content = json.dumps({**existing, **extra}).encode()
    elif "x-www-form-urlencoded" in content_type:
        pairs = parse_qsl(body.decode(), keep_blank_values=True) + [(k, str(v)) for k, v in extra.items()]
        content = urlencode(pairs).encode()
    else:
        raise CredentialDataError(f"Custom auth cannot add body fields to a '{content_type}' body")
    return httpx.Request(request.method, request.url, headers=headers, content=content,
                         extensions=request.extensions)


# -- signing and testing -------------------------------------------------------------------------

def http_auth(credential_type: CredentialType, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
              transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth | None:
    """The httpx.Auth that signs requests with this credential (None: the type does not sign).
    `on_token` receives every token an OAuth2 credential obtains, to be saved."""
    if credential_type.authenticate is None:
        return None
    checked = validate(credential_type, data, strict=False)
    return credential_type.authenticate.http_auth(checked, on_token=on_token, transport=transport)


async def authenticate_request(credential_type: CredentialType, data: Mapping[str, Any], request: httpx.Request,
                               *, on_token: TokenCallback | None = None,
                               transport: httpx.AsyncBaseTransport | None = None) -> httpx.Request:
    """The request signed with this credential, not sent. Raises CredentialDataError (and, for
    OAuth2, the token client's OAuth2Error when a token cannot be obtained)."""
    auth = http_auth(credential_type, data, on_token=on_token, transport=transport)
    if auth is None:
        raise CredentialDataError(f"Credential type '{credential_type.name}' does not sign HTTP requests")
    if auth.requires_request_body:
        await request.aread()
    flow = auth.async_auth_flow(request)
    try:
        return await flow.__anext__()
    finally:
        await flow.aclose()


async def test_credential(credential_type: CredentialType, data: Mapping[str, Any], *,
                          transport: httpx.AsyncBaseTransport | None = None, timeout: float = 10.0) -> TestResult:
    """Whether the credential works. Never raises; the message names the problem (status code,
    connection refused, login refused) and never holds a secret."""
    secrets = secret_values(credential_type, data)
    try:
        checked = validate(credential_type, data, strict=False)
        if credential_type.test is None:
            return TestResult(False, f"Credential type '{credential_type.name}' declares no test")
        if isinstance(credential_type.test, CredentialTest):
            result = await _http_test(credential_type, credential_type.test, checked, transport, timeout)
        else:
            await credential_type.test(checked, timeout)
            result = TestResult(True, f"Connection to {credential_type.display_name} tested successfully")
    except CredentialTestFailed as error:
        result = TestResult(False, str(error))
    except Exception as error:  # a test reports, whatever broke
        result = TestResult(False, _describe_error(error))
    return TestResult(result.ok, scrub(result.message, secrets))


async def _http_test(credential_type: CredentialType, test: CredentialTest, data: dict[str, Any],
                     transport: httpx.AsyncBaseTransport | None, timeout: float) -> TestResult:
    url = httpx.URL(render(test.url, data, credential_type.name))
    request = httpx.Request(
        test.method, url.copy_merge_params({k: render(v, data) for k, v in test.query.items()}),
        headers={k: render(v, data) for k, v in test.headers.items()})
    shown = f"{test.method} {url.copy_with(query=None)}"  # the query may carry a secret
    auth = http_auth(credential_type, data, transport=transport)
    async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
        try:
            response = await client.send(request, auth=auth) if auth else await client.send(request)
        except httpx.TimeoutException:
            return TestResult(False, f"No answer from {_host_port(url)} within {timeout:g} s ({shown})")
        except httpx.ConnectError as error:
            return TestResult(False, f"Could not connect to {_host_port(url)}: {network_reason(error)}")
        except httpx.HTTPError as error:
            return TestResult(False, f"{shown} failed: {error}")
    status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if response.is_success:
        return TestResult(True, f"Connection tested successfully: {shown} answered {status}")
    if response.status_code in (401, 403):
        return TestResult(False, f"Authentication failed: {shown} answered {status}")
    return TestResult(False, f"{shown} answered {status}")


def _host_port(url: httpx.URL) -> str:
    return f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


def network_reason(error: BaseException) -> str:
    """Why a connection failed, in a few words: the cause chain is searched, because httpx
    reports a refused connection as "All connection attempts failed"."""
    cause: BaseException | None = error
    while cause is not None:
        text = str(cause).lower()
        if isinstance(cause, ConnectionRefusedError) or "refused" in text:
            return "connection refused"
        if isinstance(cause, socket.gaierror) or "name or service not known" in text:
            return "host name not found"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed ({cause.reason or cause})"
        cause = cause.__cause__ or cause.__context__
    return str(error) or type(error).__name__


def _describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if not isinstance(error, KnotworkError) else str(error)


# -- registry ------------------------------------------------------------------------------------

class CredentialTypeRegistry:
    """Credential types by name; `get` returns a type with what it `extends` merged in."""

    def __init__(self, credential_types: Iterable[CredentialType] = ()) -> None:
        self._by_name: dict[str, CredentialType] = {}
        for credential_type in credential_types:
            self.add(credential_type)

    @classmethod
    def from_entry_points(cls) -> CredentialTypeRegistry:
        """Load every `knotwork.credentials` entry point: each names a list of CredentialType."""
        registry = cls()
        found = entry_points(group=ENTRY_POINT_GROUP)
        if not found:
            raise RegistryError(
                f"No credential types found in entry-point group '{ENTRY_POINT_GROUP}'. "
                "Is Knotwork installed (`pip install -e .`)?"
            )
        for entry_point in sorted(found, key=lambda ep: ep.name):
            for credential_type in entry_point.load():
                registry.add(credential_type)
        return registry

    def add(self, credential_type: CredentialType) -> None:
        where = f"Credential type '{credential_type.name}'"
        if not credential_type.name or not credential_type.display_name:
            raise RegistryError(f"{where}: name and display_name are required")
        if credential_type.name in self._by_name:
            raise RegistryError(f"{where} is registered twice")
        _validate_parameters(where, credential_type.fields)
        self._by_name[credential_type.name] = credential_type

    def get(self, name: str) -> CredentialType:
        """The type with its parents' fields, authenticate and test merged in. Raises
        UnknownCredentialType with a "did you mean" suggestion."""
        if name not in self._by_name:
            raise UnknownCredentialType(f"Unknown credential type '{name}'{did_you_mean(name, self._by_name)}")
        return self._resolved(name, ())

    def resolve(self, name: str) -> CredentialType | None:
        return self.get(name) if name in self._by_name else None

    def suggest(self, name: str) -> str | None:
        """The closest known type name, for "did you mean" messages."""
        return closest_name(name, self._by_name)

    def all(self) -> list[CredentialType]:
        return [self.get(name) for name in sorted(self._by_name, key=str.lower)]

    def _resolved(self, name: str, seen: tuple[str, ...]) -> CredentialType:
        if name in seen:
            raise RegistryError(f"Credential type '{name}' extends itself ({' -> '.join((*seen, name))})")
        own = self._by_name.get(name)
        if own is None:
            raise RegistryError(f"Credential type '{seen[-1]}' extends unknown type '{name}'")
        resolved = own
        for parent_name in own.extends:
            parent = self._resolved(parent_name, (*seen, name))
            own_names = {p.name for p in resolved.fields}
            resolved = replace(
                resolved,
                fields=tuple(p for p in parent.fields if p.name not in own_names) + resolved.fields,
                authenticate=resolved.authenticate or parent.authenticate,
                test=resolved.test or parent.test,
                extends=tuple(dict.fromkeys((*resolved.extends, *parent.extends))),
            )
        return resolved
