"""/projects in the simulated browser: who sees which team project, create, rename, delete, and
members added, given another role and removed, through the real service."""

from __future__ import annotations

from services import projects
from services.runtime import Runtime
from tests.api.conftest import Team

from .conftest import UiUser
from .test_workflows_page import eventually


def roles(runtime: Runtime, team: Team, project_id: str) -> dict[str, str]:
    return {member.user.email.split("@")[0]: member.role
            for member in projects.list_members(runtime.db, team.actor("owner"), project_id)}


async def test_members_see_their_team_projects_and_only_admins_manage(ui_user: UiUser, runtime: Runtime,
                                                                      team: Team) -> None:
    viewer = await ui_user("acme_viewer")
    await viewer.open("/projects")
    await viewer.should_see(marker=f"project-{team.acme_id}")
    await viewer.should_see("acme_editor@example.com")
    for marker in ("create-project", f"rename-{team.acme_id}", f"delete-{team.acme_id}", f"add-{team.acme_id}"):
        await viewer.should_not_see(marker=marker)

    outsider = await ui_user("outsider")
    await outsider.open("/projects")
    await outsider.should_not_see("Acme")
    await outsider.should_see("No team projects here.")

    admin = await ui_user("acme_admin")
    await admin.open("/projects")
    await admin.should_see(marker=f"rename-{team.acme_id}")
    await admin.should_not_see(marker="create-project")  # project:create is for owners and admins


async def test_add_change_and_remove_a_member(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await ui_user("acme_admin")
    await user.open("/projects")

    user.find(marker=f"add-member-{team.acme_id}").click()
    user.find("outsider@example.com").click()
    user.find(marker=f"add-{team.acme_id}").click()
    await user.should_see("Added outsider@example.com")
    assert roles(runtime, team, team.acme_id)["outsider"] == "editor"

    outsider_id = team.actor("outsider").user_id
    await user.should_see(marker=f"role-{team.acme_id}-{outsider_id}")
    with user:  # several selects show "Viewer": choose in this one
        user.find(marker=f"role-{team.acme_id}-{outsider_id}").elements.pop().value = "viewer"
    await user.should_see("Role changed")
    assert roles(runtime, team, team.acme_id)["outsider"] == "viewer"

    user.find(marker=f"remove-{team.acme_id}-{outsider_id}").click()
    await user.should_see("Member removed")
    assert "outsider" not in roles(runtime, team, team.acme_id)
    await user.should_not_see(marker=f"member-{team.acme_id}-{outsider_id}")


async def test_the_last_admin_stays(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await ui_user("acme_admin")
    await user.open("/projects")
    me = team.actor("acme_admin").user_id

    user.find(marker=f"remove-{team.acme_id}-{me}").click()

    await user.should_see("This is the project's last admin")
    assert roles(runtime, team, team.acme_id)["acme_admin"] == "admin"


async def test_create_rename_and_delete_a_project(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await ui_user("admin")
    await user.open("/projects")

    user.find(marker="create-project").click()
    user.find(marker="project-save").click()
    await user.should_see(content="a project needs a name")
    user.find(marker="project-name").type("Marketing")
    user.find(marker="project-save").click()
    await user.should_see("Project created")
    (created,) = [p for p in projects.list_projects(runtime.db, team.actor("admin")) if p.name == "Marketing"]
    await user.should_see(marker=f"project-{created.id}")

    user.find(marker=f"rename-{created.id}").click()
    user.find(marker="project-name").clear().type("Growth")
    user.find(marker="project-save").click()
    await user.should_see("Project renamed")
    await user.should_see("Growth")

    user.find(marker=f"delete-{created.id}").click()
    user.find(marker="delete-project-confirm").click()
    await user.should_see("Deleted 'Growth'")
    await eventually(lambda: any(p.id == created.id for p in projects.list_projects(runtime.db, team.actor("admin"))),
                     False)
    await user.should_not_see(marker=f"project-{created.id}")
