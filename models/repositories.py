"""Reads and writes the services build on. Each function takes a Session and never commits: the caller's
`Database.session()` block does, so several calls can share one transaction.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Select, and_, bindparam, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from models.executions import FINISHED, MODES, STATUSES, TRANSITIONS, Execution, ExecutionData
from models.types import new_uuid, utcnow
from models.workflows import Workflow, WorkflowVersion

# Execution columns transition() may set along with the status.
TRANSITION_FIELDS = frozenset({'started_at', 'stopped_at', 'wait_till', 'last_node', 'error_message',
                               'retry_success_id', 'worker_id'})
# For each status, the statuses an execution may enter it from (TRANSITIONS read backwards).
ALLOWED_FROM: dict[str, frozenset[str]] = {
    target: frozenset(source for source, targets in TRANSITIONS.items() if target in targets)
    for target in STATUSES
}
# Version 1 of execution_data: orjson, then zlib at level 1 (measured here on 2.7 MB of run data:
# level 1 is 6.5x smaller at 260 MB/s, level 6 is 7x smaller at 120 MB/s). Small documents too: a
# webhook run's 2.4 kB took 1.1 kB compressed, and storing them plain wrote 2.5x the pages for no
# measurable CPU saved (bench/webhook_bench.py's workflow, 4,000 executions).
DATA_FORMAT_VERSION = 1
_COMPRESSION_LEVEL = 1


# Executions


def create_execution(session: Session, workflow_id: str, project_id: str, mode: str,
                     retry_of: int | None = None) -> Execution:
    """Insert an execution in status 'new' and return it with its id assigned.

    Raises ValueError for a mode not in MODES; IntegrityError if the workflow or project does not exist.
    """
    if mode not in MODES:
        raise ValueError(f'unknown execution mode {mode!r}; expected one of {", ".join(MODES)}')
    execution = Execution(workflow_id=workflow_id, project_id=project_id, mode=mode, status='new',
                          retry_of=retry_of)
    session.add(execution)
    session.flush()
    return execution


def transition(session: Session, execution_id: int, to_status: str, **fields: Any) -> bool:
    """Move an execution to `to_status` if TRANSITIONS allows it from its current status.

    One conditional UPDATE (`… WHERE id = :id AND status IN (:allowed_from)`) decides, so of two
    callers racing on the same execution at most one wins, and a finished execution is never touched.
    Returns False, changing nothing, when the move is not allowed or the execution does not exist.
    `fields` sets other columns in the same UPDATE (see TRANSITION_FIELDS); entering a finished status
    sets stopped_at to now unless given. Raises ValueError for an unknown status or field.
    """
    if to_status not in STATUSES:
        raise ValueError(f'unknown execution status {to_status!r}; expected one of {", ".join(STATUSES)}')
    if unknown := sorted(set(fields) - TRANSITION_FIELDS):
        raise ValueError(f'transition() cannot set {unknown}; it sets only {sorted(TRANSITION_FIELDS)}')
    allowed_from = ALLOWED_FROM[to_status]
    if not allowed_from:
        return False
    values = {'status': to_status, **fields}
    if to_status in FINISHED:
        values.setdefault('stopped_at', utcnow())
    statement = (update(Execution)
                 .where(col(Execution.id) == execution_id, col(Execution.status).in_(allowed_from))
                 .values(values)
                 .execution_options(synchronize_session=False))
    moved = session.exec(statement).rowcount == 1
    _expire_cached(session, Execution, execution_id)
    return moved


def save_execution_data(session: Session, execution_id: int, snapshot: dict[str, Any],
                        run_data_document: dict[str, Any]) -> int:
    """Store an execution's workflow snapshot and run data, replacing what was stored before.

    Each is encoded with orjson and zlib-compressed; Execution.data_size becomes the bytes stored, which
    this returns. Raises TypeError for values orjson cannot encode, IntegrityError when the execution
    does not exist.
    """
    snapshot_blob, data_blob = _pack(snapshot), _pack(run_data_document)
    stored = {'workflow_snapshot': snapshot_blob, 'data': data_blob, 'format_version': DATA_FORMAT_VERSION}
    size = len(snapshot_blob) + len(data_blob)
    insert = postgresql.insert if session.get_bind().dialect.name == 'postgresql' else sqlite.insert
    session.exec(insert(ExecutionData).values(execution_id=execution_id, **stored)
                 .on_conflict_do_update(index_elements=['execution_id'], set_=stored))
    session.exec(update(Execution).where(col(Execution.id) == execution_id).values(data_size=size)
                 .execution_options(synchronize_session=False))
    _expire_cached(session, ExecutionData, execution_id)
    _expire_cached(session, Execution, execution_id)
    return size


def load_execution_data(session: Session,
                        execution_id: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Return (workflow snapshot, run data document) of an execution, or None if none was saved.

    Raises ValueError for data written in a format this version cannot read.
    """
    row = session.exec(select(ExecutionData.format_version, ExecutionData.workflow_snapshot,
                              ExecutionData.data)
                       .where(col(ExecutionData.execution_id) == execution_id)).first()
    if row is None:
        return None
    version, snapshot, data = row
    if version != DATA_FORMAT_VERSION:
        raise ValueError(f'execution {execution_id} holds data in format {version}; '
                         f'this version reads format {DATA_FORMAT_VERSION}')
    return _unpack(snapshot), _unpack(data)


