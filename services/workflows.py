"""Workflow use cases: create, update (one version per save), history, duplicate, archive, delete, tags,
and n8n's export shape.

Every function takes a Database (and runs in a transaction of its own) or a Session (and joins the
caller's transaction, never committing it), so several calls can be all-or-nothing together.

    KnotworkError
    └── WorkflowError
        ├── WorkflowNotFound     no workflow, or no such version of it        (also a LookupError)
        ├── ProjectNotFound      the project to store a workflow in is missing (also a LookupError)
        └── WorkflowArchived     an archived workflow was asked to run or to change
Content that is not a valid workflow raises engine.errors.WorkflowValidationError with its `problems`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from engine.errors import KnotworkError
from engine.registry import NodeRegistry
from models.db import Database
from models.repositories import save_workflow_version
from models.types import new_id, new_uuid, utcnow
from models.users import Project
from models.workflows import SharedWorkflow, Tag, Workflow, WorkflowTag, WorkflowVersion

from .tags import assign_tags, tag_names, tags_of
from .workflow_json import (
    CONTENT,
    NAME_MAX,
    NEW_WORKFLOW_NAME,
    apply_document,
    checked_name,
    validate_document,
    workflow_to_json,
)

__all__ = [
    "DEFAULT_PROJECT_ID", "ProjectNotFound", "WorkflowArchived", "WorkflowError", "WorkflowNotFound",
    "archive_workflow", "create_workflow", "delete_workflow", "duplicate_workflow", "ensure_default_project",
    "get_executable_workflow", "get_workflow", "list_versions", "list_workflows", "restore_version",
    "set_tags", "unarchive_workflow", "update_workflow", "validate_document", "workflow_tags",
    "workflow_to_json",
]

Db = Database | Session

# Until users and workspaces arrive, everything belongs to this team project; its id never changes.
DEFAULT_PROJECT_ID = "00000000-0000-4000-8000-000000000001"
DEFAULT_PROJECT_NAME = "Default"
# An id kept from imported JSON must also be safe as a file name (`export --separate` writes <id>.json).
_KEEPABLE_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")


class WorkflowError(KnotworkError):
    """A workflow use case refused: the message says why, for the user."""


class WorkflowNotFound(WorkflowError, LookupError):
    pass


class ProjectNotFound(WorkflowError, LookupError):
    pass


class WorkflowArchived(WorkflowError):
    pass


@contextmanager
def _transaction(db: Db, write: bool = False) -> Iterator[Session]:
    """The caller's Session as it is, or a new one that commits at the end (write lock up front on SQLite)."""
    if isinstance(db, Session):
        yield db
    else:
        with db.session(immediate=write) as session:
            yield session


def ensure_default_project(db: Db) -> Project:
    """The "Default" team project, created on the first call; concurrent first calls create it once."""
    with _transaction(db, write=True) as session:
        project = session.get(Project, DEFAULT_PROJECT_ID)
        if project is None:
            now = utcnow()
            dialect = session.get_bind().dialect.name
            insert = sqlite.insert(Project) if dialect == "sqlite" else postgresql.insert(Project)
            session.exec(insert.values(id=DEFAULT_PROJECT_ID, name=DEFAULT_PROJECT_NAME, type="team",
                                       created_at=now, updated_at=now).on_conflict_do_nothing())
            project = session.get_one(Project, DEFAULT_PROJECT_ID)
        return project


def create_workflow(db: Db, data: dict[str, Any], project_id: str | None = None, *,
                    registry: NodeRegistry) -> Workflow:
    """Validate n8n workflow JSON and store it as a new, inactive workflow with its first version.

    Keeps `data["id"]` when it is free and file-name safe (imports keep n8n ids), else makes a new id.
    Settings are kept as given (no executionOrder means v0), except that a workflow created from
    scratch (no nodes) gets executionOrder "v1", like n8n's editor. `tags` (names or {name}) are set.
    The project defaults to the Default project. Raises WorkflowValidationError, ProjectNotFound.
    """
    document = validate_document({"nodes": [], "connections": {}, **data}, registry)
    with _transaction(db, write=True) as session:
        project = _project(session, project_id)
        workflow = Workflow(id=_free_id(session, data.get("id")), project_id=project.id, name=NEW_WORKFLOW_NAME,
                            is_archived=bool(data.get("isArchived")))
        apply_document(workflow, document)
        if not workflow.nodes and "executionOrder" not in workflow.settings:
            workflow.settings = {**workflow.settings, "executionOrder": "v1"}
        save_workflow_version(session, workflow)
        session.add(SharedWorkflow(workflow_id=workflow.id, project_id=project.id, role="owner"))
        if "tags" in data:
            assign_tags(session, workflow.id, tag_names(data["tags"]))
        return workflow


