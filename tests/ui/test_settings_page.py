"""/settings in the simulated browser: the account, a password change that signs the user out, and
API keys shown once, listed by label only, deleted."""

from __future__ import annotations

from services import api_keys, auth, users
from services.runtime import Runtime
from tests.api.conftest import PASSWORD, Team

from .conftest import UiUser
from .test_workflows_page import record_navigation, rendered


async def test_the_account_is_shown(ui_user: UiUser, team: Team) -> None:
    user = await ui_user("acme_viewer")
    await user.open("/settings")
    await user.should_see("Email: acme_viewer@example.com")
    await user.should_see("Role: member")


async def test_changing_the_password_signs_out(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await ui_user("member")
    await user.open("/settings")
    targets = record_navigation(user)

    user.find(marker="current-password").type("not the password")
    user.find(marker="new-password").type("a new long password")
    user.find(marker="repeat-password").type("a new long password")
    user.find(marker="change-password").click()
    await user.should_see(content="The current password is wrong")

    user.find(marker="current-password").clear().type(PASSWORD)
    user.find(marker="repeat-password").clear().type("something else")
    user.find(marker="change-password").click()
    await user.should_see(content="The two new passwords differ")

    user.find(marker="repeat-password").clear().type("a new long password")
    user.find(marker="change-password").click()
    await user.should_see("Password changed; sign in again")
    assert targets == ["/signin"]
    assert auth.sign_in(runtime.db, runtime.settings, "member@example.com", "a new long password").token
    await user.open("/settings")  # this browser's session has ended
    await user.should_see("Sign in")
    await user.should_not_see(marker="change-password")


async def test_an_api_key_is_shown_once_then_only_its_label(ui_user: UiUser, runtime: Runtime,
                                                            team: Team) -> None:
    user = await ui_user("acme_editor")
    await user.open("/settings")
    user.find(marker="create-api-key").click()
    user.find(marker="api-key-label").type("CI deploys")
    user.find(marker="api-key-scopes").click()
    user.find("workflow:read").click()
    user.find(marker="api-key-save").click()

    await user.should_see(marker="new-api-key")
    with user:
        key = user.find(marker="new-api-key").elements.pop().value
    assert key.startswith("kw_")
    assert api_keys.list_api_keys(runtime.db, team.actor("acme_editor"))[-1].scopes == ["workflow:read"]
    user.find(marker="new-api-key-done").click()
    await user.should_not_see(marker="new-api-key")
    await user.should_see("CI deploys")
    await user.should_see("workflow:read")
    assert key not in rendered(user)

    await user.open("/settings")  # a reload shows the label, never the key
    await user.should_see("CI deploys")
    assert key not in rendered(user)


async def test_delete_an_api_key(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    (existing,) = api_keys.list_api_keys(runtime.db, team.actor("member"))  # the team fixture's key
    user = await ui_user("member")
    await user.open("/settings")

    user.find(marker=f"delete-key-{existing.id}").click()
    user.find(marker="confirm-ok").click()

    await user.should_see("API key deleted")
    assert api_keys.list_api_keys(runtime.db, team.actor("member")) == []
    await user.should_see("No API keys yet")


async def test_people_change_their_own_name(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await ui_user("acme_viewer")
    await user.open("/settings")
    user.find(marker="first-name").type("Vera")
    user.find(marker="last-name").type("Viewer")
    user.find(marker="save-name").click()
    await user.should_see("Name saved")
    me = users.get_user(runtime.db, team.actor("acme_viewer"), team.actor("acme_viewer").user_id)
    assert (me.first_name, me.last_name) == ("acme_viewerVera", "Viewer")
