"""People and workspaces: users, projects (personal or team) and who belongs to which project.

Model modules do not use `from __future__ import annotations` (stack-notes §6.1).
"""

from sqlmodel import Field

from models.types import LowerCaseString, Timestamps, new_uuid, sql_default

GLOBAL_ROLES = ('owner', 'admin', 'member')
PROJECT_TYPES = ('personal', 'team')
PROJECT_ROLES = ('personalOwner', 'admin', 'editor', 'viewer')


class User(Timestamps, table=True):
    """A person who signs in. `email` is stored stripped and lower-cased (see LowerCaseString)."""

    __tablename__ = 'user_account'

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=36)
    email: str = Field(sa_type=LowerCaseString(254), unique=True, nullable=False)
    first_name: str = Field(default='', max_length=100)
    last_name: str = Field(default='', max_length=100)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(default='member', max_length=20)  # one of GLOBAL_ROLES
    disabled: bool = Field(default=False, sa_column_kwargs=sql_default('false'))


class Project(Timestamps, table=True):
    """A workspace that owns workflows and credentials; every user has one personal project."""

    __tablename__ = 'project'

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=36)
    name: str = Field(max_length=255)
    type: str = Field(default='team', max_length=20)  # one of PROJECT_TYPES


class ProjectMember(Timestamps, table=True):
    """A user's role in a project; removing the user or the project removes the membership."""

    __tablename__ = 'project_member'

    project_id: str = Field(foreign_key='project.id', ondelete='CASCADE', primary_key=True, max_length=36)
    # Indexed for "projects of a user" and for the cascade when a user is deleted.
    user_id: str = Field(foreign_key='user_account.id', ondelete='CASCADE', primary_key=True,
                         max_length=36, index=True)
    role: str = Field(max_length=20)  # one of PROJECT_ROLES
