"""The startup function: attach Knotwork's pages and HTTP routes to NiceGUI's app. main.py and tests call it."""

from __future__ import annotations

from pathlib import Path

from nicegui import app
from nicegui.storage import Storage

from api import health, webhooks
from api.public import PUBLIC_API_PREFIX, build_public_api
from api.rest import REST_PREFIX, build_rest_api
from services.runtime import Runtime
from services.settings import Settings
from ui.auth import SignInRequired
from ui.pages import register_all


def register(settings: Settings, runtime: Runtime | None = None) -> None:
    """Register routes and pages, and keep NiceGUI's server-side storage inside the data folder.

    Call once per process, before ui.run(): a second call would register every route twice.
    `runtime` is what pages and routes use to reach workflows and executions.
    """
    app.state.runtime = runtime
    use_storage_dir(settings.data_dir / 'nicegui')
    app.include_router(health.router)
    webhooks.install(app)
    app.mount(PUBLIC_API_PREFIX, build_public_api(runtime))
    app.mount(REST_PREFIX, build_rest_api(runtime))
    app.add_middleware(SignInRequired)
    register_all(runtime)


def use_storage_dir(path: Path) -> None:
    """Point NiceGUI's file storage at `path` instead of ./.nicegui in the working directory.

    NiceGUI reads its storage path when it is imported, so the storage object is rebuilt here, as
    NiceGUI's own pytest plugin does. Only valid before the app starts.
    """
    path.mkdir(parents=True, exist_ok=True)
    Storage.path = path.resolve()
    app.storage = Storage()
    app.storage.general.initialize_sync()
