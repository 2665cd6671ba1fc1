"""Workflow use cases as a user: every function takes the acting `Actor`, checks its rights through
services.access (never its own role logic), then does the work with services.workflows.

What the caller may not read raises access.NotFound (404), what it may read but not change raises
access.AccessDenied (403); the other errors are those of services.workflows plus:

    WorkflowError (services.workflows)
    ├── ActivationError     the workflow cannot be active (no trigger that starts it on its own)
    └── TransferError       the workflow already belongs to the destination project

Activation goes through `set_active` only, which registers and removes webhook routes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from engine.errors import NodeError, WorkflowValidationError
from engine.registry import NodeRegistry
from models import Project, SharedWorkflow, Tag, Workflow, WorkflowTag
from models.db import Database

from . import audit, webhooks
from . import workflows as store
from .access import (
    AccessDenied,
    Actor,
    NotFound,
    personal_project_id,
    readable_workflows,
    require_project,
    require_workflow,
)
from .tags import assign_tags, tags_of
from .workflows import WorkflowError

if TYPE_CHECKING:
    from .runtime import Runtime

# Every id Knotwork hands out (workflow, tag, project) fits this; anything else cannot exist, and
# checking first keeps odd input (NUL characters, megabyte strings) away from the database.
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,36}")
# What JSON columns can store on both databases (orjson writes 64-bit integers; PostgreSQL's JSONB
# refuses NUL characters), and a nesting limit well inside orjson's.
_INT_RANGE = (-(2**63), 2**64)
_MAX_DEPTH = 100
# Keys of a workflow's JSON that its answers show but a save never takes from the caller.
READ_ONLY_KEYS = frozenset({"id", "active", "isArchived", "tags", "shared", "createdAt", "updatedAt",
                            "versionId", "projectId", "activationError"})
# Start nodes that only run when someone starts them, so they cannot make a workflow active.
_MANUAL_STARTS = frozenset({"knotwork.manualTrigger", "knotwork.start"})


class ActivationError(WorkflowError):
    status = 400
    code = "cannot_activate"


class TransferError(WorkflowError):
    status = 400
    code = "bad_transfer"


@dataclass(frozen=True)
class Share:
    """A project's access to a workflow ('owner' or 'editor')."""

    project_id: str
    role: str
    project_name: str
    project_type: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WorkflowView:
    """A workflow with what its JSON answer shows besides its own columns."""

    workflow: Workflow
    tags: list[Tag] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)


