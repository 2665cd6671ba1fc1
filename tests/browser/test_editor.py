"""The editor in a real browser: build a workflow from an empty canvas, run it, inspect, save, reload."""

from __future__ import annotations

import re

from .conftest import App, shot


def create_workflow(page, name: str) -> str:  # noqa: ANN001
    """Through the workflows page, as a person would; returns the new workflow's id."""
    page.goto("/workflows")
    page.get_by_role("button", name=re.compile("Create workflow", re.I)).click()
    page.wait_for_url(re.compile(r"/workflow/[A-Za-z0-9_-]+"))
    return re.search(r"/workflow/([A-Za-z0-9_-]+)", page.url).group(1)


def test_open_an_empty_workflow(app: App, page_for) -> None:  # noqa: ANN001
    page = page_for("editor")
    page.goto(f"/workflows?project={app.ids['project']}")
    workflow_id = create_workflow(page, "Built in the browser")
    page.locator(".vue-flow").wait_for()
    shot(page, "editor-empty")
    assert workflow_id
