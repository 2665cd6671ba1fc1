"""Walking paired-item lineage back to an earlier node (`$('Node').item`), with n8n's errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ExpressionError
from ..items import Item, PairedRef, refs_of
from ..run_data import SourceRef, TaskData


def paired_error(message: str, error_type: str, description: str = "", **context: Any) -> ExpressionError:
    return ExpressionError(message, description=description or None, error_type=error_type, context=context)


def resolve_paired_item(
    run_data: Mapping[str, list[TaskData]],
    destination: str,
    source: SourceRef | None,
    ref: PairedRef,
    item_index: int,
) -> Item:
    """The item of node `destination` that item `ref` (as seen from `source`) derives from.

    Raises ExpressionError typed like n8n's: paired_item_no_info, paired_item_invalid_info,
    paired_item_no_connection, paired_item_multiple_matches.
    """
    if len(ref) == 3:
        source = _source_from_overwrite(ref[2])
    while source is not None and source.previous_node != destination:
        task = _task(run_data, source)
        output = task.output(source.previous_node_output) if task else None
        if task is None or output is None or ref[0] >= len(output):
            raise paired_error(
                f"Paired item data for item from node '{source.previous_node}' is unavailable",
                "paired_item_invalid_info",
                f"An expression here asks for '{destination}', but the lineage of item {item_index} "
                f"points at an item that node '{source.previous_node}' did not output.",
            )
        previous_item = output[ref[0]]
        refs = refs_of(previous_item.paired)
        if not refs:
            raise paired_error(
                f"Paired item data for item from node '{source.previous_node}' is unavailable",
                "paired_item_no_info",
                f"Node '{source.previous_node}' did not say which input item produced its output item "
                f"{ref[0]}, so the item of '{destination}' that matches item {item_index} cannot be found. "
                f"Use $('{destination}').first() or .all(), or make that node return pairedItem.",
                nodeCause=source.previous_node,
            )
        if len(refs) > 1:
            return _resolve_many(run_data, destination, task, refs, item_index, source.previous_node)
        ref = refs[0]
        if len(ref) == 3:
            source = _source_from_overwrite(ref[2])
            continue
        if ref[1] >= len(task.source):
            if not task.source:
                raise _no_connection(destination, item_index)
            raise paired_error(
                f"Paired item data for item from node '{source.previous_node}' is invalid",
                "paired_item_invalid_info",
                f"It points at input {ref[1]}, which node '{source.previous_node}' does not have.",
            )
        source = task.source[ref[1]]
    if source is None:
        raise _no_connection(destination, item_index)
    task = _task(run_data, source)
    if task is None:
        raise paired_error(
            f"Referenced node is unexecuted: '{destination}'",
            "no_node_execution_data",
            f"An expression references '{destination}', but it has not run yet in this execution.",
        )
    output = task.output(source.previous_node_output)
    if ref[0] >= len(output):
        raise paired_error(
            f"Paired item data for item from node '{destination}' is invalid",
            "paired_item_invalid_info",
            f"It points at item {ref[0]}, but '{destination}' output only {len(output)} item(s).",
        )
    return output[ref[0]]


def _resolve_many(
    run_data: Mapping[str, list[TaskData]],
    destination: str,
    task: TaskData,
    refs: list[PairedRef],
    item_index: int,
    node_before: str,
) -> Item:
    results: list[Item] = []
    for ref in refs:
        if ref[1] >= len(task.source):
            continue
        try:
            results.append(resolve_paired_item(run_data, destination, task.source[ref[1]], ref, item_index))
        except ExpressionError:
            continue
    unique = {id(item): item for item in results}
    if len(unique) == 1:
        return results[0]
    if not unique:
        raise _no_connection(destination, item_index)
    raise paired_error(
        f"Multiple matches found for item {item_index} of '{destination}'",
        "paired_item_multiple_matches",
        f"Item {item_index} derives from {len(unique)} different items of '{destination}' (through node "
        f"'{node_before}'), so `.item` is ambiguous. Use .first(), .all() or .itemMatching().",
    )


def _no_connection(destination: str, item_index: int) -> ExpressionError:
    return paired_error(
        f"No path back to node '{destination}'",
        "paired_item_no_connection",
        f"Item {item_index} does not derive from any item of '{destination}': there is no connection "
        f"back to it along this item's lineage.",
    )


def _task(run_data: Mapping[str, list[TaskData]], source: SourceRef) -> TaskData | None:
    runs = run_data.get(source.previous_node)
    if not runs or source.previous_node_run >= len(runs):
        return None
    return runs[source.previous_node_run]


def _source_from_overwrite(overwrite: dict[str, Any]) -> SourceRef:
    return SourceRef(
        str(overwrite.get("previousNode")),
        int(overwrite.get("previousNodeOutput") or 0),
        int(overwrite.get("previousNodeRun") or 0),
    )
