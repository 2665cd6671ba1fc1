"""First-run setup, sign-in and invitation pages.

Each is a plain HTML form posting to /rest: the browser keeps the HttpOnly session cookie itself, no
script ever holds the password or the token. Errors come back as `?error=` and show above the form.
"""

from __future__ import annotations

from nicegui import ui

from services.auth import InvitationError, needs_setup, pending_invitation
from services.runtime import Runtime


def _frame(title: str, error: str | None) -> None:
    ui.page_title(f"{title} · Knotwork")
    ui.label("Knotwork").classes("text-3xl font-bold text-primary")
    ui.label(title).classes("text-xl")
    if error:
        ui.label(error).classes("text-negative").props("role=alert")


def _field(label: str, name: str, *, kind: str = "text", autocomplete: str = "", value: str = "") -> None:
    field = ui.input(label, value=value).props(f'name={name} type={kind} outlined dense').classes("w-full")
    if autocomplete:
        field.props(f"autocomplete={autocomplete}")


def _hidden(name: str, value: str) -> None:
    # Set as a dict, not a props string: the value comes from the URL and must not be parsed.
    ui.element("input").props.update({"type": "hidden", "name": name, "value": value})


def _form(action: str):  # noqa: ANN202 - a NiceGUI element used as a context manager
    form = ui.element("form").classes("flex flex-col gap-3 w-80")
    form.props.update({"method": "post", "action": action})
    return form


def register(runtime: Runtime | None) -> None:
    @ui.page("/signin")
    def signin_page(redirect_to: str = "/", error: str | None = None) -> None:
        with ui.column().classes("absolute-center items-center gap-4"):
            _frame("Sign in", error)
            with _form("/rest/login"):
                _field("Email", "email", kind="email", autocomplete="username")
                _field("Password", "password", kind="password", autocomplete="current-password")
                _hidden("redirect_to", redirect_to)
                ui.button("Sign in").props("type=submit unelevated color=primary")

    @ui.page("/setup")
    def setup_page(error: str | None = None) -> None:
        with ui.column().classes("absolute-center items-center gap-4"):
            if runtime is not None and not needs_setup(runtime.db):
                _frame("Already set up", None)
                ui.link("Sign in", "/signin")
                return
            _frame("Create the owner account", error)
            with _form("/rest/setup"):
                _field("Email", "email", kind="email", autocomplete="username")
                _field("First name", "firstName")
                _field("Last name", "lastName")
                _field("Password (8 characters or more)", "password", kind="password",
                       autocomplete="new-password")
                ui.button("Create owner").props("type=submit unelevated color=primary")

    @ui.page("/signin/invite")
    def invitation_page(token: str = "", error: str | None = None) -> None:
        with ui.column().classes("absolute-center items-center gap-4"):
            try:
                invitation = pending_invitation(runtime.db, token) if runtime else None
            except InvitationError as problem:
                _frame("Invitation", str(problem))
                ui.link("Sign in", "/signin")
                return
            _frame("Accept the invitation", error)
            with _form("/rest/invitations/accept"):
                _field("Email", "email", value=invitation.email if invitation else "").props("readonly")
                _field("First name", "firstName")
                _field("Last name", "lastName")
                _field("Password (8 characters or more)", "password", kind="password",
                       autocomplete="new-password")
                _hidden("token", token)
                ui.button("Create account").props("type=submit unelevated color=primary")
