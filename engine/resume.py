"""An unfinished execution's state as JSON, and back: what "retry from the failed node" needs.

The state is n8n's idea of it: the run data so far, the stack of nodes still to run (the failed
node is put back on top when it fails), the multi-input nodes still waiting, and node contexts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .items import Item, items_from_json
from .run_data import SourceRef, TaskData

if TYPE_CHECKING:
    from .runner import ExecutionRun


def _items_json(items: list[Item] | None) -> list[dict[str, Any]] | None:
    return None if items is None else [item.to_dict() for item in items]


def _items(values: list[Any] | None) -> list[Item] | None:
    return None if values is None else items_from_json(values)


def _source(value: dict[str, Any] | None) -> SourceRef | None:
    if value is None:
        return None
    return SourceRef(
        value["previousNode"], int(value.get("previousNodeOutput") or 0), int(value.get("previousNodeRun") or 0)
    )


def task_from_json(data: dict[str, Any]) -> TaskData:
    main = (data.get("data") or {}).get("main")
    return TaskData(
        start_time=int(data.get("startTime", 0)),
        execution_index=int(data.get("executionIndex", 0)),
        source=[_source(s) for s in data.get("source", [])],
        execution_time=int(data.get("executionTime", 0)),
        execution_status=data.get("executionStatus", "success"),
        outputs=None if main is None else [items_from_json(output or []) for output in main],
        error=data.get("error"),
        logs=list(data.get("logs", [])),
        hints=list(data.get("hints", [])),
    )


def capture_state(run: ExecutionRun) -> dict[str, Any]:
    """The state an execution stopped in, as JSON-ready data."""
    return {
        "runData": {name: [task.to_json() for task in tasks] for name, tasks in run.run_data.items()},
        "stack": [
            {
                "node": entry.node,
                "inputs": [_items_json(items) for items in entry.inputs],
                "source": [ref.to_json() if ref else None for ref in entry.source],
                **({"passThrough": True} if entry.pass_through else {}),
            }
            for entry in run.stack
        ],
        "waiting": {
            node: {
                str(index): {
                    "inputs": [_items_json(items) for items in entry.inputs],
                    "source": [ref.to_json() if ref else None for ref in entry.source],
                }
                for index, entry in entries.items()
            }
            for node, entries in run.waiting.items()
        },
        "nodeContext": run.node_contexts,
        "lastNodeExecuted": run.last_node_executed,
    }


def restore_state(run: ExecutionRun, state: dict[str, Any]) -> None:
    """Put a captured state back into a fresh run, dropping the failed run of the node that
    stopped it (it is about to run again)."""
    from .runner import StackEntry, WaitingEntry

    run.run_data = {name: [task_from_json(t) for t in tasks] for name, tasks in state.get("runData", {}).items()}
    failed = state.get("lastNodeExecuted")
    last_runs = run.run_data.get(failed) if isinstance(failed, str) else None
    if isinstance(failed, str) and last_runs and (last_runs[-1].error is not None or last_runs[-1].execution_status == "waiting"):
        run.run_data[failed].pop()
        if not run.run_data[failed]:
            del run.run_data[failed]
    run.stack = [
        StackEntry(e["node"], [_items(i) for i in e["inputs"]], [_source(s) for s in e["source"]],
                   pass_through=bool(e.get("passThrough")))
        for e in state.get("stack", [])
    ]
    _resume_waiting_node(run, state)
    run.waiting = {
        node: {
            int(index): WaitingEntry([_items(i) for i in e["inputs"]], [_source(s) for s in e["source"]])
            for index, e in entries.items()
        }
        for node, entries in state.get("waiting", {}).items()
    }
    run.node_contexts = dict(state.get("nodeContext", {}))
    run.execution_index = 1 + max(
        (task.execution_index for tasks in run.run_data.values() for task in tasks), default=-1
    )


def _resume_waiting_node(run: ExecutionRun, state: dict[str, Any]) -> None:
    """A waiting execution resumed by a call: the call's items become the waiting node's output
    (n8n feeds the resume webhook's data through the Wait node)."""
    items = state.get("resumeItems")
    if items is None or not run.stack or not run.stack[0].pass_through:
        return
    entry = run.stack[0]
    resumed = items_from_json(items)
    entry.inputs = [resumed, *entry.inputs[1:]] if entry.inputs else [resumed]
