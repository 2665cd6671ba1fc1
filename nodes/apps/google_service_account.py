"""n8n's `googleApi` credential: a Google service account. Requests are signed with an access token
obtained by the JWT-bearer grant (RFC 7523): a JWT signed RS256 with the account's private key is
exchanged at Google's token endpoint; the token is kept for the run and fetched again when it
expires. With `impersonate`, the token acts for `delegatedEmail` (domain-wide delegation)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from engine.credential_types import CredentialTest, CredentialType, TokenCallback
from engine.node_api import Parameter
from nodes.credentials.oauth2 import OAuth2Error

TOKEN_URL = "https://oauth2.googleapis.com/token"
# What the Google app nodes need; n8n's own googleApi asks per node.
DEFAULT_SCOPES = "https://www.googleapis.com/auth/spreadsheets https://www.googleapis.com/auth/drive.file"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_assertion(data: Mapping[str, Any], now: float | None = None) -> str:
    """The RS256 JWT the token endpoint takes as `assertion`."""
    issued = int(time.time() if now is None else now)
    claims = {"iss": str(data.get("email", "")).strip(), "scope": str(data.get("scopes") or DEFAULT_SCOPES),
              "aud": TOKEN_URL, "iat": issued, "exp": issued + 3600}
    if data.get("impersonate") and data.get("delegatedEmail"):
        claims["sub"] = data["delegatedEmail"]
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    # Keys pasted into a single-line field keep their newlines as "\n".
    pem = str(data.get("privateKey", "")).replace("\\n", "\n").encode()
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise OAuth2Error(f"The service account's private key is not a PEM key: {error}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise OAuth2Error("The service account's private key is not an RSA key")
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{_b64(signature)}"


@dataclass(frozen=True)
class ServiceAccountAuth:
    def http_auth(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth:
        return _ServiceAccountSigner(data)


class _ServiceAccountSigner(httpx.Auth):
    requires_response_body = True

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data
        self._token = ""
        self._expires = 0.0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._token or time.time() > self._expires - 60:
            form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": signed_assertion(self._data)}
            answer = yield httpx.Request("POST", TOKEN_URL, data=form)
            try:
                body = answer.json()
            except ValueError:
                body = {}
            body = body if isinstance(body, dict) else {}
            if answer.status_code >= 400 or "access_token" not in body:
                reason = body.get("error_description") or body.get("error") or f"HTTP {answer.status_code}"
                raise OAuth2Error(f"Google refused the service account token: {reason}")
            self._token = body["access_token"]
            self._expires = time.time() + float(body.get("expires_in", 3600))
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


GOOGLE_API = CredentialType(
    name="googleApi",
    display_name="Google Service Account API",
    fields=(
        Parameter("email", "Service Account Email", "string", default="", required=True,
                  placeholder="name@project.iam.gserviceaccount.com"),
        Parameter("privateKey", "Private Key", "string", default="", required=True,
                  type_options={"password": True}, description="The `private_key` of the account's JSON key file"),
        Parameter("impersonate", "Impersonate a User", "boolean", default=False),
        Parameter("delegatedEmail", "Email", "string", default="", show={"impersonate": (True,)},
                  description="The user the service account acts for (domain-wide delegation)"),
        Parameter("scopes", "Scopes", "string", default=DEFAULT_SCOPES, description="Scopes separated by spaces"),
    ),
    authenticate=ServiceAccountAuth(),
    test=CredentialTest(url="https://www.googleapis.com/drive/v3/about?fields=user"),  # drive.file allows it
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/google/service-account/",
)
