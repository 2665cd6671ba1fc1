"""The public REST API, mounted at /api/v1: n8n's public API plus what n8n users ask for.

A FastAPI app of its own, so it has its own OpenAPI document (/api/v1/openapi.json), docs
(/api/v1/docs) and JSON error handlers. Routers hold no logic: each route checks its input, calls one
service function with the acting user, and shapes the answer.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.errors import install_error_handlers
from services.runtime import Runtime

PUBLIC_API_PREFIX = "/api/v1"


def build_public_api(runtime: Runtime | None) -> FastAPI:
    from . import routers  # the route modules, listed in one place

    api = FastAPI(
        title="Knotwork public API",
        version="1.0.0",
        description="Workflows, executions, credentials, tags, variables, users, projects and the audit log. "
                    "Authenticate with an API key in the X-KNOTWORK-API-KEY (or X-N8N-API-KEY) header.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    api.state.runtime = runtime
    install_error_handlers(api)
    for router in routers.ALL:
        api.include_router(router)
    return api
