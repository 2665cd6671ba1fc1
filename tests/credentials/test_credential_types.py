"""Credential types: how each generic type signs a request, masking and validation of the data,
the registry, and the HTTP test request (against httpx.MockTransport, no network)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from engine.credential_types import (
    MASKED,
    CredentialDataError,
    CredentialTest,
    CredentialTestFailed,
    CredentialType,
    CredentialTypeRegistry,
    QueryAuth,
    UnknownCredentialType,
    authenticate_request,
    http_auth,
    mask,
    merge_update,
    secret_fields,
    uses_oauth2,
    validate,
)
from engine.credential_types import test_credential as check  # a test_* name would be collected
from engine.node_api import Parameter
from engine.registry import RegistryError
from tests.credentials.net import closed_port

SECRET = "s3cret-Value-42"


@pytest.fixture(scope="module")
def types() -> CredentialTypeRegistry:
    return CredentialTypeRegistry.from_entry_points()


async def sign(credential_type: CredentialType, data: dict[str, Any], request: httpx.Request | None = None,
               **options: Any) -> httpx.Request:
    return await authenticate_request(credential_type, data, request or httpx.Request("GET", "https://api.test/v1/items?page=2"),
                                      **options)


async def send_through_client(credential_type: CredentialType, data: dict[str, Any]) -> httpx.Request:
    """What the server receives when a client sends with the credential's httpx auth."""
    received: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        await client.get("https://api.test/v1/items", auth=http_auth(credential_type, data))
    return received[0]


# -- signing -------------------------------------------------------------------------------------

async def test_basic_auth_sends_user_and_password(types):
    request = await sign(types.get("httpBasicAuth"), {"user": "alice", "password": SECRET})
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()


async def test_header_auth_sets_the_named_header(types):
    request = await send_through_client(types.get("httpHeaderAuth"), {"name": "X-API-Key", "value": SECRET})
    assert request.headers["X-API-Key"] == SECRET
    assert "Authorization" not in request.headers


async def test_query_auth_adds_the_parameter_and_keeps_the_query(types):
    request = await sign(types.get("httpQueryAuth"), {"name": "api_key", "value": SECRET})
    assert request.url.params.multi_items() == [("page", "2"), ("api_key", SECRET)]


async def test_bearer_auth_sends_the_token(types):
    request = await send_through_client(types.get("httpBearerAuth"), {"token": SECRET})
    assert request.headers["Authorization"] == f"Bearer {SECRET}"


async def test_custom_auth_merges_headers_query_and_json_body(types):
    spec = {"headers": {"X-Tenant": "acme"}, "qs": {"sig": SECRET}, "body": {"apiKey": SECRET}}
    original = httpx.Request("POST", "https://api.test/items?page=2", json={"name": "widget"})
    request = await sign(types.get("httpCustomAuth"), {"json": json.dumps(spec)}, original)
    assert request.headers["X-Tenant"] == "acme"
    assert request.url.params.multi_items() == [("page", "2"), ("sig", SECRET)]
    assert json.loads(request.content) == {"name": "widget", "apiKey": SECRET}
    assert request.headers["Content-Length"] == str(len(request.content))


async def test_custom_auth_body_fields_join_a_form_body_or_make_an_empty_one_json(types):
    custom = types.get("httpCustomAuth")
    form = await sign(custom, {"json": '{"body": {"key": "k1"}}'},
                      httpx.Request("POST", "https://api.test/f", data={"a": "1"}))
    assert form.content == b"a=1&key=k1"
    empty = await sign(custom, {"json": '{"body": {"key": "k1"}}'}, httpx.Request("POST", "https://api.test/f"))
    assert (empty.headers["content-type"], json.loads(empty.content)) == ("application/json", {"key": "k1"})


async def test_custom_auth_refuses_json_that_is_not_an_object(types):
    with pytest.raises(CredentialDataError, match="field 'json' is not valid JSON"):
        await sign(types.get("httpCustomAuth"), {"json": "{headers: nope}"})
    with pytest.raises(CredentialDataError, match="'headers' must be an object"):
        await sign(types.get("httpCustomAuth"), {"json": '{"headers": ["x"]}'})