def list_executions(session: Session, workflow_id: str | None = None,
                    status: str | Collection[str] | None = None, limit: int = 50,
                    before_id: int | None = None,
                    project_ids: Collection[str] | None = None,
                    workflow_ids: Select[tuple[str]] | None = None) -> list[Execution]:
    """Executions newest first (by id), at most `limit`, never loading ExecutionData.

    Filters combine: one workflow, one status or several, ids below `before_id` (the cursor of the
    next page: the last id of the previous one), visibility to `project_ids`, and workflows in the
    subquery `workflow_ids` (e.g. services.access.readable_workflows). Rows marked deleted
    (deleted_at set) are left out.
    """
    query = select(Execution).where(col(Execution.deleted_at).is_(None))
    if workflow_id is not None:
        query = query.where(col(Execution.workflow_id) == workflow_id)
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        query = query.where(col(Execution.status).in_(statuses))
    if before_id is not None:
        query = query.where(col(Execution.id) < before_id)
    if project_ids is not None:
        query = query.where(col(Execution.project_id).in_(list(project_ids)))
    if workflow_ids is not None:
        query = query.where(col(Execution.workflow_id).in_(workflow_ids))
    return list(session.exec(query.order_by(col(Execution.id).desc()).limit(limit)))


def prune_executions(session: Session, max_age_hours: int | None, max_count: int | None,
                     now: datetime) -> int:
    """Hard-delete finished executions (and their data) that are too old or too many; returns how many.

    Too old: stopped more than `max_age_hours` before `now` (created, if it never got a stop time).
    Too many: older than the newest `max_count` executions of any status. None switches a limit off.
    Executions that are new, running or waiting are always kept. On SQLite, follow with
    Database.reclaim_space() to give the freed pages back to the file system.
    """
    too_old_or_many = []
    if max_age_hours is not None:
        cutoff = now - timedelta(hours=max_age_hours)
        too_old_or_many += [col(Execution.stopped_at) < cutoff,
                            and_(col(Execution.stopped_at).is_(None), col(Execution.created_at) < cutoff)]
    if max_count is not None:
        boundary = session.exec(select(Execution.id).order_by(col(Execution.id).desc())
                                .offset(max_count).limit(1)).first()
        if boundary is not None:
            too_old_or_many.append(col(Execution.id) <= boundary)
    if not too_old_or_many:
        return 0
    statement = (delete(Execution)
                 .where(col(Execution.status).in_(FINISHED), or_(*too_old_or_many))
                 .execution_options(synchronize_session=False))
    return session.exec(statement).rowcount


# Workflows


def save_workflow_version(session: Session, workflow: Workflow, authors: str = '') -> WorkflowVersion:
    """Record a save of `workflow`: give it a new version_id and add a history row copying it.

    Call after changing the workflow, in the same session, on every save. The history row holds deep
    copies of name, nodes, connections and settings, so later edits of the workflow never reach it.
    """
    workflow.version_id = new_uuid()
    workflow.updated_at = utcnow()
    session.add(workflow)
    session.flush()  # the workflow row must exist before its history row refers to it
    version = WorkflowVersion(version_id=workflow.version_id, workflow_id=workflow.id, name=workflow.name,
                              nodes=_copy(workflow.nodes), connections=_copy(workflow.connections),
                              settings=_copy(workflow.settings), authors=authors)
    session.add(version)
    return version


def _pack(document: dict[str, Any]) -> bytes:
    return zlib.compress(orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS), _COMPRESSION_LEVEL)


def _unpack(blob: bytes) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(zlib.decompress(blob))
    return document


def _copy(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))


def _expire_cached(session: Session, model: type[Any], primary_key: int) -> None:
    """Make a copy of the row already loaded in this session reload, after a write that bypassed it."""
    instance = session.identity_map.get(session.identity_key(model, primary_key))
    if instance is not None:
        session.expire(instance)


