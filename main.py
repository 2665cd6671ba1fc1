"""Knotwork web process: read the settings, wire the app, serve it. No logic lives here."""

from __future__ import annotations

from nicegui import ui

from services.settings import SettingsError, load_settings
from ui.app_setup import register


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise SystemExit(f'knotwork: {error}') from None
    register(settings)
    ui.run(
        host=settings.host,
        port=settings.port,
        title='Knotwork',
        reload=False,
        show=False,
        storage_secret=settings.storage_secret or None,
    )


if __name__ == '__main__':
    main()
