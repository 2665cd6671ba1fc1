"""/workflows: the workflows the user may read in the current project (or in all of theirs), with
search by name, a tag filter, the active switch, and create, import, duplicate and delete.

A workflow opens in the editor at /workflow/{id}; its executions are at /executions?workflow={id}.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from nicegui import run, ui

from services import tag_access, workflow_access
from services.workflow_access import WorkflowView
from services.workflow_json import NAME_MAX, NEW_WORKFLOW_NAME, workflow_to_json
from ui.components import REFUSALS, DataTable, Rights, attempt, attempt_async, confirm, notify_refusal, when
from ui.components.workflow_import import open_import_dialog
from ui.frame import Frame, page_frame

LIST_LIMIT = 100


def register(runtime: object) -> None:
    @ui.page("/workflows")
    def workflows_page(request: Request, project: str = "", search: str = "", tag: str = "") -> None:
        with page_frame(request, "Workflows", project=project) as frame:
            WorkflowList(frame, search=search, tag=tag).show()


class WorkflowList:
    def __init__(self, frame: Frame, *, search: str = "", tag: str = "") -> None:
        self.frame = frame
        self.runtime = frame.runtime
        self.actor = frame.actor
        self.rights = Rights(frame.runtime, frame.actor)
        self.search = search
        self.tag = tag

    def show(self) -> None:
        target = self.rights.target_project(self.frame.project_id)
        may_create = "workflow:create" in self.rights.in_project(target)
        with ui.row().classes("w-full items-center gap-3"):
            ui.input("Search by name", value=self.search, on_change=self._searched) \
                .props("dense outlined clearable debounce=300").classes("w-64").mark("workflow-search")
            tags = {tag.name: tag.name for tag in _tags(self)}
            ui.select({"": "All tags", **tags}, label="Tag", value=self.tag if self.tag in tags else "",
                      on_change=self._tag_chosen).props("dense outlined").classes("w-48").mark("workflow-tag")
            ui.space()
            if may_create:
                ui.button("Import", icon="upload", on_click=lambda: open_import_dialog(
                    self.runtime, self.actor, target, lambda views: self.rows.refresh())) \
                    .props("outline").mark("import-workflows")
                ui.button("Create workflow", icon="add", on_click=lambda: self.create(target)) \
                    .props("color=primary").mark("create-workflow")
        self.rows()

    @ui.refreshable_method
    def rows(self) -> None:
        try:
            views = workflow_access.list_workflows(
                self.runtime.db, self.actor, name=self.search or None, tags=[self.tag] if self.tag else [],
                project_id=self.frame.project_id or None, limit=LIST_LIMIT)
        except REFUSALS as error:
            notify_refusal(error)
            views = []
        table = DataTable(["Name", "Tags", "Project", "Active", "Updated", ""], marker="workflow-table")
        for view in views[:LIST_LIMIT]:
            self._row(table, view)
        table.empty_row("No workflows match" if self.search or self.tag else "No workflows yet")
        if len(views) > LIST_LIMIT:
            ui.label(f"Showing the newest {LIST_LIMIT}; search to find others.").classes("text-grey-7")

    def _row(self, table: DataTable, view: WorkflowView) -> None:
        workflow = view.workflow
        scopes = self.rights.on_workflow(workflow.id)
        owner = next((share for share in view.shares if share.role == "owner"), None)
        with table.row(marker=f"workflow-{workflow.id}"):
            with table.cell(), ui.row().classes("items-center gap-2 no-wrap"):
                ui.link(workflow.name, self.frame.link(f"/workflow/{workflow.id}")).mark(f"open-{workflow.id}")
                if workflow.is_archived:
                    ui.badge("archived").props("color=grey outline")
            with table.cell(), ui.row().classes("gap-1"):
                for tag in view.tags:
                    ui.badge(tag.name).props("outline")
            shared = len(view.shares) - 1
            table.cell((owner.project_name if owner else "") + (f" (+{shared} shared)" if shared > 0 else ""))
            with table.cell():
                switch = ui.switch(value=workflow.active,
                                   on_change=lambda event, wid=workflow.id: self.set_active(wid, event.value))
                switch.mark(f"active-{workflow.id}")
                if "workflow:update" not in scopes:
                    switch.disable()
                if workflow.activation_error:  # why a trigger could not start (set by the scheduler)
                    ui.icon("error", color="negative").tooltip(workflow.activation_error) \
                        .mark(f"activation-error-{workflow.id}")
            table.cell(when(workflow.updated_at))
            with table.cell(), ui.row().classes("gap-1 no-wrap"):
                ui.link("Executions", self.frame.link("/executions", workflow=workflow.id)) \
                    .classes("self-center").mark(f"executions-{workflow.id}")
                if owner is not None and "workflow:create" in self.rights.in_project(owner.project_id):
                    ui.button(icon="content_copy", on_click=lambda v=view: self.duplicate(v)) \
                        .props("flat dense").tooltip("Duplicate").mark(f"duplicate-{workflow.id}")
                if "workflow:delete" in scopes:
                    ui.button(icon="delete", on_click=lambda v=view: self.ask_delete(v)) \
                        .props("flat dense color=negative").tooltip("Delete").mark(f"delete-{workflow.id}")

    # --- actions ---------------------------------------------------------------------------------

    def create(self, project_id: str) -> None:
        try:
            view = workflow_access.create_workflow(self.runtime, self.actor, {"name": NEW_WORKFLOW_NAME}, project_id)
        except REFUSALS as error:
            notify_refusal(error)
            return
        ui.navigate.to(self.frame.link(f"/workflow/{view.workflow.id}"))

    async def set_active(self, workflow_id: str, active: bool) -> None:
        # Activating tries listener triggers for a moment (a broker connection): off the event loop.
        if active:
            await attempt_async(lambda: run.io_bound(workflow_access.activate_workflow, self.runtime,
                                                            self.actor, workflow_id), done="Workflow activated")
        else:
            attempt(lambda: workflow_access.deactivate_workflow(self.runtime.db, self.actor, workflow_id),
                    done="Workflow deactivated")
        self.rows.refresh()  # the switch shows what is stored, and a recorded trigger problem goes

    def duplicate(self, view: WorkflowView) -> None:
        if attempt(lambda: duplicate_workflow(self.frame, view), done=f"Duplicated '{view.workflow.name}'"):
            self.rows.refresh()

    def ask_delete(self, view: WorkflowView) -> None:
        def delete() -> None:
            if attempt(lambda: workflow_access.delete_workflow(self.runtime.db, self.actor, view.workflow.id),
                       done=f"Deleted '{view.workflow.name}'"):
                self.rows.refresh()

        confirm(f"Delete the workflow '{view.workflow.name}' and all its executions?", delete,
                title="Delete workflow")

    def _searched(self, event: Any) -> None:
        self.search = (event.value or "").strip()
        self.rows.refresh()

    def _tag_chosen(self, event: Any) -> None:
        self.tag = event.value or ""
        self.rows.refresh()


def duplicate_workflow(frame: Frame, view: WorkflowView) -> WorkflowView:
    """An inactive copy "<name> (copy)" in the same project, with the same tags; webhook nodes get new
    webhook ids so the two never claim the same paths, and static data starts empty. Goes through
    workflow_access, so it needs workflow:read on the original and workflow:create in its project."""
    source = workflow_access.get_workflow(frame.runtime.db, frame.actor, view.workflow.id)
    document = workflow_to_json(source.workflow)
    document["name"] = f"{source.workflow.name} (copy)"[:NAME_MAX]
    document["staticData"] = {}
    for node in document["nodes"]:
        if node.get("webhookId"):
            node["webhookId"] = str(uuid.uuid4())
    copy = workflow_access.create_workflow(frame.runtime, frame.actor, document, source.workflow.project_id)
    if source.tags:
        workflow_access.set_workflow_tags(frame.runtime.db, frame.actor, copy.workflow.id,
                                          [tag.id for tag in source.tags])
    return copy


def _tags(workflow_list: WorkflowList) -> list[Any]:
    try:
        return tag_access.list_tags(workflow_list.runtime.db, workflow_list.actor, limit=500)
    except REFUSALS:
        return []
