"""/workflows in the simulated browser: who sees which workflows, and create, import, duplicate,
delete, activate, all through the real services."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing.user import User

from services import workflow_access
from services.runtime import Runtime
from services.workflow_access import WorkflowView
from tests.api.conftest import Team
from ui.components.workflow_import import attach_tags

from .conftest import UiUser

START = {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
         "parameters": {}}


def workflow_json(name: str, **extra: Any) -> dict[str, Any]:
    """A one-node workflow (a Manual Trigger: it runs, but cannot be activated)."""
    return {"name": name, "nodes": [START], "connections": {}, **extra}


def make_workflow(runtime: Runtime, team: Team, who: str, name: str, project_id: str | None = None,
                  tags: tuple[str, ...] = (), **extra: Any) -> WorkflowView:
    view = workflow_access.create_workflow(runtime, team.actor(who), workflow_json(name, **extra), project_id)
    if tags:
        attach_tags(runtime, team.actor(who), view.workflow.id, list(tags))
    return workflow_access.get_workflow(runtime.db, team.actor(who), view.workflow.id)


def names_listed(user: User) -> list[str]:
    """The workflow names in the table, as the links show them."""
    with user:
        table = user.find(marker="workflow-table").elements.pop()
        return sorted(link.text for link in table.descendants() if isinstance(link, ui.link)
                      and link.text != "Executions")


async def eventually(check: Callable[[], Any], expected: Any, seconds: float = 3.0) -> None:
    """Wait until check() gives `expected` (lists refresh in a background task after an action)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while (actual := check()) != expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert actual == expected


async def listed(user: User, *names: str) -> None:
    """Wait until the table lists exactly these workflows."""
    await eventually(lambda: names_listed(user), sorted(names))


def rendered(user: User) -> str:
    """Everything the page holds for the browser: every element's props, text and values."""
    with user:
        return "\n".join(str(element._to_dict()) for element in user.current_layout.descendants())


def record_navigation(user: User) -> list[str]:
    targets: list[str] = []
    user.navigate.to = lambda target, new_tab=False: targets.append(str(target))  # type: ignore[method-assign]
    return targets


async def test_people_see_the_workflows_of_their_projects_only(ui_user: UiUser, runtime: Runtime,
                                                               team: Team) -> None:
    # Given a workflow in Acme and one in the outsider's personal project
    make_workflow(runtime, team, "acme_editor", "Acme orders", team.acme_id)
    make_workflow(runtime, team, "outsider", "Outsider notes")

    # Then the Acme editor sees Acme's, the outsider only their own, the owner both
    editor = await ui_user("acme_editor")
    await editor.open("/workflows")
    await listed(editor, "Acme orders")
    outsider = await ui_user("outsider")
    await outsider.open("/workflows")
    await listed(outsider, "Outsider notes")
    await outsider.should_not_see("Acme orders")
    owner = await ui_user("owner")
    await owner.open(f"/workflows?project={team.acme_id}")
    await listed(owner, "Acme orders")