def is_id(value: Any) -> bool:
    """Whether `value` has the shape of an id Knotwork hands out (see ID_PATTERN)."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def check_storable(value: Any, where: str = "body") -> None:
    """Raise WorkflowValidationError when a JSON value cannot be stored as it is: a NUL character in
    a string, an integer beyond 64 bits, NaN or infinity, or nesting deeper than _MAX_DEPTH."""
    pending: list[tuple[Any, str, int]] = [(value, where, 0)]
    while pending:
        item, path, depth = pending.pop()
        if depth > _MAX_DEPTH:
            raise WorkflowValidationError([f"'{where}' is nested more than {_MAX_DEPTH} levels deep"])
        if isinstance(item, str) and "\x00" in item:
            raise WorkflowValidationError([f"'{path}' must not contain NUL characters"])
        if isinstance(item, int) and not isinstance(item, bool) and not _INT_RANGE[0] <= item < _INT_RANGE[1]:
            raise WorkflowValidationError([f"'{path}' holds an integer beyond 64 bits"])
        if isinstance(item, float) and not math.isfinite(item):
            raise WorkflowValidationError([f"'{path}' holds {item}, which JSON cannot store"])
        if isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    raise WorkflowValidationError([f"A key in '{path}' must not contain NUL characters"])
                pending.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            pending.extend((child, f"{path}[{index}]", depth + 1) for index, child in enumerate(item))


# --- reading --------------------------------------------------------------------------------------

def list_workflows(db: Database, actor: Actor, *, active: bool | None = None, tags: Iterable[str] = (),
                   name: str | None = None, project_id: str | None = None,
                   after: tuple[datetime, str] | None = None, limit: int = 100) -> list[WorkflowView]:
    """The workflows the actor may read, newest first, at most limit + 1 (so the caller can tell that
    another page follows). `tags`: any of these names (ignoring case); `name`: part of the name;
    `project_id`: owned by or shared with that project; `after`: (createdAt, id) of the last row of
    the previous page. Raises AccessDenied when the API key does not allow workflow:read."""
    if not actor.key_allows("workflow:read"):
        raise AccessDenied("This API key does not allow 'workflow:read'")
    query = select(Workflow)
    readable = readable_workflows(actor)
    if readable is not None:
        query = query.where(col(Workflow.id).in_(readable))
    if project_id is not None:
        if not is_id(project_id):
            return []
        query = query.where(col(Workflow.id).in_(
            select(SharedWorkflow.workflow_id).where(SharedWorkflow.project_id == project_id)))
    if active is not None:
        query = query.where(col(Workflow.active).is_(active))
    wanted = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    if wanted:
        query = query.where(col(Workflow.id).in_(
            select(WorkflowTag.workflow_id).join(Tag, col(Tag.id) == col(WorkflowTag.tag_id))
            .where(func.lower(Tag.name).in_(wanted))))
    if name and name.strip():
        query = query.where(col(Workflow.name).icontains(name.strip(), autoescape=True))
    if after is not None:
        created, last_id = after
        query = query.where(or_(col(Workflow.created_at) < created,
                                and_(col(Workflow.created_at) == created, col(Workflow.id) < last_id)))
    query = query.order_by(col(Workflow.created_at).desc(), col(Workflow.id).desc()).limit(limit + 1)
    with db.session() as session:
        return _views(session, list(session.exec(query)))


def get_workflow(db: Database, actor: Actor, workflow_id: str) -> WorkflowView:
    """Raises NotFound."""
    with db.session() as session:
        return _views(session, [require_workflow_id(session, actor, workflow_id, "workflow:read")])[0]


# --- changing -------------------------------------------------------------------------------------

def create_workflow(runtime: Runtime, actor: Actor, data: dict[str, Any],
                    project_id: str | None = None) -> WorkflowView:
    """A new, inactive workflow in `project_id`, or in the actor's personal project, where the actor
    needs workflow:create. Settings default to executionOrder v1 (n8n's default for new workflows);
    READ_ONLY_KEYS in `data` are ignored, as n8n does. Raises NotFound, AccessDenied, WorkflowValidationError."""
    if not actor.key_allows("workflow:create"):
        raise AccessDenied("This API key does not allow 'workflow:create'")
    check_storable(data)
    data = {"settings": {"executionOrder": "v1"}, **_writable(data)}
    with runtime.db.session(immediate=True) as session:
        if project_id is None:
            project_id = personal_project_id(session, actor.user_id)
        elif not is_id(project_id):
            raise NotFound(f"Project '{project_id[:80]}' not found")
        require_project(session, actor, project_id, "workflow:create")
        workflow = store.create_workflow(session, data, project_id, registry=runtime.registry)
        return _views(session, [workflow])[0]


def update_workflow(runtime: Runtime, actor: Actor, workflow_id: str, data: dict[str, Any]) -> WorkflowView:
    """Save name, nodes, connections, settings (and staticData, pinData, meta when given) as a new
    version (READ_ONLY_KEYS ignored). An active workflow must stay activatable, else nothing is saved.
    Raises NotFound, AccessDenied, WorkflowArchived, WorkflowValidationError, ActivationError."""
    check_storable(data)
    with runtime.db.session(immediate=True) as session:
        require_workflow_id(session, actor, workflow_id, "workflow:update")
        workflow = store.update_workflow(session, workflow_id, _writable(data), registry=runtime.registry)
        if workflow.active:
            set_active(session, runtime.registry, workflow, True)
        return _views(session, [workflow])[0]


def delete_workflow(db: Database, actor: Actor, workflow_id: str) -> WorkflowView:
    """Delete the workflow (with its versions, shares and executions); returns it as it was.
    Raises NotFound, AccessDenied."""
    with db.session(immediate=True) as session:
        workflow = require_workflow_id(session, actor, workflow_id, "workflow:delete")
        view = _views(session, [workflow])[0]
        if workflow.active:
            set_active(session, None, workflow, False)
        store.delete_workflow(session, workflow_id)
        return view


def activate_workflow(runtime: Runtime, actor: Actor, workflow_id: str) -> WorkflowView:
    """Raises NotFound, AccessDenied, ActivationError (archived, no trigger that starts it, or a
    listener trigger that cannot connect: it is tried for a moment first, as n8n starts triggers)."""
    from .scheduler import probe_listeners
    from .workflow_json import workflow_to_json

    with runtime.db.session() as session:
        workflow = require_workflow_id(session, actor, workflow_id, "workflow:update")
        document, project_id, name = workflow_to_json(workflow), workflow.project_id, workflow.name
    try:
        probe_listeners(runtime, document, project_id)
    except NodeError as error:
        where = f" (node '{error.node}')" if error.node else ""
        raise ActivationError(f"Workflow '{name}' cannot be activated{where}: {error.message}") from None
    with runtime.db.session(immediate=True) as session:
        workflow = require_workflow_id(session, actor, workflow_id, "workflow:update")
        set_active(session, runtime.registry, workflow, True)
        return _views(session, [workflow])[0]


def deactivate_workflow(db: Database, actor: Actor, workflow_id: str) -> WorkflowView:
    """Raises NotFound, AccessDenied."""
    with db.session(immediate=True) as session:
        workflow = require_workflow_id(session, actor, workflow_id, "workflow:update")
        set_active(session, None, workflow, False)
        return _views(session, [workflow])[0]


def set_active(session: Session, registry: NodeRegistry | None, workflow: Workflow, active: bool) -> None:
    """The one place a workflow becomes active or inactive: its webhook routes are registered or
    removed here, in the caller's transaction. Activating needs `registry` to check the workflow can
    start on its own. Raises ActivationError (also when another active workflow has one of its
    webhook paths)."""
    if active:
        if workflow.is_archived:
            raise ActivationError(f"Workflow '{workflow.name}' is archived; unarchive it before activating it")
        assert registry is not None, "activating needs the node registry"
        if not _starts_on_its_own(workflow, registry):
            raise ActivationError(
                f"Workflow '{workflow.name}' has no enabled trigger node that starts it on its own "
                "(a Manual Trigger only runs when started by hand or through /workflows/{id}/run); "
                "add a trigger such as a Schedule or Webhook node")
        try:
            webhooks.register_routes(session, registry, workflow)
        except webhooks.RouteConflict as conflict:
            raise ActivationError(str(conflict)) from None
        _check_time_triggers(registry, workflow)
    else:
        webhooks.unregister_routes(session, workflow.id)
    workflow.active = active
    workflow.activation_error = None  # a stale reason would describe another attempt
    session.add(workflow)
    session.flush()


def _check_time_triggers(registry: NodeRegistry, workflow: Workflow) -> None:
    """Schedule and polling triggers must be able to compute their next moment (a valid cron...)."""
    from .scheduler import workflow_triggers
    from .workflow_json import workflow_to_json

    try:
        workflow_triggers(registry, "UTC", workflow_to_json(workflow), workflow.project_id)
    except NodeError as error:
        where = f" (node '{error.node}')" if error.node else ""
        raise ActivationError(f"Workflow '{workflow.name}' cannot be activated{where}: {error.message}") from None


def _starts_on_its_own(workflow: Workflow, registry: NodeRegistry) -> bool:
    for node in workflow.nodes:
        node_type = registry.resolve(str(node.get("type", "")))
        if (node_type is not None and not node.get("disabled")
                and "trigger" in node_type.description.group
                and node_type.description.name not in _MANUAL_STARTS):
            return True
    return False


# --- ownership and sharing ------------------------------------------------------------------------

def transfer_workflow(db: Database, actor: Actor, workflow_id: str, destination_project_id: str) -> None:
    """Move the workflow's ownership to another project (needs workflow:move on the workflow and
    workflow:create in the destination). Its executions keep the project they ran in. Raises
    NotFound, AccessDenied, TransferError."""
    with db.session(immediate=True) as session:
        workflow = require_workflow_id(session, actor, workflow_id, "workflow:move")
        if not is_id(destination_project_id):
            raise NotFound(f"Project '{destination_project_id[:80]}' not found")
        require_project(session, actor, destination_project_id, "workflow:create")
        source_project_id = workflow.project_id
        if destination_project_id == source_project_id:
            raise TransferError(f"Workflow '{workflow.name}' already belongs to that project")
        replaced = session.exec(select(SharedWorkflow).where(
            SharedWorkflow.workflow_id == workflow_id,
            or_(col(SharedWorkflow.role) == "owner",
                col(SharedWorkflow.project_id) == destination_project_id))).all()
        for share in replaced:
            session.delete(share)
        session.flush()
        session.add(SharedWorkflow(workflow_id=workflow_id, project_id=destination_project_id, role="owner"))
        workflow.project_id = destination_project_id
        session.add(workflow)
        audit.record(session, "workflow.transferred", actor=actor, target=f"workflow:{workflow_id}",
                     fromProjectId=source_project_id, toProjectId=destination_project_id)


def share_workflow(db: Database, actor: Actor, workflow_id: str, project_ids: Iterable[str]) -> WorkflowView:
    """Share the workflow as editor with exactly these projects (others lose their share; the owner
    project keeps ownership). Needs workflow:share. Raises NotFound (the workflow, or a project),
    AccessDenied."""
    wanted = list(dict.fromkeys(project_ids))
    with db.session(immediate=True) as session:
        workflow = require_workflow_id(session, actor, workflow_id, "workflow:share")
        missing = [pid for pid in wanted if not is_id(pid) or session.get(Project, pid) is None]
        if missing:
            raise NotFound(f"Project(s) not found: {', '.join(repr(pid) for pid in missing)}")
        wanted = [pid for pid in wanted if pid != workflow.project_id]
        current = {share.project_id: share for share in session.exec(select(SharedWorkflow).where(
            SharedWorkflow.workflow_id == workflow_id, SharedWorkflow.role == "editor"))}
        removed = [pid for pid in current if pid not in wanted]
        added = [pid for pid in wanted if pid not in current]
        for pid in removed:
            session.delete(current[pid])
        session.add_all(SharedWorkflow(workflow_id=workflow_id, project_id=pid, role="editor") for pid in added)
        session.flush()
        if added or removed:
            audit.record(session, "workflow.shared", actor=actor, target=f"workflow:{workflow_id}",
                         added=added, removed=removed)
        return _views(session, [workflow])[0]


# --- tags -----------------------------------------------------------------------------------------

def get_workflow_tags(db: Database, actor: Actor, workflow_id: str) -> list[Tag]:
    """Sorted by name. Raises NotFound."""
    with db.session() as session:
        require_workflow_id(session, actor, workflow_id, "workflow:read")
        return tags_of(session, [workflow_id])[workflow_id]


def set_workflow_tags(db: Database, actor: Actor, workflow_id: str, tag_ids: Iterable[str]) -> list[Tag]:
    """Give the workflow exactly the tags with these ids (needs workflow:update); returns them sorted
    by name. Raises NotFound (the workflow, or a tag), AccessDenied."""
    wanted = list(dict.fromkeys(tag_ids))
    with db.session(immediate=True) as session:
        require_workflow_id(session, actor, workflow_id, "workflow:update")
        found = {tag.id: tag for tag in session.exec(
            select(Tag).where(col(Tag.id).in_([tid for tid in wanted if is_id(tid)])))}
        missing = [tid for tid in wanted if tid not in found]
        if missing:
            raise NotFound(f"Tag(s) not found: {', '.join(repr(tid) for tid in missing)}")
        assign_tags(session, workflow_id, [found[tid].name for tid in wanted])
        return tags_of(session, [workflow_id])[workflow_id]


# --- helpers --------------------------------------------------------------------------------------

def require_workflow_id(session: Session, actor: Actor, workflow_id: str, scope: str) -> Workflow:
    """access.require_workflow for an id from outside: one that cannot exist is NotFound at once."""
    if not is_id(workflow_id):
        raise NotFound(f"Workflow '{workflow_id[:80]}' not found")
    return require_workflow(session, actor, workflow_id, scope)


def _writable(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in READ_ONLY_KEYS}


def _views(session: Session, workflows: list[Workflow]) -> list[WorkflowView]:
    """The workflows with their tags and shares, in two queries."""
    ids = [workflow.id for workflow in workflows]
    tags = tags_of(session, ids)
    shares: dict[str, list[Share]] = {workflow_id: [] for workflow_id in ids}
    query = (select(SharedWorkflow, Project).join(Project, col(Project.id) == col(SharedWorkflow.project_id))
             .where(col(SharedWorkflow.workflow_id).in_(ids))
             .order_by(col(SharedWorkflow.role).desc(), col(SharedWorkflow.created_at)))
    for share, project in session.exec(query):
        shares[share.workflow_id].append(Share(project.id, share.role, project.name, project.type,
                                               share.created_at, share.updated_at))
    return [WorkflowView(workflow, tags[workflow.id], shares[workflow.id]) for workflow in workflows]
