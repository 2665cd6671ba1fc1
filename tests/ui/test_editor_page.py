"""The editor page in the simulated browser: palette, save, rights, and a run with live status."""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui.testing.user import User

from services import workflow_access
from services.runtime import Runtime
from tests.api.conftest import Team
from ui.editor.canvas import WorkflowCanvas
from ui.pages.editor import Editor

from .conftest import UiUser

WORKFLOW = {"name": "Doubling", "nodes": [
    {"id": "a", "name": "Start", "type": "knotwork.manualTrigger", "typeVersion": 1, "position": [0, 0],
     "parameters": {}},
    {"id": "b", "name": "Double", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [220, 0],
     "parameters": {"assignments": {"assignments": [
         {"id": "1", "name": "x", "type": "number", "value": "={{ 21 * 2 }}"}]}}},
], "connections": {"Start": {"main": [[{"node": "Double", "type": "main", "index": 0}]]}},
    "settings": {"executionOrder": "v1"}}


def editor_of(user: User) -> Editor:
    """The page's Editor (the object behind the canvas's callbacks)."""
    canvas = next(iter(user.find(WorkflowCanvas).elements))
    editor = canvas._on_open.__self__  # type: ignore[union-attr]
    assert type(editor).__name__ == "Editor"  # (NiceGUI's reset may load the page module afresh)
    return editor  # type: ignore[no-any-return]


async def eventually(check: Any, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def make(runtime: Runtime, team: Team) -> str:
    return workflow_access.create_workflow(runtime, team.actor("acme_editor"), dict(WORKFLOW), team.acme_id).workflow.id


async def test_an_editor_adds_from_the_palette_saves_and_runs(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    workflow_id = make(runtime, team)
    user = await ui_user("acme_editor")
    await user.open(f"/workflow/{workflow_id}")
    editor = editor_of(user)

    user.find(marker="palette:knotwork.noOp").click()
    assert "No Operation, do nothing" in editor.graph.names() and editor.graph.dirty
    await user.should_see("Unsaved changes")
    user.find(marker="save").click()
    await user.should_see("Saved")
    stored = workflow_access.get_workflow(runtime.db, team.actor("acme_editor"), workflow_id).workflow
    assert "No Operation, do nothing" in [node["name"] for node in stored.nodes]

    user.find(marker="run").click()
    await eventually(lambda: editor.execution_id is None and editor.run_data.get("Double"))
    assert editor.status["Double"] == {"state": "success", "items": [1]}
    assert editor.run_data["Double"][0]["data"]["main"][0][0]["json"] == {"x": 42}


async def test_a_viewer_gets_a_read_only_editor(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    workflow_id = make(runtime, team)
    user = await ui_user("acme_viewer")
    await user.open(f"/workflow/{workflow_id}")
    await user.should_see("Read only")
    await user.should_not_see(marker="palette:knotwork.noOp")
    editor = editor_of(user)
    assert not editor.can_edit and not editor.can_run
    editor.add_node("knotwork.noOp")
    editor.save()
    assert "No Operation, do nothing" not in editor.graph.names()


async def test_an_outsider_is_told_it_is_not_found(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    workflow_id = make(runtime, team)
    user = await ui_user("outsider")
    await user.open(f"/workflow/{workflow_id}")
    await user.should_see(f"Workflow '{workflow_id}' not found")


HOOKED = {"name": "Hooked", "nodes": [
    {"id": "w", "name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
     "webhookId": "5f7c1a2e-0000-4000-8000-000000000001",
     "parameters": {"path": "editor-test", "httpMethod": "POST", "responseMode": "onReceived"}},
    {"id": "s", "name": "Greet", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [300, 0],
     "parameters": {"assignments": {"assignments": [
         {"id": "1", "name": "hello", "type": "string", "value": "={{ $json.body.name }}"}]}}},
], "connections": {"Webhook": {"main": [[{"node": "Greet", "type": "main", "index": 0}]]}},
    "settings": {"executionOrder": "v1"}}


async def test_a_webhook_workflow_listens_for_a_test_call(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    workflow_id = workflow_access.create_workflow(runtime, team.actor("acme_editor"), dict(HOOKED),
                                                  team.acme_id).workflow.id
    user = await ui_user("acme_editor")
    await user.open(f"/workflow/{workflow_id}")
    editor = editor_of(user)

    user.find(marker="run").click()
    await user.should_see(marker="test-url:Webhook")
    url = next(iter(user.find(marker="test-url:Webhook").elements)).value
    assert url.endswith("/webhook-test/editor-test")
    answer = await user.http_client.post("/webhook-test/editor-test", json={"name": "Ada"})
    assert answer.status_code == 200, answer.text

    await eventually(lambda: editor.execution_id is None and editor.run_data.get("Greet"))
    assert editor.run_data["Greet"][0]["data"]["main"][0][0]["json"] == {"hello": "Ada"}
    assert editor.status["Greet"]["state"] == "success"
