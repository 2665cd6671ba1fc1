"""Setup, sign-in, sign-out, the current user, password change and invitations.

Sign-in accepts JSON (answers JSON) and an HTML form post (answers a redirect), so the sign-in
page works as a plain form: the browser stores the HttpOnly cookie itself, no script touches it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from api.deps import RuntimeDep, SessionActor, client_ip
from api.errors import knotwork_error_response
from engine.errors import KnotworkError
from models import User
from services import auth
from services.access import Actor

router = APIRouter()


class SignInBody(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class SetupBody(SignInBody):
    firstName: str = Field(default="", max_length=100)
    lastName: str = Field(default="", max_length=100)


class AcceptBody(BaseModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)
    firstName: str = Field(default="", max_length=100)
    lastName: str = Field(default="", max_length=100)


class PasswordBody(BaseModel):
    currentPassword: str = Field(max_length=1024)
    newPassword: str = Field(max_length=1024)


def user_json(user: User | Actor) -> dict[str, Any]:
    if isinstance(user, Actor):
        return {"id": user.user_id, "email": user.email, "role": user.role}
    return {"id": user.id, "email": user.email, "firstName": user.first_name, "lastName": user.last_name,
            "role": user.role}


def set_session_cookie(response: Response, request: Request, signed_in: auth.SignedIn) -> None:
    response.set_cookie(auth.SESSION_COOKIE, signed_in.token, max_age=int(signed_in.expires_in.total_seconds()),
                        httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")


async def _body(request: Request) -> tuple[dict[str, Any], bool]:
    """The request's fields and whether it came from an HTML form."""
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/")):
        form = await request.form()
        return {key: str(value) for key, value in form.items()}, True
    try:
        data = await request.json()
    except ValueError:
        data = None
    return (data if isinstance(data, dict) else {}), False


@router.get("/setup")
def setup_status(runtime: RuntimeDep) -> dict[str, bool]:
    return {"needsSetup": auth.needs_setup(runtime.db)}


@router.post("/setup")
def set_up(body: SetupBody, request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Create the owner on first start, and sign them in."""
    user = auth.set_up_owner(runtime.db, body.email, body.password, first_name=body.firstName,
                             last_name=body.lastName)
    signed_in = auth.sign_in(runtime.db, runtime.settings, body.email, body.password, ip=client_ip(request),
                             user_agent=request.headers.get("user-agent", ""))
    response = JSONResponse(user_json(user))
    set_session_cookie(response, request, signed_in)
    return response


@router.post("/login", response_model=None)
async def sign_in(request: Request, runtime: RuntimeDep) -> Response:
    fields, from_form = await _body(request)
    email, password = str(fields.get("email", ""))[:254], str(fields.get("password", ""))[:1024]
    redirect_to = _local_path(str(fields.get("redirect_to", "/")))
    try:
        if not email or not password:
            raise auth.SignInError("Enter your email and password")
        signed_in = auth.sign_in(runtime.db, runtime.settings, email, password, ip=client_ip(request),
                                 user_agent=request.headers.get("user-agent", ""))
    except KnotworkError as error:
        if from_form:
            return RedirectResponse(f"/signin?error={quote(str(error))}&redirect_to={quote(redirect_to)}",
                                    status_code=303)
        return knotwork_error_response(error)
    response: Response = (RedirectResponse(redirect_to, status_code=303) if from_form
                          else JSONResponse(user_json(signed_in.user)))
    set_session_cookie(response, request, signed_in)
    return response


@router.post("/logout", response_model=None)
async def sign_out(request: Request, runtime: RuntimeDep) -> Response:
    auth.sign_out(runtime.db, request.cookies.get(auth.SESSION_COOKIE))
    _, from_form = await _body(request)
    response: Response = RedirectResponse("/signin", status_code=303) if from_form else JSONResponse({"ok": True})
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.get("/me")
def me(actor: SessionActor, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.db.session() as session:
        return user_json(session.get_one(User, actor.user_id))


@router.post("/me/password")
def change_password(body: PasswordBody, actor: SessionActor, runtime: RuntimeDep) -> JSONResponse:
    """Change your own password; every session (this one too) ends, so sign in again."""
    auth.change_password(runtime.db, actor, body.currentPassword, body.newPassword)
    response = JSONResponse({"ok": True})
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.get("/invitations/{token}")
def invitation(token: Annotated[str, Field(max_length=200)], runtime: RuntimeDep) -> dict[str, str]:
    found = auth.pending_invitation(runtime.db, token)
    return {"email": found.email, "role": found.role}


@router.post("/invitations/accept")
def accept(body: AcceptBody, request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Become a user through an invitation link, and be signed in."""
    user = auth.accept_invitation(runtime.db, body.token, body.password, first_name=body.firstName,
                                  last_name=body.lastName)
    signed_in = auth.sign_in(runtime.db, runtime.settings, user.email, body.password, ip=client_ip(request))
    response = JSONResponse(user_json(user))
    set_session_cookie(response, request, signed_in)
    return response


def _local_path(path: str) -> str:
    """Only redirect within this site: an absolute or protocol-relative URL becomes "/"."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"



