"""/settings: the signed-in user's own account: who they are, their password (changing it signs them
out everywhere, this browser too), and their API keys for /api/v1 (a new key is shown once).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request
from nicegui import ui

from services import api_keys, auth, users
from services.access import ALL_SCOPES
from ui.components import (
    REFUSALS,
    DataTable,
    attempt,
    closing_dialog,
    confirm,
    copy_button,
    notify_refusal,
    when,
)
from ui.frame import Frame, page_frame

EXPIRY_CHOICES = {0: "Never", 7: "In 7 days", 30: "In 30 days", 90: "In 90 days", 365: "In a year"}


def register(runtime: object) -> None:
    @ui.page("/settings")
    def settings_page(request: Request, project: str = "") -> None:
        with page_frame(request, "Settings", project=project) as frame:
            _profile(frame)
            _password(frame)
            if frame.actor.has("apiKey:manage"):
                ApiKeys(frame).show()


def _profile(frame: Frame) -> None:
    try:
        me = users.get_user(frame.runtime.db, frame.actor, frame.actor.user_id)
    except REFUSALS as error:
        notify_refusal(error)
        return
    with ui.card().classes("w-full max-w-2xl").mark("profile"):
        ui.label("Account").classes("text-lg font-semibold")
        with ui.row().classes("w-full gap-2"):
            first = ui.input("First name", value=me.first_name).props("outlined dense").mark("first-name")
            last = ui.input("Last name", value=me.last_name).props("outlined dense").mark("last-name")

            def save_name() -> None:
                if attempt(lambda: users.update_profile(frame.runtime.db, frame.actor, first_name=first.value or "",
                                                        last_name=last.value or "")):
                    ui.notify("Name saved", type="positive")

            ui.button("Save name", on_click=save_name).props("flat").mark("save-name")
        ui.label(f"Email: {me.email}")
        ui.label(f"Role: {me.role}")


def _password(frame: Frame) -> None:
    with ui.card().classes("w-full max-w-2xl").mark("password"):
        ui.label("Change password").classes("text-lg font-semibold")
        ui.label("You will be signed out everywhere, here too, and sign in with the new password.") \
            .classes("text-grey-8")
        current = ui.input("Current password", password=True).classes("w-full").mark("current-password")
        current.props.update({"autocomplete": "current-password"})
        new = ui.input("New password (8 characters or more)", password=True).classes("w-full") \
            .mark("new-password")
        repeat = ui.input("New password again", password=True).classes("w-full").mark("repeat-password")
        for field in (new, repeat):
            field.props.update({"autocomplete": "new-password"})

        def change() -> None:
            current.error = new.error = repeat.error = None
            if (new.value or "") != (repeat.value or ""):
                repeat.error = "The two new passwords differ"
                return
            try:
                auth.change_password(frame.runtime.db, frame.actor, current.value or "", new.value or "")
            except auth.SignInError as error:
                current.error = str(error)
                return
            except REFUSALS as error:
                new.error = str(error)
                return
            ui.notify("Password changed; sign in again", type="positive")
            ui.navigate.to("/signin")

        ui.button("Change password", on_click=change).props("color=primary").mark("change-password")


class ApiKeys:
    def __init__(self, frame: Frame) -> None:
        self.runtime = frame.runtime
        self.actor = frame.actor

    def show(self) -> None:
        with ui.card().classes("w-full").mark("api-keys"):
            with ui.row().classes("w-full items-center"):
                ui.label("API keys").classes("text-lg font-semibold")
                ui.space()
                ui.button("Create API key", icon="add", on_click=self.create).props("color=primary") \
                    .mark("create-api-key")
            ui.label("Send a key in the X-KNOTWORK-API-KEY header of /api/v1 requests. Scopes narrow what it "
                     "may do below your own rights; none means all of them.").classes("text-grey-8")
            self.rows()

    @ui.refreshable_method
    def rows(self) -> None:
        keys = api_keys.list_api_keys(self.runtime.db, self.actor)
        table = DataTable(["Label", "Scopes", "Expires", "Last used", "Created", ""], marker="api-key-table")
        for key in keys:
            with table.row(marker=f"api-key-{key.id}"):
                table.cell(key.label or "(no label)")
                table.cell(", ".join(key.scopes) if key.scopes else "all of your rights").classes("break-all")
                table.cell(when(key.expires_at) or "never")
                table.cell(when(key.last_used_at) or "never")
                table.cell(when(key.created_at))
                with table.cell():
                    ui.button(icon="delete", on_click=lambda k=key: self.ask_delete(k.id, k.label)) \
                        .props("flat dense color=negative").tooltip("Delete").mark(f"delete-key-{key.id}")
        table.empty_row("No API keys yet")

    def create(self) -> None:
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-[32rem] max-w-full").mark("api-key-dialog"):
            ui.label("Create an API key").classes("text-lg font-semibold")
            label = ui.input("Label").classes("w-full").mark("api-key-label")
            scopes = ui.select(sorted(ALL_SCOPES), multiple=True, label="Scopes (none: all of your rights)",
                               with_input=True).props("use-chips").classes("w-full").mark("api-key-scopes")
            expiry = ui.select(EXPIRY_CHOICES, value=30, label="Expires").classes("w-48").mark("api-key-expiry")

            def save() -> None:
                expires_at = datetime.now(UTC) + timedelta(days=expiry.value) if expiry.value else None
                try:
                    created = api_keys.create_api_key(self.runtime.db, self.actor, label.value or "",
                                                      scopes=list(scopes.value or []), expires_at=expires_at)
                except REFUSALS as error:
                    notify_refusal(error)
                    return
                _show_once(created.key)
                self.rows.refresh()
                dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Create", on_click=save).props("color=primary").mark("api-key-save")
        dialog.open()

    def ask_delete(self, key_id: str, label: str) -> None:
        def delete() -> None:
            if attempt(lambda: api_keys.delete_api_key(self.runtime.db, self.actor, key_id), done="API key deleted"):
                self.rows.refresh()

        confirm(f"Delete the API key '{label or '(no label)'}'? Programs using it lose access.", delete,
                title="Delete API key")


def _show_once(key: str) -> None:
    """The new key, in a dialog that forgets it once closed: it cannot be shown again."""
    dialog = closing_dialog().props("persistent")
    with dialog, ui.card().classes("w-[36rem] max-w-full").mark("new-api-key-dialog"):
        ui.label("Your new API key").classes("text-lg font-semibold")
        ui.label("Copy it now: it is shown only this once.").classes("text-warning")
        with ui.row().classes("w-full items-center no-wrap"):
            ui.input(value=key).props("readonly outlined dense").classes("grow font-mono").mark("new-api-key")
            copy_button(key, what="Key")
        with ui.row().classes("w-full justify-end"):
            ui.button("Done", on_click=dialog.close).props("color=primary").mark("new-api-key-done")
    dialog.open()
