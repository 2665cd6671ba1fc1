"""Knotwork web process: read the settings, wire the app, serve it. No logic lives here."""

from __future__ import annotations

from nicegui import app, ui

from services.runtime import build_runtime
from services.settings import SettingsError, load_settings
from services.vault import VaultError
from ui.app_setup import register


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise SystemExit(f'knotwork: {error}') from None
    try:
        runtime = build_runtime(settings)
    except VaultError as error:
        raise SystemExit(f'knotwork: {error}') from None
    if not runtime.queue_mode:
        app.on_startup(runtime.start_embedded)
    app.on_shutdown(runtime.close)
    register(settings, runtime)
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
