"""HTTP Request authentication: every generic credential type, a predefined type, and v1's
authentication values, each checked by the server that receives the request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.registry import NodeRegistry

from .conftest import error_of, jsons, run_http
from .server import TestServer


def generic(kind: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"url": url, "authentication": "genericCredentialType", "genericAuthType": kind, **extra}


async def test_basic_auth(registry: NodeRegistry, server: TestServer) -> None:
    good = {"httpBasicAuth": {"user": "alice", "password": "secret"}}
    assert jsons(await run_http(registry, generic("httpBasicAuth", server.url("/basic")), credentials=good)) == [
        {"user": "alice"}]
    bad = {"httpBasicAuth": {"user": "alice", "password": "wrong"}}
    error = error_of(await run_http(registry, generic("httpBasicAuth", server.url("/basic")), credentials=bad))
    assert error["message"] == "Authorization failed - please check your credentials (401): bad credentials"


async def test_digest_auth_answers_the_challenge(registry: NodeRegistry, server: TestServer) -> None:
    credentials = {"httpDigestAuth": {"user": "alice", "password": "secret"}}
    result = await run_http(registry, generic("httpDigestAuth", server.url("/digest")), credentials=credentials)
    assert jsons(result) == [{"digest": "ok"}]
    assert [r.headers.get("authorization", "")[:6] for r in server.requests] == ["", "Digest"]


@pytest.mark.parametrize(("kind", "data", "check"), [
    ("httpBearerAuth", {"token": "t0k"}, lambda r: r.headers["authorization"] == "Bearer t0k"),
    ("httpHeaderAuth", {"name": "X-Api-Key", "value": "k1"}, lambda r: r.headers["x-api-key"] == "k1"),
    ("httpQueryAuth", {"name": "api_key", "value": "k2"}, lambda r: ("api_key", "k2") in r.query),
    ("httpCustomAuth", {"json": json.dumps({"headers": {"X-A": "1"}, "qs": {"b": "2"}, "body": {"c": 3}})},
     lambda r: r.headers["x-a"] == "1" and ("b", "2") in r.query and json.loads(r.body) == {"k": "v", "c": 3}),
])
async def test_signing_credential_types(registry: NodeRegistry, server: TestServer, kind: str,
                                        data: dict[str, Any], check: Any) -> None:
    params = generic(kind, server.url("/echo"), method="POST", sendBody=True,
                     bodyParameters={"parameters": [{"name": "k", "value": "v"}]})
    await run_http(registry, params, credentials={kind: data})
    assert check(server.last)


async def test_oauth2_client_credentials_fetches_a_token(registry: NodeRegistry, server: TestServer) -> None:
    # Given an OAuth2 credential without a token, whose token endpoint is on the same server
    data = {"grantType": "clientCredentials", "accessTokenUrl": server.url("/token"), "clientId": "id",
            "clientSecret": "shh", "authentication": "header"}
    # When two items are sent
    from engine.items import Item

    result = await run_http(registry, generic("oAuth2Api", server.url("/echo")), credentials={"oAuth2Api": data},
                            items=[Item({}), Item({})])
    # Then a token was fetched and used as a Bearer token
    assert len(jsons(result)) == 2
    echoed = [r for r in server.requests if r.path == "/echo"]
    assert {r.headers["authorization"] for r in echoed} == {"Bearer tok-1"}
    assert server.counters["token"] == 1  # one token for the whole run


async def test_oauth1_signs_the_request(registry: NodeRegistry, server: TestServer) -> None:
    data = {"consumerKey": "ck", "consumerSecret": "cs", "signatureMethod": "HMAC-SHA256",
            "oauthTokenData": {"oauth_token": "tk", "oauth_token_secret": "ts"}}
    await run_http(registry, generic("oAuth1Api", server.url("/echo?x=1")), credentials={"oAuth1Api": data})
    header = server.last.headers["authorization"]
    assert header.startswith("OAuth ")
    for part in ('oauth_consumer_key="ck"', 'oauth_token="tk"', 'oauth_signature_method="HMAC-SHA256"',
                 "oauth_signature="):
        assert part in header


async def test_predefined_credential_type(registry: NodeRegistry, server: TestServer) -> None:
    params = {"url": server.url("/echo"), "authentication": "predefinedCredentialType",
              "nodeCredentialType": "httpHeaderAuth"}
    await run_http(registry, params, credentials={"httpHeaderAuth": {"name": "X-Key", "value": "v"}})
    assert server.last.headers["x-key"] == "v"
    unknown = {**params, "nodeCredentialType": "httpHeaderAuthh"}
    error = error_of(await run_http(registry, unknown))
    assert "Unknown credential type 'httpHeaderAuthh'" in error["message"]


async def test_missing_credential_fails_clearly(registry: NodeRegistry, server: TestServer) -> None:
    error = error_of(await run_http(registry, generic("httpBearerAuth", server.url("/echo"))))
    assert "No credential of type 'httpBearerAuth'" in error["message"]


async def test_v1_authentication_values(registry: NodeRegistry, server: TestServer) -> None:
    params = {"url": server.url("/basic"), "authentication": "basicAuth"}
    result = await run_http(registry, params, version=1,
                            credentials={"httpBasicAuth": {"user": "alice", "password": "secret"}})
    assert jsons(result) == [{"user": "alice"}]


def _oauth1_signature(method: str, url: str, query: list[tuple[str, str]], header: str, secrets: str) -> tuple[str, str]:
    """(expected, sent) oauth_signature, RFC 5849 §3.4 computed independently of the node."""
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote, unquote

    def enc(text: str) -> str:
        return quote(text, safe="~")

    oauth = dict(part.strip().split("=", 1) for part in header[len("OAuth "):].split(","))
    oauth = {k: unquote(v.strip('"')) for k, v in oauth.items()}
    sent = oauth.pop("oauth_signature")
    pairs = sorted((enc(k), enc(v)) for k, v in [*query, *oauth.items()] if k != "realm")
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join([method, enc(url), enc(normalized)])
    digest = hmac.new(secrets.encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode(), sent


async def test_oauth1_signature_is_valid(registry: NodeRegistry, server: TestServer) -> None:
    data = {"consumerKey": "ck", "consumerSecret": "cs", "signatureMethod": "HMAC-SHA256",
            "oauthTokenData": {"oauth_token": "tk", "oauth_token_secret": "ts"}}
    await run_http(registry, generic("oAuth1Api", server.url("/echo?x=1 2")), credentials={"oAuth1Api": data})
    request = server.last
    expected, sent = _oauth1_signature("GET", server.url("/echo"), request.query, request.headers["authorization"],
                                       "cs&ts")
    assert sent == expected


async def test_v2_generic_credential_type(registry: NodeRegistry, server: TestServer) -> None:
    params = {"url": server.url("/echo"), "authentication": "genericCredentialType", "genericAuthType": "httpQueryAuth"}
    await run_http(registry, params, version=2, credentials={"httpQueryAuth": {"name": "key", "value": "v2"}})
    assert ("key", "v2") in server.last.query
