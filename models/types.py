"""Column types shared by the tables (JSON documents, UTC timestamps, ids), id generators, Timestamps.

JSON columns: `json_dict()` / `json_list()` make a fresh type per column (stack-notes §6.3: a type
instance shared by two columns breaks MutableDict/MutableList). They track only top-level changes, so a
nested edit is lost unless you either reassign a modified copy or mark the column dirty:

    workflow.connections['A']['main'][0].append(link)
    flag_modified(workflow, 'connections')      # without this line the edit is silently dropped

Timestamps: `UTCDateTime` stores aware datetimes and always returns aware UTC ones, also on SQLite
(which has no time zone type and hands back naive values).
"""

import secrets
import string
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, TypeDecorator, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.types import TypeEngine
from sqlmodel import Field, SQLModel

_ID_ALPHABET = string.ascii_letters + string.digits

# Every constraint gets a predictable name, the same on SQLite and PostgreSQL, so later migrations can
# drop or alter it by name (SQLite leaves unnamed constraints nameless; batch mode needs names).
SQLModel.metadata.naming_convention = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_N_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}


def new_id(length: int = 16) -> str:
    """A random id of letters and digits, 16 characters long like n8n's workflow ids."""
    return ''.join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def new_uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_type() -> TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL; a new instance on every call."""
    return JSON().with_variant(JSONB(), 'postgresql')


def json_dict() -> TypeEngine[Any]:
    """A JSON object column that notices top-level assignments (see the module docstring)."""
    return MutableDict.as_mutable(json_type())


def json_list() -> TypeEngine[Any]:
    """A JSON array column that notices appends and top-level assignments (see the module docstring)."""
    return MutableList.as_mutable(json_type())


def json_default(literal: str) -> dict[str, Any]:
    """Column kwargs giving a NOT NULL JSON column a server default, e.g. json_default('{}').

    Needed so a later migration can add such a column to a populated table (stack-notes §6.8).
    """
    return {'server_default': text(f"'{literal}'")}


def sql_default(sql: str) -> dict[str, Any]:
    """Column kwargs for a server default written as SQL that both backends accept: 'false', '0'."""
    return {'server_default': text(sql)}


def big_integer() -> TypeEngine[int]:
    """BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY aliases the rowid)."""
    return BigInteger().with_variant(Integer(), 'sqlite')


class UTCDateTime(TypeDecorator[datetime]):
    """TIMESTAMP WITH TIME ZONE that accepts only aware datetimes and returns them in UTC.

    Raises ValueError when asked to store a naive datetime: guessing its zone would hide bugs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f'naive datetime {value!r}: pass an aware one, e.g. datetime.now(UTC)')
        utc = value.astimezone(UTC)
        # SQLite stores the text without an offset, so hand it plain UTC wall-clock time.
        return utc.replace(tzinfo=None) if dialect.name == 'sqlite' else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LowerCaseString(TypeDecorator[str]):
    """VARCHAR whose values are stripped and lower-cased on the way in, in writes and in comparisons.

    `select(User).where(User.email == 'Ann@Example.com')` therefore finds 'ann@example.com', and the
    unique index sees normalised values. An object keeps what was assigned until it is reloaded.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else value.strip().lower()


class Timestamps(SQLModel):
    """created_at and updated_at columns; updated_at moves on every ORM UPDATE of the row."""

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False,
                                 sa_column_kwargs={'onupdate': utcnow})
