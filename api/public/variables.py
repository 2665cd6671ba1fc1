"""/variables: n8n's variable endpoints, with project variables (`projectId`) as in n8n 2.x."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api.deps import ApiActor, RuntimeDep
from api.pagination import DEFAULT_LIMIT, page
from services import variables
from services.variables import KEEP, VariableView

from .credentials import ID_PATTERN, Cursor, Id, Limit, id_cursor

router = APIRouter(prefix="/variables", tags=["Variables"])

VariableId = Annotated[str, Path(pattern=ID_PATTERN, description="The variable's id")]


class VariableProject(BaseModel):
    id: str
    name: str


class VariableJson(BaseModel):
    id: str
    key: str
    value: str
    type: Literal["string"] = "string"
    project: VariableProject | None = Field(description="The project it belongs to; null for a global variable")


class VariablePage(BaseModel):
    data: list[VariableJson]
    nextCursor: str | None


class VariableBody(BaseModel):
    key: str = Field(description="Letters, digits and underscores, at most 50 characters")
    value: str = Field(description="At most 1000 characters")
    projectId: Id | None = Field(default=None, description="A project's id for a project variable; "
                                                           "leave out (or null) for a global one")


def variable_json(view: VariableView) -> VariableJson:
    project = VariableProject(id=view.project.id, name=view.project.name) if view.project else None
    return VariableJson(id=view.variable.id, key=view.variable.key, value=view.variable.value, project=project)


@router.get("", response_model=VariablePage)
def list_variables(actor: ApiActor, runtime: RuntimeDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
                   projectId: Annotated[str | None, Query(pattern=ID_PATTERN)] = None) -> VariablePage:
    """The global variables and those of the projects you read in."""
    views = variables.list_variables(runtime.db, actor, project_id=projectId, after=id_cursor(cursor),
                                     limit=limit + 1)
    rows, next_cursor = page(views, limit, lambda view: view.variable.id)
    return VariablePage(data=[variable_json(view) for view in rows], nextCursor=next_cursor)


@router.post("", status_code=201, response_model=VariableJson,
             responses={409: {"description": "A variable with this key exists in that scope"}})
def create_variable(body: VariableBody, actor: ApiActor, runtime: RuntimeDep) -> VariableJson:
    """A global variable (owners and admins) or a project one (project admins)."""
    return variable_json(variables.create_variable(runtime.db, actor, key=body.key, value=body.value,
                                                   project_id=body.projectId))


@router.put("/{id}", status_code=204, response_class=Response,
            responses={409: {"description": "Another variable has this key in that scope"}})
def update_variable(id: VariableId, body: VariableBody, actor: ApiActor, runtime: RuntimeDep) -> Response:
    """Change a variable's key and value; a `projectId` (or null) in the body moves it."""
    project_id = body.projectId if "projectId" in body.model_fields_set else KEEP
    variables.update_variable(runtime.db, actor, id, key=body.key, value=body.value, project_id=project_id)
    return Response(status_code=204)


@router.delete("/{id}", status_code=204, response_class=Response)
def delete_variable(id: VariableId, actor: ApiActor, runtime: RuntimeDep) -> Response:
    variables.delete_variable(runtime.db, actor, id)
    return Response(status_code=204)
