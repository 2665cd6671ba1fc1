"""Reading an execution for the inspector: its error, the node to show first, and what one node run
received and put out. Pure functions over n8n's run data JSON ({node: [task, ...]}), tested without
a browser; they never raise on odd data (a missing field reads as absent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models import Execution
from ui.editor.node_details import output_items

FAILED = frozenset({"error", "crashed"})


@dataclass(frozen=True)
class ErrorSummary:
    """Why an execution failed, as the error card shows it."""

    message: str
    description: str = ""
    node: str = ""  # "" when no node is to blame (canceled, timed out, invalid workflow)
    item_index: int | None = None
    kind: str = ""  # the error class, e.g. NodeOperationError


@dataclass(frozen=True)
class InputData:
    """One input of a node run: which run of which parent output fed it, and its items."""

    input: int  # the input index on the node
    node: str  # the parent node
    output: int
    run: int
    items: list[Any] | None  # None: that run of the parent has no data


def tasks_of(run_data: Mapping[str, Any], node: str) -> list[Mapping[str, Any]]:
    tasks = run_data.get(node)
    return [task if isinstance(task, Mapping) else {} for task in tasks] if isinstance(tasks, list) else []


def failing_task(run_data: Mapping[str, Any]) -> tuple[str, int] | None:
    """(node, run) of the last node run with an error, in execution order."""
    failed = [(int(_number(task.get("executionIndex")) or 0), name, index)
              for name in run_data for index, task in enumerate(tasks_of(run_data, name)) if task.get("error")]
    return max(failed)[1:] if failed else None


def error_summary(document: Mapping[str, Any], execution: Execution) -> ErrorSummary | None:
    """The execution's error (its run data's error object, else the row's message); None when it has none."""
    error = document.get("error")
    run_data = _run_data(document)
    if isinstance(error, Mapping) and (error.get("message") or error.get("description")):
        node = str(error.get("node") or "")
        if not node and execution.status in FAILED:
            node = (failing_task(run_data) or ("",))[0]
        task_error = _last_error(run_data, node)
        message = str(error.get("message") or "")
        description = str(error.get("description") or task_error.get("description") or "")
        if not message:
            message, description = description, ""
        item_index = _number(error.get("itemIndex", task_error.get("itemIndex")))
        return ErrorSummary(message, description, node, item_index, str(error.get("name") or ""))
    if execution.error_message:
        node = (execution.last_node or "") if execution.status in FAILED else ""
        return ErrorSummary(execution.error_message, node=node)
    return None


def default_selection(document: Mapping[str, Any], execution: Execution) -> tuple[str, int] | None:
    """The node run shown first: the failing one, else the last node executed, else the last run."""
    run_data = _run_data(document)
    error = error_summary(document, execution)
    if error is not None and error.node and tasks_of(run_data, error.node):
        failed = [index for index, task in enumerate(tasks_of(run_data, error.node)) if task.get("error")]
        return error.node, failed[-1] if failed else len(tasks_of(run_data, error.node)) - 1
    last = document.get("lastNodeExecuted")
    if isinstance(last, str) and tasks_of(run_data, last):
        return last, len(tasks_of(run_data, last)) - 1
    runs = [(int(_number(task.get("executionIndex")) or 0), name, index)
            for name in run_data for index, task in enumerate(tasks_of(run_data, name))]
    return max(runs)[1:] if runs else None


def run_inputs(run_data: Mapping[str, Any], node: str, run: int) -> list[InputData]:
    """What one run of a node received, per its `source` (empty for a trigger or an unknown run)."""
    tasks = tasks_of(run_data, node)
    if not 0 <= run < len(tasks):
        return []
    sources = tasks[run].get("source")
    inputs = []
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(source, Mapping) or not isinstance(source.get("previousNode"), str):
            continue
        parent = source["previousNode"]
        output = _number(source.get("previousNodeOutput")) or 0
        parent_run = _number(source.get("previousNodeRun")) or 0
        inputs.append(InputData(index, parent, output, parent_run, output_items(run_data, parent, parent_run, output)))
    return inputs


def run_outputs(run_data: Mapping[str, Any], node: str, run: int) -> list[list[Any]]:
    """The items of each output of one run of a node (empty when it put out nothing)."""
    tasks = tasks_of(run_data, node)
    if not 0 <= run < len(tasks):
        return []
    main = (tasks[run].get("data") or {}).get("main") if isinstance(tasks[run].get("data"), Mapping) else None
    return [list(output or []) for output in main] if isinstance(main, list) else []


def _run_data(document: Mapping[str, Any]) -> Mapping[str, Any]:
    run_data = document.get("runData")
    return run_data if isinstance(run_data, Mapping) else {}


def _last_error(run_data: Mapping[str, Any], node: str) -> Mapping[str, Any]:
    errors = [task["error"] for task in tasks_of(run_data, node) if isinstance(task.get("error"), Mapping)]
    return errors[-1] if errors else {}


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
