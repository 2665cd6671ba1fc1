"""Users and their personal projects; passwords hashed with argon2 (libpass, imported as passlib).

The rest of the team features (sign-in, sessions, invitations, roles in every request) build on
these functions in the teams issue.
"""

from __future__ import annotations

import re

from passlib.context import CryptContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select

from models import AuthSession, Project, ProjectMember, User
from models.db import Database
from models.users import GLOBAL_ROLES

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
