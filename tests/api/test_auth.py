"""Setup, sign-in, throttling, sessions, sign-out, password change and invitations through /rest."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from models import AuditEvent, AuthSession, Invitation, User
from models.types import utcnow
from services import auth
from services.runtime import Runtime

from .conftest import PASSWORD, Team

FORM = {"content-type": "application/x-www-form-urlencoded"}


def events(runtime: Runtime, name: str) -> list[AuditEvent]:
    with runtime.db.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.event == name)))


def test_setup_creates_the_owner_once_and_signs_them_in(rest: TestClient, runtime: Runtime) -> None:
    assert rest.get("/setup").json() == {"needsSetup": True}

    created = rest.post("/setup", json={"email": "Olive@Example.com", "password": PASSWORD, "firstName": "Olive"})

    assert created.status_code == 200
    assert created.json()["role"] == "owner" and created.json()["email"] == "olive@example.com"
    assert rest.get("/me").json()["email"] == "olive@example.com"
    assert rest.get("/setup").json() == {"needsSetup": False}
    again = rest.post("/setup", json={"email": "mallory@example.com", "password": PASSWORD})
    assert again.status_code == 400 and "already set up" in again.json()["message"]
    short = TestClient(rest.app).post("/setup", json={"email": "x@example.com", "password": "short"})
    assert short.status_code == 400


def test_setup_form_errors_come_back_to_the_page(rest: TestClient) -> None:
    answer = rest.post("/setup", content=b"email=not-an-email&password=long+enough+pw", headers=FORM,
                       follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/setup?error=")
    assert "not%20an%20email" in answer.headers["location"]


def test_sign_in_opens_a_session_whose_token_is_not_stored(rest: TestClient, runtime: Runtime, team: Team) -> None:
    answer = rest.post("/login", json={"email": " MEMBER@example.com ", "password": PASSWORD})

    assert answer.status_code == 200 and answer.json()["role"] == "member"
    token = rest.cookies["knotwork_session"]
    assert "httponly" in answer.headers["set-cookie"].lower()
    with runtime.db.session() as session:
        stored = session.exec(select(AuthSession)).all()
    assert [row.token_hash for row in stored] == [auth.hash_token(token)]
    assert token not in stored[0].token_hash
    assert [event.email for event in events(runtime, "user.signedIn")] == ["member@example.com"]


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(rest: TestClient, team: Team) -> None:
    wrong = rest.post("/login", json={"email": "member@example.com", "password": "not the password"})
    unknown = rest.post("/login", json={"email": "nobody@example.com", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"code": "invalid_credentials", "message": "Wrong email or password"}


def test_repeated_failures_for_one_account_are_throttled(rest: TestClient, runtime: Runtime, team: Team) -> None:
    # The runtime fixture allows 3 failures per account in 15 minutes
    for _ in range(3):
        assert rest.post("/login", json={"email": "member@example.com", "password": "guess!!!"}).status_code == 401

    throttled = rest.post("/login", json={"email": "member@example.com", "password": PASSWORD})

    assert throttled.status_code == 429
    assert throttled.json()["code"] == "too_many_attempts"
    assert "try again in 15 minutes" in throttled.json()["message"]
    assert throttled.headers["retry-after"] == "900"
    # Another account from the same address is not locked out by these three
    assert rest.post("/login", json={"email": "admin@example.com", "password": PASSWORD}).status_code == 200
    assert len(events(runtime, "user.signInThrottled")) == 1


def test_failures_older_than_the_window_do_not_count(rest: TestClient, runtime: Runtime, team: Team) -> None:
    for _ in range(3):
        rest.post("/login", json={"email": "member@example.com", "password": "guess!!!"})
    with runtime.db.session() as session:
        for event in session.exec(select(AuditEvent).where(AuditEvent.event == "user.signInFailed")):
            event.at = utcnow() - auth.THROTTLE_WINDOW - timedelta(seconds=1)
            session.add(event)
    assert rest.post("/login", json={"email": "member@example.com", "password": PASSWORD}).status_code == 200


def test_one_address_spraying_many_accounts_is_throttled(rest: TestClient, team: Team) -> None:
    # Four times the per-account limit from one address, spread over accounts so none hits its own limit
    for index in range(12):
        rest.post("/login", json={"email": f"user{index}@example.com", "password": "guess!!!"})
    throttled = rest.post("/login", json={"email": "owner@example.com", "password": PASSWORD})
    assert throttled.status_code == 429


def test_sign_out_kills_the_cookie_everywhere(rest: TestClient, runtime: Runtime, team: Team) -> None:
    rest.post("/login", json={"email": "member@example.com", "password": PASSWORD})
    cookie = rest.cookies["knotwork_session"]
    assert rest.get("/me").status_code == 200

    assert rest.post("/logout").json() == {"ok": True}

    replayed = TestClient(rest.app)
    replayed.cookies.set("knotwork_session", cookie)
    assert replayed.get("/me").status_code == 401
    assert auth.actor_for_session(runtime.db, cookie) is None


def test_an_expired_session_or_a_disabled_user_is_signed_out(rest: TestClient, runtime: Runtime, team: Team) -> None:
    rest.post("/login", json={"email": "member@example.com", "password": PASSWORD})
    with runtime.db.session() as session:
        row = session.exec(select(AuthSession)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert rest.get("/me").status_code == 401
    assert auth.prune_sessions(runtime.db) == 1

    rest.post("/login", json={"email": "member@example.com", "password": PASSWORD})
    with runtime.db.session() as session:
        user = session.exec(select(User).where(User.email == "member@example.com")).one()
        user.disabled = True
        session.add(user)
    assert rest.get("/me").status_code == 401


def test_changing_the_password_ends_every_session(rest: TestClient, team: Team) -> None:
    rest.post("/login", json={"email": "member@example.com", "password": PASSWORD})
    other = TestClient(rest.app)
    other.post("/login", json={"email": "member@example.com", "password": PASSWORD})

    wrong = rest.post("/me/password", json={"currentPassword": "nope nope", "newPassword": "brand new secret"})
    assert wrong.status_code == 401
    changed = rest.post("/me/password", json={"currentPassword": PASSWORD, "newPassword": "brand new secret"})

    assert changed.status_code == 200
    assert other.get("/me").status_code == 401
    assert rest.post("/login", json={"email": "member@example.com", "password": PASSWORD}).status_code == 401
    assert rest.post("/login", json={"email": "member@example.com", "password": "brand new secret"}).status_code == 200


def test_the_sign_in_form_redirects_only_within_the_site(rest: TestClient, team: Team) -> None:
    good = rest.post("/login", content=b"email=member%40example.com&password=correct+horse+battery"
                     b"&redirect_to=%2Fworkflows%2F1", headers=FORM, follow_redirects=False)
    assert (good.status_code, good.headers["location"]) == (303, "/workflows/1")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        body = f"email=member%40example.com&password=correct+horse+battery&redirect_to={target}".encode()
        answer = rest.post("/login", content=body, headers=FORM, follow_redirects=False)
        assert answer.headers["location"] == "/", target


def test_an_invitation_link_makes_a_user_once(rest: TestClient, runtime: Runtime, team: Team) -> None:
    invited = auth.invite(runtime.db, runtime.settings, team.actor("owner"), "New.Person@example.com", "admin")
    assert invited.token not in invited.invitation.token_hash
    assert rest.get(f"/invitations/{invited.token}").json() == {"email": "new.person@example.com", "role": "admin"}

    short = rest.post("/invitations/accept", json={"token": invited.token, "password": "short"})
    assert short.status_code == 400  # and the invitation is not spent by it
    accepted = rest.post("/invitations/accept", json={"token": invited.token, "password": PASSWORD,
                                                      "firstName": "New"})

    assert accepted.status_code == 200 and accepted.json()["role"] == "admin"
    assert rest.get("/me").json()["email"] == "new.person@example.com"
    again = rest.post("/invitations/accept", json={"token": invited.token, "password": PASSWORD})
    assert again.status_code == 400 and "already used" in again.json()["message"]
    assert rest.get("/invitations/not-a-token").status_code == 400


def test_invitation_rules(runtime: Runtime, team: Team) -> None:
    import pytest

    from services.access import AccessDenied
    from services.users import UserError

    with pytest.raises(AccessDenied):
        auth.invite(runtime.db, runtime.settings, team.actor("member"), "a@example.com")
    with pytest.raises(UserError, match="Only the owner may invite admins"):
        auth.invite(runtime.db, runtime.settings, team.actor("admin"), "a@example.com", "admin")
    with pytest.raises(UserError, match="already exists"):
        auth.invite(runtime.db, runtime.settings, team.actor("admin"), "member@example.com")
    invited = auth.invite(runtime.db, runtime.settings, team.actor("admin"), "late@example.com")
    with runtime.db.session() as session:
        row = session.get_one(Invitation, invited.invitation.id)
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    with pytest.raises(auth.InvitationError, match="expired"):
        auth.accept_invitation(runtime.db, invited.token, PASSWORD)


def test_the_owner_resets_a_password_and_signs_the_user_out(rest: TestClient, team: Team) -> None:
    member = signed_in_client(rest, "member")
    owner = signed_in_client(rest, "owner")
    admin = signed_in_client(rest, "admin")
    member_id = team.actor("member").user_id

    assert owner.post(f"/users/{member_id}/password", json={"password": "short"}).status_code == 400
    assert owner.post(f"/users/{member_id}/password", json={"password": "a new password"}).json() == {"ok": True}

    assert member.get("/me").status_code == 401
    assert rest.post("/login", json={"email": "member@example.com", "password": "a new password"}).status_code == 200
    owner_id = team.actor("owner").user_id
    assert admin.post(f"/users/{owner_id}/password", json={"password": "taking over!"}).status_code == 403
    assert member.post(f"/users/{owner_id}/password", json={"password": "taking over!"}).status_code == 401
    assert signed_in_client(rest, "acme_admin").post(f"/users/{member_id}/password",
                                                     json={"password": "x" * 12}).status_code == 403
    assert owner.post("/users/nobody/password", json={"password": "x" * 12}).status_code == 404


def signed_in_client(rest: TestClient, name: str) -> TestClient:
    client = TestClient(rest.app)
    assert client.post("/login", json={"email": f"{name}@example.com", "password": PASSWORD}).status_code == 200
    return client