def update_workflow(db: Db, workflow_id: str, data: dict[str, Any], *, registry: NodeRegistry) -> Workflow:
    """Save changes to name, nodes, connections, settings, pinData, staticData, meta (keys left out keep
    their value) and `tags`; every call adds a version. The result is validated as a whole.

    Raises WorkflowNotFound, WorkflowArchived, WorkflowValidationError.
    """
    with _transaction(db, write=True) as session:
        workflow = _editable(session, workflow_id)
        document = validate_document({**workflow_to_json(workflow), **data}, registry)
        apply_document(workflow, {key: document[key] for key in CONTENT if key in data})
        save_workflow_version(session, workflow)
        if "tags" in data:
            assign_tags(session, workflow.id, tag_names(data["tags"]))
        return workflow


def get_workflow(db: Db, workflow_id: str) -> Workflow:
    """The workflow with this id, archived or not. Raises WorkflowNotFound."""
    with _transaction(db) as session:
        return _get(session, workflow_id)


def get_executable_workflow(db: Db, workflow_id: str) -> Workflow:
    """The workflow, if it may run. Raises WorkflowNotFound, WorkflowArchived."""
    with _transaction(db) as session:
        workflow = _get(session, workflow_id)
        if workflow.is_archived:
            raise WorkflowArchived(f"Workflow '{workflow.name}' ({workflow.id}) is archived and cannot run; "
                                   "unarchive it first")
        return workflow


def list_workflows(db: Db, project_id: str | None = None, search: str | None = None, tag: str | None = None,
                   include_archived: bool = False) -> list[Workflow]:
    """Workflows most recently saved first; `search` matches part of the name and `tag` a tag name,
    both ignoring case."""
    query = select(Workflow)
    if project_id is not None:
        query = query.where(col(Workflow.project_id) == project_id)
    if not include_archived:
        query = query.where(col(Workflow.is_archived).is_(False))
    if search and search.strip():
        query = query.where(col(Workflow.name).icontains(search.strip(), autoescape=True))
    if tag is not None:
        tagged = (select(WorkflowTag.workflow_id).join(Tag, col(Tag.id) == col(WorkflowTag.tag_id))
                  .where(func.lower(Tag.name) == tag.strip().lower()))
        query = query.where(col(Workflow.id).in_(tagged))
    with _transaction(db) as session:
        return list(session.exec(query.order_by(col(Workflow.updated_at).desc(), col(Workflow.id))))


def list_versions(db: Db, workflow_id: str) -> list[WorkflowVersion]:
    """The saved versions of a workflow, newest first. Raises WorkflowNotFound."""
    with _transaction(db) as session:
        _get(session, workflow_id)
        query = (select(WorkflowVersion).where(col(WorkflowVersion.workflow_id) == workflow_id)
                 .order_by(col(WorkflowVersion.created_at).desc()))
        return list(session.exec(query))


def restore_version(db: Db, workflow_id: str, version_id: str) -> Workflow:
    """Copy a saved version's name, nodes, connections and settings back, as a new save (pinData,
    staticData and meta are not in versions and stay). Raises WorkflowNotFound, WorkflowArchived."""
    with _transaction(db, write=True) as session:
        workflow = _editable(session, workflow_id)
        version = session.get(WorkflowVersion, version_id)
        if version is None or version.workflow_id != workflow_id:
            raise WorkflowNotFound(f"Workflow {workflow_id} has no version {version_id!r}")
        for column in ("name", "nodes", "connections", "settings"):
            setattr(workflow, column, copy.deepcopy(getattr(version, column)))
        save_workflow_version(session, workflow)
        return workflow


