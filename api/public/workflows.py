"""/workflows: n8n's public workflow API (list, create, read, update, delete, activate, deactivate,
transfer, tags) plus sharing and running a workflow with input items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ApiActor, RuntimeDep
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, page
from engine.run_data import iso_ms
from services import execution_access, workflow_access
from services.execution_access import MAX_RUN_WAIT
from services.workflow_access import WorkflowView
from services.workflow_json import NAME_MAX, workflow_to_json

from .executions import ExecutionOut, execution_json
from .tags import TagOut, tag_json

router = APIRouter(prefix="/workflows", tags=["Workflows"])

WorkflowId = Annotated[str, Path(description="The workflow's id")]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters
ExcludePinnedData = Annotated[bool, Query(description="Leave `pinData` out of the answer")]
ProjectIdQuery = Annotated[str | None, Query(max_length=64, description="The project to create the workflow in "
                                                                        "(default: your personal project)")]


# --- request bodies -------------------------------------------------------------------------------

class NodeIn(BaseModel):
    """A node as n8n writes it; fields not listed here are kept as they are."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1, max_length=256)
    type: str = Field(min_length=1, max_length=256, examples=["n8n-nodes-base.set"])
    typeVersion: int | float = 1
    position: list[int | float] = Field(default=[0, 0], min_length=2, max_length=2)
    parameters: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None
    credentials: dict[str, Any] | None = None
    disabled: bool | None = None
    onError: str | None = Field(default=None,
                                description="stopWorkflow | continueRegularOutput | continueErrorOutput")
    retryOnFail: bool | None = None
    maxTries: int | None = None
    waitBetweenTries: int | None = None
    alwaysOutputData: bool | None = None
    executeOnce: bool | None = None
    notes: str | None = None
    webhookId: str | None = None


class ConnectionIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    node: str = Field(description="The target node's name")
    type: str = "main"
    index: int = Field(default=0, ge=0, description="The target node's input")


class WorkflowIn(BaseModel):
    """n8n's workflow JSON. Read-only fields an answer shows (id, active, tags, ...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=NAME_MAX)
    nodes: list[NodeIn] = Field(max_length=5000)
    connections: dict[str, dict[str, list[list[ConnectionIn] | None]]] = Field(
        description="Keyed by source node name, then connection type; one list of targets per output")
    settings: dict[str, Any] | None = Field(default=None, description="Default for a new workflow: "
                                                                      '{"executionOrder": "v1"}')
    staticData: dict[str, Any] | None = None
    pinData: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None


class NewWorkflowIn(WorkflowIn):
    projectId: str | None = Field(default=None, max_length=64,
                                  description="The project to create it in (same as the projectId query parameter)")


class TransferIn(BaseModel):
    destinationProjectId: str = Field(min_length=1, max_length=64)


class ShareIn(BaseModel):
    projectIds: list[Annotated[str, Field(max_length=64)]] = Field(
        max_length=100, description="Exactly the projects to share the workflow with as editor (empty: none)")


class TagIdIn(BaseModel):
    id: str = Field(max_length=64)


class RunIn(BaseModel):
    items: list[dict[str, Any]] | None = Field(
        default=None, max_length=10_000,
        description="Input items: each the json of an item (or n8n's {json, binary}); null: one empty item")
    wait: bool = Field(default=False, description="Wait for the execution to end and answer its result")
    timeoutSeconds: float = Field(default=60.0, gt=0, le=MAX_RUN_WAIT,
                                  description="How long to wait; after it the answer is 202 with the executionId")


# --- answers --------------------------------------------------------------------------------------

class ProjectRef(BaseModel):
    id: str
    name: str
    type: str


class ShareOut(BaseModel):
    projectId: str
    role: str = Field(description="workflow:owner or workflow:editor")
    project: ProjectRef
    createdAt: str
    updatedAt: str


class WorkflowOut(BaseModel):
    id: str
    name: str
    active: bool
    isArchived: bool
    nodes: list[dict[str, Any]]
    connections: dict[str, Any]
    settings: dict[str, Any]
    staticData: dict[str, Any]
    pinData: dict[str, Any] | None = Field(default=None, description="Left out with excludePinnedData")
    meta: dict[str, Any]
    versionId: str
    tags: list[TagOut]
    shared: list[ShareOut]
    createdAt: str
    updatedAt: str


class WorkflowPage(BaseModel):
    data: list[WorkflowOut]
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class RunStarted(BaseModel):
    executionId: int


class RunResult(ExecutionOut):
    executionId: int
    error: str | None = Field(description="Why it failed, if it did")
    output: list[dict[str, Any]] | None = Field(
        description="The json of the items the last node put out (null when the run data was not saved)")


def workflow_json(view: WorkflowView, exclude_pinned_data: bool = False) -> dict[str, Any]:
    answer = workflow_to_json(view.workflow)
    answer["tags"] = [tag_json(tag) for tag in view.tags]
    answer["shared"] = [{"projectId": share.project_id, "role": f"workflow:{share.role}",
                         "project": {"id": share.project_id, "name": share.project_name, "type": share.project_type},
                         "createdAt": iso_ms(share.created_at), "updatedAt": iso_ms(share.updated_at)}
                        for share in view.shares]
    if exclude_pinned_data:
        del answer["pinData"]
    return answer


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    """A cursor of this list holds [createdAt, id] of the last workflow of the previous page."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    try:
        created, workflow_id = after
        parsed = datetime.fromisoformat(created)
        if parsed.utcoffset() is None or not workflow_access.is_id(workflow_id):
            raise ValueError
        moment = parsed.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise HTTPException(400, "The cursor is not one this API returned") from None
    return moment, workflow_id


# --- routes ---------------------------------------------------------------------------------------

