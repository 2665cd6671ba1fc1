"""The OAuth2 connect flow of oAuth2Api credentials, for `/rest/oauth2-credential/auth` and
`/rest/oauth2-credential/callback`.

    auth:     state = make_state(secret, user_id, credential_id)
              url, verifier = authorization_url(data, redirect_uri=..., state=state)
              save verifier in the credential's `codeVerifier` (encrypted), redirect to url
    callback: user_id, credential_id = read_state(secret, state)   # and check user_id is the caller
              token = await exchange_code(data, code, redirect_uri=..., code_verifier=data["codeVerifier"])
              save token as `oauthTokenData`, drop `codeVerifier`

The state is signed (HMAC, itsdangerous), bound to the user and the credential, and expires; it
carries no secret, since it travels through the browser and the provider. The token client itself
(`OAuth2Auth`, `exchange_code`, `refresh`...) lives with the oAuth2Api credential type in
nodes/credentials/oauth2.py, so nodes use it without importing services; it is re-exported here.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from nodes.credentials.oauth2 import (
    OAuth2Auth,
    OAuth2Error,
    authorization_url,
    client_credentials_token,
    exchange_code,
    refresh,
)

__all__ = [
    "OAuth2Auth",
    "OAuth2Error",
    "STATE_TTL",
    "authorization_url",
    "client_credentials_token",
    "exchange_code",
    "make_state",
    "read_state",
    "refresh",
]

STATE_TTL = 600.0  # seconds a user has to consent at the provider
_SALT = "knotwork.oauth2-state"  # keeps these signatures apart from any other use of the secret


def make_state(secret: bytes, user_id: str, credential_id: str, ttl: float = STATE_TTL,
               *, now: float | None = None) -> str:
    """A signed, expiring OAuth2 `state` naming the user and the credential being connected."""
    issued = time.time() if now is None else now
    payload = {"u": user_id, "c": credential_id, "exp": issued + ttl, "n": secrets.token_urlsafe(8)}
    return str(URLSafeSerializer(secret, salt=_SALT).dumps(payload))


def read_state(secret: bytes, state: str, *, now: float | None = None) -> tuple[str, str]:
    """(user_id, credential_id) from a state made by make_state. Raises OAuth2Error when the
    state was altered, signed with another secret, malformed or expired."""
    try:
        payload: Any = URLSafeSerializer(secret, salt=_SALT).loads(state)
    except BadSignature:
        raise OAuth2Error("The OAuth2 state is invalid (altered or not issued here): start the connection again") \
            from None
    if not isinstance(payload, dict) or not {"u", "c", "exp"} <= payload.keys():
        raise OAuth2Error("The OAuth2 state is malformed: start the connection again")
    if (time.time() if now is None else now) > float(payload["exp"]):
        raise OAuth2Error("The OAuth2 state has expired: start the connection again")
    return str(payload["u"]), str(payload["c"])
