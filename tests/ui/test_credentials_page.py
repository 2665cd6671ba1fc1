"""/credentials in the simulated browser: the generated form, secrets that never come back to the
page, tests against a local HTTP server, sharing, moving and deleting, all through the real services."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from nicegui.testing.user import User
from sqlmodel import select

from engine.credential_types import MASKED, CredentialTest, CredentialType, CredentialTypeRegistry, HeaderAuth
from engine.node_api import Parameter
from models import Credential
from services import credentials
from services.credentials import CredentialView
from services.runtime import Runtime
from services.vault import decrypt
from tests.api.conftest import Team

from .conftest import UiUser
from .test_workflows_page import record_navigation, rendered

SECRET = "s3cret-value-do-not-show"
GOOD_TOKEN = "the-right-token"


class _Checker(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200 if self.headers.get("X-Key") == GOOD_TOKEN else 401)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    """An HTTP server answering 200 to the right X-Key header, 401 to anything else."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Checker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/check"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_check_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed credential types plus "localCheck", whose test calls its URL with its token."""
    local_check = CredentialType(
        name="localCheck", display_name="Local check",
        fields=(Parameter("url", "URL", "string", default="", required=True),
                Parameter("token", "Token", "string", default="", type_options={"password": True})),
        authenticate=HeaderAuth(name="X-Key", value="{token}"), test=CredentialTest(url="{url}"))
    registry = CredentialTypeRegistry([*_installed(), local_check])
    monkeypatch.setattr(credentials, "default_credential_types", lambda: registry)


def _installed() -> list[CredentialType]:
    installed = CredentialTypeRegistry.from_entry_points()
    return [installed._by_name[name] for name in installed._by_name]  # unresolved, as registered


def add(runtime: Runtime, team: Team, who: str, name: str, type_name: str, data: dict[str, Any],
        project_id: str | None = None) -> CredentialView:
    return credentials.add_credential(runtime.db, team.actor(who), key=runtime.executions.encryption_key,
                                      name=name, type=type_name, data=data, project_id=project_id)


def stored_data(runtime: Runtime, credential_id: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        row = session.exec(select(Credential).where(Credential.id == credential_id)).one()
    return decrypt(row.data, runtime.executions.encryption_key)


def value_of(user: User, marker: str) -> Any:
    with user:
        return user.find(marker=marker).elements.pop().value


async def test_create_with_the_generated_form_and_the_secret_never_returns(ui_user: UiUser, runtime: Runtime,
                                                                           team: Team) -> None:
    user = await ui_user("member")
    await user.open("/credentials")
    user.find(marker="create-credential").click()
    user.find(marker="credential-type").click()
    user.find("Header Auth").click()
    await user.should_see(marker="field-value")
    with user:
        assert user.find(marker="field-value").elements.pop().props["type"] == "password"
    assert value_of(user, "credential-name") == "Header Auth account"

    user.find(marker="credential-name").clear().type("Shop API")
    user.find(marker="field-name").type("X-Api-Key")
    user.find(marker="field-value").type(SECRET)
    assert SECRET in rendered(user)  # while typed, it is in the page (so the checks below can see it)
    user.find(marker="credential-save").click()

    await user.should_see("Saved 'Shop API'")
    await user.should_see("Shop API")
    await user.should_see("Header Auth")
    assert SECRET not in rendered(user)
    (view,) = credentials.list_credentials(runtime.db, team.actor("member"))
    assert stored_data(runtime, view.credential.id) == {"name": "X-Api-Key", "value": SECRET}

    # Editing shows the masked marker, and saving it unchanged keeps the stored secret
    user.find(marker=f"edit-{view.credential.id}").click()
    await user.should_see(marker="credential-dialog")
    assert value_of(user, "field-value") == MASKED
    assert SECRET not in rendered(user)
    user.find(marker="field-name").clear().type("X-Shop-Key")
    user.find(marker="credential-save").click()
    await user.should_see("Saved 'Shop API'")
    assert stored_data(runtime, view.credential.id) == {"name": "X-Shop-Key", "value": SECRET}


async def test_a_refusal_shows_next_to_the_field(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await ui_user("member")
    await user.open("/credentials")
    user.find(marker="create-credential").click()
    user.find(marker="credential-type").click()
    user.find("Header Auth").click()
    await user.should_see(marker="field-name")

    user.find(marker="credential-save").click()

    await user.should_see(content="field 'name' (Name) is required")
    with user:
        assert "is required" in user.find(marker="field-name").elements.pop().error
    assert credentials.list_credentials(runtime.db, team.actor("member")) == []


async def test_a_test_without_a_declared_test_fails_clearly(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    view = add(runtime, team, "member", "Header", "httpHeaderAuth", {"name": "X-Key", "value": SECRET})
    user = await ui_user("member")
    await user.open("/credentials")

    user.find(marker=f"test-{view.credential.id}").click()

    await user.should_see("Test failed: Credential type 'httpHeaderAuth' declares no test")


async def test_the_test_button_checks_against_a_local_server(ui_user: UiUser, runtime: Runtime, team: Team,
                                                             local_server: str, local_check_type: None) -> None:
    good = add(runtime, team, "member", "Good", "localCheck", {"url": local_server, "token": GOOD_TOKEN})
    bad = add(runtime, team, "member", "Bad", "localCheck", {"url": local_server, "token": "wrong-token"})
    user = await ui_user("member")
    await user.open("/credentials")

    user.find(marker=f"test-{good.credential.id}").click()
    await user.should_see("OK: Connection tested successfully", retries=50)
    user.find(marker=f"test-{bad.credential.id}").click()
    await user.should_see("Test failed: Authentication failed", retries=50)

    # The edit dialog tests the stored credential too, and shows the outcome in the dialog
    user.find(marker=f"edit-{good.credential.id}").click()
    user.find(marker="credential-test").click()
    await user.should_see(content="OK: Connection tested successfully", retries=50)


async def test_a_viewer_sees_the_list_without_buttons_to_change_it(ui_user: UiUser, runtime: Runtime,
                                                                   team: Team) -> None:
    view = add(runtime, team, "acme_admin", "Acme mail", "httpBasicAuth", {"user": "a", "password": SECRET},
               project_id=team.acme_id)
    viewer = await ui_user("acme_viewer")
    await viewer.open(f"/credentials?project={team.acme_id}")
    await viewer.should_see("Acme mail")
    for marker in ("create-credential", f"edit-{view.credential.id}", f"delete-{view.credential.id}",
                   f"test-{view.credential.id}", f"share-{view.credential.id}"):
        await viewer.should_not_see(marker=marker)
    assert SECRET not in rendered(viewer)

    outsider = await ui_user("outsider")
    await outsider.open("/credentials")
    await outsider.should_not_see("Acme mail")


async def test_share_move_and_delete(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    view = add(runtime, team, "acme_admin", "Shared key", "httpBearerAuth", {"token": SECRET})
    credential_id = view.credential.id
    user = await ui_user("acme_admin")
    await user.open("/credentials")

    user.find(marker=f"share-{credential_id}").click()
    user.find(marker="share-projects").click()
    user.find("Acme").click()
    user.find(marker="share-save").click()
    await user.should_see("Sharing saved")
    shared = credentials.get_credential(runtime.db, team.actor("acme_admin"), credential_id,
                                        key=runtime.executions.encryption_key)
    assert [project.name for project in shared.shared_with] == ["Acme"]

    user.find(marker=f"transfer-{credential_id}").click()
    user.find(marker="transfer-project").click()
    user.find("Acme").click()
    user.find(marker="transfer-save").click()
    await user.should_see("Credential moved")
    moved = credentials.get_credential(runtime.db, team.actor("acme_admin"), credential_id,
                                       key=runtime.executions.encryption_key)
    assert moved.home_project.id == team.acme_id

    user.find(marker=f"delete-{credential_id}").click()
    user.find(marker="confirm-ok").click()
    await user.should_see("Deleted 'Shared key'")
    assert credentials.list_credentials(runtime.db, team.actor("acme_admin")) == []


async def test_an_oauth2_credential_connects_in_a_new_tab(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    view = add(runtime, team, "member", "Provider", "oAuth2Api",
               {"authUrl": "https://provider.example/auth", "accessTokenUrl": "https://provider.example/token",
                "clientId": "abc", "clientSecret": SECRET})
    user = await ui_user("member")
    await user.open("/credentials")
    targets = record_navigation(user)

    user.find(marker=f"connect-{view.credential.id}").click()

    assert targets == [f"/rest/oauth2-credential/auth?id={view.credential.id}&redirect=true"]
