"""OAuth2 for oAuth2Api credentials against a real provider on a loopback port: the PKCE connect
flow end to end, client credentials, refresh on expiry and on 401, and the signed state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from engine.credential_types import CredentialTest, CredentialType, CredentialTypeRegistry
from engine.credential_types import test_credential as check  # a test_* name would be collected
from services.oauth2 import (
    OAuth2Auth,
    OAuth2Error,
    authorization_url,
    client_credentials_token,
    exchange_code,
    make_state,
    read_state,
    refresh,
)
from tests.credentials.net import closed_port
from tests.credentials.oauth2_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_LIFETIME,
    Provider,
    running_provider,
)

STATE_SECRET = b"state-signing-secret-for-tests"
REDIRECT_URI = "http://127.0.0.1:5678/rest/oauth2-credential/callback"


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


def credential(provider: Provider, grant_type: str, **changes: Any) -> dict[str, Any]:
    return {"grantType": grant_type, "authUrl": f"{provider.base_url}/authorize",
            "accessTokenUrl": f"{provider.base_url}/token", "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET,
            "scope": "read write", "authentication": "header", **changes}


async def consent(url: str) -> dict[str, str]:
    """What the provider's redirect hands to the callback (the user approves at once)."""
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return {key: values[0] for key, values in parse_qs(location.query).items()}


async def get_resource(provider: Provider, auth: OAuth2Auth) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"{provider.base_url}/resource", auth=auth)


async def test_pkce_flow_end_to_end(provider):
    # Given a PKCE credential of a public client (no secret) with extra authorization parameters
    data = credential(provider, "pkce", clientSecret="", authQueryParameters="access_type=offline&prompt=consent")
    state = make_state(STATE_SECRET, "user-1", "cred-1")
    # When the user is sent to the provider and comes back
    url, verifier = authorization_url(data, redirect_uri=REDIRECT_URI, state=state)
    callback = await consent(url)
    # Then the state names the user and the credential, and the code buys a token
    assert read_state(STATE_SECRET, callback["state"]) == ("user-1", "cred-1")
    asked = provider.authorize_queries[0]
    assert verifier is not None and asked["code_challenge_method"] == "S256"
    assert (asked["client_id"], asked["scope"], asked["access_type"], asked["prompt"]) == (
        CLIENT_ID, "read write", "offline", "consent")
    before = time.time()
    token = await exchange_code(data, callback["code"], redirect_uri=REDIRECT_URI, code_verifier=verifier)
    assert token["access_token"] and token["refresh_token"]
    assert before + TOKEN_LIFETIME <= token["expires_at"] <= time.time() + TOKEN_LIFETIME
    assert provider.token_requests[0]["client_auth"] == "public"
    # And the stored token opens the protected resource
    response = await get_resource(provider, OAuth2Auth({**data, "oauthTokenData": token}))
    assert response.json() == {"hello": "resource", "token": token["access_token"]}


async def test_a_wrong_pkce_verifier_is_refused(provider):
    data = credential(provider, "pkce")
    url, verifier = authorization_url(data, redirect_uri=REDIRECT_URI, state="s")
    callback = await consent(url)
    with pytest.raises(OAuth2Error, match=r"refused the authorization_code request \(HTTP 400: invalid_grant: "
                                          "PKCE verification failed"):
        await exchange_code(data, callback["code"], redirect_uri=REDIRECT_URI, code_verifier=verifier[::-1])
    with pytest.raises(OAuth2Error, match="PKCE code verifier is missing"):
        await exchange_code(data, callback["code"], redirect_uri=REDIRECT_URI, code_verifier=None)


async def test_authorization_code_without_pkce_sends_no_challenge(provider):
    url, verifier = authorization_url(credential(provider, "authorizationCode"), redirect_uri=REDIRECT_URI, state="s")
    await consent(url)
    assert verifier is None and "code_challenge" not in provider.authorize_queries[0]


async def test_client_credentials_fetches_a_token_when_none_is_stored(provider):
    saved: list[dict[str, Any]] = []
    auth = OAuth2Auth(credential(provider, "clientCredentials", authentication="body"), on_token=saved.append)
    first = await get_resource(provider, auth)
    second = await get_resource(provider, auth)
    assert first.status_code == second.status_code == 200
    assert provider.grants() == ["client_credentials"]  # fetched once, then reused
    assert provider.token_requests[0]["client_auth"] == "body"
    assert provider.token_requests[0]["scope"] == "read write"
    assert [token["access_token"] for token in saved] == [first.json()["token"]]


async def test_client_credentials_token_with_header_authentication(provider):
    token = await client_credentials_token(credential(provider, "clientCredentials"))
    assert token["token_type"] == "Bearer" and provider.token_requests[0]["client_auth"] == "header"


async def test_an_expired_token_is_refreshed_before_the_request(provider):
    # Given a connected credential whose token expired (by the client's clock)
    data = credential(provider, "authorizationCode")
    token = await connected_token(provider, data)
    saved: list[dict[str, Any]] = []

    async def save(new_token: dict[str, Any]) -> None:  # an async callback is awaited
        saved.append(new_token)

    auth = OAuth2Auth({**data, "oauthTokenData": token}, on_token=save, clock=lambda: token["expires_at"] + 1)
    # When a request is sent
    response = await get_resource(provider, auth)
    # Then the token was refreshed first, reported, and the refresh token kept
    assert response.status_code == 200
    assert provider.grants() == ["authorization_code", "refresh_token"]
    assert provider.resource_hits == 1
    assert saved[0]["access_token"] == response.json()["token"] != token["access_token"]
    assert saved[0]["refresh_token"] == token["refresh_token"]
    assert auth.token == saved[0]


