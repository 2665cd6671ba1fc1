"""Workflow tags: names unique ignoring case, created on demand; the pieces services.workflows builds on.

Each function takes a Session and never commits. Tag names match case-insensitively through SQL
lower(), which on SQLite folds ASCII letters only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine.errors import WorkflowValidationError
from models.workflows import Tag, WorkflowTag

TAG_NAME_MAX = 64


def tag_names(tags: Any) -> list[str]:
    """Tag names from a list of names or of {name} objects (n8n's export), stripped, first spelling of
    each kept. Raises WorkflowValidationError for an empty or too long name."""
    if tags is not None and not isinstance(tags, list | tuple):
        raise WorkflowValidationError([f"'tags' must be a list of names or of {{name}} objects, got {tags!r}"])
    names: dict[str, str] = {}
    for tag in tags or []:
        name = tag.get("name") if isinstance(tag, dict) else tag
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > TAG_NAME_MAX:
            raise WorkflowValidationError([f"Tag {tag!r} needs a name of 1 to {TAG_NAME_MAX} characters"])
        names.setdefault(name.strip().lower(), name.strip())
    return list(names.values())


def assign_tags(session: Session, workflow_id: str, names: list[str]) -> list[Tag]:
    """Link the workflow to exactly the tags named (from tag_names()), creating missing ones; returns them
    in the order named."""
    tags = [tag_named(session, name) for name in names]
    links = session.exec(select(WorkflowTag).where(col(WorkflowTag.workflow_id) == workflow_id)).all()
    keep = {tag.id for tag in tags}
    for link in links:
        if link.tag_id not in keep:
            session.delete(link)
    linked = {link.tag_id for link in links}
    session.add_all(WorkflowTag(workflow_id=workflow_id, tag_id=tag.id) for tag in tags if tag.id not in linked)
    session.flush()
    return tags


def tag_named(session: Session, name: str) -> Tag:
    """The tag with this name ignoring case, created if there is none (also when another transaction
    creates it at the same moment)."""
    query = select(Tag).where(func.lower(Tag.name) == name.lower())
    tag = session.exec(query).first()
    if tag is None:
        try:
            with session.begin_nested():
                tag = Tag(name=name)
                session.add(tag)
        except IntegrityError:  # the other transaction won the unique name
            tag = session.exec(query).one()
    return tag


def tags_of(session: Session, workflow_ids: list[str]) -> dict[str, list[Tag]]:
    """The tags of each workflow, sorted by name ignoring case, in one query; every id asked for is a key."""
    found: dict[str, list[Tag]] = {workflow_id: [] for workflow_id in workflow_ids}
    query = (select(WorkflowTag.workflow_id, Tag).join(Tag, col(Tag.id) == col(WorkflowTag.tag_id))
             .where(col(WorkflowTag.workflow_id).in_(workflow_ids)).order_by(func.lower(Tag.name), col(Tag.name)))
    for workflow_id, tag in session.exec(query):
        found[workflow_id].append(tag)
    return found
