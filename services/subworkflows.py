"""Sub-workflows of the executions this runtime runs: the database-backed SubWorkflowRunner.

A call by id loads the saved workflow and applies its caller policy (n8n's `settings.callerPolicy`:
`any`, `none`, `workflowsFromSameOwner` (the default: the same project), `workflowsFromAList` with
`callerIds`). Inline JSON runs as part of the calling workflow (its id and settings unless it has
its own). Every child is an execution of mode `integrated` whose `parent_execution_id` names the
caller's execution (sub_executions() lists them back) and whose snapshot carries n8n's
`parentExecution`. A child the caller waits for runs here, in the caller's event loop; one it does
not wait for goes through the queue like any other execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from engine.errors import NodeOperationError, WorkflowValidationError
from engine.ports import Services, SubWorkflowCall, SubWorkflowRun, sub_workflow_start
from engine.workflow import parse_workflow
from models.executions import Execution
from models.repositories import start_execution_row
from models.workflows import Workflow

from .workflow_json import workflow_to_json

if TYPE_CHECKING:
    from .executions import ExecutionRuntime

DEFAULT_CALLER_POLICY = "workflowsFromSameOwner"
DENIAL_REASONS = {
    "none": "Sub-workflow may not be called by any workflow",
    "workflowsFromAList": "Sub-workflow may be called only by workflows from an allowlist",
    "workflowsFromSameOwner": "Sub-workflow may be called only by workflows owned by the same project",
}
# Sub-workflows waited for run inside their caller; a workflow calling itself without end stops here.
MAX_DEPTH = 50
_depth: ContextVar[int] = ContextVar("knotwork_subworkflow_depth", default=0)


class SubWorkflowPolicyDenied(NodeOperationError):
    """The called workflow's caller policy does not let this workflow call it."""

    name = "SubworkflowPolicyDenialError"


def check_caller_policy(callee: Workflow, caller_workflow_id: str, caller_project_id: str) -> None:
    """Raise SubWorkflowPolicyDenied, naming the policy, unless `callee` may be called by the
    workflow `caller_workflow_id` of project `caller_project_id`."""
    settings = callee.settings or {}
    policy = settings.get("callerPolicy") or DEFAULT_CALLER_POLICY
    if policy not in DENIAL_REASONS and policy != "any":
        policy = DEFAULT_CALLER_POLICY
    same_project = callee.project_id == caller_project_id
    allowed = {
        "any": True,
        "none": False,
        "workflowsFromAList": caller_workflow_id in caller_ids(settings),
        "workflowsFromSameOwner": same_project,
    }[policy]
    if allowed:
        return
    advice = ("Change the settings of the sub-workflow so it can be called by this one." if same_project else
              "An admin of the sub-workflow's project can make this change; "
              f"the sub-workflow's ID is {callee.id}.")
    raise SubWorkflowPolicyDenied(
        f"Target workflow ID {callee.id} may not be called (its caller policy is '{policy}')",
        description=f"{DENIAL_REASONS[policy]}. {advice}",
    )


def caller_ids(settings: Mapping[str, Any]) -> list[str]:
    """The `callerIds` of a workflowsFromAList policy: n8n stores them comma-separated."""
    raw = settings.get("callerIds") or ""
    parts = raw if isinstance(raw, list) else str(raw).split(",")
    return [str(part).strip() for part in parts if str(part).strip()]


def sub_executions(session: Session, execution_id: int) -> list[Execution]:
    """The executions an execution's Execute Workflow nodes started, oldest first."""
    query = select(Execution).where(col(Execution.parent_execution_id) == execution_id)
    return list(session.exec(query.order_by(col(Execution.id))))


class DatabaseSubWorkflows:
    """The SubWorkflowRunner of one running execution (`parent`: its claimed row)."""

    def __init__(self, runtime: ExecutionRuntime, parent: Any, parent_settings: Mapping[str, Any]) -> None:
        self.runtime = runtime
        self.parent = parent
        self.parent_settings = parent_settings

    async def run(self, call: SubWorkflowCall, services: Services) -> SubWorkflowRun:
        depth = _depth.get()
        if depth >= MAX_DEPTH:
            raise NodeOperationError(f"Sub-workflows are nested {MAX_DEPTH} deep; is a workflow calling itself "
                                     "without end?", node=call.node)
        document, workflow_id, project_id = self._target(call)
        try:
            start = sub_workflow_start(parse_workflow(document, self.runtime.registry), self.runtime.registry)
        except WorkflowValidationError as invalid:
            raise NodeOperationError(f"The workflow to execute is not valid: {invalid}",
                                     node=call.node) from None
        child_id = self._record(call, document, workflow_id, project_id, start)
        if not call.wait:
            self.runtime.enqueue(child_id)
            return SubWorkflowRun(str(child_id), workflow_id, start)
        token = _depth.set(depth + 1)
        try:
            status, result = await self.runtime.run_here(child_id)
        finally:
            _depth.reset(token)
        error = None if result is not None else {"message": self._error_message(child_id, status)}
        return SubWorkflowRun(str(child_id), workflow_id, start, result, error)

    def _target(self, call: SubWorkflowCall) -> tuple[dict[str, Any], str, str]:
        """(workflow JSON, id of the workflow row the child belongs to, its project)."""
        if call.workflow_id is None:  # inline JSON: part of the calling workflow, as in n8n
            document = dict(call.workflow_json or {})
            document["id"] = document.get("id") or self.parent.workflow_id
            document["settings"] = document.get("settings") or dict(self.parent_settings)
            return document, self.parent.workflow_id, self.parent.project_id
        with self.runtime.db.session() as session:
            callee = session.get(Workflow, call.workflow_id)
            if callee is None:
                raise NodeOperationError("Workflow does not exist.", node=call.node,
                                         description=f"No workflow has the ID {call.workflow_id}")
            if callee.is_archived:
                raise NodeOperationError(f"Workflow {callee.id} is archived and cannot be executed",
                                         node=call.node)
            check_caller_policy(callee, self.parent.workflow_id, self.parent.project_id)
            return workflow_to_json(callee), callee.id, callee.project_id

    def _record(self, call: SubWorkflowCall, document: dict[str, Any], workflow_id: str, project_id: str,
                start: str) -> int:
        """Persist the child (`new`), linked to its parent both ways."""
        snapshot = {
            "workflow": document,
            "startItems": [item.to_dict(include_paired=False) for item in call.items],
            "startNode": start,
            "parentExecution": {"executionId": str(self.parent.id), "workflowId": self.parent.workflow_id},
        }
        with self.runtime.db.session() as session:
            child_id = start_execution_row(session, workflow_id, project_id, "integrated", snapshot)
            session.exec(update(Execution).where(col(Execution.id) == child_id)
                         .values(parent_execution_id=self.parent.id))
        return child_id

    def _error_message(self, child_id: int, status: str | None) -> str:
        with self.runtime.db.session() as session:
            child = session.get(Execution, child_id)
        message = child.error_message if child is not None else None
        return message or f"The sub-workflow ended with status '{status}'"
