"""Execution use cases as a user: run a workflow with input items (and wait for its result), list,
read, delete, retry and stop executions. Rights follow the workflow (services.access); every
function takes the acting `Actor`.

    KnotworkError
    └── ExecutionError         the execution cannot do that now (400)
        └── ExecutionConflict  its status forbids it: retry a success, stop a finished one (409)
Unknown executions and workflows raise access.NotFound; missing rights access.AccessDenied.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from engine.errors import KnotworkError
from engine.workflow import parse_workflow
from models import Execution
from models.db import Database
from models.executions import FINISHED
from models.repositories import list_executions as list_execution_rows
from models.repositories import load_execution_data

from .access import AccessDenied, Actor, NotFound, readable_workflows, require_execution
from .events import EXECUTIONS
from .executions import RETRYABLE
from .workflow_access import check_storable, is_id, require_workflow_id
from .workflow_json import workflow_to_json
from .workflows import get_executable_workflow

if TYPE_CHECKING:
    from .runtime import Runtime

# Runs started through the API use n8n's "integrated" mode, the mode of a workflow started by a
# caller rather than by its own trigger (n8n: by another workflow). Like every production mode it
# ignores pinned data, answers $execution.mode "production" and saves data per the production
# settings; "manual" would do none of that, and a new mode would need every reader of modes to learn it.
RUN_MODE = "integrated"
MAX_RUN_WAIT = 300.0  # seconds a caller may wait for a run's result
STOP_WAIT = 10.0  # seconds a stop request waits for the execution to end
_POLL_EVERY = 0.5  # seconds between looks at the row when no "finished" event arrives (lost pub/sub)
_MAX_EXECUTION_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


class ExecutionError(KnotworkError):
    status = 400
    code = "bad_execution_request"


class ExecutionConflict(ExecutionError):
    status = 409
    code = "conflict"


@dataclass(frozen=True)
class ExecutionView:
    """An execution row, with its workflow snapshot and run data document when they were asked for."""

    execution: Execution
    snapshot: dict[str, Any] | None = None
    document: dict[str, Any] | None = None

    @property
    def output(self) -> list[dict[str, Any]] | None:
        """The json of the items the last node run put out on its first output (None: no run data)."""
        if not self.document or not self.document.get("runData"):
            return None
        runs = self.document["runData"].get(self.document.get("lastNodeExecuted") or "") or [{}]
        main = (runs[-1].get("data") or {}).get("main") or [[]]
        return [item.get("json", {}) for item in main[0] or []]


@dataclass(frozen=True)
class RunOutcome:
    """A started run: `finished` holds the execution once it ended (or is waiting), if the caller waited."""

    execution_id: int
    finished: ExecutionView | None = None


# --- running --------------------------------------------------------------------------------------

async def run_workflow(runtime: Runtime, actor: Actor, workflow_id: str, items: list[dict[str, Any]] | None,
                       *, wait: bool = False, timeout: float = 60.0) -> RunOutcome:
    """Start the workflow's current version (needs workflow:execute) with these input items (each an
    item's json, or n8n's {json, binary} item; None: one empty item). With `wait`, wait up to
    `timeout` seconds (at most MAX_RUN_WAIT) for it to end. Raises NotFound, AccessDenied,
    WorkflowArchived, WorkflowValidationError (items that cannot be stored)."""
    execution_id = await asyncio.to_thread(_start_run, runtime, actor, workflow_id, items)
    if not wait:
        return RunOutcome(execution_id)
    view = await wait_for_execution(runtime, execution_id, min(max(timeout, 0.0), MAX_RUN_WAIT))
    ended = view is not None and _has_ended(view.execution)
    return RunOutcome(execution_id, view if ended else None)


def _start_run(runtime: Runtime, actor: Actor, workflow_id: str, items: list[dict[str, Any]] | None) -> int:
    check_storable(items, "items")
    with runtime.db.session() as session:
        workflow = require_workflow_id(session, actor, workflow_id, "workflow:execute")
        get_executable_workflow(session, workflow.id)  # raises WorkflowArchived
        document, project_id = workflow_to_json(workflow), workflow.project_id
    return runtime.executions.start(document, workflow_id=workflow_id, project_id=project_id, mode=RUN_MODE,
                                    start_items=items)


def start_manual_run(runtime: Runtime, actor: Actor, workflow_id: str, document: dict[str, Any], *,
                     destination_node: str | None = None, previous_run_data: dict[str, Any] | None = None,
                     dirty_nodes: tuple[str, ...] = ()) -> int:
    """The editor's run of the workflow as it is on the canvas (saved or not), through the same queue as
    production runs: all of it, or only up to `destination_node` reusing `previous_run_data` (n8n's
    partial execution). Needs workflow:execute. Raises NotFound, AccessDenied, WorkflowArchived,
    WorkflowValidationError."""
    check_storable(document, "workflow")
    with runtime.db.session() as session:
        workflow = require_workflow_id(session, actor, workflow_id, "workflow:execute")
        get_executable_workflow(session, workflow.id)  # raises WorkflowArchived
        project_id = workflow.project_id
    parse_workflow(document, runtime.registry)  # refuse an invalid graph here, with its problems listed
    return runtime.executions.start(document, workflow_id=workflow_id, project_id=project_id, mode="manual",
                                    destination_node=destination_node, previous_run_data=previous_run_data,
                                    dirty_nodes=dirty_nodes)


async def wait_for_execution(runtime: Runtime, execution_id: int, timeout: float,
                             include_data: bool = True) -> ExecutionView | None:
    """The execution (with its data if asked) once it has ended or is waiting, or as it is when `timeout`
    seconds have passed (None if it was deleted). Wakes on the bus's "execution.finished" event and
    also looks at the row every _POLL_EVERY seconds, so a lost event only delays the answer."""
    loop = asyncio.get_running_loop()
    ended = asyncio.Event()

    def on_event(channel: str, event: dict[str, Any]) -> None:
        if event.get("event") == "execution.finished" and event.get("executionId") == execution_id:
            loop.call_soon_threadsafe(ended.set)

    unsubscribe = runtime.bus.subscribe(EXECUTIONS, on_event)
    try:
        deadline = loop.time() + timeout
        while True:
            execution = await asyncio.to_thread(_load_row, runtime.db, execution_id)
            remaining = deadline - loop.time()
            if execution is None or _has_ended(execution) or remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ended.wait(), min(remaining, _POLL_EVERY))
    finally:
        unsubscribe()
    if execution is None:
        return None
    return await asyncio.to_thread(_view, runtime.db, execution, include_data)


def _has_ended(execution: Execution) -> bool:
    # A waiting execution may wait for days: for a caller it has ended for now.
    return execution.status in FINISHED or execution.status == "waiting"


# --- reading --------------------------------------------------------------------------------------

def list_executions(db: Database, actor: Actor, *, status: str | None = None, workflow_id: str | None = None,
                    project_id: str | None = None, include_data: bool = False, before_id: int | None = None,
                    limit: int = 100) -> list[ExecutionView]:
    """Executions of the workflows the actor may read, newest first, at most limit + 1 (so the caller
    can tell that another page follows); `project_id`: executions that ran in that project;
    `before_id`: the id of the last execution of the previous page. Raises AccessDenied when the
    API key does not allow execution:read."""
    if not actor.key_allows("execution:read"):
        raise AccessDenied("This API key does not allow 'execution:read'")
    if (workflow_id is not None and not is_id(workflow_id)) or (project_id is not None and not is_id(project_id)):
        return []
    with db.session() as session:
        rows = list_execution_rows(session, workflow_id, status, limit + 1, before_id,
                                   project_ids=None if project_id is None else [project_id],
                                   workflow_ids=readable_workflows(actor))
        return [_view(session, row, include_data) for row in rows]


def get_execution(db: Database, actor: Actor, execution_id: str, include_data: bool = False) -> ExecutionView:
    """Raises NotFound."""
    with db.session() as session:
        return _view(session, _require(session, actor, execution_id, "execution:read"), include_data)


# --- changing -------------------------------------------------------------------------------------

def delete_execution(db: Database, actor: Actor, execution_id: str) -> ExecutionView:
    """Delete the execution and its data; returns it as it was. A running execution must be stopped
    first. Raises NotFound, AccessDenied, ExecutionError."""
    with db.session(immediate=True) as session:
        execution = _require(session, actor, execution_id, "execution:delete")
        if execution.status == "running":
            raise ExecutionError(f"Execution {execution.id} is running; stop it before deleting it")
        view = _view(session, execution, False)
        session.delete(execution)
        session.flush()
        return view


def retry_execution(runtime: Runtime, actor: Actor, execution_id: str, *,
                    load_workflow: bool = False) -> ExecutionView:
    """A new execution (mode "retry") of a failed one: from the failed node with the saved run data,
    or, with `load_workflow`, the workflow's current version from the start. Raises NotFound,
    AccessDenied, ExecutionConflict (not failed), ExecutionError (no saved data), WorkflowArchived."""
    with runtime.db.session() as session:
        execution = _require(session, actor, execution_id, "execution:retry")
        if execution.status not in RETRYABLE:
            raise ExecutionConflict(f"Execution {execution.id} is {execution.status}; "
                                    "only failed, canceled or crashed executions can be retried")
        current = None
        if load_workflow:
            current = workflow_to_json(get_executable_workflow(session, execution.workflow_id))
    assert execution.id is not None
    try:
        retry_id = runtime.executions.retry(execution.id, from_failed_node=not load_workflow, workflow=current)
    except LookupError:
        raise NotFound(f"Execution '{execution_id}' not found") from None
    except ValueError as error:  # no saved data to retry from
        raise ExecutionError(f"{str(error).capitalize()}; retry with loadWorkflow to run the current "
                             "version from the start") from None
    with runtime.db.session() as session:
        return _view(session, session.get_one(Execution, retry_id), False)


async def stop_execution(runtime: Runtime, actor: Actor, execution_id: str) -> ExecutionView:
    """Cancel a queued or running execution and wait up to STOP_WAIT seconds for it to end; returns it.
    Raises NotFound, AccessDenied, ExecutionConflict (it is not queued or running)."""
    execution = await asyncio.to_thread(_require_stoppable, runtime.db, actor, execution_id)
    assert execution.id is not None
    if not await asyncio.to_thread(runtime.executions.cancel, execution.id):
        raise ExecutionConflict(f"Execution {execution.id} is {execution.status}; "
                                "only queued or running executions can be stopped")
    view = await wait_for_execution(runtime, execution.id, STOP_WAIT, include_data=False)
    if view is None:
        raise NotFound(f"Execution '{execution_id}' not found")
    return view


def _require_stoppable(db: Database, actor: Actor, execution_id: str) -> Execution:
    with db.session() as session:
        return _require(session, actor, execution_id, "execution:stop")


# --- helpers --------------------------------------------------------------------------------------

def _require(session: Session, actor: Actor, execution_id: str, scope: str) -> Execution:
    """access.require_execution for an id from outside; ids that cannot exist and deleted rows are NotFound."""
    if not _DIGITS.fullmatch(execution_id) or int(execution_id) > _MAX_EXECUTION_ID:
        raise NotFound(f"Execution '{execution_id[:80]}' not found")
    execution = require_execution(session, actor, int(execution_id), scope)
    if execution.deleted_at is not None:
        raise NotFound(f"Execution '{execution_id}' not found")
    return execution


def _load_row(db: Database, execution_id: int) -> Execution | None:
    with db.session() as session:
        return session.get(Execution, execution_id)


def _view(target: Database | Session, execution: Execution, include_data: bool) -> ExecutionView:
    if not include_data:
        return ExecutionView(execution)
    if isinstance(target, Database):
        with target.session() as session:
            loaded = load_execution_data(session, execution.id)  # type: ignore[arg-type]
    else:
        loaded = load_execution_data(target, execution.id)  # type: ignore[arg-type]
    snapshot, document = loaded if loaded is not None else ({}, {})
    return ExecutionView(execution, snapshot, document)

