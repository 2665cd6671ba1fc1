"""Pages need a signed-in user: one middleware sends everybody else to the sign-in page (or, before
the owner exists, to the setup page). API routes answer 401 JSON themselves; webhooks, health and
NiceGUI's own assets stay open."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from services.access import Actor
from services.auth import SESSION_COOKIE, actor_for_session, needs_setup
from services.runtime import Runtime

# Paths anybody may open: sign-in pages, APIs with their own authentication, webhooks, probes, assets.
OPEN_PREFIXES = ("/signin", "/setup", "/rest/", "/api/", "/webhook", "/healthz", "/metrics", "/_nicegui",
                 "/favicon")


def is_open(path: str) -> bool:
    return path.startswith(OPEN_PREFIXES)


def current_actor(request: Request) -> Actor | None:
    runtime: Runtime = request.app.state.runtime
    return actor_for_session(runtime.db, request.cookies.get(SESSION_COOKIE))


class SignInRequired(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if is_open(path) or request.app.state.runtime is None:
            return await call_next(request)
        runtime: Runtime = request.app.state.runtime
        if needs_setup(runtime.db):
            return RedirectResponse("/setup", status_code=303)
        actor = actor_for_session(runtime.db, request.cookies.get(SESSION_COOKIE))
        if actor is None:
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/signin?redirect_to={quote(target)}", status_code=303)
        request.state.actor = actor
        return await call_next(request)
