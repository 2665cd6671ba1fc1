"""Tag use cases as a user: list and read (tag:read), create (tag:create), rename and delete
(tag:manage). Tags are instance-wide, as in n8n; names are unique ignoring case.

    KnotworkError
    └── TagError         the name is empty or too long                (400)
        └── TagConflict  another tag has that name, ignoring case      (409)
Unknown tags raise access.NotFound; missing rights access.AccessDenied.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine.errors import KnotworkError
from models import Tag
from models.db import Database

from .access import Actor, NotFound, require
from .tags import TAG_NAME_MAX
from .workflow_access import is_id


class TagError(KnotworkError):
    status = 400
    code = "invalid_tag"


class TagConflict(TagError):
    status = 409
    code = "conflict"


def list_tags(db: Database, actor: Actor, *, after: tuple[str, str] | None = None, limit: int = 100) -> list[Tag]:
    """Tags by name ignoring case, at most limit + 1 (so the caller can tell that another page follows);
    `after` is (name, id) of the last tag of the previous page. Raises AccessDenied."""
    require(actor, "tag:read")
    query = select(Tag)
    if after is not None:
        name, last_id = after
        query = query.where(or_(func.lower(Tag.name) > func.lower(name),
                                and_(func.lower(Tag.name) == func.lower(name), col(Tag.id) > last_id)))
    query = query.order_by(func.lower(Tag.name), col(Tag.id)).limit(limit + 1)
    with db.session() as session:
        return list(session.exec(query))


def get_tag(db: Database, actor: Actor, tag_id: str) -> Tag:
    """Raises NotFound, AccessDenied."""
    require(actor, "tag:read")
    with db.session() as session:
        return _get(session, tag_id)


def create_tag(db: Database, actor: Actor, name: str) -> Tag:
    """Raises AccessDenied, TagError, TagConflict."""
    require(actor, "tag:create")
    name = _checked_name(name)
    with db.session(immediate=True) as session:
        _refuse_taken(session, name)
        tag = Tag(name=name)
        session.add(tag)
        _flush(session, name)
        return tag


def rename_tag(db: Database, actor: Actor, tag_id: str, name: str) -> Tag:
    """Raises NotFound, AccessDenied, TagError, TagConflict."""
    require(actor, "tag:manage")
    name = _checked_name(name)
    with db.session(immediate=True) as session:
        tag = _get(session, tag_id)
        _refuse_taken(session, name, but=tag.id)
        tag.name = name
        session.add(tag)
        _flush(session, name)
        return tag


def delete_tag(db: Database, actor: Actor, tag_id: str) -> Tag:
    """Delete the tag (workflows lose it); returns it as it was. Raises NotFound, AccessDenied."""
    require(actor, "tag:manage")
    with db.session(immediate=True) as session:
        tag = _get(session, tag_id)
        session.delete(tag)
        session.flush()
        return tag


def _get(session: Session, tag_id: str) -> Tag:
    tag = session.get(Tag, tag_id) if is_id(tag_id) else None
    if tag is None:
        raise NotFound(f"Tag '{tag_id[:80]}' not found")
    return tag


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > TAG_NAME_MAX:
        raise TagError(f"A tag name must be 1 to {TAG_NAME_MAX} characters")
    if "\x00" in name:
        raise TagError("A tag name must not contain NUL characters")
    return name


def _refuse_taken(session: Session, name: str, but: str | None = None) -> None:
    query = select(Tag.id).where(func.lower(Tag.name) == func.lower(name))
    if but is not None:
        query = query.where(col(Tag.id) != but)
    if session.exec(query).first() is not None:
        raise TagConflict(f"A tag named '{name}' already exists")


def _flush(session: Session, name: str) -> None:
    """Write now, so a tag another transaction created at the same moment is a conflict, not a 500."""
    try:
        session.flush()
    except IntegrityError:
        raise TagConflict(f"A tag named '{name}' already exists") from None
