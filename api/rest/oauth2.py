"""The OAuth2 connect flow: `auth` gives the provider URL for a credential, the provider sends the
browser back to `callback`, which stores the tokens. Both need the signed-in user who owns the
flow (the state is bound to them and to the credential)."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RuntimeDep, SessionActor
from engine.errors import KnotworkError
from services import oauth2

router = APIRouter(prefix="/oauth2-credential")


@router.get("/auth", response_model=None)
def auth(id: Annotated[str, Query(max_length=36)], actor: SessionActor, runtime: RuntimeDep,
         redirect: bool = False) -> dict[str, str] | Response:
    """The provider's authorization URL (JSON), or with `redirect=true` a redirect to it."""
    url = oauth2.start_connection(runtime.db, runtime.settings, runtime.executions.encryption_key, actor, id)
    return RedirectResponse(url, status_code=303) if redirect else {"url": url}


@router.get("/callback", response_class=HTMLResponse)
async def callback(actor: SessionActor, runtime: RuntimeDep,
                   code: Annotated[str, Query(max_length=2048)] = "",
                   state: Annotated[str, Query(max_length=4096)] = "",
                   error: Annotated[str, Query(max_length=200)] = "",
                   error_description: Annotated[str, Query(max_length=1000)] = "") -> HTMLResponse:
    if error:
        return _page(f"The provider refused the connection: {error}"
                     + (f" ({error_description})" if error_description else ""), ok=False)
    if not code or not state:
        return _page("The provider sent no code or state back: start the connection again", ok=False)
    try:
        credential = await oauth2.finish_connection(runtime.db, runtime.settings, runtime.executions.encryption_key,
                                                    actor, code=code, state=state)
    except KnotworkError as problem:
        return _page(str(problem), ok=False)
    return _page(f"The credential '{credential.name}' is connected. You can close this window.", ok=True)


def _page(message: str, *, ok: bool) -> HTMLResponse:
    title = "Connected" if ok else "Not connected"
    body = (f"<!doctype html><html><head><meta charset='utf-8'><title>{title} · Knotwork</title></head>"
            f"<body><h1>{title}</h1><p id='message'>{escape(message)}</p></body></html>")
    return HTMLResponse(body, status_code=200 if ok else 400)
