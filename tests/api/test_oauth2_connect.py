"""Connecting an OAuth2 credential through /rest/oauth2-credential/auth and /callback, against a
real OAuth2 provider on loopback: the tokens land encrypted in the credential, the state works
only for the user who started the flow."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from models import Credential
from services.credentials import add_credential
from services.runtime import Runtime
from services.vault import decrypt
from tests.credentials.oauth2_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider

from .conftest import PASSWORD, Team


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


def oauth_credential(runtime: Runtime, team: Team, provider: Provider, grant_type: str = "pkce") -> str:
    view = add_credential(runtime.db, team.actor("acme_editor"), key=runtime.executions.encryption_key,
                          name="Provider", type="oAuth2Api", project_id=team.acme_id,
                          data={"grantType": grant_type, "authUrl": f"{provider.base_url}/authorize",
                                "accessTokenUrl": f"{provider.base_url}/token", "clientId": CLIENT_ID,
                                "clientSecret": CLIENT_SECRET, "scope": "read", "authentication": "header"})
    return view.credential.id


def signed_in(rest: TestClient, name: str) -> TestClient:
    client = TestClient(rest.app)
    assert client.post("/login", json={"email": f"{name}@example.com", "password": PASSWORD}).status_code == 200
    return client


def consent(url: str) -> dict[str, str]:
    """The provider approves at once and sends the browser back with a code and the state."""
    answer = httpx.get(url)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert location.path == "/rest/oauth2-credential/callback"
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def stored(runtime: Runtime, credential_id: str) -> dict:
    with runtime.db.session() as session:
        return decrypt(session.get_one(Credential, credential_id).data, runtime.executions.encryption_key)


def test_pkce_connection_stores_the_tokens(rest: TestClient, runtime: Runtime, team: Team,
                                           provider: Provider) -> None:
    credential_id = oauth_credential(runtime, team, provider)
    editor = signed_in(rest, "acme_editor")

    url = editor.get("/oauth2-credential/auth", params={"id": credential_id}).json()["url"]
    assert "codeVerifier" in stored(runtime, credential_id)  # kept (encrypted) until the callback
    back = consent(url)
    page = editor.get("/oauth2-credential/callback", params=back)

    assert page.status_code == 200 and "is connected" in page.text
    data = stored(runtime, credential_id)
    assert data["oauthTokenData"]["access_token"] in provider.access_tokens
    assert "codeVerifier" not in data
    assert provider.authorize_queries[0]["code_challenge_method"] == "S256"
    assert provider.authorize_queries[0]["redirect_uri"].endswith("/rest/oauth2-credential/callback")
    redirected = editor.get("/oauth2-credential/auth", params={"id": credential_id, "redirect": "true"},
                            follow_redirects=False)
    assert redirected.status_code == 303 and redirected.headers["location"].startswith(provider.base_url)


def test_the_state_is_bound_to_the_user_and_cannot_be_forged(rest: TestClient, runtime: Runtime, team: Team,
                                                             provider: Provider) -> None:
    credential_id = oauth_credential(runtime, team, provider)
    editor = signed_in(rest, "acme_editor")
    back = consent(editor.get("/oauth2-credential/auth", params={"id": credential_id}).json()["url"])

    other = signed_in(rest, "acme_admin")  # may change the credential, but did not start this flow
    refused = other.get("/oauth2-credential/callback", params=back)
    assert refused.status_code == 400 and "started by another user" in refused.text
    forged = editor.get("/oauth2-credential/callback", params={**back, "state": back["state"][:-2] + "xx"})
    assert forged.status_code == 400 and "state is invalid" in forged.text
    assert TestClient(rest.app).get("/oauth2-credential/callback", params=back).status_code == 401
    assert "oauthTokenData" not in stored(runtime, credential_id)


def test_who_may_start_and_what_the_provider_refuses(rest: TestClient, runtime: Runtime, team: Team,
                                                    provider: Provider) -> None:
    credential_id = oauth_credential(runtime, team, provider)
    assert signed_in(rest, "acme_viewer").get("/oauth2-credential/auth",
                                              params={"id": credential_id}).status_code == 403
    assert signed_in(rest, "outsider").get("/oauth2-credential/auth",
                                           params={"id": credential_id}).status_code == 404
    editor = signed_in(rest, "acme_editor")
    page = editor.get("/oauth2-credential/callback",
                      params={"error": "access_denied", "error_description": "<b>user said no</b>"})
    assert page.status_code == 400 and "&lt;b&gt;user said no&lt;/b&gt;" in page.text

    machine = oauth_credential(runtime, team, provider, grant_type="clientCredentials")
    answer = editor.get("/oauth2-credential/auth", params={"id": machine})
    assert answer.status_code == 400 and "client credentials grant" in answer.json()["message"]
