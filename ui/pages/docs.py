"""/docs and /docs/{page}: the documentation in docs/, rendered with the navigation beside it.
Mermaid diagrams are drawn with ui.mermaid; the node reference comes from this process's registry."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from services.docs import PAGES, TITLES, render_page, web_link
from ui.frame import page_frame


def register(runtime: object) -> None:
    @ui.page("/docs")
    def docs_index(request: Request, project: str = "") -> None:
        show_page(request, "index", project)

    @ui.page("/docs/{page}")
    def docs_page(request: Request, page: str, project: str = "") -> None:
        show_page(request, page, project)


def show_page(request: Request, page: str, project: str) -> None:
    known = page in TITLES
    with (page_frame(request, TITLES.get(page, "Documentation"), project=project, show_title=False) as frame,
          ui.row().classes("w-full no-wrap items-start gap-8")):
        with ui.column().classes("w-64 shrink-0 gap-1").mark("docs-nav"):
            for name, title in PAGES:
                link = ui.link(title, web_link(name, "")).classes("no-underline")
                if name == page:
                    link.classes("font-bold")
        with ui.column().classes("grow max-w-4xl gap-2").mark("docs-content"):
            if not known:
                ui.label(f"There is no documentation page '{page[:80]}'.").classes("text-lg")
                ui.link("Back to the overview", "/docs")
                return
            for segment in render_page(page, web_link, frame.runtime.registry if frame.runtime else None):
                if segment.kind == "mermaid":
                    ui.mermaid(segment.content).classes("w-full")
                else:  # our own Markdown, rendered with raw HTML disabled
                    ui.html(segment.content, sanitize=False).classes("nicegui-markdown w-full")
