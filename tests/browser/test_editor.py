"""The editor in a real browser: build a workflow from an empty canvas, run it, inspect, save, reload;
user text on the canvas stays text.

Helpers here are shared with test_import_and_viewer.py: locators by what a person sees (node names,
placeholders, button names), connections drawn with the mouse, workflows stored straight into the app's
database the way `knotwork import` does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from .conftest import App, shot

TIMEOUT = 15_000  # ms: a run goes through the queue and the embedded worker


# ---- helpers ----------------------------------------------------------------------------------------
def create_workflow(page: Page, project: str) -> str:
    """Through the workflows page, as a person would; returns the new workflow's id."""
    page.goto(f"/workflows?project={project}")
    page.get_by_role("button", name=re.compile("Create workflow", re.I)).click()
    page.wait_for_url(re.compile(r"/workflow/[A-Za-z0-9_-]+"))
    page.locator(".vue-flow__pane").wait_for()
    return re.search(r"/workflow/([A-Za-z0-9_-]+)", page.url).group(1)  # type: ignore[union-attr]


def store_workflow(app: App, document: dict[str, Any], folder: Path) -> str:
    """Write an n8n workflow into the app's project Acme through the services, as `knotwork import`
    does (the app reads the same SQLite file); returns its id."""
    from models.db import Database
    from services.engine_setup import NodeRegistry
    from services.workflow_io import import_workflows

    path = folder / "workflow.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    database = Database(f"sqlite:///{app.data_dir / 'knotwork.db'}")
    try:
        [workflow] = import_workflows(database, NodeRegistry.from_entry_points(), path, app.ids["project"])
    finally:
        database.dispose()
    return workflow.id


def node(page: Page, name: str) -> Locator:
    """A node on the canvas, by the name it shows."""
    title = page.locator(".kw-name").filter(has_text=re.compile(f"^{re.escape(name)}$"))
    return page.locator(".vue-flow__node", has=title)


def handle(page: Page, name: str, handle_id: str) -> Locator:
    """`out-0`, `in-0`, ...: a port of a node."""
    return node(page, name).locator(f".vue-flow__handle[data-handleid='{handle_id}']")


def connect(page: Page, source: str, target: str, output: str = "out-0") -> None:
    """Drag with the mouse from an output handle to the target's first input."""
    start, end = _centre(handle(page, source, output)), _centre(handle(page, target, "in-0"))
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 40, steps=5)
    page.mouse.move(*end, steps=5)
    page.mouse.up()


def links(page: Page) -> set[tuple[str, str, str, str]]:
    """The connections drawn: (source name, output handle, target name, input handle)."""
    names = dict(page.locator(".vue-flow__node").evaluate_all(
        "nodes => nodes.map(n => [n.dataset.id, n.querySelector('.kw-name')?.textContent])"))
    edge_ids = page.locator(".vue-flow__edge").evaluate_all("edges => edges.map(e => e.dataset.id)")
    found = set()
    for edge_id in edge_ids:
        source, output, target, input_ = edge_id.split(":")
        found.add((names[source], f"out-{output}", names[target], f"in-{input_}"))
    return found


def open_node(page: Page, name: str) -> Locator:
    """Double-click a node; returns its details dialog."""
    node(page, name).dblclick()
    dialog = page.locator(".q-dialog")
    expect(dialog.get_by_role("button", name="Close", exact=True)).to_be_visible()
    return dialog


def close_node(page: Page) -> None:
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator(".q-dialog")).to_have_count(0)


def select_option(dialog: Locator, current: str, choice: str) -> None:
    """Open the select now showing `current` and pick `choice`."""
    shown = re.compile(f"^{re.escape(current)}$")
    dialog.locator(".q-select .q-field__native").filter(has_text=shown).click()
    dialog.page.get_by_role("option", name=choice, exact=True).click()


def expression_toggle(dialog: Locator, placeholder: str) -> Locator:
    """The `fx` button beside the input with this placeholder (unlabelled rows: fields, conditions)."""
    row = dialog.locator(".nicegui-row", has=dialog.page.get_by_placeholder(placeholder, exact=True)).last
    return row.get_by_role("button", name="fx", exact=True)


def settled(page: Page) -> None:
    """Wait for transitions (a dialog opening) to finish, so a screenshot shows the final state."""
    page.wait_for_function("() => document.getAnimations().every("
                           "a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)")


