"""n8n's oAuth1Api credential: requests signed per RFC 5849 (authlib encodes the signature).

The token (`oauthTokenData` = `{oauth_token, oauth_token_secret}`) is typed in or written by a
connect flow; Knotwork has no OAuth1 connect flow yet, so a token must be stored by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Generator, Mapping
from typing import Any

import httpx
from authlib.common.encoding import to_bytes
from authlib.oauth1.rfc5849.client_auth import ClientAuth
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from authlib.oauth1.rfc5849.util import escape

from engine.credential_types import CredentialType, TokenCallback
from engine.node_api import Option, Parameter

SECRET = {"password": True}
SIGNATURE_METHODS = ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512")


def _hmac_signer(algorithm: Any) -> Any:
    def sign(client: ClientAuth, request: Any) -> str:
        key = f"{escape(client.client_secret or '')}&{escape(client.token_secret or '')}"
        digest = hmac.new(to_bytes(key), to_bytes(generate_signature_base_string(request)), algorithm).digest()
        return base64.b64encode(digest).decode("ascii")

    return sign


# authlib knows HMAC-SHA1; n8n also offers the SHA-2 variants.
ClientAuth.register_signature_method("HMAC-SHA256", _hmac_signer(hashlib.sha256))
ClientAuth.register_signature_method("HMAC-SHA512", _hmac_signer(hashlib.sha512))


class OAuth1Auth(httpx.Auth):
    """Adds an `Authorization: OAuth ...` header signing method, URL, query and form body."""

    requires_request_body = True  # a form body is part of the signature base string

    def __init__(self, data: Mapping[str, Any]) -> None:
        token = data.get("oauthTokenData") or {}
        if not isinstance(token, Mapping):
            token = {}
        self._client = ClientAuth(
            str(data.get("consumerKey") or ""),
            str(data.get("consumerSecret") or ""),
            token=token.get("oauth_token"),
            token_secret=token.get("oauth_token_secret"),
            signature_method=str(data.get("signatureMethod") or "HMAC-SHA1"),
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = dict(request.headers)
        _url, signed, _body = self._client.prepare(request.method, str(request.url), headers, request.content)
        request.headers["Authorization"] = signed["Authorization"]
        yield request


class OAuth1Authenticate:
    """The oAuth1Api type's `authenticate`."""

    def http_auth(self, data: Mapping[str, Any], *, on_token: TokenCallback | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> httpx.Auth:
        return OAuth1Auth(data)


OAUTH1_API = CredentialType(
    name="oAuth1Api",
    display_name="OAuth1 API",
    # The URLs serve a connect flow Knotwork does not have yet: signing needs only key and token.
    fields=(
        Parameter("authUrl", "Authorization URL", "string", default=""),
        Parameter("accessTokenUrl", "Access Token URL", "string", default=""),
        Parameter("consumerKey", "Consumer Key", "string", default="", required=True),
        Parameter("consumerSecret", "Consumer Secret", "string", default="", required=True, type_options=SECRET),
        Parameter("requestTokenUrl", "Request Token URL", "string", default=""),
        Parameter("signatureMethod", "Signature Method", "options", default="HMAC-SHA1",
                  options=tuple(Option(name, name) for name in SIGNATURE_METHODS)),
        Parameter("oauthTokenData", "OAuth Token Data", "hidden", type_options=SECRET),
    ),
    authenticate=OAuth1Authenticate(),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/httprequest/",
)
