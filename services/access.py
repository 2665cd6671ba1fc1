"""Who may do what: the one place that turns roles into scopes and answers every access question.

An `Actor` is the user a request acts as (from a session cookie, an API key or the command line).
Roles are sets of `resource:action` scopes, as in n8n:

- a global role (owner / admin / member) gives instance-wide scopes; owner and admin see every project;
- a project role (personalOwner / admin / editor / viewer) gives scopes inside that project;
- a workflow or credential shared with a project gives that project's members at most the share
  role's scopes on it (workflow editor, credential user);
- an API key with scopes narrows its user's scopes to those.

Every `require_*` returns the row it checked, so callers never load it twice. A caller who may not
even read a thing gets NotFound (404: no hint that it exists); one who may read it but not do the
action gets AccessDenied (403).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Select
from sqlmodel import Session, col, select

from engine.errors import KnotworkError
from models import Credential, Execution, Project, ProjectMember, SharedCredential, SharedWorkflow, Workflow

# Instance-wide scopes (not tied to a project).
GLOBAL_SCOPES = frozenset({
    "user:read", "user:manage", "user:changeRole", "project:create", "project:list",
    "tag:read", "tag:create", "tag:manage", "variable:readGlobal", "variable:manageGlobal",
    "audit:read", "apiKey:manage", "credentialType:read",
})
# Scopes inside a project (and, narrowed by share roles, on one shared workflow or credential).
PROJECT_SCOPES = frozenset({
    "project:read", "project:manage", "project:delete",
    "workflow:create", "workflow:read", "workflow:update", "workflow:delete", "workflow:execute",
    "workflow:share", "workflow:move",
    "credential:create", "credential:read", "credential:update", "credential:delete", "credential:use",
    "credential:share", "credential:move",
    "execution:read", "execution:retry", "execution:stop", "execution:delete",
    "variable:read", "variable:manage",
})
ALL_SCOPES = GLOBAL_SCOPES | PROJECT_SCOPES

_VIEWER = frozenset({"project:read", "workflow:read", "credential:read", "execution:read", "variable:read"})
_EDITOR = _VIEWER | {
    "workflow:create", "workflow:update", "workflow:delete", "workflow:execute",
    "credential:create", "credential:update", "credential:delete", "credential:use",
    "execution:retry", "execution:stop", "execution:delete",
}
_SHARER = _EDITOR | {"workflow:share", "workflow:move", "credential:share", "credential:move", "variable:manage"}

PROJECT_ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": _VIEWER,
    "editor": frozenset(_EDITOR),
    "admin": frozenset(_SHARER | {"project:manage", "project:delete"}),
    # A personal project has no members to manage and cannot be deleted on its own.
    "personalOwner": frozenset(_SHARER),
}
GLOBAL_ROLE_SCOPES: dict[str, frozenset[str]] = {
    "owner": ALL_SCOPES,
    "admin": ALL_SCOPES,
    "member": frozenset({"user:read", "tag:read", "tag:create", "variable:readGlobal", "credentialType:read",
                         "apiKey:manage", "project:list"}),
}
# What a project gets on a workflow or credential it does not own but that is shared with it.
WORKFLOW_SHARE_SCOPES: dict[str, frozenset[str]] = {
    "owner": PROJECT_SCOPES,
    "editor": frozenset({"workflow:read", "workflow:update", "workflow:execute",
                         "execution:read", "execution:retry", "execution:stop"}),
}
CREDENTIAL_SHARE_SCOPES: dict[str, frozenset[str]] = {
    "owner": PROJECT_SCOPES,
    "user": frozenset({"credential:read", "credential:use"}),
}


class AccessError(KnotworkError):
    """The actor may not do this; `status` is the HTTP status an interface should answer with."""

    status = 403
    code = "forbidden"


class AccessDenied(AccessError):
    """The actor may see the thing but not do this to it."""


class NotFound(AccessError, LookupError):
    """No such thing, or one the actor may not know exists (the two look the same on purpose)."""

    status = 404
    code = "not_found"


@dataclass(frozen=True)
class Actor:
    """The user a request acts as. `key_scopes` narrows an API key's rights (None: no narrowing)."""

    user_id: str
    role: Literal["owner", "admin", "member"]
    email: str = ""
    via: Literal["session", "api_key", "cli", "system"] = "session"
    key_scopes: frozenset[str] | None = None

    @property
    def sees_everything(self) -> bool:
        """Owner and admin may act in every project."""
        return self.role in ("owner", "admin")

    def narrowed(self, scopes: Iterable[str]) -> frozenset[str]:
        """Scopes as narrowed by the API key, if any."""
        scopes = frozenset(scopes)
        return scopes if self.key_scopes is None else scopes & self.key_scopes

    def has(self, scope: str) -> bool:
        """An instance-wide scope (user:manage, audit:read, ...)."""
        return scope in self.narrowed(GLOBAL_ROLE_SCOPES.get(self.role, frozenset()))

    def key_allows(self, scope: str) -> bool:
        """Whether the API key (if any) lets this scope through; lists check it before filtering."""
        return self.key_scopes is None or scope in self.key_scopes


def require(actor: Actor, scope: str) -> None:
    """An instance-wide scope, or AccessDenied."""
    if not actor.has(scope):
        raise AccessDenied(f"Your role ({actor.role}) does not allow '{scope}'")


