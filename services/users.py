"""Users and their personal projects; passwords hashed with argon2 (libpass, imported as passlib).

The rest of the team features (sign-in, sessions, invitations, roles in every request) build on
these functions in the teams issue. The use cases at the end take the acting user (list, invite,
delete, change role); only the owner makes or unmakes admins, and nobody changes or deletes the owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from passlib.context import CryptContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select

from models import AuthSession, Invitation, Project, ProjectMember, User
from models.db import Database
from models.types import utcnow
from models.users import GLOBAL_ROLES

from . import audit
from .access import AccessDenied, Actor, NotFound, personal_project_id, require, require_project
from .projects import move_contents

if TYPE_CHECKING:
    from .settings import Settings

# argon2id with libpass's defaults (m=64 MiB, t=3, p=4); bcrypt rejects passwords over 72 bytes.
PASSWORDS = CryptContext(schemes=["argon2"], deprecated="auto")
MIN_PASSWORD_LENGTH = 8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters")
    return PASSWORDS.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-time check; False for a user without a password."""
    if not password_hash:
        return False
    try:
        return bool(PASSWORDS.verify(password, password_hash))
    except ValueError:  # a malformed stored hash is a failed sign-in, not a crash
        return False


def dummy_verify() -> None:
    """Spend as long as a real password check, so a missing user gives no timing hint."""
    PASSWORDS.dummy_verify()


def create_user(db: Database, email: str, password: str, *, role: str = "member", first_name: str = "",
                last_name: str = "") -> User:
    """A user with a personal project (role personalOwner). The first owner only once.

    Raises UserError for a bad email, a short password, an unknown role, a second owner or a
    taken email.
    """
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"'{email}' is not an email address")
    if role not in GLOBAL_ROLES:
        raise UserError(f"Unknown role '{role}'; expected one of {', '.join(GLOBAL_ROLES)}")
    password_hash = hash_password(password)
    try:
        with db.session(immediate=True) as session:
            if role == "owner" and _owner_count(session):
                raise UserError("This instance already has an owner")
            user = User(email=email, password_hash=password_hash, role=role, first_name=first_name,
                        last_name=last_name)
            session.add(user)
            session.flush()
            name = " ".join(part for part in (first_name, last_name) if part) or email
            project = Project(name=f"{name} (personal)", type="personal")
            session.add(project)
            session.flush()
            session.add(ProjectMember(project_id=project.id, user_id=user.id, role="personalOwner"))
    except IntegrityError:
        raise UserError(f"A user with the email '{email}' already exists") from None
    return user


def set_password(db: Database, email: str, password: str) -> None:
    """Reset a password (by the owner, or from the command line); the user's sessions end.
    Raises UserError."""
    password_hash = hash_password(password)
    with db.session() as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise UserError(f"No user with the email '{email}'")
        user.password_hash = password_hash
        session.add(user)
        session.exec(delete(AuthSession).where(col(AuthSession.user_id) == user.id))  # type: ignore[call-overload]


def authenticate(db: Database, email: str, password: str) -> User | None:
    """The enabled user with this email and password, else None (never says which part failed)."""
    with db.session() as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or user.disabled:
        dummy_verify()
        return None
    return user if verify_password(password, user.password_hash) else None


def _owner_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(User).where(User.role == "owner")).one())


# --- use cases of a user (the public API, the UI) ----------------------------------------------

@dataclass(frozen=True)
class InviteOutcome:
    """What inviting one email gave: the link (and whether it was emailed), or why it failed."""

    email: str
    invitation_id: str = ""
    url: str = ""
    emailed: bool = False
    error: str = ""


def list_users(db: Database, actor: Actor, *, project_id: str | None = None, after: str | None = None,
               limit: int = 100) -> list[User]:
    """Users by id (user:read); `project_id` keeps the members of a project the actor reads in."""
    require(actor, "user:read")
    query = select(User)
    with db.session() as session:
        if project_id is not None:
            require_project(session, actor, project_id)
            query = query.where(col(User.id).in_(
                select(ProjectMember.user_id).where(ProjectMember.project_id == project_id)))
        if after is not None:
            query = query.where(col(User.id) > after)
        return list(session.exec(query.order_by(col(User.id)).limit(limit)))


def get_user(db: Database, actor: Actor, id_or_email: str) -> User:
    """A user by id or by email (user:read). Raises NotFound."""
    require(actor, "user:read")
    with db.session() as session:
        user = session.get(User, id_or_email) or session.exec(
            select(User).where(User.email == id_or_email.strip().lower())).first()
    if user is None:
        raise NotFound(f"User '{id_or_email}' not found")
    return user


def invite_users(db: Database, settings: Settings, actor: Actor, invites: list[tuple[str, str]]) -> list[InviteOutcome]:
    """Invite (email, role) pairs, each on its own: one that cannot be invited gets an error and the
    others still go out. Roles are n8n's (global:admin, global:member; the prefix is optional).
    Needs user:manage (checked first, for all)."""
    from .auth import invite  # services.auth builds on this module

    require(actor, "user:manage")
    outcomes = []
    for email, role in invites:
        try:
            if "\x00" in email or not _EMAIL.match(email.strip().lower()):
                raise UserError(f"{email!r} is not an email address")
            invited = invite(db, settings, actor, email, invited_role(role))
        except UserError as error:
            outcomes.append(InviteOutcome(email, error=str(error)))
        else:
            outcomes.append(InviteOutcome(invited.invitation.email, invited.invitation.id, invited.url,
                                          invited.emailed, invited.mail_error))
    return outcomes


