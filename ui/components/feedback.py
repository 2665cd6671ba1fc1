"""How pages answer the user: a refused use case becomes a notification with the service's own
message, a dialog goes away once closed, and anything destructive asks first.

    if attempt(lambda: delete_variable(db, actor, variable_id), done="Variable deleted"):
        rows.refresh()

    confirm("Delete the workflow 'Orders'?", lambda: delete(...))
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from engine.errors import KnotworkError
from services.users import UserError

# What a use case raises to refuse a request: its message is written for the user.
REFUSALS: tuple[type[Exception], ...] = (KnotworkError, UserError)


def notify_refusal(error: BaseException) -> None:
    """Show why a use case refused (the message is text, never HTML)."""
    ui.notify(str(error) or type(error).__name__, type="negative", multi_line=True, timeout=8000)


def attempt(action: Callable[[], Any], *, done: str = "") -> bool:
    """Run a use case; a refusal is shown as a notification. True when it went through."""
    try:
        action()
    except REFUSALS as error:
        notify_refusal(error)
        return False
    if done:
        ui.notify(done, type="positive")
    return True


async def attempt_async(action: Callable[[], Awaitable[Any]], *, done: str = "") -> bool:
    """`attempt` for a coroutine use case (stop an execution, test a credential)."""
    try:
        await action()
    except REFUSALS as error:
        notify_refusal(error)
        return False
    if done:
        ui.notify(done, type="positive")
    return True


def closing_dialog() -> ui.dialog:
    """A dialog that deletes itself once closed, so its elements never linger in the page.

    It belongs to the page's content, not to the element that opened it: a list that refreshes
    underneath an open dialog does not take the dialog with it."""
    with ui.context.client.content:
        dialog = ui.dialog()
    dialog.on_value_change(lambda event: None if event.value or dialog.is_deleted else dialog.delete())
    return dialog


def confirm(message: str, on_confirm: Callable[[], Any], *, title: str = "Are you sure?",
            action: str = "Delete") -> ui.dialog:
    """Open a dialog asking to confirm; `on_confirm` (sync or async) runs after the user agrees.

    Its buttons carry the markers `confirm-ok` and `confirm-cancel`."""
    dialog = closing_dialog()
    with dialog, ui.card().classes("min-w-80").mark("confirm-dialog"):
        ui.label(title).classes("text-lg font-semibold")
        ui.label(message)
        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat").mark("confirm-cancel")

            async def agreed() -> None:
                try:
                    outcome = on_confirm()
                    if inspect.isawaitable(outcome):
                        await outcome
                finally:
                    dialog.close()

            ui.button(action, on_click=agreed).props("color=negative").mark("confirm-ok")
    dialog.open()
    return dialog


def copy_button(text: str, *, what: str = "Text") -> ui.button:
    """A button that copies `text` to the clipboard (an invitation link, a new API key)."""

    def copy() -> None:
        ui.clipboard.write(text)
        ui.notify(f"{what} copied")

    return ui.button(icon="content_copy", on_click=copy).props("flat dense").tooltip("Copy")