# --- projects ------------------------------------------------------------------------------------

def project_role(session: Session, actor: Actor, project_id: str) -> str | None:
    member = session.get(ProjectMember, (project_id, actor.user_id))
    return member.role if member else None


def project_scopes(session: Session, actor: Actor, project_id: str) -> frozenset[str]:
    """The actor's scopes inside a project (empty: not a member and not owner/admin)."""
    if actor.sees_everything:
        return actor.narrowed(ALL_SCOPES)
    role = project_role(session, actor, project_id)
    return actor.narrowed(PROJECT_ROLE_SCOPES.get(role, frozenset())) if role else frozenset()


def require_project(session: Session, actor: Actor, project_id: str, scope: str = "project:read") -> Project:
    project = session.get(Project, project_id)
    scopes = project_scopes(session, actor, project_id) if project else frozenset()
    if project is None or "project:read" not in scopes:
        raise NotFound(f"Project '{project_id}' not found")
    if scope not in scopes:
        raise AccessDenied(f"Your role in project '{project.name}' does not allow '{scope}'")
    return project


def visible_projects(actor: Actor) -> Select[tuple[str]] | None:
    """A subquery of the project ids the actor may read in, or None for all (owner/admin)."""
    if actor.sees_everything:
        return None
    return select(ProjectMember.project_id).where(ProjectMember.user_id == actor.user_id)


def personal_project_id(session: Session, user_id: str) -> str:
    """The user's personal project (every user has exactly one)."""
    project_id = session.exec(
        select(ProjectMember.project_id).where(ProjectMember.user_id == user_id,
                                               ProjectMember.role == "personalOwner")).first()
    if project_id is None:
        raise NotFound(f"User '{user_id}' has no personal project")
    return project_id


# --- workflows and their executions --------------------------------------------------------------

def _shared_scopes(session: Session, actor: Actor, shares: Iterable[tuple[str, str]],
                   share_scopes: dict[str, frozenset[str]]) -> frozenset[str]:
    """Union over the projects holding a share of (actor's scopes in that project ∩ the share's)."""
    scopes: set[str] = set()
    for project_id, share_role in shares:
        scopes |= project_scopes(session, actor, project_id) & share_scopes.get(share_role, frozenset())
    return frozenset(scopes)


def workflow_scopes(session: Session, actor: Actor, workflow_id: str) -> frozenset[str]:
    shares = session.exec(select(SharedWorkflow.project_id, SharedWorkflow.role)
                          .where(SharedWorkflow.workflow_id == workflow_id)).all()
    return _shared_scopes(session, actor, shares, WORKFLOW_SHARE_SCOPES)


def require_workflow(session: Session, actor: Actor, workflow_id: str, scope: str = "workflow:read") -> Workflow:
    workflow = session.get(Workflow, workflow_id)
    scopes = workflow_scopes(session, actor, workflow_id) if workflow else frozenset()
    if workflow is None or "workflow:read" not in scopes:
        raise NotFound(f"Workflow '{workflow_id}' not found")
    if scope not in scopes:
        raise AccessDenied(f"You may not {_verb(scope)} the workflow '{workflow.name}'")
    return workflow


def readable_workflows(actor: Actor) -> Select[tuple[str]] | None:
    """A subquery of workflow ids the actor may read, or None for all."""
    projects = visible_projects(actor)
    if projects is None:
        return None
    return select(SharedWorkflow.workflow_id).where(col(SharedWorkflow.project_id).in_(projects))


def require_execution(session: Session, actor: Actor, execution_id: int | str,
                      scope: str = "execution:read") -> Execution:
    """Execution rights follow its workflow: whoever may read the workflow may read its executions."""
    try:
        execution = session.get(Execution, int(execution_id))
    except (TypeError, ValueError):
        execution = None
    scopes = workflow_scopes(session, actor, execution.workflow_id) if execution else frozenset()
    if execution is None or "execution:read" not in scopes:
        raise NotFound(f"Execution '{execution_id}' not found")
    if scope not in scopes:
        raise AccessDenied(f"You may not {_verb(scope)} execution {execution_id}")
    return execution


# --- credentials ---------------------------------------------------------------------------------

def credential_scopes(session: Session, actor: Actor, credential_id: str) -> frozenset[str]:
    shares = session.exec(select(SharedCredential.project_id, SharedCredential.role)
                          .where(SharedCredential.credential_id == credential_id)).all()
    return _shared_scopes(session, actor, shares, CREDENTIAL_SHARE_SCOPES)


def require_credential(session: Session, actor: Actor, credential_id: str,
                       scope: str = "credential:read") -> Credential:
    credential = session.get(Credential, credential_id)
    scopes = credential_scopes(session, actor, credential_id) if credential else frozenset()
    if credential is None or "credential:read" not in scopes:
        raise NotFound(f"Credential '{credential_id}' not found")
    if scope not in scopes:
        raise AccessDenied(f"You may not {_verb(scope)} the credential '{credential.name}'")
    return credential


def readable_credentials(actor: Actor) -> Select[tuple[str]] | None:
    projects = visible_projects(actor)
    if projects is None:
        return None
    return select(SharedCredential.credential_id).where(col(SharedCredential.project_id).in_(projects))


def _verb(scope: str) -> str:
    return scope.split(":", 1)[1]
