"""Waiting executions: resuming them when their time comes, and /webhook-waiting/<id>[/<suffix>] calls.

An execution a Wait node stopped is saved `waiting` with `wait_till` and its state (engine.resume).
Resuming moves it back to `new` with that state as its snapshot's `resume` and enqueues it
(models.repositories.resume_waiting_execution: one UPDATE decides, so two resumers never both win).
By time: the scheduler leader calls `resume_due` every tick. By call: `answer_waiting_call` checks
the call as the Wait node's webhook settings say (method, suffix, IP, bots, authentication), makes
the request item the Wait node's output, and answers as its response mode says.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from models import Execution
from models.executions import FINISHED
from models.repositories import load_execution_data, resume_waiting_execution
from models.types import utcnow
from nodes.core.respond_to_webhook import response
from nodes.core.webhook import received_response, request_item
from nodes.schedule.wait import resume_settings

from .webhooks import Answer, Route, WebhookRequest, error_answer

if TYPE_CHECKING:
    from .executions import ExecutionRuntime
    from .webhooks import WebhookService

log = logging.getLogger(__name__)

WAIT_TYPES = frozenset({"knotwork.wait"})


def resume_due(executions: ExecutionRuntime, limit: int = 200) -> int:
    """Resume executions whose wait is over; returns how many were queued."""
    with executions.db.session() as session:
        due = session.exec(
            select(Execution.id).where(col(Execution.status) == "waiting", col(Execution.wait_till) <= utcnow())
            .order_by(col(Execution.wait_till)).limit(limit)).all()
    resumed = 0
    for execution_id in due:
        if resume(executions, int(execution_id)):
            resumed += 1
    return resumed


def resume(executions: ExecutionRuntime, execution_id: int, items: list[dict[str, Any]] | None = None) -> bool:
    """Queue a waiting execution again (with `items` as the waiting node's output); False if it
    was not waiting any more."""
    try:
        with executions.db.session(immediate=True) as session:
            moved = resume_waiting_execution(session, execution_id, items)
    except ValueError as error:
        log.error("cannot resume execution %s: %s", execution_id, error)
        with executions.db.session() as session:
            from models.repositories import transition

            transition(session, execution_id, "crashed", error_message=str(error))
        return False
    if moved:
        executions.enqueue(execution_id)
    return moved


def _waiting_node(execution_id: int, service: WebhookService) -> tuple[Any, dict[str, Any], dict[str, Any]] | None:
    """(execution row, workflow JSON, the node it waits in) of a waiting execution, or None."""
    with service.db.session() as session:
        execution = session.get(Execution, execution_id)
        loaded = load_execution_data(session, execution_id) if execution is not None else None
    if execution is None or loaded is None:
        return None
    snapshot, document = loaded
    workflow = snapshot.get("workflow") or {}
    stack = (document.get("state") or {}).get("stack") or []
    name = stack[0].get("node") if stack else document.get("lastNodeExecuted")
    node = next((n for n in workflow.get("nodes", []) if n.get("name") == name), None)
    return execution, workflow, node or {}


async def answer_waiting_call(service: WebhookService, request: WebhookRequest, rest: str) -> Answer:
    """The answer to a call of /webhook-waiting/<executionId>[/<suffix>]."""
    raw_id, _, suffix = rest.strip("/").partition("/")
    if not raw_id.isdigit():
        return error_answer(404, "not_found", f'The execution "{raw_id}" does not exist')
    execution_id = int(raw_id)
    found = await asyncio.to_thread(_waiting_node, execution_id, service)
    if found is None:
        return error_answer(404, "not_found", f'The execution "{execution_id}" does not exist')
    execution, workflow, node = found
    if execution.status in FINISHED:
        return error_answer(409, "conflict", f'The execution "{execution_id}" has finished already')
    if execution.status != "waiting":
        return error_answer(409, "conflict", f'The execution "{execution_id}" is not waiting (it is {execution.status})')
    parameters = node.get("parameters") or {}
    if parameters.get("resume") != "webhook":
        return error_answer(409, "conflict", f'The execution "{execution_id}" waits for a time, not for a call')
    settings = resume_settings(node)
    if suffix.strip("/") != settings.path:
        return error_answer(404, "not_found", f'The execution "{execution_id}" does not wait at this suffix')
    if request.method not in settings.methods:
        answer = error_answer(405, "method_not_allowed", f"The resume URL answers {', '.join(settings.methods)} only")
        answer["headers"]["allow"] = ", ".join(settings.methods)
        return answer
    route = Route(request.method, f"{execution_id}", execution.workflow_id, str(workflow.get("name") or ""),
                  execution.project_id, node, settings, workflow)
    refusal, jwt_payload = await service.check_call(route, request)
    if refusal is not None:
        return refusal
    url = f"{service.settings.public_url.rstrip('/') or request.public_base}/webhook-waiting/{rest.strip('/')}"
    try:
        item = request_item(settings, float(node.get("typeVersion") or 1), request, {}, webhook_url=url, test=False)
    except ValueError as error:
        return error_answer(422, "invalid_request", f"Failed to parse request body: {error}")
    if jwt_payload is not None:
        item["json"]["jwtPayload"] = jwt_payload
    return await _resume_and_answer(service, route, execution_id, item)


async def _resume_and_answer(service: WebhookService, route: Route, execution_id: int, item: dict[str, Any]) -> Answer:
    loop = asyncio.get_running_loop()
    mode = route.settings.response_mode
    waiter = (service.waiters.expect(execution_id, loop, mode == "responseNode", fresh=True)
              if mode != "onReceived" else None)
    try:
        if not await asyncio.to_thread(resume, service.executions, execution_id, [item]):
            return error_answer(409, "conflict", f'The execution "{execution_id}" is not waiting any more')
        if waiter is None:
            return received_response(route.settings)
        answer = await service.answer_when_done(route, execution_id, waiter)
        return answer if answer else response(route.settings.response_code)
    finally:
        if waiter is not None:
            service.waiters.forget(execution_id)
