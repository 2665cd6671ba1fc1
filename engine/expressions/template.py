"""Splitting `=text {{ code }} text` into literal and code segments, and joining results."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


class TemplateSyntaxError(ValueError):
    """A `{{` without its closing `}}`."""


def split_template(body: str) -> list[tuple[bool, str]]:
    """Split a template body (without the leading `=`) into (is_code, text) segments.

    `}}` closes a segment only outside string literals and outside braces opened inside the
    code, so `{{ {"a": 1} }}` and `{{ "}}" }}` work.
    """
    segments: list[tuple[bool, str]] = []
    position = 0
    length = len(body)
    while position < length:
        start = body.find("{{", position)
        if start < 0:
            segments.append((False, body[position:]))
            break
        if start > position:
            segments.append((False, body[position:start]))
        end = _find_close(body, start + 2)
        if end < 0:
            raise TemplateSyntaxError(f"'{{{{' at position {start} has no closing '}}}}'")
        segments.append((True, body[start + 2 : end]))
        position = end + 2
    return segments


def _find_close(body: str, position: int) -> int:
    depth = 0
    quote = ""
    length = len(body)
    while position < length:
        char = body[position]
        if quote:
            if char == "\\":
                position += 2
                continue
            if body.startswith(quote, position):
                position += len(quote)
                quote = ""
                continue
        elif char in "\"'`":
            triple = body[position : position + 3]
            quote = triple if triple in ('"""', "'''") else char
            position += len(quote)
            continue
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and body.startswith("}}", position):
                return position
            depth = max(depth - 1, 0)
        position += 1
    return -1


def to_text(value: Any) -> str:
    """How a segment's value reads inside a longer string (n8n's joining rules, Python-flavoured):
    None renders empty, booleans as true/false, containers as JSON, datetimes as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:  # NaN vanishes, as in n8n
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    return str(value)
