"""Workflows in n8n's shape, their saved versions (history), tags, and sharing with projects.

Model modules do not use `from __future__ import annotations` (stack-notes §6.1).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from models.types import (
    Timestamps,
    UTCDateTime,
    json_default,
    json_dict,
    json_list,
    new_id,
    new_uuid,
    sql_default,
    utcnow,
)

SHARE_ROLES = ('owner', 'editor')


class Workflow(Timestamps, table=True):
    """A workflow: n8n's JSON document split into columns, owned by one project.

    `version_id` names the current version; save_workflow_version() renews it on every save.
    """

    __tablename__ = 'workflow'
    __table_args__ = (
        # The workflow list of a project, most recently edited first.
        Index('ix_workflow_project_updated', 'project_id', 'updated_at'),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(foreign_key='project.id', ondelete='CASCADE', max_length=36)
    name: str = Field(max_length=128)
    active: bool = Field(default=False, sa_column_kwargs=sql_default('false'))
    is_archived: bool = Field(default=False, sa_column_kwargs=sql_default('false'))
    nodes: list[dict[str, Any]] = Field(default_factory=list, sa_type=json_list(), nullable=False,
                                        sa_column_kwargs=json_default('[]'))
    connections: dict[str, Any] = Field(default_factory=dict, sa_type=json_dict(), nullable=False,
                                        sa_column_kwargs=json_default('{}'))
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=json_dict(), nullable=False,
                                     sa_column_kwargs=json_default('{}'))
    pin_data: dict[str, Any] = Field(default_factory=dict, sa_type=json_dict(), nullable=False,
                                     sa_column_kwargs=json_default('{}'))
    static_data: dict[str, Any] = Field(default_factory=dict, sa_type=json_dict(), nullable=False,
                                        sa_column_kwargs=json_default('{}'))
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=json_dict(), nullable=False,
                                 sa_column_kwargs=json_default('{}'))
    version_id: str = Field(default_factory=new_uuid, max_length=36)
    trigger_count: int = Field(default=0, sa_column_kwargs=sql_default('0'))
    # Why a trigger could not start (set by the scheduler; cleared by every activation change).
    activation_error: str | None = Field(default=None, sa_type=Text)


class WorkflowVersion(SQLModel, table=True):
    """A copy of a workflow as it was saved; deleting the workflow deletes its history."""

    __tablename__ = 'workflow_version'
    __table_args__ = (
        # The history of one workflow, newest first.
        Index('ix_workflow_version_workflow_created', 'workflow_id', 'created_at'),
    )

    version_id: str = Field(primary_key=True, max_length=36)
    workflow_id: str = Field(foreign_key='workflow.id', ondelete='CASCADE', max_length=36)
    name: str = Field(max_length=128)
    nodes: list[dict[str, Any]] = Field(default_factory=list, sa_type=json_list(), nullable=False,
                                        sa_column_kwargs=json_default('[]'))
    connections: dict[str, Any] = Field(default_factory=dict, sa_type=json_dict(), nullable=False,
                                        sa_column_kwargs=json_default('{}'))
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=json_dict(), nullable=False,
                                     sa_column_kwargs=json_default('{}'))
    authors: str = Field(default='', sa_type=Text, sa_column_kwargs={'server_default': ''})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class Tag(Timestamps, table=True):
    __tablename__ = 'tag'

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=64, unique=True)


class WorkflowTag(SQLModel, table=True):
    """A tag on a workflow; goes away with either of them."""

    __tablename__ = 'workflow_tag'

    workflow_id: str = Field(foreign_key='workflow.id', ondelete='CASCADE', primary_key=True, max_length=36)
    # Indexed for "workflows with this tag" and for the cascade when a tag is deleted.
    tag_id: str = Field(foreign_key='tag.id', ondelete='CASCADE', primary_key=True, max_length=36,
                        index=True)


class SharedWorkflow(Timestamps, table=True):
    """A project's access to a workflow: exactly one 'owner' row, any number of 'editor' rows."""

    __tablename__ = 'shared_workflow'

    workflow_id: str = Field(foreign_key='workflow.id', ondelete='CASCADE', primary_key=True, max_length=36)
    # Indexed for "workflows shared with this project" and for the cascade when a project is deleted.
    project_id: str = Field(foreign_key='project.id', ondelete='CASCADE', primary_key=True, max_length=36,
                            index=True)
    role: str = Field(max_length=20)  # one of SHARE_ROLES
