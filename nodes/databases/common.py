"""What every database node shares: parameter reading, JSON-safe values, per-item errors.

Database values (dates, decimals, bytes, UUIDs...) become JSON values here, so outputs can be
stored and compared like any other item. Errors keep the database's own message and never a
traceback; they name the node, the operation and the item.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from typing import Any

from engine.errors import ExecutionCanceled, NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext


def locator_value(value: Any) -> str:
    """A resource locator's value (`{"__rl": true, "mode", "value"}`) or a plain string, stripped."""
    if isinstance(value, dict):
        value = value.get("value", "")
    return "" if value is None else str(value).strip()


def required_name(ctx: ExecuteContext, parameter: str, index: int, default: Any = "") -> str:
    """A schema/table/column name from a parameter (locator or string). Raises when it is empty."""
    name = locator_value(ctx.param(parameter, index, default))
    if not name:
        raise NodeOperationError(f"The parameter '{parameter}' is empty: give a name", node=ctx.node.name,
                                 item_index=index, parameter=parameter)
    return name


def as_list(value: Any) -> list[Any]:
    """A comma-separated string, a list, or nothing as a list of stripped, non-empty entries."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [v.strip() if isinstance(v, str) else v for v in value if v not in (None, "")]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def json_value(value: Any) -> Any:
    """A database value as a JSON value (datetimes as n8n shows them, dates as YYYY-MM-DD,
    decimals as numbers, bytes as n8n's Buffer object)."""
    if isinstance(value, (bool, int, str, float)) or value is None:
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        # as n8n shows a JavaScript Date: UTC, milliseconds, "Z" (naive values are taken as UTC)
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"type": "Buffer", "data": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_value(v) for v in value]
    return str(value)


def json_row(names: list[str], values: Any, large: set[int], large_as_text: bool) -> dict[str, Any]:
    """One row as JSON. Columns in `large` (BIGINT, NUMERIC/DECIMAL) become text when
    `large_as_text` (n8n's largeNumbersOutput `text`: JavaScript numbers would lose digits)."""
    row: dict[str, Any] = {}
    for position, (name, value) in enumerate(zip(names, values, strict=True)):
        if position in large and large_as_text and value is not None:
            row[name] = str(value)
        else:
            row[name] = json_value(value)
    return row


def fail(ctx: ExecuteContext, operation: str, index: int | list[int], error: Exception) -> Item:
    """The error item for `continue_on_fail` (paired to the failing item), or raise a
    NodeOperationError naming node, operation and item with the database's own message."""
    if isinstance(error, ExecutionCanceled):
        raise error
    indexes = index if isinstance(index, list) else [index]
    message = error.message if isinstance(error, NodeError) else database_message(error)
    if ctx.continue_on_fail:
        paired: Any = [(i, 0) for i in indexes] if len(indexes) != 1 else (indexes[0], 0)
        return Item({"error": message}, paired=paired)
    where = f"item {indexes[0]}" if len(indexes) == 1 else f"items {indexes[0]}–{indexes[-1]}"
    raise NodeOperationError(
        message, node=ctx.node.name, item_index=indexes[0],
        description=f"Operation '{operation}' failed on {where}: {message}",
        context={"operation": operation},
    ) from None


def database_message(error: BaseException) -> str:
    """The driver's message without its traceback or driver prefixes (first meaningful line)."""
    args: tuple[Any, ...] = tuple(getattr(error, "args", ()))
    # pymysql and sqlite put (code, message) in args; psycopg and redis give the message itself
    coded = len(args) >= 2 and isinstance(args[0], int) and isinstance(args[1], str)
    text = args[1] if coded else str(error)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def paired_rows(rows: list[dict[str, Any]], index: int) -> list[Item]:
    """Rows as items paired to one input item."""
    return [Item(row, paired=(index, 0)) for row in rows]


class ConnectionFailed(NodeOperationError):
    """The database could not be reached or refused the login (no query ran)."""


def connection_failed(ctx: ExecuteContext, error: ConnectionFailed) -> list[Item]:
    """With continue-on-fail: one error item per input item; otherwise the error is raised."""
    if not ctx.continue_on_fail:
        raise error
    return [Item({"error": error.message}, paired=(index, 0)) for index in range(len(ctx.input_items))]
