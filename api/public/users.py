"""/users: n8n's user endpoints: list, read, invite, delete, change role. Roles are n8n's names
(global:owner, global:admin, global:member)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api.deps import ApiActor, RuntimeDep
from api.pagination import DEFAULT_LIMIT, page
from models import User
from services import users

from .credentials import ID_PATTERN, Cursor, Id, Limit, Timestamp, id_cursor

router = APIRouter(prefix="/users", tags=["User"])

UserId = Annotated[str, Path(pattern=ID_PATTERN, description="The user's id")]


class UserJson(BaseModel):
    id: str
    email: str
    firstName: str
    lastName: str
    isPending: bool = False
    createdAt: Timestamp
    updatedAt: Timestamp
    role: str | None = Field(default=None, exclude_if=lambda role: role is None,
                             description="global:owner, global:admin or global:member (with includeRole=true)")


class UserPage(BaseModel):
    data: list[UserJson]
    nextCursor: str | None


class InviteBody(BaseModel):
    email: str = Field(max_length=254)
    role: str = Field(default="global:member", max_length=50, description="global:admin or global:member")


class InvitedUser(BaseModel):
    id: str | None = Field(description="The invitation's id (null when it could not be made)")
    email: str
    inviteAcceptUrl: str | None
    emailSent: bool


class InviteAnswer(BaseModel):
    user: InvitedUser
    error: str | None = Field(description="Why this email could not be invited; null when it was")


class RoleBody(BaseModel):
    newRoleName: str = Field(max_length=50, description="global:admin or global:member")


def user_json(user: User, *, include_role: bool = True) -> UserJson:
    return UserJson(id=user.id, email=user.email, firstName=user.first_name, lastName=user.last_name,
                    createdAt=user.created_at, updatedAt=user.updated_at,
                    role=f"global:{user.role}" if include_role else None)


@router.get("", response_model=UserPage)
def list_users(actor: ApiActor, runtime: RuntimeDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
               includeRole: bool = False,
               projectId: Annotated[str | None, Query(pattern=ID_PATTERN)] = None) -> UserPage:
    """Every user (or the members of one project)."""
    rows = users.list_users(runtime.db, actor, project_id=projectId, after=id_cursor(cursor), limit=limit + 1)
    rows, next_cursor = page(rows, limit, lambda user: user.id)
    return UserPage(data=[user_json(user, include_role=includeRole) for user in rows], nextCursor=next_cursor)


@router.post("", response_model=list[InviteAnswer])
def invite_users(body: Annotated[list[InviteBody], Field(min_length=1, max_length=100)], actor: ApiActor,
                 runtime: RuntimeDep) -> list[InviteAnswer]:
    """Invite people by email: each gets an invitation link (emailed when SMTP is set up)."""
    outcomes = users.invite_users(runtime.db, runtime.settings, actor, [(item.email, item.role) for item in body])
    return [InviteAnswer(user=InvitedUser(id=outcome.invitation_id or None, email=outcome.email,
                                          inviteAcceptUrl=outcome.url or None, emailSent=outcome.emailed),
                         error=outcome.error or None)
            for outcome in outcomes]


@router.get("/{id}", response_model=UserJson)
def get_user(id: Annotated[str, Path(pattern=r"^[^\x00]{1,254}$", description="The user's id or email")],
             actor: ApiActor, runtime: RuntimeDep, includeRole: bool = False) -> UserJson:
    return user_json(users.get_user(runtime.db, actor, id), include_role=includeRole)


@router.delete("/{id}", status_code=204, response_class=Response)
def delete_user(id: UserId, actor: ApiActor, runtime: RuntimeDep,
                transferId: Annotated[Id | None, Query(pattern=ID_PATTERN, description=(
                    "A user (their personal project) or a project to give the deleted user's workflows and "
                    "credentials to; without it they are deleted"))] = None) -> Response:
    users.delete_user(runtime.db, actor, id, transfer_to=transferId)
    return Response(status_code=204)


@router.patch("/{id}/role", status_code=204, response_class=Response)
def change_role(id: UserId, body: RoleBody, actor: ApiActor, runtime: RuntimeDep) -> Response:
    """Make a user an admin or a member (only the owner makes or unmakes admins)."""
    users.change_role(runtime.db, actor, id, body.newRoleName)
    return Response(status_code=204)
