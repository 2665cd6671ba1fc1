"""Executions: one row per run (small, listed often) and its data in a separate table (large, read rarely).

Statuses follow n8n: new → running → success | error | canceled | crashed, plus waiting. Moves between
them go through models.repositories.transition(), which never lets a finished execution change.
Model modules do not use `from __future__ import annotations` (stack-notes §6.1).
"""

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text, text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, big_integer, sql_default, utcnow

STATUSES = ('new', 'running', 'waiting', 'success', 'error', 'canceled', 'crashed')
FINISHED = frozenset({'success', 'error', 'canceled', 'crashed'})
# Every allowed move; a finished status has no way out, so a finished execution never changes again.
TRANSITIONS: dict[str, frozenset[str]] = {
    'new': frozenset({'running', 'canceled', 'crashed'}),
    'running': frozenset({'success', 'error', 'canceled', 'crashed', 'waiting'}),
    # Resuming moves a waiting execution back to `new`, so it is queued and claimed like any other.
    'waiting': frozenset({'new', 'running', 'canceled', 'crashed'}),
    **{status: frozenset() for status in FINISHED},
}
MODES = ('manual', 'trigger', 'webhook', 'retry', 'integrated', 'error', 'cli', 'internal', 'evaluation')


class Execution(SQLModel, table=True):
    """One run of a workflow. Listing these rows never touches ExecutionData.

    `retry_of` / `retry_success_id` are plain ids, not foreign keys: pruning may delete the other row.
    So is `parent_execution_id`: the execution whose Execute Workflow node started this one (mode
    'integrated'); its sub-executions are the rows pointing at it.
    `deleted_at` marks a row hidden from listings; pruning still removes it by age and count.
    """

    __tablename__ = 'execution'
    __table_args__ = (
        # Executions of a workflow, newest first, with and without a status filter; the first also
        # serves the ON DELETE CASCADE from workflow.
        Index('ix_execution_workflow_status_id', 'workflow_id', 'status', 'id'),
        Index('ix_execution_workflow_id', 'workflow_id', 'id'),
        # All executions in a status, newest first (global list filtered, crash recovery at start).
        Index('ix_execution_status_id', 'status', 'id'),
        # Executions visible to a user's projects, newest first; also serves the project cascade.
        Index('ix_execution_project_id', 'project_id', 'id'),
        # The waiting-executions poller; only waiting rows have wait_till, so the index stays small.
        Index('ix_execution_wait_till', 'wait_till',
              sqlite_where=text('wait_till IS NOT NULL'), postgresql_where=text('wait_till IS NOT NULL')),
        # Pruning by age.
        Index('ix_execution_stopped_at', 'stopped_at'),
        # The sub-executions of an execution; only sub-executions have a parent, so it stays small.
        Index('ix_execution_parent_execution_id', 'parent_execution_id',
              sqlite_where=text('parent_execution_id IS NOT NULL'),
              postgresql_where=text('parent_execution_id IS NOT NULL')),
        # AUTOINCREMENT: SQLite must never hand out an id again after the newest rows were deleted.
        {'sqlite_autoincrement': True},
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=big_integer())
    workflow_id: str = Field(foreign_key='workflow.id', ondelete='CASCADE', max_length=36)
    project_id: str = Field(foreign_key='project.id', ondelete='CASCADE', max_length=36)
    mode: str = Field(sa_type=String(20))  # one of MODES
    status: str = Field(default='new', sa_type=String(20))  # one of STATUSES; plain text, not an ENUM
    retry_of: int | None = Field(default=None, sa_type=big_integer())
    retry_success_id: int | None = Field(default=None, sa_type=big_integer())
    parent_execution_id: int | None = Field(default=None, sa_type=big_integer())
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    wait_till: datetime | None = Field(default=None, sa_type=UTCDateTime())
    last_node: str | None = Field(default=None, sa_type=Text)
    error_message: str | None = Field(default=None, sa_type=Text)
    data_size: int = Field(default=0, sa_type=big_integer(), sa_column_kwargs=sql_default('0'))
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    worker_id: str | None = Field(default=None, sa_type=Text)


class ExecutionData(SQLModel, table=True):
    """The heavy part of an execution: workflow snapshot and run data, each zlib-compressed orjson.

    Read and written only through save_execution_data() / load_execution_data(); `format_version`
    names the encoding so it can change later without guessing.
    """

    __tablename__ = 'execution_data'

    execution_id: int = Field(foreign_key='execution.id', ondelete='CASCADE', primary_key=True,
                              sa_type=big_integer(), sa_column_kwargs={'autoincrement': False})
    workflow_snapshot: bytes = Field(sa_type=LargeBinary, nullable=False)
    data: bytes = Field(sa_type=LargeBinary, nullable=False)
    format_version: int = Field(default=1, sa_column_kwargs=sql_default('1'))
