"""/tags: list, create, read, rename and delete workflow tags (n8n's public API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from api.deps import ApiActor, RuntimeDep
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, page
from engine.run_data import iso_ms
from models import Tag
from services import tag_access
from services.tags import TAG_NAME_MAX
from services.workflow_access import is_id

router = APIRouter(prefix="/tags", tags=["Tags"])

TagId = Annotated[str, Path(description="The tag's id")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Tags per page")]
Cursor = Annotated[str | None, Query(max_length=2000, description="`nextCursor` of the previous page")]


class TagIn(BaseModel):
    name: str = Field(min_length=1, max_length=TAG_NAME_MAX, examples=["Production"])


class TagOut(BaseModel):
    id: str
    name: str
    createdAt: str
    updatedAt: str


class TagPage(BaseModel):
    data: list[TagOut]
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


def tag_json(tag: Tag) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "createdAt": iso_ms(tag.created_at), "updatedAt": iso_ms(tag.updated_at)}


def _after(cursor: str | None) -> tuple[str, str] | None:
    """A cursor of this list holds [name, id] of the last tag of the previous page."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    if not (isinstance(after, list) and len(after) == 2 and isinstance(after[0], str)
            and "\x00" not in after[0] and is_id(after[1])):
        raise HTTPException(400, "The cursor is not one this API returned")
    return after[0], after[1]


@router.get("", response_model=TagPage, summary="List tags, by name")
def list_tags(runtime: RuntimeDep, actor: ApiActor, limit: Limit = DEFAULT_LIMIT,
              cursor: Cursor = None) -> dict[str, Any]:
    tags = tag_access.list_tags(runtime.db, actor, after=_after(cursor), limit=limit)
    rows, next_cursor = page(tags, limit, lambda tag: [tag.name, tag.id])
    return {"data": [tag_json(tag) for tag in rows], "nextCursor": next_cursor}


@router.post("", response_model=TagOut, status_code=201, summary="Create a tag",
             responses={409: {"description": "A tag with this name (ignoring case) exists"}})
def create_tag(body: TagIn, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return tag_json(tag_access.create_tag(runtime.db, actor, body.name))


@router.get("/{id}", response_model=TagOut, summary="Get a tag")
def get_tag(id: TagId, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return tag_json(tag_access.get_tag(runtime.db, actor, id))


@router.put("/{id}", response_model=TagOut, summary="Rename a tag",
            responses={409: {"description": "Another tag has this name (ignoring case)"}})
def update_tag(id: TagId, body: TagIn, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return tag_json(tag_access.rename_tag(runtime.db, actor, id, body.name))


@router.delete("/{id}", response_model=TagOut, summary="Delete a tag (workflows lose it); answers the deleted tag")
def delete_tag(id: TagId, runtime: RuntimeDep, actor: ApiActor) -> dict[str, Any]:
    return tag_json(tag_access.delete_tag(runtime.db, actor, id))
