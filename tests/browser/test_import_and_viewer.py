"""Importing an n8n export from the workflows page and running it; a project viewer finds the editor
read-only. Real browser, real app (see conftest.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from .conftest import App, shot
from .test_editor import TIMEOUT, links, node, store_workflow

TRIGGER = "When clicking ‘Execute workflow’"


def n8n_export() -> dict[str, Any]:
    """What n8n writes for Manual Trigger -> Edit Fields (Set v3.4, one fixed value) -> No Operation."""
    return {
        "name": "Greeting from n8n",
        "nodes": [
            {"parameters": {}, "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
             "id": "2f6b2d58-5a7e-4c1e-9d0b-0c7f6a1e9a01", "name": TRIGGER},
            {"parameters": {"assignments": {"assignments": [
                {"id": "7d1c1c2e-3b7a-4d8e-a1f0-51f1d7c1b0a2", "name": "greeting", "value": "hello",
                 "type": "string"}]}, "options": {}},
             "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [220, 0],
             "id": "9b0e1f55-8a43-4d4c-b3a9-1c6f0e2d7b03", "name": "Edit Fields"},
            {"parameters": {}, "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [440, 0],
             "id": "c4a8e0d2-6f1b-4b7e-8e5d-2a9c3f4b5d04", "name": "No Operation, do nothing"},
        ],
        "pinData": {},
        "connections": {
            TRIGGER: {"main": [[{"node": "Edit Fields", "type": "main", "index": 0}]]},
            "Edit Fields": {"main": [[{"node": "No Operation, do nothing", "type": "main", "index": 0}]]},
        },
        "active": False,
        "settings": {"executionOrder": "v1"},
        "versionId": "0b5c3b9e-1f7d-4f8e-9a6b-7c2d1e0f3a55",
        "meta": {"templateCredsSetupCompleted": True, "instanceId": "e3b0c44298fc1c149afbf4c8996fb924"},
        "id": "Xy3kP9qL2mN8vB7c",
        "tags": [],
    }


def test_import_an_n8n_file_and_run_it(app: App, page_for, tmp_path: Path) -> None:  # noqa: ANN001
    # Given an n8n export on disk and an editor on the workflows page of Acme
    export = tmp_path / "greeting.json"
    export.write_text(json.dumps(n8n_export(), ensure_ascii=False), encoding="utf-8")
    page = page_for("editor")
    page.goto(f"/workflows?project={app.ids['project']}")

    # When they import the file
    page.get_by_role("button", name="Import").click()
    page.locator(".q-dialog input[type=file]").set_input_files(export)
    expect(page.get_by_text("Imported 1 workflow")).to_be_visible()

    # Then it is listed, and opens in the editor with its three nodes connected
    page.get_by_role("link", name="Greeting from n8n").click()
    page.wait_for_url(re.compile(r"/workflow/[A-Za-z0-9_-]+"))
    expect(page.locator(".vue-flow__edge")).to_have_count(2)
    assert links(page) == {(TRIGGER, "out-0", "Edit Fields", "in-0"),
                           ("Edit Fields", "out-0", "No Operation, do nothing", "in-0")}

    # When they run it, the last node receives the one item
    page.get_by_role("button", name="Execute workflow").click()
    last = node(page, "No Operation, do nothing")
    expect(last.locator(".kw-port-label.kw-out")).to_have_text(["1 item"], timeout=TIMEOUT)
    expect(last.locator(".kw-node")).to_have_class(re.compile("kw-success"))
    shot(page, "import-run")


def test_a_viewer_finds_the_editor_read_only(app: App, page_for, tmp_path: Path) -> None:  # noqa: ANN001
    # Given a workflow of Acme, and its viewer in the editor
    workflow_id = store_workflow(app, {**n8n_export(), "name": "Looked at by a viewer"}, tmp_path)
    page = page_for("viewer")
    page.goto(f"/workflow/{workflow_id}")
    trigger = node(page, TRIGGER)
    expect(trigger).to_be_visible()

    # Then nothing offers a change: a Read only badge, Save and Execute disabled, no palette
    expect(page.get_by_text("Read only", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_be_disabled()
    expect(page.get_by_role("button", name="Execute workflow")).to_be_disabled()
    expect(page.get_by_placeholder("Search nodes")).to_have_count(0)
    expect(page.locator(".vue-flow__handle.connectable")).to_have_count(0)
    shot(page, "viewer-read-only")

    # When they drag a node, select it and press Delete
    before = trigger.get_attribute("style")
    box = trigger.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 40, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 190, box["y"] + 170, steps=8)
    page.mouse.up()
    trigger.click()
    page.keyboard.press("Delete")

    # Then the node stays where it was, on the screen and after a reload
    expect(page.locator(".vue-flow__node")).to_have_count(3)
    assert _flow_position(trigger.get_attribute("style")) == _flow_position(before)
    page.reload()
    expect(page.locator(".vue-flow__edge")).to_have_count(2)
    expect(page.locator(".vue-flow__node")).to_have_count(3)
    assert _flow_position(node(page, TRIGGER).get_attribute("style")) == _flow_position(before)


def _flow_position(style: str | None) -> str:
    """The node's place in flow coordinates (its transform), whatever the viewport's pan and zoom."""
    match = re.search(r"transform:\s*translate\(([^)]*)\)", style or "")
    assert match, style
    return match.group(1)
