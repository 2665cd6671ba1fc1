"""The frame every signed-in page shares: a header with the navigation, the current project and
the user's menu. The current project travels in the `project` query parameter, so links, reloads and
bookmarks keep it.

    @ui.page("/workflows")
    def workflows_page(request: Request, project: str = "") -> None:
        with page_frame(request, "Workflows", project=project) as frame:
            ...  # frame.actor, frame.runtime, frame.project_id
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from nicegui import ui

from models import Project
from services.access import Actor
from services.projects import list_projects
from services.runtime import Runtime

# (label, path, icon, who sees it: None for everyone, else an instance-wide scope)
NAVIGATION: tuple[tuple[str, str, str, str | None], ...] = (
    ("Workflows", "/workflows", "account_tree", None),
    ("Templates", "/templates", "auto_awesome", None),
    ("Executions", "/executions", "history", None),
    ("Credentials", "/credentials", "key", None),
    ("Variables", "/variables", "data_object", None),
    ("Projects", "/projects", "groups", None),
    ("Users", "/users", "manage_accounts", "user:manage"),
    ("Workers", "/workers", "dns", "audit:read"),
    ("Docs", "/docs", "menu_book", None),
)


@dataclass
class Frame:
    actor: Actor
    runtime: Runtime
    projects: list[Project]
    project_id: str  # "" for "all projects"

    def link(self, path: str, **query: str) -> str:
        """A link that keeps the current project."""
        params = {**({"project": self.project_id} if self.project_id else {}), **query}
        return f"{path}?{urlencode(params)}" if params else path


def current_actor(request: Request) -> Actor:
    """The signed-in user (the SignInRequired middleware let the request through)."""
    return request.state.actor  # type: ignore[no-any-return]


@contextmanager
def page_frame(request: Request, title: str, *, project: str = "", show_title: bool = True) -> Iterator[Frame]:
    """Header and navigation around the page's content; yields who is signed in and where."""
    runtime: Runtime = request.app.state.runtime
    actor = current_actor(request)
    projects = list_projects(runtime.db, actor, limit=250)
    project_id = project if any(item.id == project for item in projects) else ""
    frame = Frame(actor, runtime, projects, project_id)
    ui.page_title(f"{title} · Knotwork")
    with ui.header().classes("items-center gap-4 px-4 py-1 bg-slate-800"):
        ui.link("Knotwork", frame.link("/workflows")).classes("text-lg font-bold text-white no-underline")
        for label, path, icon, scope in NAVIGATION:
            if scope is None or actor.has(scope):
                with ui.link(target=frame.link(path)).classes("text-white no-underline flex items-center gap-1"):
                    ui.icon(icon).classes("text-base")
                    ui.label(label)
        ui.space()
        choices = {"": "All projects", **{item.id: item.name for item in projects}}
        ui.select(choices, value=project_id, label="Project",
                  on_change=lambda event: ui.navigate.to(
                      f"{request.url.path}?{urlencode({'project': event.value})}" if event.value
                      else request.url.path)).props("dense dark options-dense").classes("w-48")
        with ui.button(icon="account_circle").props("flat round color=white"), ui.menu():
            ui.menu_item(f"{actor.email} ({actor.role})").props("disable")
            ui.menu_item("Settings", on_click=lambda: ui.navigate.to(frame.link("/settings")))
            with ui.element("form") as form:
                form.props.update({"method": "post", "action": "/rest/logout"})
                ui.button("Sign out").props("type=submit flat").classes("w-full")
    with ui.column().classes("w-full p-4 gap-3"):
        if show_title:
            ui.label(title).classes("text-2xl font-semibold")
        yield frame
