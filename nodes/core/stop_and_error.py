"""Stop and Error: fail the workflow on purpose with a message or an error object (n8n `stopAndError`)."""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .set_convert import js_json, parse_json

ERROR_OBJECT_PLACEHOLDER = '{\n  "code": "404",\n  "description": "The resource could not be fetched"\n}'


class StopAndError(NodeType):
    description = NodeDescription(
        name="knotwork.stopAndError",
        display_name="Stop and Error",
        group="flow",
        description="Throw an error in the workflow",
        versions=(1.0,),
        default_version=1.0,
        parameters=(
            Parameter(
                "errorType",
                "Error Type",
                "options",
                default="errorMessage",
                options=(Option("Error Message", "errorMessage"), Option("Error Object", "errorObject")),
                description="Type of error to throw",
            ),
            Parameter(
                "errorMessage",
                "Error Message",
                "string",
                default="",
                required=True,
                placeholder="An error occurred!",
                show={"errorType": ("errorMessage",)},
            ),
            Parameter(
                "errorObject",
                "Error Object",
                "json",
                default="",
                required=True,
                placeholder=ERROR_OBJECT_PLACEHOLDER,
                description="Object containing error properties",
                show={"errorType": ("errorObject",)},
            ),
        ),
        inputs=1,
        outputs=0,
        aliases=("n8n-nodes-base.stopAndError",),
        search_aliases=("throw", "error", "exception", "fail"),
        categories=("Core Nodes", "Flow"),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        """Always raises NodeOperationError; never returns."""
        if ctx.param("errorType", 0, "errorMessage") == "errorMessage":
            raise NodeOperationError(_text(ctx.param("errorMessage", 0, "")))
        raise error_from_object(ctx.param("errorObject", 0, ""))


def error_from_object(value: Any) -> NodeOperationError:
    """The error an error object describes: message from `message`, `description` or `error`."""
    if isinstance(value, str):
        try:
            value = parse_json(value)
        except ValueError as problem:
            return NodeOperationError(f"The error object is not valid JSON: {problem}")
    fields = value if isinstance(value, dict) else {}
    message = next(
        (fields[key] for key in ("message", "description", "error") if isinstance(fields.get(key), str) and fields[key]),
        f"Error: {js_json(value)}",
    )
    description = fields.get("description") if isinstance(fields.get("description"), str) else None
    return NodeOperationError(message, description=description or None)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else js_json(value)
