"""What route functions receive: the runtime, the caller's address, and the acting user.

The public API authenticates with an API key (X-KNOTWORK-API-KEY, or n8n's X-N8N-API-KEY so n8n
clients work); the browser-facing /rest routes with the session cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from api.errors import error_response
from services.access import Actor
from services.api_keys import actor_for_api_key
from services.auth import SESSION_COOKIE, actor_for_session
from services.runtime import Runtime

_knotwork_key = APIKeyHeader(name="X-KNOTWORK-API-KEY", auto_error=False, scheme_name="KnotworkApiKey",
                             description="An API key created in Settings → API keys or with `knotwork apikey create`.")
_n8n_key = APIKeyHeader(name="X-N8N-API-KEY", auto_error=False, scheme_name="N8nApiKey",
                        description="The same API key under n8n's header name, for n8n clients.")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


NO_KEY_MESSAGE = "A valid API key is required in the X-KNOTWORK-API-KEY header"


class ApiKeyRequired(BaseHTTPMiddleware):
    """Check the API key before anything else looks at the request (a malformed body of a caller
    without a key gets 401, not a validation error); the routes' `ApiActor` reads what it found."""

    OPEN = ("/openapi.json", "/docs")

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        # Mounted at /api/v1, the path still starts with the mount's root_path: compare what follows it.
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        if path.startswith(self.OPEN):
            return await call_next(request)
        key = request.headers.get("x-knotwork-api-key") or request.headers.get("x-n8n-api-key")
        actor = await run_in_threadpool(actor_for_api_key, get_runtime(request).db, key, ip=client_ip(request))
        if actor is None:
            return error_response(401, "unauthorized", NO_KEY_MESSAGE)
        request.state.actor = actor
        return await call_next(request)


def api_actor(request: Request, knotwork_key: Annotated[str | None, Security(_knotwork_key)] = None,
              n8n_key: Annotated[str | None, Security(_n8n_key)] = None) -> Actor:
    """The API key's user (the header parameters put the two schemes in the OpenAPI document)."""
    actor = getattr(request.state, "actor", None)
    if actor is None:
        actor = actor_for_api_key(get_runtime(request).db, knotwork_key or n8n_key, ip=client_ip(request))
    if actor is None:
        raise HTTPException(401, NO_KEY_MESSAGE)
    return actor


def session_actor(request: Request) -> Actor:
    actor = actor_for_session(get_runtime(request).db, request.cookies.get(SESSION_COOKIE))
    if actor is None:
        raise HTTPException(401, "Sign in first")
    return actor


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ApiActor = Annotated[Actor, Depends(api_actor)]
SessionActor = Annotated[Actor, Depends(session_actor)]
