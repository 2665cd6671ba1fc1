"""The audit log: security-relevant events (sign-in, failed sign-in, credential use by a node,
sharing changes, API key use, user and role changes), queryable by owners and admins.

Events never carry secret values: callers pass ids, names and emails only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models import AuditEvent
from models.db import Database

from .access import Actor, require

# The events Knotwork records; a test keeps this list and the callers in step.
EVENTS = (
    "user.signedIn", "user.signInFailed", "user.signInThrottled", "user.signedOut", "user.created",
    "user.invited", "user.deleted", "user.roleChanged", "user.passwordChanged",
    "apiKey.created", "apiKey.deleted", "apiKey.used",
    "credential.created", "credential.updated", "credential.deleted", "credential.usedByNode",
    "credential.shared", "credential.transferred",
    "workflow.shared", "workflow.transferred",
    "project.created", "project.deleted", "project.memberChanged",
)


def record(target_db: Database | Session, event: str, *, actor: Actor | None = None, user_id: str | None = None,
           email: str | None = None, ip: str | None = None, target: str | None = None,
           **detail: Any) -> None:
    """Append one event (in the caller's transaction when given a Session)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event '{event}'")
    row = AuditEvent(event=event, user_id=user_id or (actor.user_id if actor else None),
                     email=(email or (actor.email if actor else None) or None), ip=ip, target=target,
                     detail=detail)
    if isinstance(target_db, Session):
        target_db.add(row)
    else:
        with target_db.session() as session:
            session.add(row)


def count_since(db: Database, event: str, since: datetime, *, email: str | None = None,
                ip: str | None = None) -> int:
    """How many `event`s for this email or address happened after `since` (for throttling)."""
    query = select(AuditEvent.id).where(AuditEvent.event == event, AuditEvent.at > since)
    if email is not None:
        query = query.where(AuditEvent.email == email)
    if ip is not None:
        query = query.where(AuditEvent.ip == ip)
    with db.session() as session:
        return len(session.exec(query.limit(1000)).all())


def list_events(db: Database, actor: Actor, *, event: str | None = None, user_id: str | None = None,
                since: datetime | None = None, before_id: int | None = None,
                limit: int = 100) -> list[AuditEvent]:
    """Newest first; owners and admins only (audit:read)."""
    require(actor, "audit:read")
    query = select(AuditEvent)
    if event:
        query = query.where(AuditEvent.event == event)
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if before_id:
        query = query.where(col(AuditEvent.id) < before_id)
    with db.session() as session:
        return list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(max(1, min(limit, 250)))))
