"""Execute Workflow (n8n `executeWorkflow` v1, 1.1, 1.2): run another workflow with this node's items
and continue with what that workflow's last node output.

`source` says where the workflow comes from: the database (`workflowId`: an id, or from v1.1 n8n's
resource locator `{"__rl": true, "value": id, "mode": …}`) or JSON given inline (`workflowJson`).
`mode` "once" sends all items to one run, "each" starts one run per item. With
`options.waitForSubWorkflow` false the run is only started and the node outputs its input items.
From v1.2 a workflow from the database gets its declared inputs through `workflowInputs` (n8n's
resource mapper: `value` maps input names to values or expressions, `schema` lists the inputs
with their `type` and whether they were `removed`, `attemptToConvertTypes` and
`convertFieldsToString` loosen the type checks). Services.subworkflows does the running.
"""

from __future__ import annotations

from typing import Any

from engine.errors import ExpressionError, NodeError, NodeOperationError
from engine.items import Item, PairedRef, refs_of
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter
from engine.ports import SubWorkflowCall, SubWorkflowRun
from engine.run_data import RunData

from .set_convert import js_json, js_string, parse_json, validate_field_type, value_description

DATABASE, PARAMETER = "database", "parameter"
FINISHED_OK = frozenset({"success", "waiting"})  # n8n 1.x: a child that waits counts as done
_STRICT_TYPES: dict[str, Any] = {
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


class ExecuteWorkflow(NodeType):
    description = NodeDescription(
        name="knotwork.executeWorkflow",
        display_name="Execute Workflow",
        group="transform",
        description="Run another workflow (a sub-workflow) with these items",
        versions=(1.0, 1.1, 1.2),
        default_version=1.2,
        parameters=(
            Parameter(
                "source", "Source", "options", default=DATABASE,
                options=(
                    Option("Database", DATABASE, "Load the workflow from the database by ID"),
                    Option("Local File", "localFile", "Load the workflow from a locally saved file"),
                    Option("Parameter", PARAMETER, "Load the workflow from a parameter"),
                    Option("URL", "url", "Load the workflow from an URL"),
                ),
                description="Where to get the workflow to execute from",
                show={"@version": (1.0, 1.1)},
            ),
            Parameter(
                "source", "Source", "options", default=DATABASE,
                options=(
                    Option("Database", DATABASE, "Load the workflow from the database by ID"),
                    Option("Define Below", PARAMETER, "Pass the JSON code of a workflow"),
                ),
                description="Where to get the workflow to execute from",
                show={"@version": (1.2,)},
            ),
            Parameter(
                "workflowId", "Workflow", "string", default="", required=True,
                description="The ID of the workflow (in its URL). With an expression and mode 'once', "
                "the first item decides which workflow all items go to.",
                show={"source": (DATABASE,)},
            ),
            Parameter("workflowPath", "Workflow Path", "string", default="", placeholder="/data/workflow.json",
                      show={"source": ("localFile",)}),
            Parameter("workflowJson", "Workflow JSON", "json", default="\n\n\n", required=True,
                      description="The workflow JSON code to execute", type_options={"rows": 10},
                      show={"source": (PARAMETER,)}),
            Parameter("workflowUrl", "Workflow URL", "string", default="",
                      placeholder="https://example.com/workflow.json", show={"source": ("url",)}),
            Parameter(
                "workflowInputs", "Workflow Inputs", "json",
                default={"mappingMode": "defineBelow", "value": None},
                description="Values for the inputs the called workflow declares in its trigger",
                show={"source": (DATABASE,), "@version": (1.2,)},
            ),
            Parameter(
                "mode", "Mode", "options", default="once",
                options=(
                    Option("Run once with all items", "once",
                           "Pass all items into a single execution of the sub-workflow"),
                    Option("Run once for each item", "each",
                           "Call the sub-workflow individually for each item"),
                ),
            ),
            Parameter(
                "options", "Options", "collection", default={}, placeholder="Add option",
                fields=(
                    Parameter("waitForSubWorkflow", "Wait For Sub-Workflow Completion", "boolean", default=True,
                              description="Whether the main workflow should wait for the sub-workflow to "
                              "complete its execution before proceeding"),
                ),
            ),
        ),
        aliases=("n8n-nodes-base.executeWorkflow",),
        search_aliases=("sub-workflow", "subworkflow", "call workflow", "run workflow"),
        categories=("Core Nodes", "Flow"),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        source = ctx.param("source", 0, DATABASE)
        items = call_items(ctx, source)
        if ctx.param("mode", 0, "once") == "each":
            return await _run_each(ctx, source, items)
        return await _run_once(ctx, source, items)


async def _run_once(ctx: ExecuteContext, source: str, items: list[Item]) -> list[list[Item]]:
    everything: list[PairedRef] = [(index, 0) for index in range(len(items))]
    try:
        wait = bool(ctx.param("options.waitForSubWorkflow", 0, True))
        started = await _start(ctx, source, 0, items, wait)
        if not wait:
            return [items]
        return child_outputs(started, len(items))
    except NodeError as error:
        if ctx.continue_on_fail:
            return [[Item({"error": error.message}, paired=everything)]]
        raise


async def _run_each(ctx: ExecuteContext, source: str, items: list[Item]) -> list[list[Item]]:
    outputs: list[list[Item]] = [[]]
    for index, item in enumerate(items):
        try:
            wait = bool(ctx.param("options.waitForSubWorkflow", index, True))
            started = await _start(ctx, source, index, [item], wait)
            if not wait:
                outputs[0].append(Item(item.json, item.binary, (index, 0)))
                continue
            for output_index, output in enumerate(child_outputs(started, 1)):
                while len(outputs) <= output_index:
                    outputs.append([])
                outputs[output_index] += [Item(child.json, child.binary, (index, 0)) for child in output]
        except NodeError as error:
            if ctx.continue_on_fail:  # on output 0, as n8n does from v1.3 (earlier: output `index`)
                outputs[0].append(Item({"error": error.message}, paired=(index, 0)))
                continue
            raise NodeOperationError(f"Error executing workflow with item at index {index}", item_index=index,
                                     description=error.message, context=error.context) from error
    return outputs


async def _start(ctx: ExecuteContext, source: str, index: int, items: list[Item], wait: bool) -> SubWorkflowRun:
    """Start the sub-workflow; when waiting, raise the child's error if it failed."""
    call = SubWorkflowCall(items=items, wait=wait, node=ctx.node.name, **_target(ctx, source, index))
    started: SubWorkflowRun = await ctx.services.subworkflows.run(call, ctx.services)
    if not wait:
        return started
    status = started.result.status if started.result is not None else "error"
    if started.error is None and status in FINISHED_OK:
        return started
    error = started.error or (started.result.error if started.result is not None else None) or {}
    raise NodeOperationError(
        str(error.get("message") or f"The sub-workflow ended with status '{status}'"),
        description=error.get("description"),
        context={"executionId": started.execution_id, "workflowId": started.workflow_id},
    )


def _target(ctx: ExecuteContext, source: str, index: int) -> dict[str, Any]:
    """`workflow_id` or `workflow_json` of the SubWorkflowCall. Raises NodeOperationError."""
    if source == DATABASE:
        value = ctx.param("workflowId", index, "")
        if isinstance(value, str) and value.lstrip().startswith("{"):  # a resource locator edited as text
            value = _json_object(value)
        if isinstance(value, dict):  # n8n's resource locator
            value = value.get("value")
        if value is None or value == "":
            raise NodeOperationError('No information about the workflow to execute found. '
                                     'Please provide either the "id" or "code"!')
        return {"workflow_id": js_string(value)}
    if source == PARAMETER:
        document = ctx.param("workflowJson", index, "")
        if isinstance(document, str):
            try:
                document = parse_json(document)
            except ValueError as problem:
                raise NodeOperationError(f"The workflow JSON is not valid JSON: {problem}") from None
        if not isinstance(document, dict):
            raise NodeOperationError("The workflow JSON must be an object with 'nodes' and 'connections'")
        return {"workflow_json": document}
    raise NodeOperationError(f"Loading the workflow from source '{source}' is not supported",
                             description="Save the workflow and use source 'Database', or paste its JSON "
                             "with source 'Parameter'.")


# ---- what the child receives ------------------------------------------------------------------

def call_items(ctx: ExecuteContext, source: str) -> list[Item]:
    """The items sent to the sub-workflow (n8n's getCurrentWorkflowInputData): each input item,
    from v1.2 with the mapped inputs merged over its json and removed inputs left out."""
    items = ctx.input_items
    if ctx.type_version < 1.2 or source != DATABASE:
        return [Item(item.json, item.binary, (index, 0)) for index, item in enumerate(items)]
    stored = ctx.raw_param("workflowInputs", {}) or {}
    mapper = stored if isinstance(stored, dict) else _json_object(stored)  # edited as JSON text
    schema = [field for field in mapper.get("schema") or [] if isinstance(field, dict)]
    removed = {str(field.get("displayName", field.get("id"))) for field in schema if field.get("removed")}
    types = {str(field.get("id")): field.get("type") for field in schema if field.get("type")}
    strict, as_text = not mapper.get("attemptToConvertTypes"), bool(mapper.get("convertFieldsToString"))
    mapped = []
    for index, item in enumerate(items):
        values = (ctx.param("workflowInputs.value", index, None) if mapper is stored
                  else ctx.evaluate(mapper.get("value"), index, "workflowInputs.value")) or {}
        checked = {key: check_input(key, value, types.get(key), strict, as_text, index)
                   for key, value in values.items()}
        json = {key: value for key, value in {**item.json, **checked}.items() if key not in removed}
        mapped.append(Item(json, item.binary, (index, 0)))
    return mapped


def _json_object(text: Any) -> dict[str, Any]:
    try:
        value = parse_json(str(text))
    except ValueError as problem:
        raise NodeOperationError(f"Not valid JSON: {problem}") from None
    return value if isinstance(value, dict) else {}


def check_input(name: str, value: Any, field_type: Any, strict: bool, as_text: bool, index: int) -> Any:
    """One mapped input checked against its declared type (n8n's validateFieldType as the resource
    mapper calls it); returns the value, converted when allowed. Raises ExpressionError."""
    if value is None or field_type in (None, "any"):
        return value
    problem = ""
    if field_type == "string":
        if not as_text:
            return value
        if strict and not isinstance(value, str):
            problem = f"'{name}' expects a string but we got {value_description(value)}"
        else:
            return js_json(value) if isinstance(value, (dict, list)) else js_string(value)
    elif strict:
        if _STRICT_TYPES.get(str(field_type), lambda v: True)(value):
            return value
        problem = f"'{name}' expects a {field_type} but we got {value_description(value)}"
    else:
        valid, converted, problem = validate_field_type(name, value, str(field_type))
        if valid:
            return converted
    raise ExpressionError(f"Invalid input for '{name}' [item {index}]", description=problem, item_index=index)


# ---- what the parent receives -----------------------------------------------------------------

def child_outputs(started: SubWorkflowRun, parent_count: int) -> list[list[Item]]:
    """Every output of the child's last node (its last run), each item paired with the parent items
    it descends from: traced back through the child's run data to its start node, else by position
    when the counts match, else with all of them."""
    result = started.result
    name = result.last_node_executed if result is not None else None
    runs = result.run_data.get(name) if result is not None and name else None
    if not runs or name is None:
        return [[]]
    task = runs[-1]
    everything: list[PairedRef] = [(index, 0) for index in range(parent_count)]
    outputs = []
    for output in task.outputs or [[]]:
        same_length = len(output) == parent_count
        paired_items = []
        for position, item in enumerate(output):
            origins = [position] if name == started.start_node else trace_to_start(
                result.run_data, started.start_node, name, len(runs) - 1, item)
            origins = [origin for origin in origins if origin < parent_count]
            paired: Any = _paired(origins) if origins else ((position, 0) if same_length else everything)
            paired_items.append(Item(item.json, item.binary, paired))
        outputs.append(paired_items)
    return outputs


def trace_to_start(run_data: RunData, start: str, node: str, run: int, item: Item) -> list[int]:
    """Positions, in the start node's output, of the items `item` descends from; [] when its
    lineage cannot be followed that far."""
    found: set[int] = set()
    pending = [(node, run, item)]
    for _ in range(10_000):  # lineage through loops can be long, never endless
        if not pending:
            break
        name, run_index, current = pending.pop()
        task = run_data[name][run_index]
        for ref in refs_of(current.paired):
            source = task.source[ref[1]] if ref[1] < len(task.source) else None
            previous = run_data.get(source.previous_node, []) if source is not None else []
            if source is None or source.previous_node_run >= len(previous):
                continue
            previous_items = previous[source.previous_node_run].output(source.previous_node_output)
            if ref[0] >= len(previous_items):
                continue
            if source.previous_node == start:
                found.add(ref[0])
            else:
                pending.append((source.previous_node, source.previous_node_run, previous_items[ref[0]]))
    return sorted(found)


def _paired(origins: list[int]) -> Any:
    return (origins[0], 0) if len(origins) == 1 else [(origin, 0) for origin in origins]
