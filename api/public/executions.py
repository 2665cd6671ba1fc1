"""/executions: list, read, delete, retry and stop executions (n8n's public API, plus stop)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from api.deps import ApiActor, RuntimeDep
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, page
from engine.run_data import iso_ms
from services import execution_access
from services.execution_access import ExecutionView

router = APIRouter(prefix="/executions", tags=["Executions"])

ExecutionId = Annotated[str, Path(description="The execution's id (a number)")]
IncludeData = Annotated[bool, Query(
    description="Include `data` (n8n's run data: resultData.runData) and `workflowData` (the workflow as it ran)")]
Status = Literal["canceled", "crashed", "error", "new", "running", "success", "waiting"]
_MAX_ID = 2**63 - 1


class ExecutionOut(BaseModel):
    id: int
    finished: bool = Field(description="Whether it ended in success (n8n's legacy flag)")
    mode: str = Field(description="What started it: manual, trigger, webhook, retry, integrated (API runs)...")
    status: Status
    retryOf: int | None
    retrySuccessId: int | None
    createdAt: str
    startedAt: str | None
    stoppedAt: str | None
    waitTill: str | None
    workflowId: str
    projectId: str = Field(description="The project it ran in (kept when the workflow moves)")
    data: dict[str, Any] | None = Field(default=None, description="With includeData: {resultData: {runData, "
                                                                  "lastNodeExecuted, error?}}")
    workflowData: dict[str, Any] | None = Field(default=None, description="With includeData: the workflow as it ran")


class ExecutionPage(BaseModel):
    data: list[ExecutionOut]
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class RetryIn(BaseModel):
    loadWorkflow: bool = Field(default=False, description="Run the workflow's current version from the start "
                                                          "instead of resuming the failed run at its failed node")


def execution_json(view: ExecutionView) -> dict[str, Any]:
    execution = view.execution
    answer: dict[str, Any] = {
        "id": execution.id, "finished": execution.status == "success", "mode": execution.mode,
        "status": execution.status, "retryOf": execution.retry_of, "retrySuccessId": execution.retry_success_id,
        "createdAt": iso_ms(execution.created_at), "startedAt": iso_ms(execution.started_at),
        "stoppedAt": iso_ms(execution.stopped_at), "waitTill": iso_ms(execution.wait_till),
        "workflowId": execution.workflow_id, "projectId": execution.project_id,
    }
    if view.document is not None:
        result = {key: view.document.get(key) for key in ("runData", "lastNodeExecuted")}
        if view.document.get("error"):
            result["error"] = view.document["error"]
        answer["data"] = {"resultData": {**result, "runData": result["runData"] or {}}}
        answer["workflowData"] = (view.snapshot or {}).get("workflow")
    return answer


def _before(cursor: str | None) -> int | None:
    """A cursor of this list holds the id of the last execution of the previous page."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    if isinstance(after, bool) or not isinstance(after, int) or not 0 < after <= _MAX_ID:
        raise HTTPException(400, "The cursor is not one this API returned")
    return after


@router.get("", response_model=ExecutionPage, response_model_exclude_unset=True,
            summary="List executions, newest first")
def list_executions(
    runtime: RuntimeDep, actor: ApiActor,
    status: Annotated[Status | None, Query(description="Only executions in this status")] = None,
    workflowId: Annotated[str | None, Query(max_length=64, description="Only executions of this workflow")] = None,
    projectId: Annotated[str | None, Query(max_length=64,
                                           description="Only executions that ran in this project")] = None,
    includeData: IncludeData = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Executions per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=2000, description="`nextCursor` of the previous page")] = None,
) -> dict[str, Any]:
    views = execution_access.list_executions(runtime.db, actor, status=status, workflow_id=workflowId,
                                             project_id=projectId, include_data=includeData,
                                             before_id=_before(cursor), limit=limit)
    rows, next_cursor = page(views, limit, lambda view: view.execution.id)
    return {"data": [execution_json(view) for view in rows], "nextCursor": next_cursor}


@router.get("/{id}", response_model=ExecutionOut, response_model_exclude_unset=True, summary="Get an execution")
def get_execution(id: ExecutionId, runtime: RuntimeDep, actor: ApiActor,
                  includeData: IncludeData = False) -> dict[str, Any]:
    return execution_json(execution_access.get_execution(runtime.db, actor, id, include_data=includeData))


@router.delete("/{id}", response_model=ExecutionOut, response_model_exclude_unset=True,
               summary="Delete an execution and its data; answers the deleted execution",
               responses={400: {"description": "The execution is running: stop it first"}})
def delete_execution(id: ExecutionId, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return execution_json(execution_access.delete_execution(runtime.db, actor, id))


@router.post("/{id}/retry", response_model=ExecutionOut, response_model_exclude_unset=True,
             summary="Retry a failed execution; answers the new execution",
             responses={409: {"description": "The execution did not fail"}})
def retry_execution(id: ExecutionId, runtime: RuntimeDep, actor: ApiActor,
                    body: RetryIn | None = None) -> dict[str, Any]:
    load_workflow = body.loadWorkflow if body is not None else False
    return execution_json(execution_access.retry_execution(runtime, actor, id, load_workflow=load_workflow))


@router.post("/{id}/stop", response_model=ExecutionOut, response_model_exclude_unset=True,
             summary="Stop a queued or running execution; answers it once it stopped",
             responses={409: {"description": "The execution is not queued or running"}})
async def stop_execution(id: ExecutionId, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return execution_json(await execution_access.stop_execution(runtime, actor, id))

