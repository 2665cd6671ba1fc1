"""Alembic migrations of the Knotwork schema, and the options shared by env.py and the schema tests.

New revision (against an up-to-date database):
    .venv/bin/alembic -c models/alembic.ini revision --autogenerate -m "what changed"
then read it: add server defaults for new NOT NULL columns, check types on both backends.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.types import LowerCaseString, UTCDateTime


def render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our column types as plain SQLAlchemy ones, so revisions never import models code."""
    if kind != 'type':
        return False
    if isinstance(obj, UTCDateTime):
        return 'sa.DateTime(timezone=True)'
    if isinstance(obj, LowerCaseString | AutoString):
        string = obj.impl if isinstance(obj, LowerCaseString) else obj
        length: int | None = getattr(string, 'length', None)
        return f'sa.String(length={length})' if length else 'sa.String()'
    return False


def context_options() -> dict[str, Any]:
    """Options for alembic's context.configure() / MigrationContext.configure()."""
    return {
        'target_metadata': SQLModel.metadata,
        'compare_type': True,
        # Batch operations work on both backends; SQLite needs them for most ALTERs.
        'render_as_batch': True,
        'render_item': render_item,
    }