@router.get("", response_model=WorkflowPage, response_model_exclude_unset=True,
            summary="List the workflows you may read, newest first")
def list_workflows(
    runtime: RuntimeDep, actor: ApiActor,
    active: Annotated[bool | None, Query(description="Only active (true) or inactive (false) workflows")] = None,
    tags: Annotated[str | None, Query(max_length=2000, pattern=NO_NUL,
                                      description="Comma-separated tag names: workflows with any of them")] = None,
    name: Annotated[str | None, Query(max_length=NAME_MAX, pattern=NO_NUL,
                                      description="Part of the name, ignoring case")] = None,
    projectId: Annotated[str | None, Query(max_length=64,
                                           description="Workflows owned by or shared with this project")] = None,
    excludePinnedData: ExcludePinnedData = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Workflows per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=2000, description="`nextCursor` of the previous page")] = None,
) -> dict[str, Any]:
    views = workflow_access.list_workflows(runtime.db, actor, active=active, tags=(tags or "").split(","),
                                           name=name, project_id=projectId, after=_after(cursor), limit=limit)
    rows, next_cursor = page(views, limit, lambda view: [view.workflow.created_at.isoformat(), view.workflow.id])
    return {"data": [workflow_json(view, excludePinnedData) for view in rows], "nextCursor": next_cursor}


@router.post("", response_model=WorkflowOut, summary="Create a workflow (inactive)")
def create_workflow(body: NewWorkflowIn, runtime: RuntimeDep, actor: ApiActor,
                    projectId: ProjectIdQuery = None) -> dict[str, Any]:
    if projectId is not None and body.projectId is not None and projectId != body.projectId:
        raise HTTPException(400, "projectId differs between the query and the body")
    data = body.model_dump(exclude_unset=True, exclude={"projectId"})
    return workflow_json(workflow_access.create_workflow(runtime, actor, data, projectId or body.projectId))


@router.get("/{id}", response_model=WorkflowOut, response_model_exclude_unset=True, summary="Get a workflow")
def get_workflow(id: WorkflowId, runtime: RuntimeDep, actor: ApiActor,
                 excludePinnedData: ExcludePinnedData = False) -> dict[str, Any]:
    return workflow_json(workflow_access.get_workflow(runtime.db, actor, id), excludePinnedData)


@router.put("/{id}", response_model=WorkflowOut, summary="Update a workflow (saves a new version)")
def update_workflow(id: WorkflowId, body: WorkflowIn, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return workflow_json(workflow_access.update_workflow(runtime, actor, id, body.model_dump(exclude_unset=True)))


@router.delete("/{id}", response_model=WorkflowOut, summary="Delete a workflow and its executions; answers it")
def delete_workflow(id: WorkflowId, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return workflow_json(workflow_access.delete_workflow(runtime.db, actor, id))


@router.post("/{id}/activate", response_model=WorkflowOut, summary="Activate a workflow",
             responses={400: {"description": "It has no trigger that starts it on its own, or it is archived"}})
def activate_workflow(id: WorkflowId, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return workflow_json(workflow_access.activate_workflow(runtime, actor, id))


@router.post("/{id}/deactivate", response_model=WorkflowOut, summary="Deactivate a workflow")
def deactivate_workflow(id: WorkflowId, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return workflow_json(workflow_access.deactivate_workflow(runtime.db, actor, id))


@router.put("/{id}/transfer", status_code=204, response_class=Response,
            summary="Move the workflow to another project (its executions stay where they ran)")
def transfer_workflow(id: WorkflowId, body: TransferIn, runtime: RuntimeDep, actor: ApiActor) -> Response:
    workflow_access.transfer_workflow(runtime.db, actor, id, body.destinationProjectId)
    return Response(status_code=204)


@router.put("/{id}/share", response_model=WorkflowOut, summary="Share the workflow with projects as editor")
def share_workflow(id: WorkflowId, body: ShareIn, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return workflow_json(workflow_access.share_workflow(runtime.db, actor, id, body.projectIds))


@router.get("/{id}/tags", response_model=list[TagOut], summary="The workflow's tags")
def get_workflow_tags(id: WorkflowId, runtime: RuntimeDep, actor: ApiActor) -> list[dict[str, Any]]:
    return [tag_json(tag) for tag in workflow_access.get_workflow_tags(runtime.db, actor, id)]


@router.put("/{id}/tags", response_model=list[TagOut], summary="Set the workflow's tags (by id)")
def set_workflow_tags(id: WorkflowId, body: Annotated[list[TagIdIn], Body(max_length=1000)], runtime: RuntimeDep,
                      actor: ApiActor) -> list[dict[str, Any]]:
    tags = workflow_access.set_workflow_tags(runtime.db, actor, id, [tag.id for tag in body])
    return [tag_json(tag) for tag in tags]


@router.post("/{id}/run", status_code=202, response_model=RunStarted,
             summary="Run the workflow with input items; with wait, answer its result",
             responses={200: {"model": RunResult, "description": "It ended (wait: true)"},
                        202: {"model": RunStarted,
                              "description": "It started (and, with wait, did not end in time)"}})
async def run_workflow(id: WorkflowId, runtime: RuntimeDep, actor: ApiActor,
                       body: RunIn | None = None) -> JSONResponse:
    body = body or RunIn()
    outcome = await execution_access.run_workflow(runtime, actor, id, body.items, wait=body.wait,
                                                  timeout=body.timeoutSeconds)
    if outcome.finished is None:
        return JSONResponse(RunStarted(executionId=outcome.execution_id).model_dump(), status_code=202)
    view = outcome.finished
    result = RunResult(**execution_json(view), executionId=outcome.execution_id,
                       error=view.execution.error_message, output=view.output)
    return JSONResponse(result.model_dump(mode="json", exclude={"data", "workflowData"}), status_code=200)
