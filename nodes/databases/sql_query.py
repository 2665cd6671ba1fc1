"""executeQuery: n8n's `$1` placeholders and query replacement values, turned into driver
placeholders with a value list (never spliced into the text).

`$1` is the first replacement value; `$1:name` (or `:alias`) puts that value in as a quoted
identifier. Text inside single-quoted SQL literals is left alone.
"""

from __future__ import annotations

import re
from typing import Any

from engine.errors import NodeOperationError
from engine.node_api import ExecuteContext

from .sql_session import Dialect, Query

_TOKENS = re.compile(r"'(?:[^']|'')*'|\$(\d+)(?::(name|alias|raw|value|json|csv))?|%")


def replacement_values(ctx: ExecuteContext, index: int) -> list[Any]:
    """`options.queryReplacement` for one item: a list as is, or text split at commas. An
    expression of several comma-separated parts (`={{ $json.a }}, {{ $json.b }}`) is evaluated
    part by part, so a value holding a comma stays one value."""
    parts = _expression_parts(ctx.raw_param("options.queryReplacement", None))
    if len(parts) > 1:
        return [ctx.evaluate("=" + part, index, "options.queryReplacement") for part in parts]
    raw = ctx.param("options.queryReplacement", index, None)
    if raw is None or raw == "":
        return []
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if not isinstance(raw, str):
        return [raw]
    return [part.strip() for part in raw.split(",")]


def _expression_parts(raw: Any) -> list[str]:
    """The comma-separated parts of an expression text, commas inside {{ }} not splitting."""
    if not isinstance(raw, str) or not raw.startswith("=") or "{{" not in raw:
        return []
    parts: list[str] = []
    depth, start, text = 0, 0, raw[1:]
    for position, char in enumerate(text):
        if text.startswith("{{", position):
            depth += 1
        elif text.startswith("}}", position) and depth:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:position].strip())
            start = position + 1
    parts.append(text[start:].strip())
    return parts


def bind(ctx: ExecuteContext, dialect: Dialect, text: str, values: list[Any], index: int) -> tuple[str, list[Any]]:
    """The query with each `$N` replaced by a placeholder, and the values in placeholder order.
    Raises NodeOperationError when `$N` has no replacement value."""
    ordered: list[Any] = []

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "%":  # a literal % must survive the driver's %-formatting
            return "%%" if dialect.placeholder == "%s" else "%"
        if match.group(1) is None:
            return token.replace("%", "%%") if dialect.placeholder == "%s" else token
        number = int(match.group(1))
        if not 1 <= number <= len(values):
            raise NodeOperationError(
                f"The query uses ${number}, but only {len(values)} query parameter(s) were given",
                node=ctx.node.name, item_index=index, parameter="options.queryReplacement")
        value = values[number - 1]
        if match.group(2) in ("name", "alias"):
            return dialect.ident(str(value))
        ordered.append(value)
        return dialect.placeholder

    return _TOKENS.sub(replace, text), ordered


def execute_query(ctx: ExecuteContext, dialect: Dialect, index: int) -> Query:
    """The Query of one item's `query` parameter (with its replacement values, if any)."""
    text = str(ctx.param("query", index, "") or "")
    if not text.strip():
        raise NodeOperationError("The query is empty", node=ctx.node.name, item_index=index, parameter="query")
    values = replacement_values(ctx, index)
    if not values:
        return Query(text, None, [index])  # no formatting at all: `%` and `$1` reach the server as written
    sql, ordered = bind(ctx, dialect, text, values, index)
    return Query(sql, ordered, [index])
