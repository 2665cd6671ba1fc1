"""The browser-facing REST API, mounted at /rest: first-run setup, sign-in and sign-out, invitations,
the credential test and the OAuth2 callback. Authenticated by the session cookie."""

from __future__ import annotations

from fastapi import FastAPI

from api.errors import install_error_handlers
from services.runtime import Runtime

REST_PREFIX = "/rest"


def build_rest_api(runtime: Runtime | None) -> FastAPI:
    from . import auth, oauth2

    api = FastAPI(title="Knotwork REST (browser)", openapi_url=None, docs_url=None, redoc_url=None)
    api.state.runtime = runtime
    install_error_handlers(api)
    api.include_router(auth.router)
    api.include_router(oauth2.router)
    return api
