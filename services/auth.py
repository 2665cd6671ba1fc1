"""Signing in: first-run setup, sign-in with throttling, sessions that expire, sign-out, invitations.

A session token is 32 random bytes shown once (in the cookie); the database keeps its SHA-256 only.
Throttling counts the failed sign-ins recorded in the audit log, so it holds across processes and
restarts: KNOTWORK_SIGNIN_MAX_FAILURES per account, four times that per address, in 15 minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, func, select

from engine.errors import KnotworkError
from models import AuthSession, Invitation, User
from models.db import Database
from models.types import utcnow

from . import audit
from .access import Actor, require
from .mailer import MailError, mail_configured, public_url, send_mail
from .settings import Settings
from .users import UserError, create_user, dummy_verify, hash_password, verify_password

THROTTLE_WINDOW = timedelta(minutes=15)
SESSION_COOKIE = "knotwork_session"


class SignInError(KnotworkError):
    """Wrong email or password (never says which)."""

    status = 401
    code = "invalid_credentials"


class SignInThrottled(KnotworkError):
    """Too many failed sign-ins; try again later."""

    status = 429
    code = "too_many_attempts"
    retry_after = int(THROTTLE_WINDOW.total_seconds())


class InvitationError(KnotworkError):
    status = 400
    code = "invalid_invitation"


@dataclass(frozen=True)
class SignedIn:
    token: str  # goes into the cookie; not stored
    user: User
    expires_in: timedelta


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def needs_setup(db: Database) -> bool:
    """True until the instance has its owner."""
    with db.session() as session:
        return not session.exec(select(func.count()).select_from(User).where(User.role == "owner")).one()


def set_up_owner(db: Database, email: str, password: str, *, first_name: str = "", last_name: str = "") -> User:
    """The first-run setup: create the owner. Refused once an owner exists."""
    if not needs_setup(db):
        raise UserError("This instance is already set up; sign in instead")
    user = create_user(db, email, password, role="owner", first_name=first_name, last_name=last_name)
    audit.record(db, "user.created", user_id=user.id, email=user.email, role="owner", via="setup")
    return user


def sign_in(db: Database, settings: Settings, email: str, password: str, *, ip: str = "",
            user_agent: str = "") -> SignedIn:
    """Check the password and open a session. Raises SignInThrottled before checking anything when
    the account or the address failed too often lately, else SignInError on a wrong password."""
    email = email.strip().lower()
    since = utcnow() - THROTTLE_WINDOW
    limit = settings.signin_max_failures
    if (audit.count_since(db, "user.signInFailed", since, email=email) >= limit
            or (ip and audit.count_since(db, "user.signInFailed", since, ip=ip) >= 4 * limit)):
        audit.record(db, "user.signInThrottled", email=email, ip=ip)
        raise SignInThrottled("Too many failed sign-ins for this account or address; try again in 15 minutes")
    with db.session() as session:
        user = session.exec(select(User).where(User.email == email)).first()
    if user is None or user.disabled:
        dummy_verify()  # same cost as a real check: no timing hint that the email exists
        user = None
    elif not verify_password(password, user.password_hash):
        user = None
    if user is None:
        audit.record(db, "user.signInFailed", email=email, ip=ip)
        raise SignInError("Wrong email or password")
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(hours=settings.session_hours)
    with db.session() as session:
        session.add(AuthSession(token_hash=hash_token(token), user_id=user.id, expires_at=utcnow() + lifetime,
                                ip=ip[:64], user_agent=user_agent[:255]))
        audit.record(session, "user.signedIn", user_id=user.id, email=user.email, ip=ip)
    return SignedIn(token, user, lifetime)


def actor_for_session(db: Database, token: str | None) -> Actor | None:
    """The signed-in user of a session cookie, or None (unknown, expired, signed out or disabled)."""
    if not token:
        return None
    with db.session() as session:
        row = session.exec(select(AuthSession, User).join(User, col(User.id) == AuthSession.user_id)
                           .where(AuthSession.token_hash == hash_token(token))).first()
    if row is None:
        return None
    auth_session, user = row
    if auth_session.expires_at <= utcnow() or user.disabled:
        return None
    return Actor(user.id, user.role, user.email, via="session")  # type: ignore[arg-type]


def sign_out(db: Database, token: str | None) -> None:
    """End the session: its cookie stops working everywhere at once."""
    if not token:
        return
    with db.session(immediate=True) as session:  # reads then writes: take the write lock up front
        row = session.get(AuthSession, hash_token(token))
        if row is not None:
            audit.record(session, "user.signedOut", user_id=row.user_id)
            session.delete(row)


def end_sessions(db: Database, user_id: str) -> None:
    """Sign a user out everywhere (password changed, user disabled or deleted)."""
    with db.session() as session:
        session.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id))  # type: ignore[call-overload]


def prune_sessions(db: Database) -> int:
    with db.session() as session:
        result = session.exec(delete(AuthSession).where(col(AuthSession.expires_at) <= utcnow()))  # type: ignore[call-overload]
        return int(result.rowcount or 0)


# --- invitations ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    token: str  # goes into the link; not stored
    url: str  # the link to open: /signin/invite?token=...
    emailed: bool  # sent by email (SMTP configured and the send worked)
    mail_error: str = ""


def invite(db: Database, settings: Settings, actor: Actor, email: str, role: str = "member") -> Invited:
    """An invitation link for `email`, emailed when SMTP is configured. Only the owner invites admins;
    nobody invites an owner."""
    require(actor, "user:manage")
    email = email.strip().lower()
    if role not in ("admin", "member"):
        raise UserError(f"Cannot invite with role '{role}'; expected admin or member")
    if role == "admin" and actor.role != "owner":
        raise UserError("Only the owner may invite admins")
    with db.session(immediate=True) as session:
        if session.exec(select(User.id).where(User.email == email)).first():
            raise UserError(f"A user with the email '{email}' already exists")
        token = secrets.token_urlsafe(32)
        invitation = Invitation(email=email, role=role, token_hash=hash_token(token), invited_by=actor.user_id,
                                expires_at=utcnow() + timedelta(hours=settings.invitation_hours))
        session.add(invitation)
        audit.record(session, "user.invited", actor=actor, target=f"email:{email}", role=role)
    url = public_url(settings, f"/signin/invite?token={token}")
    if not mail_configured(settings):
        return Invited(invitation, token, url, emailed=False)
    try:
        send_mail(settings, email, "You are invited to Knotwork",
                  f"{actor.email} invited you to Knotwork as {role}.\n\nOpen this link to choose your "
                  f"password (it works for {settings.invitation_hours} hours):\n{url}\n")
    except MailError as error:
        return Invited(invitation, token, url, emailed=False, mail_error=str(error))
    return Invited(invitation, token, url, emailed=True)


def pending_invitation(db: Database, token: str) -> Invitation:
    """The open invitation of a link, or InvitationError saying why it cannot be used."""
    with db.session() as session:
        invitation = session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token))).first()
    if invitation is None:
        raise InvitationError("This invitation link is not valid")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation was already used; sign in instead")
    if invitation.expires_at <= utcnow():
        raise InvitationError("This invitation has expired; ask for a new one")
    return invitation


def accept_invitation(db: Database, token: str, password: str, *, first_name: str = "",
                      last_name: str = "") -> User:
    invitation = pending_invitation(db, token)
    hash_password(password)  # a short password fails before the invitation is spent
    with db.session(immediate=True) as session:
        row = session.get_one(Invitation, invitation.id)
        if row.accepted_at is not None:
            raise InvitationError("This invitation was already used; sign in instead")
        row.accepted_at = utcnow()
        session.add(row)
    try:
        user = create_user(db, invitation.email, password, role=invitation.role, first_name=first_name,
                           last_name=last_name)
    except (UserError, IntegrityError):
        with db.session() as session:  # give the invitation back: nothing was created
            row = session.get_one(Invitation, invitation.id)
            row.accepted_at = None
            session.add(row)
        raise
    audit.record(db, "user.created", user_id=user.id, email=user.email, role=user.role, via="invitation")
    return user


def change_password(db: Database, actor: Actor, current: str, new: str) -> None:
    """A user changes their own password; every other session of theirs ends."""
    with db.session(immediate=True) as session:
        user = session.get_one(User, actor.user_id)
        if not verify_password(current, user.password_hash):
            raise SignInError("The current password is wrong")
        user.password_hash = hash_password(new)
        session.add(user)
        audit.record(session, "user.passwordChanged", actor=actor)
    end_sessions(db, actor.user_id)
