"""Signing in and what it leaves behind: sessions, invitations and the audit log.

Model modules do not use `from __future__ import annotations` (stack-notes §6.1).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, big_integer, json_default, json_dict, new_id, utcnow


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    stolen database cannot sign anybody in. Signing out deletes the row: the old cookie is dead."""

    __tablename__ = 'auth_session'

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key='user_account.id', ondelete='CASCADE', max_length=36, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    ip: str = Field(default='', max_length=64)
    user_agent: str = Field(default='', max_length=255)


class Invitation(SQLModel, table=True):
    """An invitation by link: whoever opens it chooses a password and becomes a user with `role`."""

    __tablename__ = 'invitation'

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    email: str = Field(max_length=254, index=True)
    role: str = Field(default='member', max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: str | None = Field(default=None, foreign_key='user_account.id', ondelete='SET NULL',
                                   max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class AuditEvent(SQLModel, table=True):
    """A security-relevant event. `user_id` and `email` are plain values, not foreign keys: the
    history outlives the user. Failed sign-ins are counted from here to throttle them."""

    __tablename__ = 'audit_event'
    __table_args__ = (
        Index('ix_audit_event_event_email_at', 'event', 'email', 'at'),
        Index('ix_audit_event_event_ip_at', 'event', 'ip', 'at'),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=big_integer())
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False, index=True)
    event: str = Field(max_length=64)
    user_id: str | None = Field(default=None, max_length=36)
    email: str | None = Field(default=None, max_length=254)
    ip: str | None = Field(default=None, max_length=64)
    target: str | None = Field(default=None, sa_type=Text)  # e.g. "credential:<id>"
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=json_dict(), nullable=False,
                                   sa_column_kwargs=json_default('{}'))
