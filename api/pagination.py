"""Cursor pagination as n8n's public API does it: `limit` and an opaque `cursor`; each page answers
`{"data": [...], "nextCursor": "..." | null}`."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from fastapi import HTTPException

DEFAULT_LIMIT = 100
MAX_LIMIT = 250


def encode_cursor(after: Any) -> str:
    """A cursor that continues after the row whose sort key is `after`."""
    return base64.urlsafe_b64encode(orjson.dumps({"after": after})).decode()


def decode_cursor(cursor: str | None) -> Any:
    """The sort key to continue after, or None for the first page; 400 for a cursor we did not make."""
    if not cursor:
        return None
    try:
        return orjson.loads(base64.urlsafe_b64decode(cursor.encode()))["after"]
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError, UnicodeError):
        raise HTTPException(400, "The cursor is not one this API returned") from None


def page(rows: list[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """Given up to limit+1 rows, the rows of this page and the cursor of the next (None at the end).
    `key(row)` is the row's sort key."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
