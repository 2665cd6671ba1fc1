"""/projects: n8n's project endpoints (team projects and their members), plus the member list.
Project roles are n8n's names: project:admin, project:editor, project:viewer (the prefix is optional)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api.deps import ApiActor, RuntimeDep
from api.pagination import DEFAULT_LIMIT, page
from models import Project
from services import projects
from services.projects import Member

from .credentials import ID_PATTERN, Cursor, Id, Limit, id_cursor

router = APIRouter(prefix="/projects", tags=["Projects"])

ProjectId = Annotated[str, Path(pattern=ID_PATTERN, description="The project's id")]
UserId = Annotated[str, Path(pattern=ID_PATTERN, description="The user's id")]


class ProjectJson(BaseModel):
    id: str
    name: str
    type: Literal["personal", "team"]


class ProjectPage(BaseModel):
    data: list[ProjectJson]
    nextCursor: str | None


class ProjectBody(BaseModel):
    name: str = Field(min_length=1, max_length=255)


class Relation(BaseModel):
    userId: Id
    role: str = Field(max_length=50, description="project:admin, project:editor or project:viewer")


class RelationsBody(BaseModel):
    relations: list[Relation] = Field(min_length=1, max_length=100)


class RoleBody(BaseModel):
    role: str = Field(max_length=50, description="project:admin, project:editor or project:viewer")


class MemberJson(BaseModel):
    id: str
    email: str
    firstName: str
    lastName: str
    role: str = Field(description="project:personalOwner, project:admin, project:editor or project:viewer")


class MemberPage(BaseModel):
    data: list[MemberJson]
    nextCursor: str | None = None


def project_json(project: Project) -> ProjectJson:
    return ProjectJson(id=project.id, name=project.name, type=project.type)  # type: ignore[arg-type]


def member_json(member: Member) -> MemberJson:
    user = member.user
    return MemberJson(id=user.id, email=user.email, firstName=user.first_name, lastName=user.last_name,
                      role=f"project:{member.role}")


@router.get("", response_model=ProjectPage)
def list_projects(actor: ApiActor, runtime: RuntimeDep, limit: Limit = DEFAULT_LIMIT,
                  cursor: Cursor = None) -> ProjectPage:
    """The projects you are a member of (owners and admins: every project)."""
    rows = projects.list_projects(runtime.db, actor, after=id_cursor(cursor), limit=limit + 1)
    rows, next_cursor = page(rows, limit, lambda project: project.id)
    return ProjectPage(data=[project_json(project) for project in rows], nextCursor=next_cursor)


@router.post("", status_code=201, response_model=ProjectJson)
def create_project(body: ProjectBody, actor: ApiActor, runtime: RuntimeDep) -> ProjectJson:
    """A team project; you become its admin."""
    return project_json(projects.create_project(runtime.db, actor, body.name))


@router.put("/{projectId}", status_code=204, response_class=Response)
def rename_project(projectId: ProjectId, body: ProjectBody, actor: ApiActor, runtime: RuntimeDep) -> Response:
    projects.rename_project(runtime.db, actor, projectId, body.name)
    return Response(status_code=204)


@router.delete("/{projectId}", status_code=204, response_class=Response)
def delete_project(projectId: ProjectId, actor: ApiActor, runtime: RuntimeDep,
                   transferId: Annotated[Id | None, Query(pattern=ID_PATTERN, description=(
                       "A project to give the workflows and credentials to; without it they are deleted"))] = None,
                   ) -> Response:
    """Delete a team project with everything in it (or move its workflows and credentials first)."""
    projects.delete_project(runtime.db, actor, projectId, transfer_to=transferId)
    return Response(status_code=204)


@router.get("/{projectId}/users", response_model=MemberPage)
def list_members(projectId: ProjectId, actor: ApiActor, runtime: RuntimeDep) -> MemberPage:
    """The members of a project and their roles."""
    return MemberPage(data=[member_json(member) for member in projects.list_members(runtime.db, actor, projectId)])


@router.post("/{projectId}/users", status_code=201, response_class=Response)
def add_members(projectId: ProjectId, body: RelationsBody, actor: ApiActor, runtime: RuntimeDep) -> Response:
    """Add users to a team project (one already in it gets the new role)."""
    projects.add_members(runtime.db, actor, projectId, [(item.userId, item.role) for item in body.relations])
    return Response(status_code=201)


@router.patch("/{projectId}/users/{userId}", status_code=204, response_class=Response)
def change_member_role(projectId: ProjectId, userId: UserId, body: RoleBody, actor: ApiActor,
                       runtime: RuntimeDep) -> Response:
    projects.change_member_role(runtime.db, actor, projectId, userId, body.role)
    return Response(status_code=204)


@router.delete("/{projectId}/users/{userId}", status_code=204, response_class=Response)
def remove_member(projectId: ProjectId, userId: UserId, actor: ApiActor, runtime: RuntimeDep) -> Response:
    projects.remove_member(runtime.db, actor, projectId, userId)
    return Response(status_code=204)
