"""/variables: the global variables and those of the user's projects (of the current project only,
when one is chosen), as workflows read them in `$vars`; create, edit and delete where the user may
manage them. A refused key or value shows under its field.
"""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from services import variables
from services.variables import VariableView
from ui.components import REFUSALS, DataTable, Rights, attempt, closing_dialog, confirm, notify_refusal, when
from ui.frame import Frame, page_frame

GLOBAL = ""  # the scope choice of a global variable
LIST_LIMIT = 500


def register(runtime: object) -> None:
    @ui.page("/variables")
    def variables_page(request: Request, project: str = "") -> None:
        with page_frame(request, "Variables", project=project) as frame:
            VariableList(frame).show()


class VariableList:
    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.runtime = frame.runtime
        self.actor = frame.actor
        self.rights = Rights(frame.runtime, frame.actor)
        # Where the user may put variables: "" (global) and project ids (the chosen one, if any).
        self.scopes: dict[str, str] = {}
        if self.rights.has("variable:manageGlobal"):
            self.scopes[GLOBAL] = "Global"
        for project in frame.projects:
            if frame.project_id in ("", project.id) and "variable:manage" in self.rights.in_project(project.id):
                self.scopes[project.id] = project.name

    def show(self) -> None:
        ui.label("Workflows read these as $vars.<key>; a project's variable wins over a global one "
                 "of the same key.").classes("text-grey-8")
        if self.scopes:
            with ui.row().classes("w-full justify-end"):
                ui.button("Add variable", icon="add", on_click=lambda: self.edit(None)) \
                    .props("color=primary").mark("create-variable")
        self.rows()

    @ui.refreshable_method
    def rows(self) -> None:
        try:
            views = variables.list_variables(self.runtime.db, self.actor, limit=LIST_LIMIT)
        except REFUSALS as error:
            notify_refusal(error)
            views = []
        chosen = self.frame.project_id
        views = [view for view in views if view.project is None or not chosen or view.project.id == chosen]
        views.sort(key=lambda view: (view.project is not None, view.variable.key.lower()))
        table = DataTable(["Key", "Value", "Scope", "Updated", ""], marker="variable-table")
        for view in views:
            self._row(table, view)
        table.empty_row("No variables yet")

    def _row(self, table: DataTable, view: VariableView) -> None:
        variable = view.variable
        with table.row(marker=f"variable-{variable.id}"):
            table.cell(variable.key).classes("font-mono")
            table.cell(variable.value).classes("font-mono break-all")
            table.cell(view.project.name if view.project else "Global")
            table.cell(when(variable.updated_at))
            with table.cell(), ui.row().classes("gap-1 no-wrap"):
                if (view.project.id if view.project else GLOBAL) in self.scopes:
                    ui.button(icon="edit", on_click=lambda: self.edit(view)) \
                        .props("flat dense").tooltip("Edit").mark(f"edit-{variable.id}")
                    ui.button(icon="delete", on_click=lambda: self.ask_delete(view)) \
                        .props("flat dense color=negative").tooltip("Delete").mark(f"delete-{variable.id}")

    def edit(self, view: VariableView | None) -> None:
        """The dialog that adds a variable (view None) or changes one."""
        if view is not None:
            scope = view.project.id if view.project else GLOBAL
        else:
            scope = self.frame.project_id if self.frame.project_id in self.scopes else next(iter(self.scopes))
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-96").mark("variable-dialog"):
            ui.label("Edit variable" if view else "Add variable").classes("text-lg font-semibold")
            key = ui.input("Key", value=view.variable.key if view else "") \
                .props("hint='Letters, digits and underscores'").classes("w-full font-mono").mark("variable-key")
            value = ui.textarea("Value", value=view.variable.value if view else "") \
                .props("autogrow").classes("w-full font-mono").mark("variable-value")
            where = ui.select(self.scopes, value=scope, label="Scope").classes("w-full").mark("variable-scope")

            def save() -> None:
                key.error = value.error = None
                project_id = where.value or None
                try:
                    if view is None:
                        variables.create_variable(self.runtime.db, self.actor, key=key.value or "",
                                                  value=value.value or "", project_id=project_id)
                    else:
                        variables.update_variable(self.runtime.db, self.actor, view.variable.id, key=key.value or "",
                                                  value=value.value or "", project_id=project_id)
                except REFUSALS as error:
                    message = str(error)
                    if message.startswith("key:"):
                        key.error = message.removeprefix("key:").strip()
                    elif message.startswith("value:"):
                        value.error = message.removeprefix("value:").strip()
                    else:
                        notify_refusal(error)
                    return
                ui.notify(f"Saved {key.value}", type="positive")
                self.rows.refresh()
                dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Save", on_click=save).props("color=primary").mark("variable-save")
        dialog.open()

    def ask_delete(self, view: VariableView) -> None:
        def delete() -> None:
            if attempt(lambda: variables.delete_variable(self.runtime.db, self.actor, view.variable.id),
                       done=f"Deleted {view.variable.key}"):
                self.rows.refresh()

        confirm(f"Delete the variable '{view.variable.key}'? Workflows reading it get nothing.", delete,
                title="Delete variable")
