"""The start page at /: the workflow list, in the project the link names (if any)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import RedirectResponse
from nicegui import ui


def home_page(project: str = "") -> RedirectResponse:
    """Send the browser to /workflows, keeping the `project` query parameter."""
    target = f"/workflows?{urlencode({'project': project})}" if project else "/workflows"
    return RedirectResponse(target, status_code=303)


def register(runtime: object) -> None:
    """Serve home_page at /."""
    ui.page("/")(home_page)