def duplicate_workflow(db: Db, workflow_id: str, name: str | None = None) -> Workflow:
    """An inactive copy in the same project, named "<name> (copy)" unless `name` is given, with the same
    tags. Its webhook nodes get new webhook ids so the two never claim the same paths; static data
    starts empty. Raises WorkflowNotFound, WorkflowValidationError (for a bad `name`)."""
    with _transaction(db, write=True) as session:
        source = _get(session, workflow_id)
        new_name = checked_name(name if name is not None else f"{source.name} (copy)"[:NAME_MAX])
        nodes = copy.deepcopy(source.nodes)
        for node in nodes:
            if node.get("webhookId"):
                node["webhookId"] = new_uuid()
        workflow = Workflow(project_id=source.project_id, name=new_name, nodes=nodes,
                            connections=copy.deepcopy(source.connections), settings=copy.deepcopy(source.settings),
                            pin_data=copy.deepcopy(source.pin_data), meta=copy.deepcopy(source.meta))
        save_workflow_version(session, workflow)
        session.add(SharedWorkflow(workflow_id=workflow.id, project_id=source.project_id, role="owner"))
        assign_tags(session, workflow.id, [tag.name for tag in tags_of(session, [source.id])[source.id]])
        return workflow


def archive_workflow(db: Db, workflow_id: str) -> Workflow:
    """Archive (and deactivate) a workflow: it stays listed on request but cannot run or change."""
    return _set_archived(db, workflow_id, True)


def unarchive_workflow(db: Db, workflow_id: str) -> Workflow:
    """Make an archived workflow usable again; it stays inactive."""
    return _set_archived(db, workflow_id, False)


def delete_workflow(db: Db, workflow_id: str) -> None:
    """Delete a workflow; the database cascades to its versions, tags, shares and executions.

    Raises WorkflowNotFound."""
    with _transaction(db, write=True) as session:
        session.delete(_get(session, workflow_id))
        session.flush()


def set_tags(db: Db, workflow_id: str, names: Iterable[str]) -> list[Tag]:
    """Give a workflow exactly these tags, creating missing ones; names match ignoring case and keep the
    spelling of the tag that exists. Returns the tags in the order given. Raises WorkflowNotFound,
    WorkflowValidationError (for an empty or too long name)."""
    wanted = tag_names(list(names))
    with _transaction(db, write=True) as session:
        _get(session, workflow_id)
        return assign_tags(session, workflow_id, wanted)


def workflow_tags(db: Db, workflow_ids: Iterable[str]) -> dict[str, list[Tag]]:
    """The tags of each workflow (sorted by name ignoring case), in one query; every id asked for is a key."""
    with _transaction(db) as session:
        return tags_of(session, list(workflow_ids))


def _get(session: Session, workflow_id: str) -> Workflow:
    workflow = session.get(Workflow, workflow_id)
    if workflow is None:
        raise WorkflowNotFound(f"No workflow with id {workflow_id!r}")
    return workflow


def _editable(session: Session, workflow_id: str) -> Workflow:
    workflow = _get(session, workflow_id)
    if workflow.is_archived:
        raise WorkflowArchived(f"Workflow '{workflow.name}' ({workflow.id}) is archived; unarchive it to change it")
    return workflow


def _project(session: Session, project_id: str | None) -> Project:
    if project_id is None:
        return ensure_default_project(session)
    project = session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(f"No project with id {project_id!r}")
    return project


def _free_id(session: Session, wanted: Any) -> str:
    if isinstance(wanted, str) and _KEEPABLE_ID.fullmatch(wanted) and session.get(Workflow, wanted) is None:
        return wanted
    return new_id()


def _set_archived(db: Db, workflow_id: str, archived: bool) -> Workflow:
    with _transaction(db, write=True) as session:
        workflow = _get(session, workflow_id)
        workflow.is_archived = archived
        workflow.active = False
        session.add(workflow)
        session.flush()
        return workflow