# The hot path of a worker: the fewest statements per execution (each round trip counts at
# hundreds of executions per second). Core statements built once with bind parameters: building a
# statement per call (coercing every value) cost more CPU than running it on SQLite. Each takes a
# Session or a plain Connection.

_EXECUTION = Execution.__table__  # type: ignore[attr-defined]
_DATA = ExecutionData.__table__  # type: ignore[attr-defined]
_INSERT_EXECUTION = _EXECUTION.insert().values(
    workflow_id=bindparam('p_workflow_id'), project_id=bindparam('p_project_id'), mode=bindparam('p_mode'),
    status='new', retry_of=bindparam('p_retry_of'), created_at=bindparam('p_created_at'), data_size=0,
).returning(_EXECUTION.c.id)
# An execution its starter runs at once (services.executions.ExecutionRuntime.start_here): born claimed.
_INSERT_RUNNING = _EXECUTION.insert().values(
    workflow_id=bindparam('p_workflow_id'), project_id=bindparam('p_project_id'), mode=bindparam('p_mode'),
    status='running', retry_of=bindparam('p_retry_of'), created_at=bindparam('p_created_at'), data_size=0,
    started_at=bindparam('p_created_at'), worker_id=bindparam('p_worker_id'),
).returning(_EXECUTION.c.id)
_INSERT_DATA = _DATA.insert().values(
    execution_id=bindparam('p_execution_id'), workflow_snapshot=bindparam('p_snapshot'), data=bindparam('p_data'),
    format_version=DATA_FORMAT_VERSION)
_CLAIM = (_EXECUTION.update()
          .where(_EXECUTION.c.id == bindparam('p_execution_id'), _EXECUTION.c.status == 'new')
          .values(status='running', started_at=bindparam('p_now'), worker_id=bindparam('p_worker_id'))
          .returning(_EXECUTION.c.id, _EXECUTION.c.workflow_id, _EXECUTION.c.project_id, _EXECUTION.c.mode,
                     _EXECUTION.c.retry_of))
_SNAPSHOT = select(_DATA.c.workflow_snapshot).where(_DATA.c.execution_id == bindparam('p_execution_id'))
_WRITE_DATA = _DATA.update().where(_DATA.c.execution_id == bindparam('p_execution_id')).values(data=bindparam('p_data'))
_EMPTY_DATA = _pack({})
_FINISH: dict[tuple[str, ...], Any] = {}  # finish statements by the columns they set


def _finish_statement(columns: tuple[str, ...]) -> Any:
    statement = _FINISH.get(columns)
    if statement is None:
        statement = _FINISH[columns] = (
            _EXECUTION.update()
            .where(_EXECUTION.c.id == bindparam('p_execution_id'), _EXECUTION.c.status == 'running')
            .values({column: bindparam(f'p_new_{column}') for column in columns}))
    return statement


_RETRY_SUCCEEDED = (_EXECUTION.update().where(_EXECUTION.c.id == bindparam('p_retry_of'))
                    .values(retry_success_id=bindparam('p_execution_id')))


def mark_retry_succeeded(session: Session | Connection, retry_of: int, execution_id: int) -> None:
    """The failed execution `retry_of` was retried successfully by `execution_id`."""
    session.execute(_RETRY_SUCCEEDED, {'p_retry_of': retry_of, 'p_execution_id': execution_id})


def start_execution_row(session: Session | Connection, workflow_id: str, project_id: str, mode: str,
                        snapshot: dict[str, Any], retry_of: int | None = None, *,
                        claimed_by: str | None = None) -> int:
    """Insert a `new` execution and its snapshot (run data empty) in two statements; returns the id.
    With `claimed_by` (a worker id) the execution is inserted `running` for that worker instead, as
    claim_execution would leave it: for a starter that runs it at once."""
    if mode not in MODES:
        raise ValueError(f'unknown execution mode {mode!r}; expected one of {", ".join(MODES)}')
    parameters = {'p_workflow_id': workflow_id, 'p_project_id': project_id, 'p_mode': mode,
                  'p_retry_of': retry_of, 'p_created_at': utcnow()}
    if claimed_by is None:
        execution_id = session.execute(_INSERT_EXECUTION, parameters).scalar_one()
    else:
        execution_id = session.execute(_INSERT_RUNNING, {**parameters, 'p_worker_id': claimed_by}).scalar_one()
    session.execute(_INSERT_DATA, {'p_execution_id': execution_id, 'p_snapshot': _pack(snapshot), 'p_data': _EMPTY_DATA})
    return int(execution_id)