def delete_user(db: Database, actor: Actor, user_id: str, *, transfer_to: str | None = None) -> None:
    """Delete a user and their personal project, or first move its workflows and credentials to
    `transfer_to` (another user's id: their personal project; or a project id). Their sessions end.
    Needs user:manage; the owner cannot be deleted, an admin only by the owner, nobody by themselves."""
    from .auth import end_sessions  # services.auth builds on this module

    require(actor, "user:manage")
    with db.session(immediate=True) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"User '{user_id}' not found")
        if user.role == "owner":
            raise AccessDenied("The owner cannot be deleted")
        if user.id == actor.user_id:
            raise UserError("You cannot delete yourself")
        if user.role == "admin" and actor.role != "owner":
            raise AccessDenied("Only the owner may delete an admin")
        personal = personal_project_id(session, user.id)
        destination = _transfer_destination(session, transfer_to) if transfer_to else None
        if destination == personal:
            raise UserError("transferId: choose another user or project than the one being deleted")
        if destination is not None:
            move_contents(session, personal, destination)
        session.delete(session.get_one(Project, personal))
        session.delete(user)
        audit.record(session, "user.deleted", actor=actor, target=f"user:{user_id}", deletedEmail=user.email,
                     transferredTo=destination)
    end_sessions(db, user_id)


def change_role(db: Database, actor: Actor, user_id: str, role: str) -> User:
    """Make a user an admin or a member (user:changeRole). Nobody changes the owner; only the owner
    makes or unmakes admins."""
    require(actor, "user:changeRole")
    new_role = invited_role(role)
    with db.session(immediate=True) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"User '{user_id}' not found")
        if user.role == "owner":
            raise AccessDenied("Nobody can change the owner's role")
        if actor.role != "owner" and "admin" in (new_role, user.role):
            raise AccessDenied("Only the owner may make or unmake admins")
        if user.role != new_role:
            audit.record(session, "user.roleChanged", actor=actor, target=f"user:{user_id}", fromRole=user.role,
                         toRole=new_role)
            user.role = new_role
            session.add(user)
    return user


def list_invitations(db: Database, actor: Actor) -> list[Invitation]:
    """Invitations not yet accepted and not expired, newest first (user:manage)."""
    require(actor, "user:manage")
    with db.session() as session:
        return list(session.exec(select(Invitation).where(col(Invitation.accepted_at).is_(None),
                                                          col(Invitation.expires_at) > utcnow())
                                 .order_by(col(Invitation.created_at).desc())))


def revoke_invitation(db: Database, actor: Actor, invitation_id: str) -> None:
    """Withdraw an open invitation: its link stops working."""
    require(actor, "user:manage")
    with db.session() as session:
        invitation = session.get(Invitation, invitation_id)
        if invitation is None or invitation.accepted_at is not None:
            raise NotFound(f"Invitation '{invitation_id}' not found")
        session.delete(invitation)


def update_profile(db: Database, actor: Actor, *, first_name: str, last_name: str) -> User:
    """A user changes their own name."""
    first_name, last_name = first_name.strip(), last_name.strip()
    if len(first_name) > 100 or len(last_name) > 100:
        raise UserError("A name can have at most 100 characters")
    if "\x00" in first_name + last_name:
        raise UserError("A name cannot contain NUL characters")
    with db.session() as session:
        user = session.get_one(User, actor.user_id)
        user.first_name, user.last_name = first_name, last_name
        session.add(user)
        session.flush()
        session.refresh(user)
        return user


def reset_password(db: Database, actor: Actor, user_id: str, password: str) -> None:
    """The owner (or an admin, for members) sets a new password for someone who lost theirs; that
    user is signed out everywhere."""
    require(actor, "user:manage")
    password_hash = hash_password(password)
    with db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"User '{user_id}' not found")
        if actor.role != "owner" and user.role in ("owner", "admin"):
            raise AccessDenied("Only the owner may reset the password of the owner or an admin")
        user.password_hash = password_hash
        session.add(user)
        session.exec(delete(AuthSession).where(col(AuthSession.user_id) == user.id))  # type: ignore[call-overload]
        audit.record(session, "user.passwordChanged", actor=actor, target=f"user:{user_id}", by="reset")


def invited_role(role: str) -> str:
    """admin or member, from n8n's role names (global:admin, global:member) or plain ones."""
    name = role.removeprefix("global:")
    if name not in ("admin", "member"):
        raise UserError(f"'{role}' is not a role a user can be given; expected global:admin or global:member")
    return name


def _transfer_destination(session: Session, transfer_to: str) -> str:
    if session.get(User, transfer_to) is not None:
        return personal_project_id(session, transfer_to)
    if session.get(Project, transfer_to) is not None:
        return transfer_to
    raise NotFound(f"transferId: no user or project '{transfer_to}'")
