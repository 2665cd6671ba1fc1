"""/credentials: the credentials the user may read in the current project (or in all of theirs):
create and edit with the form generated from the credential type, test, connect (OAuth2), share
with projects, transfer, delete. No page ever holds a secret: the services answer masked data.
"""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from engine.credential_types import uses_oauth2
from services import credentials
from services.credentials import CredentialView
from ui.components import (
    REFUSALS,
    DataTable,
    Rights,
    attempt,
    closing_dialog,
    confirm,
    connect_button,
    notify_refusal,
    open_credential_dialog,
    when,
)
from ui.frame import Frame, page_frame

LIST_LIMIT = 250


def register(runtime: object) -> None:
    @ui.page("/credentials")
    def credentials_page(request: Request, project: str = "") -> None:
        with page_frame(request, "Credentials", project=project) as frame:
            CredentialList(frame).show()


class CredentialList:
    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.runtime = frame.runtime
        self.actor = frame.actor
        self.rights = Rights(frame.runtime, frame.actor)
        self.key = frame.runtime.executions.encryption_key
        self.types = credentials.default_credential_types()

    def show(self) -> None:
        target = self.rights.target_project(self.frame.project_id)
        if "credential:create" in self.rights.in_project(target):
            with ui.row().classes("w-full justify-end"):
                ui.button("Create credential", icon="add", on_click=lambda: open_credential_dialog(
                    self.runtime, self.actor, project_id=target, on_saved=lambda _: self.rows.refresh(),
                    types=self.types)).props("color=primary").mark("create-credential")
        self.rows()

    @ui.refreshable_method
    def rows(self) -> None:
        try:
            views = credentials.list_credentials(self.runtime.db, self.actor,
                                                 project_id=self.frame.project_id or None, limit=LIST_LIMIT)
        except REFUSALS as error:
            notify_refusal(error)
            views = []
        table = DataTable(["Name", "Type", "Project", "Shared with", "Updated", ""], marker="credential-table")
        for view in sorted(views, key=lambda item: item.credential.name.lower()):
            self._row(table, view)
        table.empty_row("No credentials yet")

    def _row(self, table: DataTable, view: CredentialView) -> None:
        credential = view.credential
        scopes = self.rights.on_credential(credential.id)
        credential_type = self.types.resolve(credential.type)
        with table.row(marker=f"credential-{credential.id}"):
            table.cell(credential.name).mark(f"name-{credential.id}")
            table.cell(credential_type.display_name if credential_type else credential.type)
            table.cell(view.home_project.name)
            table.cell(", ".join(project.name for project in view.shared_with) or "—")
            table.cell(when(credential.updated_at))
            with table.cell(), ui.row().classes("gap-1 no-wrap"):
                if "credential:update" in scopes:
                    ui.button(icon="edit", on_click=lambda: self.edit(credential.id)) \
                        .props("flat dense").tooltip("Edit").mark(f"edit-{credential.id}")
                if "credential:use" in scopes:
                    ui.button("Test", on_click=lambda: self.test(credential.id)) \
                        .props("flat dense").mark(f"test-{credential.id}")
                if "credential:update" in scopes and credential_type and uses_oauth2(credential_type):
                    connect_button(credential.id).props("dense")
                if "credential:share" in scopes:
                    ui.button(icon="share", on_click=lambda: self.share(view)) \
                        .props("flat dense").tooltip("Share").mark(f"share-{credential.id}")
                if "credential:move" in scopes:
                    ui.button(icon="drive_file_move", on_click=lambda: self.transfer(view)) \
                        .props("flat dense").tooltip("Move to another project").mark(f"transfer-{credential.id}")
                if "credential:delete" in scopes:
                    ui.button(icon="delete", on_click=lambda: self.ask_delete(view)) \
                        .props("flat dense color=negative").tooltip("Delete").mark(f"delete-{credential.id}")

    # --- actions ---------------------------------------------------------------------------------

    def edit(self, credential_id: str) -> None:
        try:
            open_credential_dialog(self.runtime, self.actor, credential_id=credential_id,
                                   on_saved=lambda _: self.rows.refresh(), types=self.types)
        except REFUSALS as error:
            notify_refusal(error)

    async def test(self, credential_id: str) -> None:
        try:
            outcome = await credentials.test_saved_credential(self.runtime.db, self.actor, credential_id,
                                                              key=self.key, types=self.types)
        except REFUSALS as error:
            notify_refusal(error)
            return
        if outcome.ok:
            ui.notify(f"OK: {outcome.message}", type="positive")
        else:
            ui.notify(f"Test failed: {outcome.message}", type="negative", multi_line=True, timeout=10000)

    def share(self, view: CredentialView) -> None:
        others = {project.id: project.name for project in self.frame.projects if project.id != view.home_project.id}
        current = [project.id for project in view.shared_with if project.id in others]
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-96").mark("share-dialog"):
            ui.label(f"Share '{view.credential.name}'").classes("text-lg font-semibold")
            ui.label("Workflows of these projects may use it.").classes("text-grey-8")
            chosen = ui.select(others, value=current, multiple=True, label="Projects") \
                .props("use-chips").classes("w-full").mark("share-projects")

            def save() -> None:
                if attempt(lambda: credentials.share_credential(self.runtime.db, self.actor, view.credential.id,
                                                                list(chosen.value or [])), done="Sharing saved"):
                    self.rows.refresh()
                    dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Save", on_click=save).props("color=primary").mark("share-save")
        dialog.open()

    def transfer(self, view: CredentialView) -> None:
        others = {project.id: project.name for project in self.frame.projects if project.id != view.home_project.id}
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-96").mark("transfer-dialog"):
            ui.label(f"Move '{view.credential.name}'").classes("text-lg font-semibold")
            ui.label(f"It belongs to {view.home_project.name}; the new project becomes its owner.") \
                .classes("text-grey-8")
            destination = ui.select(others, label="To project").classes("w-full").mark("transfer-project")

            def move() -> None:
                if not destination.value:
                    destination.error = "Choose a project"
                    return
                if attempt(lambda: credentials.transfer_credential(self.runtime.db, self.actor, view.credential.id,
                                                                   destination.value), done="Credential moved"):
                    self.rows.refresh()
                    dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Move", on_click=move).props("color=primary").mark("transfer-save")
        dialog.open()

    def ask_delete(self, view: CredentialView) -> None:
        def delete() -> None:
            if attempt(lambda: credentials.delete_credential(self.runtime.db, self.actor, view.credential.id),
                       done=f"Deleted '{view.credential.name}'"):
                self.rows.refresh()

        confirm(f"Delete the credential '{view.credential.name}'? Workflows using it will fail.", delete,
                title="Delete credential")
