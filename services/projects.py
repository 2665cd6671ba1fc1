"""Projects: team projects and their members, as n8n has them; moving a project's contents.

Every user has one personal project (made with the user, gone with the user); team projects are
made by those with project:create (owners and admins), whose creator becomes the project admin.
A change never takes away a team project's last project admin, so somebody inside it can manage it.

    KnotworkError
    └── ProjectError     a project or membership change that is not allowed as asked (400)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, delete, func, select

from engine.errors import KnotworkError
from models import (
    Credential,
    Execution,
    Project,
    ProjectMember,
    SharedWorkflow,
    User,
    Workflow,
)
from models.db import Database

from . import audit
from .access import Actor, NotFound, require, require_project, visible_projects
from .credentials import move_credential

NAME_MAX = 255
MEMBER_ROLES = ("admin", "editor", "viewer")


class ProjectError(KnotworkError):
    status = 400
    code = "invalid_project_request"


@dataclass(frozen=True)
class Member:
    user: User
    role: str  # one of MEMBER_ROLES, or personalOwner


def list_projects(db: Database, actor: Actor, *, after: str | None = None, limit: int = 100) -> list[Project]:
    """The projects the actor reads in (owners and admins: all of them), by id."""
    require(actor, "project:list")
    query = select(Project)
    projects = visible_projects(actor)
    if projects is not None:
        query = query.where(col(Project.id).in_(projects))
    if after is not None:
        query = query.where(col(Project.id) > after)
    with db.session() as session:
        return list(session.exec(query.order_by(col(Project.id)).limit(limit)))


def create_project(db: Database, actor: Actor, name: str) -> Project:
    """A team project; the actor becomes its admin. Needs project:create."""
    require(actor, "project:create")
    project = Project(name=checked_name(name), type="team")
    with db.session() as session:
        session.add(project)
        session.flush()
        session.add(ProjectMember(project_id=project.id, user_id=actor.user_id, role="admin"))
        audit.record(session, "project.created", actor=actor, target=f"project:{project.id}", name=project.name)
    return project


def rename_project(db: Database, actor: Actor, project_id: str, name: str) -> Project:
    """Needs project:manage; a personal project keeps the name of its user."""
    name = checked_name(name)
    with db.session() as session:
        project = require_project(session, actor, project_id, "project:manage")
        _refuse_personal(project, "renamed")
        project.name = name
        session.add(project)
    return project


def delete_project(db: Database, actor: Actor, project_id: str, *, transfer_to: str | None = None) -> None:
    """Delete a team project with its workflows, credentials, executions and variables, or first
    move them to `transfer_to` (where the actor needs workflow:create and credential:create).
    Needs project:delete; personal projects go with their user."""
    with db.session(immediate=True) as session:
        project = require_project(session, actor, project_id, "project:delete")
        _refuse_personal(project, "deleted")
        if transfer_to is not None:
            if transfer_to == project_id:
                raise ProjectError("transferId: cannot move a project's contents into itself")
            require_project(session, actor, transfer_to, "workflow:create")
            require_project(session, actor, transfer_to, "credential:create")
            move_contents(session, project_id, transfer_to)
        session.delete(project)
        audit.record(session, "project.deleted", actor=actor, target=f"project:{project_id}", name=project.name,
                     transferredTo=transfer_to)


def list_members(db: Database, actor: Actor, project_id: str) -> list[Member]:
    """The members of a project the actor reads in, by email. Raises NotFound."""
    with db.session() as session:
        require_project(session, actor, project_id, "project:read")
        rows = session.exec(select(User, ProjectMember.role).join(ProjectMember, col(ProjectMember.user_id) == User.id)
                            .where(ProjectMember.project_id == project_id).order_by(col(User.email))).all()
    return [Member(user, role) for user, role in rows]


def add_members(db: Database, actor: Actor, project_id: str, relations: list[tuple[str, str]]) -> list[Member]:
    """Add users (user id, role) to a team project; one already in it gets the new role. All or
    nothing. Needs project:manage."""
    wanted = [(user_id, member_role(role)) for user_id, role in relations]
    with db.session(immediate=True) as session:
        _require_team_project(session, actor, project_id)
        members = []
        for user_id, role in wanted:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"User '{user_id}' not found")
            _set_role(session, actor, project_id, user_id, role)
            members.append(Member(user, role))
    return members


def change_member_role(db: Database, actor: Actor, project_id: str, user_id: str, role: str) -> Member:
    """Give a member another role. Needs project:manage; NotFound for a user not in the project."""
    role = member_role(role)
    with db.session(immediate=True) as session:
        _require_team_project(session, actor, project_id)
        user = _member(session, project_id, user_id)
        _set_role(session, actor, project_id, user_id, role)
    return Member(user, role)


def remove_member(db: Database, actor: Actor, project_id: str, user_id: str) -> None:
    """Take a user out of a team project. Needs project:manage."""
    with db.session(immediate=True) as session:
        _require_team_project(session, actor, project_id)
        _member(session, project_id, user_id)
        member = session.get_one(ProjectMember, (project_id, user_id))
        _refuse_last_admin(session, member)
        session.delete(member)
        audit.record(session, "project.memberChanged", actor=actor, target=f"project:{project_id}", userId=user_id,
                     role=None)


def move_contents(session: Session, source_id: str, destination_id: str) -> None:
    """Give a project's workflows (with their executions) and credentials to another project.
    No access check: callers have made it."""
    for workflow in session.exec(select(Workflow).where(Workflow.project_id == source_id)).all():
        session.exec(delete(SharedWorkflow).where(
            col(SharedWorkflow.workflow_id) == workflow.id,
            col(SharedWorkflow.project_id).in_([source_id, destination_id])))
        session.add(SharedWorkflow(workflow_id=workflow.id, project_id=destination_id, role="owner"))
        workflow.project_id = destination_id
        session.add(workflow)
    session.exec(update(Execution).where(col(Execution.project_id) == source_id)
                 .values(project_id=destination_id))
    for credential in session.exec(select(Credential).where(Credential.project_id == source_id)).all():
        move_credential(session, credential, destination_id)
    session.flush()


def member_role(role: str) -> str:
    """n8n's project role names, with or without the "project:" prefix."""
    name = role.removeprefix("project:")
    if name not in MEMBER_ROLES:
        raise ProjectError(f"role: '{role}' is not a project role; expected one of "
                           f"{', '.join('project:' + r for r in MEMBER_ROLES)}")
    return name


def checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ProjectError("name: a project needs a name")
    if "\x00" in name:
        raise ProjectError("name: a project name must not contain NUL characters")
    if len(name) > NAME_MAX:
        raise ProjectError(f"name: a project name can have at most {NAME_MAX} characters")
    return name


def _refuse_personal(project: Project, verb: str) -> None:
    if project.type == "personal":
        raise ProjectError(f"A personal project cannot be {verb}")


def _require_team_project(session: Session, actor: Actor, project_id: str) -> Project:
    project = require_project(session, actor, project_id, "project:manage")
    if project.type == "personal":
        raise ProjectError("A personal project has no members to manage")
    return project


def _member(session: Session, project_id: str, user_id: str) -> User:
    found = session.exec(select(User).join(ProjectMember, col(ProjectMember.user_id) == User.id)
                         .where(ProjectMember.project_id == project_id, ProjectMember.user_id == user_id)).first()
    if found is None:
        raise NotFound(f"User '{user_id}' is not a member of this project")
    return found


def _set_role(session: Session, actor: Actor, project_id: str, user_id: str, role: str) -> None:
    member = session.get(ProjectMember, (project_id, user_id))
    if member is not None and member.role == role:
        return
    if member is None:
        member = ProjectMember(project_id=project_id, user_id=user_id, role=role)
    else:
        _refuse_last_admin(session, member)
    member.role = role
    session.add(member)
    session.flush()
    audit.record(session, "project.memberChanged", actor=actor, target=f"project:{project_id}", userId=user_id,
                 role=role)


def _refuse_last_admin(session: Session, member: ProjectMember) -> None:
    """Before `member` stops being a project admin: not if the project would have none left."""
    if member.role != "admin":
        return
    admins = session.exec(select(func.count()).select_from(ProjectMember).where(
        ProjectMember.project_id == member.project_id, ProjectMember.role == "admin")).one()
    if admins <= 1:
        raise ProjectError("This is the project's last admin; make another member admin first")
