"""What a node's raw output becomes before it is recorded and routed: n8n's rules for output
shape, paired-item auto-fill, items carrying errors, the "Error" output and alwaysOutputData."""

from __future__ import annotations

from typing import Any

from .errors import NodeError, NodeOperationError
from .items import Item, PairedRef, item_from_json
from .workflow import NodeSpec


def continue_after_failure(
    node: NodeSpec, output_count: int, inputs: list[list[Item] | None], failure: NodeError
) -> list[list[Item]]:
    """The node threw but continues: input passes through (regular output), or every input item
    goes to the "Error" output carrying the error (error output)."""
    first_input = inputs[0] if inputs else None
    if node.on_error != "continueErrorOutput":
        return [first_input] if first_input is not None else []
    outputs: list[list[Item]] = [[] for _ in range(output_count)]
    outputs[-1] = [
        Item({**item.json, "error": failure.message}, item.binary, item.paired) for item in first_input or []
    ]
    return outputs


def split_error_output(
    outputs: list[list[Item]], output_count: int, inputs: list[list[Item] | None]
) -> list[list[Item]]:
    """onError=continueErrorOutput: move items that carry an error to the last ("Error") output,
    their json merged over the json of the input item they pair with."""
    outputs = outputs + [[] for _ in range(output_count - len(outputs))]
    errors: list[Item] = []
    for index in range(output_count - 1):
        kept: list[Item] = []
        for item in outputs[index]:
            if _error_of(item) is None:
                kept.append(item)
                continue
            origin = _paired_input(item, inputs)
            json = {**origin.json, **item.json} if origin is not None else item.json
            errors.append(Item(json, item.binary, item.paired, None))
        outputs[index] = kept
    outputs[output_count - 1] = errors + outputs[output_count - 1]
    return outputs


def _paired_input(item: Item, inputs: list[list[Item] | None]) -> Item | None:
    paired = item.paired[0] if isinstance(item.paired, list) and item.paired else item.paired
    if not isinstance(paired, tuple):
        return None
    source_items = inputs[paired[1]] if paired[1] < len(inputs) else None
    if source_items and paired[0] < len(source_items):
        return source_items[paired[0]]
    return None


def always_output_data(
    enabled: bool, inputs: list[list[Item] | None], outputs: list[list[Item]] | None
) -> list[list[Item]] | None:
    """alwaysOutputData: a node that output nothing (or did not run for lack of input) emits one
    empty item on output 0, paired with every input item."""
    if not enabled or (outputs and outputs[0]):
        return outputs
    paired: list[PairedRef] = [(i, k) for k, items in enumerate(inputs) if items for i in range(len(items))]
    outputs = list(outputs) if outputs else [[]]
    outputs[0] = [Item({}, paired=paired)]
    return outputs


def connection_input_has_items(inputs: list[list[Item] | None], v1: bool) -> bool:
    if v1:
        return any(items for items in inputs)
    return bool(inputs and inputs[0])


def first_item_has_error(outputs: list[list[Item]] | None) -> bool:
    if not outputs or not outputs[0]:
        return False
    error = outputs[0][0].json.get("error")
    return error is not None and error is not False


def _error_of(item: Item) -> Any:
    if item.error:
        return item.error
    json = item.json
    if "error" in json and (len(json) == 1 or (len(json) == 2 and "message" in json)):
        return json["error"]
    return None


def items_with_errors_as_json(items: list[Item]) -> list[Item]:
    """n8n shows an item's `error` as `{"error": message}` in its json."""
    if not any(item.error for item in items):
        return items
    return [
        Item({"error": item.error.get("message", str(item.error))}, item.binary, item.paired, item.error)
        if item.error and isinstance(item.error, dict)
        else item
        for item in items
    ]


def normalise_outputs(name: str, raw: Any) -> list[list[Item]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(output, list) for output in raw):
        raise NodeOperationError(
            f"Node '{name}' returned {type(raw).__name__}; a node must return one list of items per output",
            node=name,
        )
    return [[item if type(item) is Item else item_from_json(item) for item in output] for output in raw]


def fill_paired_items(inputs: list[list[Item] | None], outputs: list[list[Item]] | None) -> None:
    """n8n's auto-fill: one input with one item pairs everything to it; one input and one output
    of equal length pair by position. Otherwise missing pairing stays missing."""
    if not outputs or len(inputs) != 1 or inputs[0] is None:
        return
    count = len(inputs[0])
    if count == 1:
        for output in outputs:
            for item in output:
                if item.paired is None:
                    item.paired = (0, 0)
    elif len(outputs) == 1 and len(outputs[0]) == count:
        for index, item in enumerate(outputs[0]):
            if item.paired is None:
                item.paired = (index, 0)