async def test_a_viewer_gets_no_create_delete_or_toggle(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    view = make_workflow(runtime, team, "acme_admin", "Acme report", team.acme_id)
    user = await ui_user("acme_viewer")
    await user.open(f"/workflows?project={team.acme_id}")

    await user.should_see("Acme report")
    await user.should_not_see(marker="create-workflow")
    await user.should_not_see(marker="import-workflows")
    await user.should_not_see(marker=f"delete-{view.workflow.id}")
    await user.should_not_see(marker=f"duplicate-{view.workflow.id}")
    with user:
        assert not user.find(marker=f"active-{view.workflow.id}").elements.pop().enabled


async def test_search_and_tag_filter(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    make_workflow(runtime, team, "member", "Invoices in", tags=("finance",))
    make_workflow(runtime, team, "member", "Invoices out")
    make_workflow(runtime, team, "member", "Newsletter")
    user = await ui_user("member")
    await user.open("/workflows")

    user.find(marker="workflow-search").type("invoices")
    await user.should_not_see("Newsletter")
    await listed(user, "Invoices in", "Invoices out")
    user.find(marker="workflow-tag").click()
    user.find("finance").click()
    await user.should_not_see("Invoices out")
    await listed(user, "Invoices in")


async def test_create_opens_the_editor_in_the_current_project(ui_user: UiUser, runtime: Runtime,
                                                              team: Team) -> None:
    user = await ui_user("acme_editor")
    await user.open(f"/workflows?project={team.acme_id}")
    targets = record_navigation(user)

    user.find(marker="create-workflow").click()

    created = workflow_access.list_workflows(runtime.db, team.actor("acme_editor"), project_id=team.acme_id)
    assert [view.workflow.name for view in created] == ["My workflow"]
    assert targets == [f"/workflow/{created[0].workflow.id}?project={team.acme_id}"]


async def test_import_pasted_json_stores_every_workflow_with_its_tags(ui_user: UiUser, runtime: Runtime,
                                                                      team: Team) -> None:
    user = await ui_user("member")
    await user.open("/workflows")
    user.find(marker="import-workflows").click()
    pasted = [workflow_json("From n8n", tags=[{"id": "x1", "name": "imported"}]), workflow_json("Second")]

    user.find(marker="import-json").type(json.dumps(pasted))
    user.find(marker="import-submit").click()

    await user.should_see("Imported 2 workflows")
    await listed(user, "From n8n", "Second")
    await user.should_see("imported")  # the tag
    await user.should_not_see(marker="import-dialog")


async def test_import_an_uploaded_export_file(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await ui_user("acme_editor")
    await user.open(f"/workflows?project={team.acme_id}")
    user.find(marker="import-workflows").click()
    export = json.dumps(workflow_json("Uploaded", id="n8nId")).encode()

    with user:
        upload = user.find(marker="import-upload").elements.pop()
        await upload.handle_uploads([SmallFileUpload(name="export.json", content_type="application/json",
                                                     _data=export)])

    await user.should_see("Imported 1 workflow")
    await listed(user, "Uploaded")
    (imported,) = workflow_access.list_workflows(runtime.db, team.actor("acme_editor"), project_id=team.acme_id)
    assert imported.workflow.name == "Uploaded" and imported.workflow.id != "n8nId"  # like n8n's editor import


async def test_import_refuses_clearly_and_stores_nothing(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    user = await ui_user("member")
    await user.open("/workflows")
    user.find(marker="import-workflows").click()

    user.find(marker="import-json").type('{"name": "Broken", "nodes": [')
    user.find(marker="import-submit").click()
    await user.should_see(content="This is not valid JSON")

    bad_node = {**START, "name": "Odd", "type": "n8n-nodes-base.noSuchNode"}
    pasted = [workflow_json("Fine"), {"name": "Wrong", "nodes": [bad_node], "connections": {}}]
    user.find(marker="import-json").clear().type(json.dumps(pasted))
    user.find(marker="import-submit").click()
    await user.should_see(content="Workflow #2 'Wrong'")
    with user:
        problems = user.find(marker="import-problems").elements.pop().text
    assert "noSuchNode" in problems and "Fine" not in problems
    assert workflow_access.list_workflows(runtime.db, team.actor("member")) == []


async def test_duplicate_and_delete_with_confirmation(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    original = make_workflow(runtime, team, "member", "Orders", tags=("shop",))
    user = await ui_user("member")
    await user.open("/workflows")

    user.find(marker=f"duplicate-{original.workflow.id}").click()
    await user.should_see("Orders (copy)")
    copies = [view for view in workflow_access.list_workflows(runtime.db, team.actor("member"))
              if view.workflow.name == "Orders (copy)"]
    assert [tag.name for tag in copies[0].tags] == ["shop"]

    user.find(marker=f"delete-{original.workflow.id}").click()
    await user.should_see(marker="confirm-dialog")
    user.find(marker="confirm-cancel").click()
    await listed(user, "Orders", "Orders (copy)")
    user.find(marker=f"delete-{original.workflow.id}").click()
    user.find(marker="confirm-ok").click()
    await user.should_see(f"Deleted '{original.workflow.name}'")
    await listed(user, "Orders (copy)")


async def test_activating_without_a_trigger_shows_why_and_stays_off(ui_user: UiUser, runtime: Runtime,
                                                                     team: Team) -> None:
    view = make_workflow(runtime, team, "member", "Manual only")
    user = await ui_user("member")
    await user.open("/workflows")

    user.find(marker=f"active-{view.workflow.id}").click()

    await user.should_see("has no enabled trigger node")

    def switched_on() -> bool:
        with user:
            return bool(user.find(marker=f"active-{view.workflow.id}").elements.pop().value)

    await eventually(switched_on, False)
    assert not workflow_access.get_workflow(runtime.db, team.actor("member"), view.workflow.id).workflow.active


async def test_a_name_with_markup_shows_as_text(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    markup = "<img src=x onerror=alert(1)>"
    view = make_workflow(runtime, team, "member", markup)
    user = await ui_user("member")
    await user.open("/workflows")

    with user:
        link = user.find(marker=f"open-{view.workflow.id}").elements.pop()
    assert isinstance(link, ui.link) and link.text == markup
    assert "innerHTML" not in rendered(user)
