"""The start page at /: says the server runs and which version; the workflow editor is not built yet."""

from __future__ import annotations

from nicegui import ui

from services.version import knotwork_version


def home_page() -> None:
    with ui.column().classes('p-8 gap-2'):
        ui.label('Knotwork is running').classes('text-2xl font-semibold')
        ui.label(f'Version {knotwork_version()}')
        ui.label('The workflow editor is not built yet: it arrives with the UI issue.')


def register() -> None:
    """Serve home_page at /."""
    ui.page('/')(home_page)
