"""/variables in the simulated browser: global and project variables for the right people, key
errors next to the field, and create, edit, delete through the real service."""

from __future__ import annotations

from nicegui.testing.user import User

from services import variables
from services.runtime import Runtime
from services.variables import VariableView
from tests.api.conftest import Team

from .conftest import UiUser


def add(runtime: Runtime, team: Team, who: str, key: str, value: str, project_id: str | None = None) -> VariableView:
    return variables.create_variable(runtime.db, team.actor(who), key=key, value=value, project_id=project_id)


def keys(runtime: Runtime, team: Team, who: str) -> dict[str, str]:
    return {view.variable.key: view.variable.value for view in variables.list_variables(runtime.db, team.actor(who))}


async def open_variables(ui_user: UiUser, who: str, query: str = "") -> User:
    user = await ui_user(who)
    await user.open(f"/variables{query}")
    return user


async def test_everyone_sees_the_globals_and_only_their_projects(ui_user: UiUser, runtime: Runtime,
                                                                 team: Team) -> None:
    add(runtime, team, "owner", "BASE_URL", "https://example.com")
    add(runtime, team, "acme_admin", "ACME_TOKEN_NAME", "acme-visible", project_id=team.acme_id)

    editor = await open_variables(ui_user, "acme_editor")
    await editor.should_see("BASE_URL")
    await editor.should_see("ACME_TOKEN_NAME")
    outsider = await open_variables(ui_user, "outsider")
    await outsider.should_see("BASE_URL")
    await outsider.should_not_see("ACME_TOKEN_NAME")


async def test_a_viewer_changes_nothing(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    shared = add(runtime, team, "acme_admin", "REGION", "eu", project_id=team.acme_id)
    viewer = await open_variables(ui_user, "acme_viewer", f"?project={team.acme_id}")
    await viewer.should_see("REGION")
    await viewer.should_not_see(marker="create-variable")
    await viewer.should_not_see(marker=f"edit-{shared.variable.id}")
    await viewer.should_not_see(marker=f"delete-{shared.variable.id}")


async def test_a_bad_key_shows_its_error_next_to_the_field(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await open_variables(ui_user, "owner")
    user.find(marker="create-variable").click()

    user.find(marker="variable-key").type("not ok!")
    user.find(marker="variable-save").click()

    await user.should_see(content="a variable key can only contain letters, digits and underscores")
    with user:
        assert "letters, digits and underscores" in user.find(marker="variable-key").elements.pop().error
    assert keys(runtime, team, "owner") == {}


async def test_create_edit_and_delete_in_a_project(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await open_variables(ui_user, "acme_admin", f"?project={team.acme_id}")
    user.find(marker="create-variable").click()
    with user:
        assert user.find(marker="variable-scope").elements.pop().value == team.acme_id
    user.find(marker="variable-key").type("API_HOST")
    user.find(marker="variable-value").type("api.acme.test")
    user.find(marker="variable-save").click()
    await user.should_see("Saved API_HOST")
    await user.should_see("api.acme.test")
    (view,) = variables.list_variables(runtime.db, team.actor("acme_admin"), project_id=team.acme_id)

    # The same key twice in one project is refused, under the key
    user.find(marker="create-variable").click()
    user.find(marker="variable-key").type("API_HOST")
    user.find(marker="variable-save").click()
    await user.should_see(content="already exists in this project")
    user.find("Cancel").click()
    await user.should_not_see(marker="variable-dialog")

    user.find(marker=f"edit-{view.variable.id}").click()
    user.find(marker="variable-value").clear().type("api2.acme.test")
    user.find(marker="variable-save").click()
    await user.should_see("api2.acme.test")
    assert keys(runtime, team, "acme_admin")["API_HOST"] == "api2.acme.test"

    user.find(marker=f"delete-{view.variable.id}").click()
    user.find(marker="confirm-ok").click()
    await user.should_see("Deleted API_HOST")
    assert keys(runtime, team, "acme_admin") == {}
