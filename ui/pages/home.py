"""The start page at /: who is signed in, a sign-out button; the workflow editor arrives with the UI issue."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from services.version import knotwork_version


def home_page(request: Request) -> None:
    actor = getattr(request.state, "actor", None)
    with ui.column().classes('p-8 gap-2'):
        ui.label('Knotwork is running').classes('text-2xl font-semibold')
        ui.label(f'Version {knotwork_version()}')
        if actor is not None:
            ui.label(f'Signed in as {actor.email} ({actor.role})')
            with ui.element('form') as form:
                form.props.update({'method': 'post', 'action': '/rest/logout'})
                ui.button('Sign out').props('type=submit flat')
        ui.label('The workflow editor is not built yet: it arrives with the UI issue.')


def register(runtime: object) -> None:
    """Serve home_page at /."""
    ui.page('/')(home_page)