async def test_oauth2_signs_with_the_stored_access_token(types):
    token = {"access_token": "at-1", "token_type": "Bearer", "refresh_token": "rt-1"}
    request = await sign(types.get("oAuth2Api"), {**oauth2_data("authorizationCode"), "oauthTokenData": token})
    assert request.headers["Authorization"] == "Bearer at-1"


async def test_oauth2_client_credentials_fetches_a_token_through_the_given_transport(types):
    seen: list[httpx.Request] = []
    saved: list[dict[str, Any]] = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "cc-1", "token_type": "Bearer", "expires_in": 3600})

    request = await sign(types.get("oAuth2Api"), oauth2_data("clientCredentials"),
                         transport=httpx.MockTransport(token_endpoint), on_token=saved.append)
    assert request.headers["Authorization"] == "Bearer cc-1"
    assert str(seen[0].url) == "https://auth.test/token"
    assert seen[0].content == b"grant_type=client_credentials&scope=read"
    assert seen[0].headers["Authorization"] == "Basic " + base64.b64encode(f"app:{SECRET}".encode()).decode()
    assert [token["access_token"] for token in saved] == ["cc-1"]


def oauth2_data(grant_type: str) -> dict[str, Any]:
    return {"grantType": grant_type, "authUrl": "https://auth.test/authorize", "accessTokenUrl": "https://auth.test/token",
            "clientId": "app", "clientSecret": SECRET, "scope": "read"}


# -- secrets: mask and merge ---------------------------------------------------------------------

def test_secret_fields_are_those_marked_password(types):
    assert secret_fields(types.get("httpBasicAuth")) == ["password"]
    assert secret_fields(types.get("oAuth2Api")) == ["clientSecret", "oauthTokenData", "codeVerifier"]


def test_mask_hides_secrets_keeps_the_rest_and_leaves_out_undeclared_keys(types):
    oauth = types.get("oAuth2Api")
    data = {**oauth2_data("authorizationCode"), "oauthTokenData": {"access_token": "at"}, "codeVerifier": "",
            "sshPassword": "from-an-n8n-export"}
    masked = mask(oauth, data)
    assert masked["clientSecret"] == MASKED and masked["oauthTokenData"] == MASKED
    assert masked["codeVerifier"] == ""  # an empty secret stays empty: the form shows it unset
    assert masked["clientId"] == "app" and masked["scope"] == "read"
    assert "sshPassword" not in masked


def test_a_masked_value_sent_back_keeps_the_stored_secret(types):
    basic = types.get("httpBasicAuth")
    stored = {"user": "alice", "password": SECRET}
    assert merge_update(basic, stored, mask(basic, stored)) == stored
    assert merge_update(basic, stored, {"user": "bob", "password": "new-one"}) == {"user": "bob", "password": "new-one"}
    assert merge_update(basic, stored, {"user": "bob"}) == {"user": "bob", "password": SECRET}


def test_a_masked_value_without_a_stored_secret_is_refused(types):
    with pytest.raises(CredentialDataError, match="field 'password' holds the masked placeholder"):
        merge_update(types.get("httpBasicAuth"), {"user": "alice"}, {"password": MASKED})
    with pytest.raises(CredentialDataError, match="field 'password' holds the masked placeholder"):
        validate(types.get("httpBasicAuth"), {"password": MASKED})


# -- validation ----------------------------------------------------------------------------------

def test_validate_applies_defaults_and_makes_numeric_text_a_number(types):
    assert validate(types.get("postgres"), {"password": "pw", "port": "5433"}) == {
        "host": "localhost", "database": "postgres", "user": "postgres", "password": "pw", "maxConnections": 100,
        "allowUnauthorizedCerts": False, "ssl": "disable", "port": 5433}


