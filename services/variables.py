"""Variables (`$vars`): global ones and project ones, as n8n has them; the values workflows read.

A global variable (project_id NULL) is read by every execution; a project variable only by the
executions of its project, where it overrides a global one of the same key. Anyone may read the
global ones (variable:readGlobal) and the ones of projects they read in; owners and admins change
the global ones (variable:manageGlobal), project admins the ones of their project (variable:manage).

    KnotworkError
    └── VariableError          a key or value that n8n would refuse (400)
        └── VariableConflict   the key is taken in that scope (409)
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from engine.errors import KnotworkError
from models import Project, Variable
from models.db import Database

from .access import AccessDenied, Actor, NotFound, project_scopes, require, require_project, visible_projects

KEY_MAX = 50
VALUE_MAX = 1000
_KEY = re.compile(r"[A-Za-z0-9_]+")


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # update_variable: leave the variable where it is


class VariableError(KnotworkError):
    status = 400
    code = "invalid_variable"


class VariableConflict(VariableError):
    status = 409
    code = "conflict"


@dataclass(frozen=True)
class VariableView:
    """A variable with the name of its project (None: global)."""

    variable: Variable
    project: Project | None


def list_variables(db: Database, actor: Actor, *, project_id: str | None = None, after: str | None = None,
                   limit: int = 100) -> list[VariableView]:
    """The global variables and those of the projects the actor reads in, by id; `project_id` keeps
    that project's only (NotFound when the actor may not read in it)."""
    with db.session() as session:
        query = select(Variable, Project).outerjoin(Project, col(Project.id) == Variable.project_id)
        if project_id is not None:
            require_project(session, actor, project_id, "variable:read")
            query = query.where(Variable.project_id == project_id)
        else:
            query = query.where(_readable(actor))
        if after is not None:
            query = query.where(col(Variable.id) > after)
        rows = session.exec(query.order_by(col(Variable.id)).limit(limit)).all()
        return [VariableView(variable, project) for variable, project in rows]


def create_variable(db: Database, actor: Actor, *, key: str, value: str,
                    project_id: str | None = None) -> VariableView:
    """A new variable, global or in a project. Raises VariableError, VariableConflict, NotFound,
    AccessDenied."""
    key, value = checked_key(key), checked_value(value)
    try:
        with db.session(immediate=True) as session:
            project = _require_manage(session, actor, project_id)
            _refuse_taken(session, key, project_id, None)
            variable = Variable(key=key, value=value, project_id=project_id)
            session.add(variable)
            session.flush()
    except IntegrityError:  # another request took the key between our check and our insert
        raise _conflict(key, project_id) from None
    _forget_cached()
    return VariableView(variable, project)


def update_variable(db: Database, actor: Actor, variable_id: str, *, key: str, value: str,
                    project_id: str | None | Literal[_Keep.KEEP] = KEEP) -> VariableView:
    """Change a variable's key and value; `project_id` moves it (None: make it global; KEEP: stay).
    Needs the right to manage variables where it is and where it goes."""
    key, value = checked_key(key), checked_value(value)
    try:
        with db.session(immediate=True) as session:
            variable = require_variable(session, actor, variable_id, manage=True)
            destination = variable.project_id if project_id is _Keep.KEEP else project_id
            project = _require_manage(session, actor, destination)
            _refuse_taken(session, key, destination, variable.id)
            variable.key, variable.value, variable.project_id = key, value, destination
            session.add(variable)
            session.flush()
    except IntegrityError:
        raise _conflict(key, project_id if isinstance(project_id, str) else None) from None
    _forget_cached()
    return VariableView(variable, project)


def delete_variable(db: Database, actor: Actor, variable_id: str) -> None:
    """Needs the right to manage variables where it is; NotFound when the actor cannot read it."""
    with db.session() as session:
        session.delete(require_variable(session, actor, variable_id, manage=True))
    _forget_cached()