async def test_a_401_refreshes_once_and_retries(provider):
    # Given a token the provider revoked although it has not expired
    data = credential(provider, "authorizationCode", authentication="body")
    token = await connected_token(provider, data)
    provider.revoke(token["access_token"])
    saved: list[dict[str, Any]] = []
    auth = OAuth2Auth({**data, "oauthTokenData": token}, on_token=saved.append)
    # When a request is sent, it is refused, the token refreshed and the request retried
    response = await get_resource(provider, auth)
    assert response.status_code == 200
    assert provider.resource_hits == 2
    assert provider.grants() == ["authorization_code", "refresh_token"]
    assert [t["access_token"] for t in saved] == [response.json()["token"]]


async def test_a_401_without_a_way_to_renew_is_returned_as_it_is(provider):
    data = credential(provider, "authorizationCode")
    token = await connected_token(provider, data)
    provider.revoke(token["access_token"])
    auth = OAuth2Auth({**data, "oauthTokenData": {**token, "refresh_token": ""}})
    response = await get_resource(provider, auth)
    assert response.status_code == 401 and provider.resource_hits == 1


async def test_a_refused_refresh_names_the_grant_and_hides_the_secret(provider):
    data = credential(provider, "authorizationCode", oauthTokenData={"access_token": "a", "refresh_token": "unknown"})
    with pytest.raises(OAuth2Error) as raised:
        await refresh(data)
    assert str(raised.value) == (f"The token endpoint {provider.base_url}/token refused the refresh_token request "
                                 "(HTTP 400: invalid_grant: bad refresh_token)")
    with pytest.raises(OAuth2Error, match=r"\(HTTP 401: invalid_client\)") as raised:
        await client_credentials_token(credential(provider, "clientCredentials", clientSecret="wrong-secret"))
    assert "wrong-secret" not in str(raised.value)


async def test_an_unconnected_or_unreachable_credential_fails_clearly(provider):
    with pytest.raises(OAuth2Error, match="not connected yet"):
        await get_resource(provider, OAuth2Auth(credential(provider, "authorizationCode")))
    expired = {"access_token": "a", "expires_at": time.time() - 60}
    with pytest.raises(OAuth2Error, match="expired and there is no refresh token"):
        await get_resource(provider, OAuth2Auth({**credential(provider, "pkce"), "oauthTokenData": expired}))
    port = closed_port()
    closed = credential(provider, "clientCredentials", accessTokenUrl=f"http://127.0.0.1:{port}/token?tenant=t1")
    with pytest.raises(OAuth2Error) as raised:
        await client_credentials_token(closed)
    assert str(raised.value) == f"Could not reach the token endpoint http://127.0.0.1:{port}/token: connection refused"


def test_a_sync_client_is_refused_with_a_reason(provider):
    with httpx.Client() as client, pytest.raises(RuntimeError, match="use httpx.AsyncClient"):
        client.get(f"{provider.base_url}/resource", auth=OAuth2Auth(credential(provider, "clientCredentials")))


async def test_the_credential_test_of_an_oauth2_type_uses_the_token(provider):
    registry = CredentialTypeRegistry([*CredentialTypeRegistry.from_entry_points().all(), CredentialType(
        name="acmeOAuth2Api", display_name="Acme", extends=("oAuth2Api",),
        test=CredentialTest(url=f"{provider.base_url}/resource"))])
    result = await check(registry.get("acmeOAuth2Api"), credential(provider, "clientCredentials"))
    assert (result.ok, result.message) == (
        True, f"Connection tested successfully: GET {provider.base_url}/resource answered HTTP 200 OK")


# -- state ---------------------------------------------------------------------------------------

def test_state_round_trip_and_uniqueness():
    first = make_state(STATE_SECRET, "user-1", "cred-9")
    assert read_state(STATE_SECRET, first) == ("user-1", "cred-9")
    assert make_state(STATE_SECRET, "user-1", "cred-9") != first  # a nonce: no two flows share a state


def test_a_tampered_state_is_refused():
    state = make_state(STATE_SECRET, "user-1", "cred-1")
    payload, _, signature = state.rpartition(".")
    forged = make_state(STATE_SECRET, "user-2", "cred-1").rpartition(".")[0] + "." + signature
    for bad in (forged, payload + "." + signature[::-1], state[:-2], "not-a-state"):
        with pytest.raises(OAuth2Error, match="The OAuth2 state is invalid"):
            read_state(STATE_SECRET, bad)
    with pytest.raises(OAuth2Error, match="The OAuth2 state is invalid"):
        read_state(b"another-secret", state)


def test_an_expired_state_is_refused():
    state = make_state(STATE_SECRET, "user-1", "cred-1", ttl=600, now=1_000_000.0)
    assert read_state(STATE_SECRET, state, now=1_000_600.0) == ("user-1", "cred-1")
    with pytest.raises(OAuth2Error, match="The OAuth2 state has expired"):
        read_state(STATE_SECRET, state, now=1_000_600.5)


async def connected_token(provider: Provider, data: dict[str, Any]) -> dict[str, Any]:
    url, verifier = authorization_url(data, redirect_uri=REDIRECT_URI, state="s")
    callback = await consent(url)
    return await exchange_code(data, callback["code"], redirect_uri=REDIRECT_URI, code_verifier=verifier)