@pytest.mark.parametrize(
    ("type_name", "data", "message"),
    [
        ("httpBasicAuth", {"usr": "alice"}, "Credential type 'httpBasicAuth' has no field 'usr' "
                                            r"\(did you mean 'user'\?\); its fields are: user, password"),
        ("httpBearerAuth", {}, r"field 'token' \(Bearer Token\) is required"),
        ("httpHeaderAuth", {"name": "", "value": "v"}, r"field 'name' \(Name\) is required"),
        ("postgres", {"port": "fifty"}, "field 'port' must be a number, not 'fifty'"),
        ("postgres", {"port": True}, "field 'port' must be a number, not True"),
        ("smtp", {"host": "mail", "secure": "yes"}, "field 'secure' must be true or false, not 'yes'"),
        ("mqtt", {"host": "h", "protocol": "amqp"}, "field 'protocol' must be one of 'mqtt', 'mqtts', 'ws', not 'amqp'"),
        ("httpBasicAuth", {"user": 42}, "field 'user' must be text, not int"),
        ("oAuth2Api", {"grantType": "pkce", "accessTokenUrl": "u", "clientId": "c"},
         r"field 'authUrl' \(Authorization URL\) is required"),
    ],
)
def test_validate_names_the_type_and_the_field(types, type_name, data, message):
    with pytest.raises(CredentialDataError, match=message):
        validate(types.get(type_name), data)


def test_required_fields_hidden_by_display_rules_are_not_required(types):
    data = validate(types.get("oAuth2Api"), {"grantType": "clientCredentials", "accessTokenUrl": "u", "clientId": "c"})
    assert data["authUrl"] == ""


def test_non_strict_validation_drops_undeclared_keys(types):
    data = validate(types.get("mySql"), {"host": "db", "sshTunnel": False}, strict=False)
    assert "sshTunnel" not in data and data["port"] == 3306


# -- registry ------------------------------------------------------------------------------------

def test_built_in_types_load_through_the_entry_point_group(types):
    from nodes.apps import APPS

    names = {t.name for t in types.all()}
    assert names >= {
        "httpBasicAuth", "httpHeaderAuth", "httpQueryAuth", "httpBearerAuth", "httpCustomAuth", "httpDigestAuth",
        "oAuth1Api", "oAuth2Api", "jwtAuth", "crypto", "smtp", "imap", "postgres", "mySql", "redis", "rabbitmq", "mqtt"}
    # every app node's credential types come through the `apps` entry, and nothing else does
    app_types = {auth.credential.name for app in APPS for auth in app.auth}
    assert app_types and app_types <= names
    assert len(names - app_types) == 17


def test_an_unknown_type_is_refused_with_a_suggestion(types):
    with pytest.raises(UnknownCredentialType, match=r"Unknown credential type 'httpBasicAut' \(did you mean 'httpBasicAuth'\?\)"):
        types.get("httpBasicAut")
    assert types.suggest("postgress") == "postgres"
    assert types.resolve("nothingLikeIt") is None


def test_a_type_extending_oauth2_inherits_its_fields_and_signing(types):
    registry = CredentialTypeRegistry([*types.all(), CredentialType(
        name="acmeOAuth2Api", display_name="Acme OAuth2", extends=("oAuth2Api",),
        fields=(Parameter("accessTokenUrl", "Access Token URL", "hidden", default="https://acme.test/token"),))])
    acme = registry.get("acmeOAuth2Api")
    assert uses_oauth2(acme) and not uses_oauth2(registry.get("httpBasicAuth"))
    assert {"clientId", "clientSecret", "oauthTokenData"} <= {p.name for p in acme.fields}
    assert [p.type for p in acme.fields if p.name == "accessTokenUrl"] == ["hidden"]
    assert validate(acme, {"clientId": "c", "authUrl": "https://acme.test/auth"})["accessTokenUrl"] == "https://acme.test/token"
    assert acme.authenticate is registry.get("oAuth2Api").authenticate


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (CredentialType("httpBasicAuth", "Again"), "'httpBasicAuth' is registered twice"),
        (CredentialType("x", "X", fields=(Parameter("p", "P", "nope"),)), "parameter 'p': unknown type 'nope'"),  # type: ignore[arg-type]
        (CredentialType("x", ""), "name and display_name are required"),
    ],
)
def test_invalid_types_are_refused_when_added(types, extra, message):
    with pytest.raises(RegistryError, match=message):
        CredentialTypeRegistry([*types.all(), extra])


