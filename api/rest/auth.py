"""Setup, sign-in, sign-out, the current user, password change and invitations.

Sign-in accepts JSON (answers JSON) and an HTML form post (answers a redirect), so the sign-in
page works as a plain form: the browser stores the HttpOnly cookie itself, no script touches it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field, ValidationError

from api.deps import RuntimeDep, SessionActor, client_ip
from api.errors import knotwork_error_response
from engine.errors import KnotworkError
from models import User
from services import auth, users
from services.access import Actor
from services.runtime import Runtime
from services.users import UserError

router = APIRouter()
BodyT = TypeVar("BodyT", bound=BaseModel)


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


@router.post("/setup", response_model=None)
async def set_up(request: Request, runtime: RuntimeDep) -> Response:
    """Create the owner on first start, and sign them in (JSON, or the setup page's form)."""
    fields, from_form = await _body(request)

    def work() -> tuple[User, auth.SignedIn]:
        body = _parse(SetupBody, fields)
        user = auth.set_up_owner(runtime.db, body.email, body.password, first_name=body.firstName,
                                 last_name=body.lastName)
        return user, _open_session(request, runtime, body.email, body.password)

    return await _answer(request, work, from_form, success_to="/", failure_to="/setup")


@router.post("/login", response_model=None)
async def sign_in(request: Request, runtime: RuntimeDep) -> Response:
    """Sign in with email and password (JSON, or the sign-in page's form). 401 wrong, 429 throttled."""
    fields, from_form = await _body(request)
    redirect_to = _local_path(str(fields.get("redirect_to", "/")))

    def work() -> tuple[User, auth.SignedIn]:
        body = _parse(SignInBody, fields)
        signed_in = _open_session(request, runtime, body.email, body.password)
        return signed_in.user, signed_in

    return await _answer(request, work, from_form, success_to=redirect_to,
                         failure_to=f"/signin?redirect_to={quote(redirect_to)}")


@router.post("/logout", response_model=None)
async def sign_out(request: Request, runtime: RuntimeDep) -> Response:
    await run_in_threadpool(auth.sign_out, runtime.db, request.cookies.get(auth.SESSION_COOKIE))
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


class ResetBody(BaseModel):
    password: str = Field(max_length=1024)


@router.post("/users/{user_id}/password")
def reset_password(user_id: Annotated[str, Field(max_length=36)], body: ResetBody, actor: SessionActor,
                   runtime: RuntimeDep) -> dict[str, bool]:
    """The owner (or an admin, for members) sets someone's new password; their sessions end."""
    users.reset_password(runtime.db, actor, user_id, body.password)
    return {"ok": True}


@router.get("/invitations/{token}")
def invitation(token: Annotated[str, Field(max_length=200)], runtime: RuntimeDep) -> dict[str, str]:
    found = auth.pending_invitation(runtime.db, token)
    return {"email": found.email, "role": found.role}


@router.post("/invitations/accept", response_model=None)
async def accept(request: Request, runtime: RuntimeDep) -> Response:
    """Become a user through an invitation link, and be signed in (JSON, or the invitation page's form)."""
    fields, from_form = await _body(request)

    def work() -> tuple[User, auth.SignedIn]:
        body = _parse(AcceptBody, fields)
        user = auth.accept_invitation(runtime.db, body.token, body.password, first_name=body.firstName,
                                      last_name=body.lastName)
        return user, _open_session(request, runtime, user.email, body.password)

    token = quote(str(fields.get("token", ""))[:200])
    return await _answer(request, work, from_form, success_to="/", failure_to=f"/signin/invite?token={token}")


class FormError(KnotworkError):
    status = 422
    code = "invalid_request"


def _parse(model: type[BodyT], fields: dict[str, Any]) -> BodyT:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise FormError(f"{where}: {first.get('msg', 'invalid')}") from None


def _open_session(request: Request, runtime: Runtime, email: str, password: str) -> auth.SignedIn:
    return auth.sign_in(runtime.db, runtime.settings, email, password, ip=client_ip(request),
                        user_agent=request.headers.get("user-agent", ""))


async def _answer(request: Request, work: Callable[[], tuple[User, auth.SignedIn]], from_form: bool, *,
                  success_to: str, failure_to: str) -> Response:
    """Run `work` off the event loop; answer JSON, or for a form a redirect (with the error shown)."""
    try:
        user, signed_in = await run_in_threadpool(work)
    except (KnotworkError, UserError) as error:
        if from_form:
            joiner = "&" if "?" in failure_to else "?"
            return RedirectResponse(f"{failure_to}{joiner}error={quote(str(error))}", status_code=303)
        if isinstance(error, UserError):
            return JSONResponse({"code": "invalid_user", "message": str(error)}, status_code=400)
        return knotwork_error_response(error)
    response: Response = RedirectResponse(success_to, status_code=303) if from_form else JSONResponse(user_json(user))
    set_session_cookie(response, request, signed_in)
    return response


def _local_path(path: str) -> str:
    """Only redirect within this site: an absolute or protocol-relative URL becomes "/"."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"



