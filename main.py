"""Knotwork web process: read the settings, wire the app, serve it. No logic lives here."""

from __future__ import annotations

import sys

from nicegui import app, ui

from services.logs import configure_logging
from services.runtime import build_runtime
from services.settings import SettingsError, load_settings
from services.vault import VaultError
from ui.app_setup import register


def main() -> None:
    # The event loop thread and the execution threads share the GIL: a 1 ms switch interval (5 ms
    # by default) lets the loop answer calls while executions run (bench/webhook_bench.py: +10%
    # requests per second, lower p99).
    sys.setswitchinterval(0.001)
    try:
        settings = load_settings()
    except SettingsError as error:
        raise SystemExit(f'knotwork: {error}') from None
    configure_logging(settings)
    try:
        runtime = build_runtime(settings)
    except VaultError as error:
        raise SystemExit(f'knotwork: {error}') from None
    # Embedded: executions, upkeep and the scheduler run here. Queue mode: workers run executions;
    # each web process offers to lead the scheduler (one does, by a Redis lock).
    app.on_startup(runtime.start_scheduler if runtime.queue_mode else runtime.start_embedded)
    app.on_shutdown(runtime.stop_runs_in_loop)
    app.on_shutdown(runtime.close)
    register(settings, runtime)
    ui.run(
        host=settings.host,
        port=settings.port,
        title='Knotwork',
        reload=False,
        show=False,
        storage_secret=settings.storage_secret or None,
        log_config=None,  # configure_logging's format (KNOTWORK_LOG_FORMAT) for uvicorn's lines too
    )


if __name__ == '__main__':
    main()
