"""Users: argon2 password hashes, one owner, personal projects, authentication."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import Database, Project, ProjectMember, User
from services.users import UserError, authenticate, create_user, set_password, verify_password


def test_a_user_gets_an_argon2_hash_and_a_personal_project(database: Database) -> None:
    user = create_user(database, " Ada@Example.com ", "correct horse", role="owner", first_name="Ada")
    assert user.email == "ada@example.com" and user.role == "owner"
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    with database.session() as session:
        member = session.exec(select(ProjectMember).where(ProjectMember.user_id == user.id)).one()
        project = session.get(Project, member.project_id)
    assert member.role == "personalOwner" and project is not None and project.type == "personal"


def test_only_one_owner_and_unique_emails(database: Database) -> None:
    create_user(database, "owner@example.com", "password1", role="owner")
    with pytest.raises(UserError, match="already has an owner"):
        create_user(database, "second@example.com", "password2", role="owner")
    with pytest.raises(UserError, match="already exists"):
        create_user(database, "OWNER@example.com", "password3")


@pytest.mark.parametrize(
    ("email", "password", "role", "message"),
    [
        ("not-an-email", "password1", "member", "is not an email address"),
        ("a@example.com", "short", "member", "at least 8 characters"),
        ("a@example.com", "password1", "king", "Unknown role"),
    ],
)
def test_bad_input_is_refused_clearly(database: Database, email: str, password: str, role: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        create_user(database, email, password, role=role)
    with database.session() as session:
        assert session.exec(select(User)).all() == []


def test_authentication_and_password_reset(database: Database) -> None:
    create_user(database, "bob@example.com", "first password")
    assert authenticate(database, "BOB@example.com", "first password") is not None
    assert authenticate(database, "bob@example.com", "wrong password") is None
    assert authenticate(database, "nobody@example.com", "first password") is None
    set_password(database, "bob@example.com", "second password")
    assert authenticate(database, "bob@example.com", "first password") is None
    assert authenticate(database, "bob@example.com", "second password") is not None
    with pytest.raises(UserError, match="No user"):
        set_password(database, "nobody@example.com", "whatever123")


def test_malformed_hashes_never_verify() -> None:
    assert verify_password("x", None) is False
    assert verify_password("x", "not-a-hash") is False
