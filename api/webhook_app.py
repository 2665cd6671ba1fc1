"""The webhook-only process (`knotwork webhook`): /webhook*, /webhook-waiting/* and /healthz, no
pages, no NiceGUI, so webhook intake scales apart from the editor, as n8n's webhook processors do.

It needs queue mode: the executions a call starts go to Redis for the workers, and answers that wait
for a run (lastNode, Respond to Webhook) come back over Redis pub/sub. uvicorn runs several of these
processes on one port; each builds its own runtime from the settings (`create_app` is the factory).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.logs import configure_logging
from services.runtime import build_runtime
from services.settings import load_settings

from . import health
from .webhooks import install


def create_app() -> FastAPI:
    """A webhook app on a runtime built from the environment (migrations are run by the parent)."""
    settings = load_settings()
    configure_logging(settings)  # each uvicorn process is a fresh interpreter
    runtime = build_runtime(settings, upgrade=False)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(title="Knotwork webhooks", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = runtime
    app.include_router(health.router)
    install(app)
    return app
