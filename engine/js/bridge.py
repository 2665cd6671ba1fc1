"""What a JavaScript call needs from the execution, as JSON: the node's input items, the runs of
the nodes the code names, paired items resolved in Python (engine/expressions/paired.py), and
`$workflow`, `$execution`, `$vars`, `$now`... (prelude.js reads exactly this shape).

The JS context never reaches back into Python: everything is sent up front, once per call
(input items once per node run and thread, see `JsCall.ensure_items`).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from ..errors import ExpressionError
from ..expressions.proxy import DataProxy
from ..items import Item
from .rewrite import referenced_nodes
from .runtime import JsRuntime

_PAIRED_USE = re.compile(r"\.\s*item\b|itemMatching|pairedItem")
_tokens = itertools.count(1)


def _default(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    if isoformat is not None:
        return isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


class JsCall:
    """The data of one node run for JavaScript, built lazily and kept for all its calls."""

    def __init__(self, proxy: DataProxy) -> None:
        self.proxy = proxy
        self.token = next(_tokens)
        self._items_json: str | None = None
        self._nodes: dict[str, Any] = {}
        self._paired: dict[str, list[Any]] = {}
        self._where: dict[str, dict[int, list[int]]] = {}
        self._ctx: dict[str, Any] | None = None

    # ---- items -------------------------------------------------------------------------------
    def items_json(self) -> str:
        """The input items; `pairedItem` is left out (rarely read by expressions, costly to build)
        unless the node's parameters mention it."""
        if self._items_json is None:
            paired = "pairedItem" in dumps(self.proxy._node.parameters)
            self._items_json = dumps([item.to_dict(include_paired=paired) for item in self.proxy._input_items])
        return self._items_json

    def ensure_items(self, runtime: JsRuntime, timeout: float, max_memory: int) -> None:
        if runtime.items_token != self.token:
            runtime.load_items(self.token, self.items_json(), timeout=timeout, max_memory=max_memory)

    # ---- the payload -------------------------------------------------------------------------
    def payload(self, source: str, **fields: Any) -> str:
        """JSON for `__kw.evaluate`/`__kw.runCode`: fields plus what `source` refers to."""
        names, dynamic = referenced_nodes(source)
        state = self.proxy._state
        if dynamic:
            names |= {name for name in state.workflow.nodes if state.run_data.get(name)}
        nodes = {name: self._node(name) for name in names if name in state.workflow.nodes}
        paired: dict[str, Any] = {}
        if _PAIRED_USE.search(source):
            paired = {name: self._paired_items(name) for name in nodes}
        body = {
            "ctx": self._context(),
            "itemsToken": self.token,
            "nodes": nodes,
            "paired": paired,
            "allNodes": list(state.workflow.nodes),
            **fields,
        }
        return dumps(body)

    def _context(self) -> dict[str, Any]:
        extra = self.proxy.extra
        if self._ctx is not None and not extra:
            return self._ctx
        proxy = self.proxy
        node = proxy._node
        zone = proxy._state.timezone
        context = {
            "timezone": getattr(zone, "key", "UTC"),
            "now": proxy.now.timestamp() * 1000,
            "execution": _execution(proxy),
            "workflow": proxy.workflow,
            "vars": dict(proxy.variables),
            "parameters": dict(node.parameters),
            "runIndex": proxy.run_index,
            "mode": proxy.mode,
            "prevNode": proxy.prev_node,
            "nodeVersion": node.type_version,
            "nodeId": getattr(node, "id", None),
            "webhookId": getattr(node, "webhook_id", None),
            "context": proxy._state.node_contexts.get(node.name, {}),
            "extra": dict(extra),
        }
        if not extra:
            self._ctx = context
        return context

    def _node(self, name: str) -> dict[str, Any]:
        info = self._nodes.get(name)
        if info is not None:
            return info
        state = self.proxy._state
        runs = state.run_data.get(name) or []
        outputs: list[list[list[Item]]] = [list(task.outputs or ()) for task in runs]
        if not runs and state.uses_pin_data and name in state.workflow.pin_data:
            outputs = [[state.workflow.pin_data[name]]]
        info = {
            "executed": bool(runs),
            "defaultBranch": self.proxy._default_branch(name),
            "runs": [[[item.to_dict() for item in items or ()] for items in branches] for branches in outputs],
            "params": dict(state.workflow.nodes[name].parameters),
            "context": state.node_contexts.get(name, {}),
        }
        self._where[name] = {id(item): [r, b, i] for r, branches in enumerate(outputs)
                             for b, items in enumerate(branches) for i, item in enumerate(items or ())}
        self._nodes[name] = info
        return info

    def _paired_items(self, name: str) -> list[Any]:
        found = self._paired.get(name)
        if found is not None:
            return found
        where = self._where[name]
        entries: list[Any] = []
        for index in range(len(self.proxy._input_items)):
            try:
                item = self.proxy._paired_item(name, index)
            except ExpressionError as error:
                entries.append({"error": {"message": error.message, "type": error.error_type,
                                          "description": error.description}})
                continue
            position = where.get(id(item))
            entries.append(position if position is not None else {"item": item.to_dict()})
        self._paired[name] = entries
        return entries


def _execution(proxy: DataProxy) -> dict[str, Any]:
    """`$execution`; editor previews run on a state without a resume URL."""
    state = proxy._state
    mode = "test" if state.mode == "manual" else "production"
    return {"id": state.execution_id, "mode": mode, "resumeUrl": getattr(state, "resume_url", ""), "customData": {}}