def test_extending_an_unknown_type_fails_clearly():
    registry = CredentialTypeRegistry([CredentialType("child", "Child", extends=("ghostApi",))])
    with pytest.raises(RegistryError, match="'child' extends unknown type 'ghostApi'"):
        registry.get("child")


# -- test requests -------------------------------------------------------------------------------

ACME = CredentialType(
    name="acmeApi", display_name="Acme API",
    fields=(Parameter("baseUrl", "Base URL", "string", default="https://acme.test"),
            Parameter("apiKey", "API Key", "string", required=True, type_options={"password": True})),
    authenticate=QueryAuth(name="key", value="{apiKey}"),
    test=CredentialTest(url="{baseUrl}/me", headers={"Accept": "application/json"}),
)


def answering(status: int) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.params["key"] == SECRET and request.headers["Accept"] == "application/json"
        return httpx.Response(status, text=f"echo {request.url}")

    return httpx.MockTransport(answer)


def failing(error: type[httpx.TransportError], text: str) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        raise error(text, request=request)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    ("transport", "ok", "message"),
    [
        (answering(200), True, "Connection tested successfully: GET https://acme.test/me answered HTTP 200 OK"),
        (answering(401), False, "Authentication failed: GET https://acme.test/me answered HTTP 401 Unauthorized"),
        (answering(403), False, "Authentication failed: GET https://acme.test/me answered HTTP 403 Forbidden"),
        (answering(500), False, "GET https://acme.test/me answered HTTP 500 Internal Server Error"),
        (failing(httpx.ConnectError, "[Errno 111] Connection refused"), False,
         "Could not connect to acme.test:443: connection refused"),
        (failing(httpx.ReadTimeout, "timed out"), False, "No answer from acme.test:443 within 3 s (GET https://acme.test/me)"),
        (failing(httpx.ConnectError, f"TLS error near key={SECRET}"), False,
         "Could not connect to acme.test:443: TLS error near key=***"),
    ],
)
async def test_the_test_request_reports_what_happened_without_the_secret(transport, ok, message):
    result = await check(ACME, {"apiKey": SECRET}, transport=transport, timeout=3)
    assert (result.ok, result.message) == (ok, message)
    assert SECRET not in result.message


async def test_a_real_refused_connection_is_named():
    port = closed_port()
    result = await check(ACME, {"apiKey": SECRET, "baseUrl": f"http://127.0.0.1:{port}"}, timeout=5)
    assert (result.ok, result.message) == (False, f"Could not connect to 127.0.0.1:{port}: connection refused")


async def test_invalid_data_fails_the_test_with_the_field_named():
    result = await check(ACME, {"apiKey": ""}, transport=answering(200))
    assert (result.ok, result.message) == (False, "Credential type 'acmeApi': field 'apiKey' (API Key) is required")


async def test_connection_test_failures_are_reported_and_scrubbed():
    async def refuse(data, timeout):
        raise CredentialTestFailed(f"server refused {data['apiKey']}")

    async def crash(data, timeout):
        raise RuntimeError(f"driver crashed holding {data['apiKey']}")

    async def accept(data, timeout):
        assert timeout == 2

    for connect, expected in [(refuse, (False, "server refused ***")),
                            (crash, (False, "RuntimeError: driver crashed holding ***")),
                            (accept, (True, "Connection to Acme tested successfully"))]:
        acme = CredentialType("acme", "Acme", fields=ACME.fields, test=connect)
        result = await check(acme, {"apiKey": SECRET}, timeout=2)
        assert (result.ok, result.message) == expected


async def test_a_type_without_a_test_says_so(types):
    result = await check(types.get("httpBasicAuth"), {"user": "u", "password": SECRET})
    assert (result.ok, result.message) == (False, "Credential type 'httpBasicAuth' declares no test")


async def test_a_type_without_authenticate_does_not_sign():
    plain = CredentialType("plain", "Plain", test=CredentialTest(url="https://plain.test/"))
    with pytest.raises(CredentialDataError, match="'plain' does not sign HTTP requests"):
        await authenticate_request(plain, {}, httpx.Request("GET", "https://plain.test/"))
    result = await check(plain, {}, transport=httpx.MockTransport(lambda request: httpx.Response(204)))
    assert result.ok