def claim_execution(session: Session | Connection, execution_id: int, worker_id: str,
                    known_snapshot: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]] | None:
    """Move a `new` execution to `running` for this worker and read what running it needs.

    Returns (row with workflow_id, project_id, mode, retry_of; workflow snapshot), or None when the
    execution is not `new` any more (canceled, or a second delivery of a message): only one caller
    can ever claim an execution. `known_snapshot` (the process that started it still has it) saves
    reading the snapshot back.
    """
    row = session.execute(_CLAIM, {'p_execution_id': execution_id, 'p_now': utcnow(), 'p_worker_id': worker_id}).first()
    if row is None:
        return None
    if known_snapshot is not None:
        return row, known_snapshot
    blob = session.execute(_SNAPSHOT, {'p_execution_id': execution_id}).scalar()
    return row, (_unpack(blob) if blob is not None else {})


def finish_execution(session: Session | Connection, execution_id: int, status: str,
                     document: dict[str, Any] | None, **fields: Any) -> bool:
    """Record the end of a `running` execution: its run data (None keeps none) and its final
    status, with the same monotonic rule as transition(). Returns False, writing nothing, if the
    execution was not running."""
    if unknown := sorted(set(fields) - TRANSITION_FIELDS):
        raise ValueError(f'finish_execution() cannot set {unknown}')
    if 'running' not in ALLOWED_FROM[status]:
        return False
    values: dict[str, Any] = {'status': status, **fields}
    if status in FINISHED:
        values.setdefault('stopped_at', utcnow())
    if document is not None:
        packed = _pack(document)
        session.execute(_WRITE_DATA, {'p_execution_id': execution_id, 'p_data': packed})
        values['data_size'] = len(packed)
    columns = tuple(sorted(values))
    parameters = {f'p_new_{column}': values[column] for column in columns}
    moved = session.execute(_finish_statement(columns), {'p_execution_id': execution_id, **parameters}).rowcount == 1
    if not moved:
        session.rollback()  # the run data must not be written for an execution someone else ended
    return moved


def save_progress(session: Session, execution_id: int, document: dict[str, Any]) -> None:
    """Replace a running execution's run data with its progress so far (saveExecutionProgress)."""
    data = ExecutionData.__table__  # type: ignore[attr-defined]
    session.execute(data.update().where(data.c.execution_id == execution_id).values(data=_pack(document)))


def resume_waiting_execution(session: Session, execution_id: int,
                             resume_items: list[dict[str, Any]] | None = None) -> bool:
    """Move a `waiting` execution back to `new` so it runs on from where it stopped: its snapshot's
    `resume` becomes the saved state (with `resumeItems`, the output of the node that waited).
    Returns False, changing nothing, when it was not waiting (another caller resumed it first)."""
    table = Execution.__table__  # type: ignore[attr-defined]
    moved = session.execute(
        table.update().where(table.c.id == execution_id, table.c.status == 'waiting')
        .values(status='new', wait_till=None)).rowcount == 1
    if not moved:
        return False
    loaded = load_execution_data(session, execution_id)
    state = dict((loaded[1] if loaded else {}).get('state') or {})
    if not state:
        session.rollback()
        raise ValueError(f'execution {execution_id} is waiting but saved no state to resume from')
    if resume_items is not None:
        state['resumeItems'] = resume_items
    snapshot = {'workflow': loaded[0].get('workflow') if loaded else None, 'resume': state}
    data = ExecutionData.__table__  # type: ignore[attr-defined]
    session.execute(data.update().where(data.c.execution_id == execution_id)
                    .values(workflow_snapshot=_pack(snapshot)))
    return True


def save_activation_error(session: Session, workflow_id: str, message: str | None, *,
                          deactivate: bool = False) -> None:
    """Record why a trigger of the workflow could not start (None: it runs again), optionally
    deactivating it, without touching updated_at: the workflow was not edited."""
    table = Workflow.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {"activation_error": message, "updated_at": table.c.updated_at}
    if deactivate:
        values["active"] = False
    session.execute(table.update().where(table.c.id == workflow_id).values(**values))


def save_static_data(session: Session, workflow_id: str, static_data: dict[str, Any]) -> None:
    """Store a workflow's static data (poll cursors, recurrence, dedup history) without touching
    updated_at: it is the workflow's state, not an edit."""
    table = Workflow.__table__  # type: ignore[attr-defined]
    session.execute(table.update().where(table.c.id == workflow_id)
                    .values(static_data=static_data, updated_at=table.c.updated_at))