def _centre(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not on the screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


# ---- tests ------------------------------------------------------------------------------------------
def test_build_run_inspect_save_reload(app: App, page_for) -> None:  # noqa: ANN001
    # Given an editor on a new, empty workflow of Acme
    page = page_for("editor")
    create_workflow(page, app.ids["project"])
    palette = page.locator(".w-60")

    # When they add Manual Trigger, Code and Edit Fields by clicking the palette, drag If onto the canvas
    for entry in ("Manual Trigger", "Code", "Edit Fields (Set)"):
        palette.get_by_text(entry, exact=True).click()
    expect(node(page, "Edit Fields")).to_be_in_viewport()
    palette.get_by_text("If", exact=True).drag_to(page.locator(".vue-flow__pane"),
                                                  target_position={"x": 450, "y": 420})
    expect(node(page, "If")).to_be_in_viewport()
    # ... and connect them by dragging from each output to the next input
    connect(page, "Manual Trigger", "Code")
    connect(page, "Code", "Edit Fields")
    connect(page, "Edit Fields", "If")
    expect(page.locator(".vue-flow__edge")).to_have_count(3)
    shot(page, "editor-built")

    # ... give Code two items
    dialog = open_node(page, "Code")
    dialog.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type('return [{"n": 1}, {"n": 5}]')
    close_node(page)
    # ... give Edit Fields a number field `double` whose value is an expression
    dialog = open_node(page, "Edit Fields")
    dialog.get_by_role("button", name="Add field").click()
    dialog.get_by_placeholder("name", exact=True).fill("double")
    select_option(dialog, "String", "Number")
    expect(dialog.get_by_placeholder("value", exact=True)).to_have_attribute("type", "number")
    expression_toggle(dialog, "value").click()
    expect(dialog.get_by_placeholder("value", exact=True)).to_have_class(re.compile("font-mono"))
    dialog.get_by_placeholder("value", exact=True).fill("{{ $json.n * 2 }}")
    close_node(page)
    # ... and let If send items whose double is greater than 4 to true
    dialog = open_node(page, "If")
    expression_toggle(dialog, "value1").click()
    expect(dialog.get_by_placeholder("value1", exact=True)).to_have_class(re.compile("font-mono"))
    dialog.get_by_placeholder("value1", exact=True).fill("{{ $json.double }}")
    before = dialog.get_by_placeholder("value2", exact=True).element_handle()
    select_option(dialog, "String: is equal to", "Number: is greater than")
    before.wait_for_element_state("hidden")  # the form is drawn again for the new operator
    dialog.get_by_placeholder("value2", exact=True).fill("4")
    close_node(page)

    # And they execute the workflow
    page.get_by_role("button", name="Execute workflow").click()

    # Then each of If's outputs shows one item
    expect(node(page, "If").locator(".kw-port-label.kw-out")).to_have_text(
        ["true · 1 item", "false · 1 item"], timeout=TIMEOUT)
    expect(page.locator(".kw-edge-label").filter(has_text="2 items")).to_have_count(2)  # Code -> EF -> If
    expect(page.locator(".vue-flow__node .kw-node.kw-success")).to_have_count(4)
    shot(page, "editor-after-run")

    # And If's output table shows the item of the true branch: double = 10
    dialog = open_node(page, "If")
    output = dialog.locator(".q-table").last
    expect(output.locator("th")).to_have_text(["double"])
    expect(output.locator("td")).to_have_text(["10"])
    expect(dialog.get_by_role("button", name="true (1)")).to_be_visible()
    settled(page)
    shot(page, "editor-output-table")
    close_node(page)

    # When they save and reload the page
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Unsaved changes")).to_be_hidden()
    page.reload()

    # Then the nodes, their connections and the expression are as they were
    expect(page.locator(".vue-flow__edge")).to_have_count(3)
    expect(page.locator(".vue-flow__node .kw-name")).to_have_text(
        ["Manual Trigger", "Code", "Edit Fields", "If"])
    assert links(page) == {("Manual Trigger", "out-0", "Code", "in-0"),
                           ("Code", "out-0", "Edit Fields", "in-0"),
                           ("Edit Fields", "out-0", "If", "in-0")}
    shot(page, "editor-after-reload")
    dialog = open_node(page, "Edit Fields")
    expect(dialog.get_by_placeholder("name", exact=True)).to_have_value("double")
    expect(dialog.get_by_placeholder("value", exact=True)).to_have_value("{{ $json.n * 2 }}")
    settled(page)
    shot(page, "editor-reloaded-expression")


HOSTILE = "<img src=x onerror=alert(1)>"


def test_node_names_are_text(app: App, page_for, tmp_path: Path) -> None:  # noqa: ANN001
    # Given a workflow whose name and node name are HTML
    workflow_id = store_workflow(app, {
        "name": HOSTILE,
        "nodes": [{"parameters": {}, "id": "b7f0c7a6-54a1-4d47-9c2e-6b1b8f7c0a11", "name": HOSTILE,
                   "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [0, 0]}],
        "connections": {},
    }, tmp_path)
    page = page_for("editor")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # When the editor opens it, and the node's details
    page.goto(f"/workflow/{workflow_id}")
    expect(node(page, HOSTILE)).to_be_visible()
    expect(page.locator(".kw-name")).to_have_text([HOSTILE])
    shot(page, "editor-hostile-name")
    dialog = open_node(page, HOSTILE)
    expect(dialog.get_by_text(HOSTILE, exact=True).first).to_be_visible()
    settled(page)
    shot(page, "editor-hostile-name-details")

    # Then the name is shown as text: no image element, no script ran
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(page.get_by_label("Workflow name")).to_have_value(HOSTILE)
    assert dialogs == []
