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

import hashlib
import secrets
import time
from typing import Any

import httpx
from itsdangerous import BadSignature, URLSafeSerializer

from engine.credential_types import uses_oauth2
from models import Credential
from models.db import Database
from nodes.credentials.oauth2 import (
    OAuth2Auth,
    OAuth2Error,
    authorization_url,
    client_credentials_token,
    exchange_code,
    refresh,
)

from . import audit
from .access import Actor, require_credential
from .credentials import default_credential_types
from .mailer import public_url
from .settings import Settings
from .vault import decrypt, encrypt

__all__ = [
    "OAuth2Auth",
    "OAuth2Error",
    "CALLBACK_PATH",
    "STATE_TTL",
    "authorization_url",
    "client_credentials_token",
    "exchange_code",
    "finish_connection",
    "make_state",
    "read_state",
    "refresh",
    "start_connection",
    "state_secret",
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


# --- the connect flow of a stored credential (the /rest/oauth2-credential routes) ------------------

CALLBACK_PATH = "/rest/oauth2-credential/callback"


def state_secret(encryption_key: str) -> bytes:
    """The HMAC key for states, derived from the encryption key (every web process shares it)."""
    return hashlib.sha256(f"knotwork-oauth2-state:{encryption_key}".encode()).digest()


def start_connection(db: Database, settings: Settings, encryption_key: str, actor: Actor,
                     credential_id: str) -> str:
    """The provider's authorization URL to send the user to, for an OAuth2 credential they may change.
    A PKCE verifier is kept in the credential (encrypted) until the callback."""
    with db.session() as session:
        credential = require_credential(session, actor, credential_id, "credential:update")
        if not uses_oauth2(default_credential_types().get(credential.type)):
            raise OAuth2Error(f"The credential '{credential.name}' ({credential.type}) does not use OAuth2")
        data = decrypt(credential.data, encryption_key)
        if data.get("grantType") == "clientCredentials":
            raise OAuth2Error(f"The credential '{credential.name}' uses the client credentials grant: it needs "
                              "no browser connection, Knotwork fetches its token when a node runs")
        state = make_state(state_secret(encryption_key), actor.user_id, credential.id)
        url, verifier = authorization_url(data, redirect_uri=public_url(settings, CALLBACK_PATH), state=state)
        data.pop("codeVerifier", None)
        if verifier:
            data["codeVerifier"] = verifier
        credential.data = encrypt(data, encryption_key)
        session.add(credential)
    return url


async def finish_connection(db: Database, settings: Settings, encryption_key: str, actor: Actor, *, code: str,
                            state: str, transport: httpx.AsyncBaseTransport | None = None) -> Credential:
    """Exchange the provider's code for tokens and store them in the credential the state names.
    The state must come back to the same signed-in user who started the connection."""
    user_id, credential_id = read_state(state_secret(encryption_key), state)
    if user_id != actor.user_id:
        raise OAuth2Error("This OAuth2 connection was started by another user: start it again yourself")
    with db.session() as session:
        credential = require_credential(session, actor, credential_id, "credential:update")
        data = decrypt(credential.data, encryption_key)
    token = await exchange_code(data, code, redirect_uri=public_url(settings, CALLBACK_PATH),
                                code_verifier=data.get("codeVerifier"), transport=transport)
    with db.session() as session:
        credential = require_credential(session, actor, credential_id, "credential:update")
        data = decrypt(credential.data, encryption_key)
        data.pop("codeVerifier", None)
        data["oauthTokenData"] = token
        credential.data = encrypt(data, encryption_key)
        session.add(credential)
        audit.record(session, "credential.updated", actor=actor, target=f"credential:{credential.id}",
                     change="oauth2 connected")
    return credential
