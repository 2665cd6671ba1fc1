"""/templates: the gallery of ready-made workflows (services/templates/), by category. "Use template"
stores a copy in the current project (or the user's personal one) and opens it in the editor."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from services import workflow_access
from services.template_gallery import Template, list_templates
from ui.components import REFUSALS, Rights, notify_refusal
from ui.frame import Frame, page_frame


def register(runtime: object) -> None:
    @ui.page("/templates")
    def templates_page(request: Request, project: str = "", category: str = "") -> None:
        with page_frame(request, "Templates", project=project) as frame:
            TemplateGallery(frame, category).show()


class TemplateGallery:
    def __init__(self, frame: Frame, category: str = "") -> None:
        self.frame = frame
        self.rights = Rights(frame.runtime, frame.actor)
        self.target = self.rights.target_project(frame.project_id)
        self.may_create = "workflow:create" in self.rights.in_project(self.target)
        self.category = category

    def show(self) -> None:
        templates = list_templates()
        categories = sorted({template.category for template in templates})
        ui.label("Workflows to start from. Each reads its URLs from variables ($vars) and names the credentials "
                 "it needs; define those, then activate it.").classes("text-grey-8")
        ui.select({"": "All categories", **{name: name for name in categories}}, label="Category",
                  value=self.category if self.category in categories else "",
                  on_change=lambda event: self._choose(event.value or "")) \
            .props("dense outlined").classes("w-56").mark("template-category")
        self.cards(templates)

    @ui.refreshable_method
    def cards(self, templates: tuple[Template, ...]) -> None:
        with ui.row().classes("w-full gap-4"):
            for template in templates:
                if not self.category or template.category == self.category:
                    self._card(template)

    def _card(self, template: Template) -> None:
        with ui.card().classes("w-96").mark(f"template-{template.id}"):
            with ui.row().classes("w-full items-center no-wrap"):
                ui.label(template.name).classes("text-lg font-semibold")
                ui.space()
                ui.badge(template.category).props("outline")
            ui.label(template.description).classes("text-sm")
            if template.variables:
                ui.label("Variables: " + ", ".join(template.variables)).classes("text-xs font-mono text-grey-8")
            if template.credentials:
                ui.label("Credentials: " + ", ".join(f"{name} ({kind})" for kind, name in template.credentials)) \
                    .classes("text-xs text-grey-8")
            ui.label(f"{len(template.document['nodes'])} nodes").classes("text-xs text-grey-7")
            if self.may_create:
                ui.button("Use template", icon="add", on_click=lambda t=template: self.use(t)) \
                    .props("color=primary dense").mark(f"use-{template.id}")

    def use(self, template: Template) -> None:
        try:
            view = workflow_access.create_workflow(self.frame.runtime, self.frame.actor, template.importable(),
                                                   self.target)
        except REFUSALS as error:
            notify_refusal(error)
            return
        ui.notify(f"Created '{view.workflow.name}' from the template", type="positive")
        ui.navigate.to(self.frame.link(f"/workflow/{view.workflow.id}"))

    def _choose(self, category: str) -> None:
        self.category = category
        self.cards.refresh()