# $vars of recent executions per (database, project): reading them cost a query per execution, as
# much as the rest of a small run. A change made in this process clears the cache at once; one made
# in another process shows within CACHE_SECONDS.
CACHE_SECONDS = 2.0
_cache: weakref.WeakKeyDictionary[Database, dict[str | None, tuple[float, dict[str, str]]]] = (
    weakref.WeakKeyDictionary())
_cache_lock = threading.Lock()


def variables_for_project(db: Database, project_id: str | None) -> dict[str, str]:
    """What `$vars` holds in an execution of this project: the global variables, overridden by the
    project's own. Never checks access: the execution's project already decided that. The dict is
    shared: callers copy it before changing it."""
    cached = _cache.get(db, {}).get(project_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    with db.session() as session:
        query = select(Variable.key, Variable.value, Variable.project_id).where(
            or_(col(Variable.project_id).is_(None), Variable.project_id == project_id))
        rows = session.exec(query).all()
    # Globals first, so that a project's variable of the same key wins.
    values = {key: value for key, value, _ in sorted(rows, key=lambda row: row[2] is not None)}
    with _cache_lock:
        _cache.setdefault(db, {})[project_id] = (time.monotonic() + CACHE_SECONDS, values)
    return values


def _forget_cached() -> None:
    with _cache_lock:
        _cache.clear()


def require_variable(session: Session, actor: Actor, variable_id: str, *, manage: bool = False) -> Variable:
    """The variable if the actor may read it (else NotFound), and change it when `manage` (else
    AccessDenied)."""
    variable = session.get(Variable, variable_id)
    if variable is None or not _may(session, actor, variable.project_id, "read"):
        raise NotFound(f"Variable '{variable_id}' not found")
    if manage and not _may(session, actor, variable.project_id, "manage"):
        raise AccessDenied(f"You may not change the variable '{variable.key}'")
    return variable


def checked_key(key: str) -> str:
    """n8n's rule: letters, digits and underscores, at most 50 characters."""
    if not key:
        raise VariableError("key: a variable needs a key")
    if len(key) > KEY_MAX:
        raise VariableError(f"key: a variable key can have at most {KEY_MAX} characters")
    if not _KEY.fullmatch(key):
        raise VariableError("key: a variable key can only contain letters, digits and underscores")
    return key


def checked_value(value: str) -> str:
    if len(value) > VALUE_MAX:
        raise VariableError(f"value: a variable value can have at most {VALUE_MAX} characters")
    if "\x00" in value:
        raise VariableError("value: a variable value must not contain NUL characters")
    return value


def _may(session: Session, actor: Actor, project_id: str | None, action: str) -> bool:
    if project_id is None:
        return actor.has("variable:readGlobal" if action == "read" else "variable:manageGlobal")
    return f"variable:{action}" in project_scopes(session, actor, project_id)


def _require_manage(session: Session, actor: Actor, project_id: str | None) -> Project | None:
    if project_id is None:
        require(actor, "variable:manageGlobal")
        return None
    return require_project(session, actor, project_id, "variable:manage")


def _readable(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition of the variables the actor may list."""
    conditions = []
    if actor.has("variable:readGlobal"):
        conditions.append(col(Variable.project_id).is_(None))
    if actor.key_allows("variable:read"):
        projects = visible_projects(actor)
        conditions.append(col(Variable.project_id).is_not(None) if projects is None
                          else col(Variable.project_id).in_(projects))
    return or_(*conditions) if conditions else col(Variable.id).is_(None)


def _refuse_taken(session: Session, key: str, project_id: str | None, own_id: str | None) -> None:
    scope = col(Variable.project_id).is_(None) if project_id is None else Variable.project_id == project_id
    taken = session.exec(select(Variable.id).where(Variable.key == key, scope)).first()
    if taken is not None and taken != own_id:
        raise _conflict(key, project_id)


def _conflict(key: str, project_id: str | None) -> VariableConflict:
    where = "in this project" if project_id else "among the global variables"
    return VariableConflict(f"key: a variable with the key '{key}' already exists {where}")
