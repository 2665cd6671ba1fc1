"""Error workflows: when an execution fails, start the workflow its `settings.errorWorkflow` names
(or else the failed workflow itself, if it has an Error Trigger) at its Error Trigger, with n8n's
payload: `{execution: {id, url, retryOf, error: {message, stack, …}, lastNodeExecuted, mode},
workflow: {id, name}}`. The error workflow runs in mode `error`, through the queue, and only if its
caller policy lets the failed workflow call it (n8n's rule; a refusal is recorded as a failed run).

Never for manual runs (as n8n), and never for the run of an error workflow: n8n only stops a
workflow from handling its own failure, which lets two error workflows start each other forever.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from engine.errors import WorkflowValidationError
from engine.workflow import parse_workflow
from models.repositories import start_execution_row, transition
from models.workflows import Workflow

from .subworkflows import SubWorkflowPolicyDenied, check_caller_policy
from .workflow_json import workflow_to_json

if TYPE_CHECKING:
    from .executions import ExecutionRuntime

log = logging.getLogger(__name__)

ERROR_TRIGGER = "knotwork.errorTrigger"
SILENT_MODES = frozenset({"manual", "error"})


def error_payload(execution: Any, workflow: Mapping[str, Any], error: Mapping[str, Any],
                  last_node: str | None, base_url: str = "") -> dict[str, Any]:
    """What the Error Trigger emits for a failed execution (`execution`: its row)."""
    details = {key: value for key, value in error.items() if key not in ("message", "stack")}
    message = str(error.get("message") or "")
    name = str(error.get("name") or "Error")
    return {
        "execution": {
            "id": str(execution.id),
            "url": f"{base_url.rstrip('/')}/execution/{execution.id}",
            "retryOf": str(execution.retry_of) if execution.retry_of is not None else None,
            # Knotwork keeps no JavaScript stack: the stack is the error's first line, as in n8n's.
            "error": {"message": message, "stack": error.get("stack") or f"{name}: {message}", **details},
            "lastNodeExecuted": last_node,
            "mode": execution.mode,
        },
        "workflow": {"id": execution.workflow_id, "name": str(workflow.get("name") or "")},
    }


class ErrorWorkflows:
    """Starts error workflows for the failed executions of one ExecutionRuntime."""

    def __init__(self, runtime: ExecutionRuntime) -> None:
        self.runtime = runtime

    def after_failure(self, execution: Any, workflow: Mapping[str, Any], error: Mapping[str, Any],
                      last_node: str | None) -> int | None:
        """Start the error workflow of a failed execution (`workflow`: the JSON it ran); returns
        the new execution's id, or None when none starts. Never raises: problems are logged."""
        if execution.mode in SILENT_MODES:
            return None
        try:
            target = (workflow.get("settings") or {}).get("errorWorkflow")
            if not target and not self._has_error_trigger(workflow):
                return None
            payload = error_payload(execution, workflow, error, last_node, self.runtime.policy.public_url)
            return self._start(str(target or execution.workflow_id), payload, execution)
        except Exception:
            log.exception("could not start the error workflow of execution %s", execution.id)
            return None

    def after_trigger_failure(self, workflow: Mapping[str, Any], project_id: str, message: str,
                              node: str | None) -> int | None:
        """Start the error workflow of a workflow whose trigger could not start or stopped listening,
        with n8n's payload for that case: `{trigger: {error, mode}, workflow: {id, name}}`. Never raises."""
        workflow_id = str(workflow.get("id") or "")
        try:
            target = (workflow.get("settings") or {}).get("errorWorkflow")
            if not target and not self._has_error_trigger(workflow):
                return None
            error: dict[str, Any] = {"message": message, "name": "WorkflowActivationError",
                                     "stack": f"WorkflowActivationError: {message}"}
            if node:
                error["node"] = {"name": node}
            payload = {"trigger": {"error": error, "mode": "trigger"},
                       "workflow": {"id": workflow_id, "name": str(workflow.get("name") or "")}}
            failed = SimpleNamespace(id=f"(trigger of workflow {workflow_id})", workflow_id=workflow_id,
                                     project_id=project_id)
            return self._start(str(target or workflow_id), payload, failed)
        except Exception:
            log.exception("could not start the error workflow of workflow %s", workflow_id)
            return None

    def _start(self, workflow_id: str, payload: dict[str, Any], failed: Any) -> int | None:
        with self.runtime.db.session() as session:
            row = session.get(Workflow, workflow_id)
            if row is None or row.is_archived:
                log.warning("execution %s failed, but its error workflow %s does not exist",
                            failed.id, workflow_id)
                return None
            document, project_id = workflow_to_json(row), row.project_id
            try:
                check_caller_policy(row, failed.workflow_id, failed.project_id)
            except SubWorkflowPolicyDenied as refusal:
                return self._record_refusal(document, project_id, failed, refusal)
        trigger = self._error_trigger(document)
        if trigger is None:
            log.warning("execution %s failed, but error workflow %s has no Error Trigger",
                        failed.id, workflow_id)
            return None
        return self.runtime.start(document, workflow_id=workflow_id, project_id=project_id, mode="error",
                                  start_node=trigger, start_items=[payload])

    def _record_refusal(self, document: dict[str, Any], project_id: str, failed: Any,
                        refusal: SubWorkflowPolicyDenied) -> int:
        """n8n records a refused error workflow as a failed run of it, so someone can see why."""
        message = (f"Another workflow (ID {failed.workflow_id}) tried to invoke this workflow to handle errors. "
                   f"{refusal.message}")
        with self.runtime.db.session() as session:
            execution_id = start_execution_row(session, str(document["id"]), project_id, "error",
                                               {"workflow": document})
            transition(session, execution_id, "running")
            transition(session, execution_id, "error", error_message=message)
        log.warning("error workflow %s refused to handle execution %s: %s", document["id"], failed.id, message)
        return execution_id

    def _has_error_trigger(self, workflow: Mapping[str, Any]) -> bool:
        return self._error_trigger(workflow) is not None

    def _error_trigger(self, workflow: Mapping[str, Any]) -> str | None:
        registry = self.runtime.registry
        try:
            parsed = parse_workflow(dict(workflow), registry)
        except WorkflowValidationError:
            return None
        for node in parsed.nodes.values():
            node_type = registry.resolve(node.type)
            if node_type is not None and node_type.description.name == ERROR_TRIGGER:
                return node.name
        return None
