"""Smaller tables: variables, API keys, registered webhooks, and processed-data (dedupe) rows.

Model modules do not use `from __future__ import annotations` (stack-notes §6.1).
"""

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.types import (
    Timestamps,
    UTCDateTime,
    big_integer,
    json_default,
    json_list,
    new_id,
    sql_default,
    utcnow,
)


class Variable(Timestamps, table=True):
    """A `$vars` entry: global when project_id is NULL, else visible in that project only.

    Key uniqueness needs two indexes: SQL treats NULLs as distinct, so UNIQUE (project_id, key) alone
    would let two global variables share a key.
    """

    __tablename__ = 'variable'
    __table_args__ = (
        UniqueConstraint('project_id', 'key', name='uq_variable_project_key'),
        Index('ux_variable_global_key', 'key', unique=True,
              sqlite_where=text('project_id IS NULL'), postgresql_where=text('project_id IS NULL')),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    key: str = Field(max_length=255)
    value: str = Field(default='', sa_type=Text)
    project_id: str | None = Field(default=None, foreign_key='project.id', ondelete='CASCADE', max_length=36)


class ApiKey(SQLModel, table=True):
    """An API key of a user for /api/v1; only a hash of the key is stored. Non-empty `scopes`
    narrow what the key may do below its user's role."""

    __tablename__ = 'api_key'

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(foreign_key='user_account.id', ondelete='CASCADE', max_length=36, index=True)
    label: str = Field(default='', max_length=100)
    key_hash: str = Field(max_length=128, unique=True)
    scopes: list[str] = Field(default_factory=list, sa_type=json_list(), nullable=False,
                              sa_column_kwargs=json_default('[]'))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime())  # None: never
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class WebhookRegistration(SQLModel, table=True):
    """A production webhook route of an active workflow; one workflow per (method, path).

    Static paths are found by primary key. Paths with `:param` parts are stored with a leading
    webhook_id and found by (webhook_id, method, path_length), as in n8n.
    """

    __tablename__ = 'webhook'
    __table_args__ = (
        Index('ix_webhook_dynamic', 'webhook_id', 'method', 'path_length'),
    )

    method: str = Field(primary_key=True, max_length=10)
    path: str = Field(primary_key=True, sa_type=Text)
    workflow_id: str = Field(foreign_key='workflow.id', ondelete='CASCADE', max_length=36, index=True)
    node_name: str = Field(sa_type=Text)
    webhook_id: str | None = Field(default=None, max_length=36)
    path_length: int | None = Field(default=None)
    has_params: bool = Field(default=False, sa_column_kwargs=sql_default('false'))


class ProcessedData(SQLModel, table=True):
    """A value a workflow has already seen (Remove Duplicates, pollers), per context.

    `context` is 'workflow' or 'node:<name>'; `value` is a hash of the item's key, not the item.
    """

    __tablename__ = 'processed_data'
    __table_args__ = (
        UniqueConstraint('workflow_id', 'context', 'value', name='uq_processed_data_value'),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=big_integer())
    workflow_id: str = Field(foreign_key='workflow.id', ondelete='CASCADE', max_length=36)
    context: str = Field(max_length=255)
    value: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
