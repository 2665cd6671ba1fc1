"""API keys for /api/v1: shown once at creation, stored as a SHA-256 hash, optional expiry and scopes.

A key is `kw_` + 32 random bytes (URL-safe), so a leaked key is recognisable in logs and scanners.
Scopes narrow what the key may do below its user's role (services.access.Actor.key_scopes).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select, update

from engine.errors import KnotworkError
from models import ApiKey, User
from models.db import Database
from models.types import utcnow

from . import audit
from .access import ALL_SCOPES, Actor, NotFound, require
from .auth import hash_token

KEY_PREFIX = "kw_"
# Record "apiKey.used" at most this often per key: one row per request would drown the log.
USE_AUDIT_INTERVAL = timedelta(minutes=5)


class ApiKeyError(KnotworkError):
    status = 400
    code = "invalid_api_key_request"


@dataclass(frozen=True)
class NewApiKey:
    row: ApiKey
    key: str  # shown once


def create_api_key(db: Database, actor: Actor, label: str, *, scopes: list[str] | None = None,
                   expires_at: datetime | None = None) -> NewApiKey:
    require(actor, "apiKey:manage")
    unknown = sorted(set(scopes or ()) - ALL_SCOPES)
    if unknown:
        raise ApiKeyError(f"Unknown scope(s): {', '.join(unknown)}")
    if expires_at is not None and expires_at <= utcnow():
        raise ApiKeyError("The expiry date must be in the future")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(user_id=actor.user_id, label=label.strip()[:100], key_hash=hash_token(key),
                 scopes=sorted(set(scopes or ())), expires_at=expires_at)
    with db.session() as session:
        session.add(row)
        session.flush()
        audit.record(session, "apiKey.created", actor=actor, target=f"apiKey:{row.id}", label=row.label)
        session.refresh(row)
    return NewApiKey(row, key)


def list_api_keys(db: Database, actor: Actor) -> list[ApiKey]:
    """The actor's own keys (hashes only, never the key)."""
    with db.session() as session:
        return list(session.exec(select(ApiKey).where(ApiKey.user_id == actor.user_id)
                                 .order_by(col(ApiKey.created_at))))


def delete_api_key(db: Database, actor: Actor, key_id: str) -> None:
    with db.session() as session:
        row = session.get(ApiKey, key_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound(f"API key '{key_id}' not found")
        session.delete(row)
        audit.record(session, "apiKey.deleted", actor=actor, target=f"apiKey:{key_id}")


def actor_for_api_key(db: Database, key: str | None, *, ip: str = "") -> Actor | None:
    """The user an API key acts as, or None (unknown, expired, or its user is disabled)."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    now = utcnow()
    with db.session() as session:
        found = session.exec(select(ApiKey, User).join(User, col(User.id) == ApiKey.user_id)
                             .where(ApiKey.key_hash == hash_token(key))).first()
    if found is None:
        return None
    row, user = found
    if user.disabled or (row.expires_at is not None and row.expires_at <= now):
        return None
    if row.last_used_at is None or now - row.last_used_at >= USE_AUDIT_INTERVAL:
        # A write transaction of its own, IMMEDIATE on SQLite: upgrading the read above to a write
        # would fail at once ("database is locked") if a worker wrote in between.
        with db.session(immediate=True) as session:
            session.exec(update(ApiKey).where(col(ApiKey.id) == row.id)  # type: ignore[call-overload]
                         .values(last_used_at=now))
            audit.record(session, "apiKey.used", user_id=user.id, email=user.email, ip=ip,
                         target=f"apiKey:{row.id}")
    return Actor(user.id, user.role, user.email, via="api_key",  # type: ignore[arg-type]
                 key_scopes=frozenset(row.scopes) if row.scopes else None)
