"""Execute Workflow Trigger ("When Executed by Another Workflow", n8n `executeWorkflowTrigger`):
where a sub-workflow starts; it emits the items the calling Execute Workflow node passed.

v1 passes everything through. v1.1 declares its inputs (a field list or a JSON example) and
emits exactly those fields, null when the caller did not send one, or passes everything through
("Accept all data"). Type checks and conversions happen on the caller's side, as in n8n.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter

from .set_convert import parse_json

WORKFLOW_INPUTS, JSON_EXAMPLE, PASSTHROUGH = "workflowInputs", "jsonExample", "passthrough"
# n8n's TYPE_OPTIONS, in its order.
INPUT_TYPES = (
    Option("Allow Any Type", "any"),
    Option("String", "string"),
    Option("Number", "number"),
    Option("Boolean", "boolean"),
    Option("Array", "array"),
    Option("Object", "object"),
)
JSON_EXAMPLE_DEFAULT = (
    '{\n  "aField": "a string",\n  "aNumber": 123,\n  "thisFieldAcceptsAnyType": null,\n  "anArray": []\n}'
)
V11 = (1.1,)


class ExecuteWorkflowTrigger(NodeType):
    description = NodeDescription(
        name="knotwork.executeWorkflowTrigger",
        display_name="When Executed by Another Workflow",
        group="trigger",
        description="Starts the workflow when an Execute Workflow node of another workflow calls it",
        versions=(1.0, 1.1),
        default_version=1.1,
        parameters=(
            Parameter(
                "inputSource", "Input data mode", "options", default=WORKFLOW_INPUTS,
                options=(
                    Option("Define using fields below", WORKFLOW_INPUTS, "Provide input fields via UI"),
                    Option("Define using JSON example", JSON_EXAMPLE,
                           "Generate a schema from an example JSON object"),
                    Option("Accept all data", PASSTHROUGH, "Use all incoming data from the parent workflow"),
                ),
                show={"@version": V11},
            ),
            Parameter(
                "jsonExample", "JSON Example", "json", default=JSON_EXAMPLE_DEFAULT,
                description="An example object: its fields are the inputs. A null value accepts any type.",
                show={"@version": V11, "inputSource": (JSON_EXAMPLE,)},
            ),
            Parameter(
                "workflowInputs", "Workflow Inputs", "fixedCollection", default={}, multiple=True,
                placeholder="Add field",
                description="The fields the calling workflow provides",
                groups=(
                    Group("values", "Values", (
                        Parameter("name", "Name", "string", default="", required=True,
                                  placeholder="e.g. fieldName"),
                        Parameter("type", "Type", "options", default="string", options=INPUT_TYPES),
                    )),
                ),
                show={"@version": V11, "inputSource": (WORKFLOW_INPUTS,)},
            ),
        ),
        inputs=0,
        outputs=1,
        aliases=("n8n-nodes-base.executeWorkflowTrigger",),
        search_aliases=("sub-workflow", "subworkflow", "called", "execute workflow trigger"),
        categories=("Core Nodes",),
        # Not an event trigger: like n8n, a Manual Trigger in the same workflow starts manual runs.
        trigger=False,
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        items = ctx.input_items
        source = ctx.param("inputSource", 0, WORKFLOW_INPUTS) if ctx.type_version >= 1.1 else PASSTHROUGH
        if source == PASSTHROUGH:
            return [[Item(item.json, item.binary) for item in items]]
        names = declared_inputs(ctx, source)
        return [[Item({name: item.json.get(name) for name in names}, item.binary) for item in items]]


def declared_inputs(ctx: ExecuteContext, source: str) -> list[str]:
    """The input field names, in order. Raises NodeOperationError for a JSON example that is not
    an object, or an unknown input mode."""
    if source == WORKFLOW_INPUTS:
        values = (ctx.param("workflowInputs", 0, {}) or {}).get("values") or []
        return [str(value.get("name", "")) for value in values if isinstance(value, dict)]
    if source == JSON_EXAMPLE:
        return list(_example_object(ctx.param("jsonExample", 0, JSON_EXAMPLE_DEFAULT)))
    raise NodeOperationError(f"Unknown input data mode '{source}'")


def _example_object(example: Any) -> dict[str, Any]:
    if isinstance(example, str):
        try:
            example = parse_json(example)
        except ValueError as problem:
            raise NodeOperationError(f"The JSON example is not valid JSON: {problem}") from None
    if not isinstance(example, dict):
        raise NodeOperationError("Invalid JSON schema. Missing key `properties` in schema",
                                 description="The JSON example must be an object")
    return example
