"""The public REST API, mounted at /api/v1: n8n's public API plus what n8n users ask for.

A FastAPI app of its own, so it has its own OpenAPI document (/api/v1/openapi.json), docs
(/api/v1/docs) and JSON error handlers. Routers hold no logic: each route checks its input, calls one
service function with the acting user, and shapes the answer.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from api.deps import ApiKeyRequired
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
        docs_url=None,  # served below from the bundled Swagger UI: FastAPI's default loads it from a CDN
        redoc_url=None,
    )
    api.state.runtime = runtime
    # Swagger UI from the swagger-ui-bundle package, so the docs work on machines without internet.
    api.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{PUBLIC_API_PREFIX}/openapi.json", title="Knotwork API",
                                   swagger_js_url=f"{PUBLIC_API_PREFIX}/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url=f"{PUBLIC_API_PREFIX}/docs-assets/swagger-ui.css",
                                   swagger_favicon_url=f"{PUBLIC_API_PREFIX}/docs-assets/favicon-32x32.png")

    install_error_handlers(api)
    api.add_middleware(ApiKeyRequired)
    for router in routers.ALL:
        api.include_router(router)
    return api
