"""Loop Over Items / Split In Batches (n8n `splitInBatches` v1, v2, v3).

Outputs: v3 `done` (0) and `loop` (1); v2 `loop` (0) and `done` (1), as in n8n's code; v1 one.

State lives in `ctx.node_context` under n8n's keys, so `$node["X"].context["noItemsLeft"]` works:

    items            items still to emit (n8n item dicts: json, binary, pairedItem)
    processedItems   (v2, v3) items that came back from the loop body, in arrival order
    currentRunIndex  0 for the first batch, +1 for every later run
    maxRunIndex      ceil(len(first input) / batchSize)
    noItemsLeft      True when no item is left to emit after this run
    done             (v2, v3) True when this run emitted processedItems on "done"
    sourceData       where the first input came from: {previousNode, previousNodeOutput, previousNodeRun}
    loopBodyNodes    (Knotwork, v2, v3) nodes that sent items back into the loop since it started

Rules, run by run:

1. Start: when the context has no `items`, or `options.reset` is truthy (JavaScript truthiness,
   as n8n tests it), store the input and emit the first `batchSize` items on "loop", each paired
   to its position in the input.
2. Continue: otherwise the incoming items (back from the loop body) are appended to
   `processedItems`, paired to their position in this run's input with `sourceOverwrite` = this
   run's source, and the next batch is emitted, paired to the first input through
   `sourceOverwrite` = `sourceData`. The node sending them is remembered in `loopBodyNodes`.
3. Finish: when no item is left to emit, `done` becomes true and `processedItems` go out on
   "done" (v1 emits nothing at all).
4. Fresh entry (Knotwork, v2 and v3; n8n issue #23670): when the context says `done` and items
   arrive from a node that never sent items back while the loop ran (so it is not part of the
   loop body: say, the node before an inner loop, in the next iteration of an outer loop), the
   previous loop has finished and this is a new entry: the node starts over as in rule 1. n8n 1.x
   instead appended those items to the old `processedItems` and emitted "done" at once. This
   only applies while `reset` is unset or a literal false: an explicit `reset` (true, or an
   expression such as `{{ $prevNode.name === 'Outer' }}`) decides alone, exactly as in n8n. v1
   has no `done` marker (a body may loop back after the last batch), so it keeps n8n's rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.items import Item, PairedRef, items_from_json, refs_of
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter

from .set_convert import js_to_number, js_truthy

if TYPE_CHECKING:
    from engine.workflow import NodeSpec


class LoopOverItems(NodeType):
    description = NodeDescription(
        name="knotwork.splitInBatches",
        display_name="Loop Over Items (Split in Batches)",
        group="flow",
        description="Split data into batches and iterate over each batch",
        versions=(1.0, 2.0, 3.0),
        default_version=3.0,
        parameters=(
            Parameter(
                "splitInBatchesNotice",
                "You may not need this node: nodes already run once for each input item",
                "notice",
                default="",
            ),
            Parameter(
                "batchSize",
                "Batch Size",
                "number",
                default=1,
                description="The number of items to return with each call",
                show={"@version": (3.0,)},
                type_options={"min": 1},
            ),
            Parameter(
                "batchSize",
                "Batch Size",
                "number",
                default=10,
                description="The number of items to return with each call",
                show={"@version": (1.0, 2.0)},
                type_options={"min": 1},
            ),
            Parameter(
                "options",
                "Options",
                "collection",
                default={},
                fields=(
                    Parameter(
                        "reset",
                        "Reset",
                        "boolean",
                        default=False,
                        description="Whether to start again from the beginning with the incoming items as a new set "
                        "(an expression decides per run, e.g. {{ $prevNode.name === 'Outer Loop' }}). Unset, "
                        "a finished loop entered again from outside its body starts over by itself.",
                    ),
                ),
            ),
        ),
        outputs=2,
        output_names=("done", "loop"),
        aliases=("n8n-nodes-base.splitInBatches",),
        search_aliases=("loop", "batch", "split", "iterate", "repeat"),
        categories=("Core Nodes", "Flow"),
    )

    def output_count(self, node: NodeSpec) -> int:
        return 1 if node.type_version < 2 else 2

    def output_names(self, node: NodeSpec) -> list[str]:
        if node.type_version < 2:
            return [""]
        return ["loop", "done"] if node.type_version < 3 else ["done", "loop"]

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        version = ctx.type_version
        state = ctx.node_context
        items = list(ctx.input_items)
        batch_size = _batch_size(ctx.param("batchSize", 0, 1 if version >= 3 else 10))
        options = ctx.param("options", 0, {}) or {}
        source = _input_source(ctx)

        if "items" not in state or _should_reset(ctx, state, options, source):
            batch = _start(state, items, batch_size, source, version)
        else:
            batch = _next_batch(state, items, batch_size, source, version)
        state["noItemsLeft"] = not state["items"]

        if version < 2:
            return [batch]
        if not batch:
            state["done"] = True
            processed = items_from_json(state.get("processedItems") or [])
            return [processed, []] if version >= 3 else [[], processed]
        state["done"] = False
        return [[], batch] if version >= 3 else [batch, []]


def _should_reset(
    ctx: ExecuteContext, state: Mapping[str, Any], options: Mapping[str, Any], source: Mapping[str, Any] | None
) -> bool:
    """n8n's reset when the user set one explicitly; otherwise Knotwork's fresh-entry rule 4."""
    raw = ctx.raw_param("options", {}) or {}
    explicit = raw.get("reset") if isinstance(raw, Mapping) else None
    if explicit is True or (isinstance(explicit, str) and explicit.startswith("=")):
        return js_truthy(options.get("reset"))
    if ctx.type_version < 2 or state.get("done") is not True:
        return False
    sender = source.get("previousNode") if source else None
    return sender is None or sender not in (state.get("loopBodyNodes") or [])


def _start(
    state: dict[str, Any], items: list[Item], batch_size: int, source: dict[str, Any] | None, version: float
) -> list[Item]:
    indexed = [item.with_paired((index, 0)) for index, item in enumerate(items)]
    state["currentRunIndex"] = 0
    state["maxRunIndex"] = math.ceil(len(items) / batch_size) if batch_size else None
    state["sourceData"] = dict(source) if source is not None else None
    state["items"] = [item.to_dict() for item in indexed[batch_size:]]
    if version >= 2:
        state["processedItems"] = []
        state["loopBodyNodes"] = []
    return indexed[:batch_size]


def _next_batch(
    state: dict[str, Any], items: list[Item], batch_size: int, source: dict[str, Any] | None, version: float
) -> list[Item]:
    state["currentRunIndex"] = int(state.get("currentRunIndex") or 0) + 1
    pending = items_from_json(state.get("items") or [])
    state["items"] = [item.to_dict() for item in pending[batch_size:]]
    if version >= 2:
        sender = source.get("previousNode") if source else None
        body = state.setdefault("loopBodyNodes", [])
        if sender and sender not in body:
            body.append(sender)
        arrived = [Item(item.json, item.binary, _ref(index, 0, source), item.error) for index, item in enumerate(items)]
        state.setdefault("processedItems", []).extend(item.to_dict() for item in arrived)
    origin = state.get("sourceData")
    return [item.with_paired(_overwrite_source(item, origin)) for item in pending[:batch_size]]


def _ref(item_index: int, input_index: int, source: Mapping[str, Any] | None) -> PairedRef:
    return (item_index, input_index, dict(source)) if source else (item_index, input_index)


def _overwrite_source(item: Item, source: Mapping[str, Any] | None) -> PairedRef | list[PairedRef]:
    """The item's pairing redirected to the loop's first input (n8n's `sourceOverwrite`)."""
    if item.paired is None:
        return _ref(0, 0, source)
    refs = [_ref(ref[0], ref[1], source) for ref in refs_of(item.paired)]
    return refs if isinstance(item.paired, list) else refs[0]


def _input_source(ctx: ExecuteContext) -> dict[str, Any] | None:
    """Where input 0 of this run came from, when the executor says (`ctx.source`)."""
    sources = getattr(ctx, "source", None)
    if isinstance(sources, (list, tuple)) and sources and isinstance(sources[0], Mapping):
        return dict(sources[0])
    return None


def _batch_size(value: Any) -> int:
    """JS `splice(0, n)` semantics: truncated, never negative; NaN means 0."""
    number = js_to_number(value)
    if math.isnan(number):
        return 0
    return int(max(min(number, 2.0**31), 0.0))
