"""The executor: runs a workflow in n8n's v1 order (or the legacy v0 order) and records run data.

The flow mirrors n8n's WorkflowExecute so that behaviour matches node for node: a stack of nodes
to run (depth-first in v1: children of a node go to the front, top-most first), a waiting room
for multi-input nodes, release of waiting nodes with partial input when the stack empties, and
per-node flags (disabled, pinned data, executeOnce, retries, onError, alwaysOutputData).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .context import NodeExecuteContext
from .errors import ExecutionCanceled, NodeError, NodeOperationError
from .expressions.engine import ExpressionEngine
from .expressions.python_lang import PYTHON
from .graph import GraphIndex
from .items import Item, item_from_json
from .outputs import (
    always_output_data,
    connection_input_has_items,
    continue_after_failure,
    fill_paired_items,
    first_item_has_error,
    items_with_errors_as_json,
    normalise_outputs,
    split_error_output,
)
from .ports import Services
from .registry import NodeRegistry
from .resume import capture_state, restore_state
from .routing import Router
from .run_data import ExecutionResult, RunData, SourceRef, TaskData
from .workflow import Workflow

# n8n's fallback start nodes, in priority order, when no enabled trigger node exists.
START_NODE_TYPES = (
    "knotwork.manualTrigger",
    "knotwork.executeWorkflowTrigger",
    "knotwork.errorTrigger",
    "knotwork.start",
    "knotwork.evaluationTrigger",
)
PIN_DATA_MODES = frozenset({"manual", "evaluation"})
MAX_RETRY_AFTER = 300.0  # seconds: a longer Retry-After would hold the run for too long


@dataclass
class StackEntry:
    node: str
    inputs: list[list[Item] | None]
    source: list[SourceRef | None]
    # The node that put the execution to wait, run again on resume: its input becomes its output.
    pass_through: bool = False


@dataclass
class WaitingEntry:
    inputs: list[list[Item] | None]
    source: list[SourceRef | None]


@dataclass(frozen=True)
class PartialRequest:
    """Run only up to `destination`, reusing `run_data` of an earlier run (engine.partial)."""

    destination: str
    run_data: RunData
    dirty_nodes: frozenset[str] = frozenset()


@dataclass
class ExecutionRun:
    """The mutable state of one execution (also what expressions read through DataProxy)."""

    workflow: Workflow
    registry: NodeRegistry
    services: Services
    mode: str
    execution_id: str
    expressions: ExpressionEngine
    timezone: ZoneInfo
    run_data: RunData = field(default_factory=dict)
    node_contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    stack: list[StackEntry] = field(default_factory=list)
    waiting: dict[str, dict[int, WaitingEntry]] = field(default_factory=dict)
    last_node_executed: str | None = None
    execution_index: int = 0
    wait_till: datetime | None = None  # set by a node (Wait): the run stops after it, `waiting`

    @property
    def resume_url(self) -> str:
        return f"{self.services.public_url.rstrip('/')}/webhook-waiting/{self.execution_id}"

    @property
    def variables(self) -> Any:
        return self.services.variables

    @property
    def uses_pin_data(self) -> bool:
        return self.mode in PIN_DATA_MODES

    def now(self) -> datetime:
        return self.services.clock.now()

    def next_execution_index(self) -> int:
        index = self.execution_index
        self.execution_index += 1
        return index


async def execute_workflow(
    workflow: Workflow,
    registry: NodeRegistry,
    *,
    services: Services | None = None,
    mode: str = "manual",
    start_node: str | None = None,
    start_items: Sequence[Item | dict[str, Any]] | None = None,
    execution_id: str | None = None,
    timeout: float | None = None,
    resume: dict[str, Any] | None = None,
    destination_node: str | None = None,
    previous_run_data: Mapping[str, Iterable[Any]] | None = None,
    dirty_nodes: Iterable[str] = (),
) -> ExecutionResult:
    """Run a workflow to the end and return its result. Never raises for node failures: they
    end the execution with status "error" and the error recorded on the failing node's run.
    `resume` is the `state` of an earlier result that did not succeed: the run continues there.

    `destination_node` (manual mode only) makes it n8n's partial execution: only what that node
    needs runs, the rest comes from `previous_run_data` (TaskData lists or n8n's JSON runData) and
    pinned data, except `dirty_nodes` (changed since) and what follows them; nothing after the
    destination runs. The result's run data holds the reused runs too. Raises ValueError when
    `destination_node` is combined with another mode, `start_node`, `start_items` or `resume`."""
    services = services or Services()
    executor = WorkflowExecutor(workflow, registry, services, mode, execution_id or uuid.uuid4().hex[:16])
    items = [item_from_json(item) for item in start_items] if start_items is not None else None
    partial = None
    if destination_node is not None:
        if mode != "manual":
            raise ValueError(f"Executing up to a node is only available in manual mode, not '{mode}'")
        if start_node is not None or start_items is not None or resume is not None:
            raise ValueError("destination_node cannot be combined with start_node, start_items or resume")
        from .partial import run_data_from

        partial = PartialRequest(destination_node, run_data_from(previous_run_data), frozenset(dirty_nodes))
    return await executor.run(start_node, items, timeout, resume, partial)


def expression_language(settings: Mapping[str, Any]) -> Any:
    """The workflow's `settings.expressionLanguage`: Python unless it says javascript."""
    if str(settings.get("expressionLanguage") or "python").lower() == "javascript":
        from .expressions.js_lang import JAVASCRIPT  # V8 loads only for JavaScript workflows

        return JAVASCRIPT
    return PYTHON


def resolve_timezone(name: Any, default: str) -> ZoneInfo:
    for candidate in (name, default, "UTC"):
        if isinstance(candidate, str) and candidate and candidate != "DEFAULT":
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


class WorkflowExecutor:
    def __init__(
        self, workflow: Workflow, registry: NodeRegistry, services: Services, mode: str, execution_id: str
    ) -> None:
        expressions = ExpressionEngine(
            expression_language(workflow.settings),
            timeout=services.expression_timeout,
            max_size=services.expression_max_size,
            max_memory=services.expression_max_memory,
        )
        self.run_state = ExecutionRun(
            workflow=workflow,
            registry=registry,
            services=services,
            mode=mode,
            execution_id=execution_id,
            expressions=expressions,
            timezone=resolve_timezone(workflow.settings.get("timezone"), services.default_timezone),
        )
        self.workflow = workflow
        self.registry = registry
        self.services = services
        self.graph = GraphIndex(workflow)
        self.v1 = workflow.execution_order == "v1"
        self.router = Router(self.run_state, self.graph, self.v1)
        self._last_execution_try = ""
        self._deadline: float | None = None
        # Partial execution (n8n's startData): only these nodes run, and nothing after the destination.
        self._run_filter: frozenset[str] | None = None
        self._destination: str | None = None

    # ---- the run loop ----------------------------------------------------------------------
    async def run(
        self,
        start_node: str | None,
        start_items: list[Item] | None,
        timeout: float | None,
        resume: dict[str, Any] | None = None,
        partial: PartialRequest | None = None,
    ) -> ExecutionResult:
        state = self.run_state
        started_at = self.services.clock.now()
        timeout = self._effective_timeout(timeout)
        self._deadline = time.monotonic() + timeout if timeout else None
        status = "success"
        error: dict[str, Any] | None = None
        self.services.events.emit("workflow.started", {"executionId": state.execution_id, "mode": state.mode})
        try:
            if resume is not None:
                restore_state(state, resume)
                self._restore_start_data(resume)
                self._check_resumable()
            elif partial is not None:
                self._start_partial(partial)
            else:
                start = start_node or self.find_start_node()
                if start is None:
                    raise NodeOperationError("The workflow has no node to start from (add a trigger node)")
                if start not in self.workflow.nodes:
                    raise NodeOperationError(f"Start node '{start}' does not exist in the workflow")
                state.stack = [StackEntry(start, [start_items if start_items is not None else [Item({})]], [])]
            error = await self._process_stack()
            if error is not None:
                status = "error"
            elif state.wait_till is not None:
                status = "waiting"
        except ExecutionCanceled as canceled:
            status = "canceled"
            message = (
                "The execution was canceled because it timed out"
                if canceled.reason == "timeout"
                else "The execution was canceled"
            )
            error = {"name": "ExecutionCanceled", "message": message}
        except NodeError as failure:
            status = "error"
            error = failure.to_dict()
        stopped_at = self.services.clock.now()
        self.services.events.emit(
            "workflow.finished", {"executionId": state.execution_id, "status": status}
        )
        return ExecutionResult(
            state=self._captured_state() if status != "success" else None,
            status=status,
            mode=state.mode,
            started_at=started_at,
            stopped_at=stopped_at,
            run_data=state.run_data,
            last_node_executed=state.last_node_executed,
            error=error,
            node_context=state.node_contexts,
            static_data=dict(self.workflow.static_data),
            wait_till=state.wait_till if status == "waiting" else None,
        )

    def _start_partial(self, partial: PartialRequest) -> None:
        from .partial import plan_partial_execution

        state = self.run_state
        pin_data = self.workflow.pin_data if state.uses_pin_data else {}
        plan = plan_partial_execution(
            self.workflow, self.registry, partial.destination, partial.run_data, pin_data, partial.dirty_nodes
        )
        state.run_data, state.stack, state.waiting = plan.run_data, plan.stack, plan.waiting
        state.execution_index = plan.next_execution_index
        self._destination, self._run_filter = plan.destination, plan.run_filter

    def _captured_state(self) -> dict[str, Any]:
        captured = capture_state(self.run_state)
        if self._destination is not None:  # a retry of a partial run stays partial
            captured["startData"] = {
                "destinationNode": self._destination,
                "runNodeFilter": sorted(self._run_filter or ()),
            }
        return captured

    def _restore_start_data(self, resume: dict[str, Any]) -> None:
        start_data = resume.get("startData") or {}
        self._destination = start_data.get("destinationNode")
        run_filter = start_data.get("runNodeFilter")
        self._run_filter = frozenset(run_filter) if run_filter is not None else None

    def _check_resumable(self) -> None:
        missing = sorted({entry.node for entry in self.run_state.stack} - set(self.workflow.nodes))
        if missing:
            raise NodeOperationError(
                f"Cannot resume: node(s) {', '.join(repr(m) for m in missing)} no longer exist in the workflow"
            )

    def _effective_timeout(self, timeout: float | None) -> float | None:
        configured = self.workflow.settings.get("executionTimeout")
        if isinstance(configured, (int, float)) and not isinstance(configured, bool) and configured > 0:
            return float(configured) if timeout is None or timeout <= 0 else min(float(configured), timeout)
        return timeout if timeout and timeout > 0 else None

    def find_start_node(self) -> str | None:
        """n8n's getStartNode: a lone node; else the first enabled trigger; else by type priority."""
        nodes = self.workflow.nodes
        if len(nodes) == 1:
            return next(iter(nodes))
        for node in nodes.values():
            node_type = self.registry.resolve(node.type)
            if not node.disabled and node_type is not None and node_type.description.trigger:
                return node.name
        ranked = sorted(
            (START_NODE_TYPES.index(t.description.name), index, node.name)
            for index, node in enumerate(nodes.values())
            if not node.disabled
            and (t := self.registry.resolve(node.type)) is not None
            and t.description.name in START_NODE_TYPES
        )
        return ranked[0][2] if ranked else None

    async def _process_stack(self) -> dict[str, Any] | None:
        state = self.run_state
        while state.stack:
            self._check_cancel()
            entry = state.stack.pop(0)
            error = await self._process_entry(entry)
            if error is not None:
                return error
            if state.wait_till is not None:
                return None  # a node put the execution to wait; it resumes from the stack later
            # n8n releases no waiting node right after the destination ran (partial execution).
            if not state.stack and state.waiting and entry.node != self._destination:
                self.router.release_waiting()
        return None

    def _check_cancel(self) -> None:
        cancel = self.services.cancel_event
        if cancel is not None and cancel.is_set():
            raise ExecutionCanceled("canceled")
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise ExecutionCanceled("timeout")

    async def _process_entry(self, entry: StackEntry) -> dict[str, Any] | None:
        state = self.run_state
        if self._run_filter is not None and entry.node not in self._run_filter:
            return None  # outside a partial run's subgraph (n8n's runNodeFilter)
        node = self.workflow.node(entry.node)
        # Before a node runs, every input item points at its own position (n8n does the same).
        inputs: list[list[Item] | None] = [
            None if items is None else [item.with_paired((i, k)) for i, item in enumerate(items)]
            for k, items in enumerate(entry.inputs)
        ]
        run_index = len(state.run_data.get(node.name, ()))
        attempt = f"{node.name}:{run_index}"
        if attempt == self._last_execution_try:
            raise NodeOperationError(
                "Stopped execution because it seems to be in an endless loop",
                node=node.name,
                description=f"Node '{node.name}' went back to the stack twice in a row waiting for input "
                "that never arrives.",
            )
        if not self.router.ensure_input_data(entry):
            self._last_execution_try = attempt
            return None
        start_ms = int(time.time() * 1000)
        started = time.perf_counter()
        logs: list[str] = []
        self.services.events.emit("node.started", {"executionId": state.execution_id, "node": node.name})
        pinned = self.workflow.pin_data.get(node.name) if state.uses_pin_data and not node.disabled else None
        failure: NodeError | None = None
        if pinned is not None:
            outputs: list[list[Item]] | None = [list(pinned)]
        elif entry.pass_through:
            outputs, failure = [list(inputs[0] or []) if inputs else []], None
        else:
            outputs, failure = await self._run_with_retries(node.name, inputs, entry.source, run_index, logs)
        if failure is None:
            if outputs is not None:
                state.last_node_executed = node.name
            outputs = always_output_data(node.always_output_data, inputs, outputs)
            if outputs is None:
                return None  # no input items: the node does not run and its branch ends here
        task = TaskData(
            start_time=start_ms,
            execution_index=state.next_execution_index(),
            source=list(entry.source),
            logs=logs,
        )
        if failure is not None:
            state.last_node_executed = node.name
            failure.node = failure.node or node.name
            task.error = failure.to_dict()
            task.execution_status = "error"
            if not node.continue_on_fail:
                task.execution_time = _elapsed_ms(started)
                state.run_data.setdefault(node.name, []).append(task)
                state.stack.insert(0, entry)  # kept so the execution could be retried from here
                self._emit_finished(node.name, task)
                return task.error
            outputs = continue_after_failure(node, self.registry.output_count(node) or 1, inputs, failure)
        outputs = [items_with_errors_as_json(output) for output in outputs or []]
        task.outputs = outputs
        task.execution_time = _elapsed_ms(started)
        state.run_data.setdefault(node.name, []).append(task)
        if state.wait_till is not None:
            # n8n: the node goes back on the stack and runs again (as a pass-through) on resume.
            task.execution_status = "waiting"
            state.stack.insert(0, StackEntry(entry.node, entry.inputs, entry.source, pass_through=True))
            self._emit_finished(node.name, task)
            return None
        self._emit_finished(node.name, task)
        if node.name != self._destination:  # a partial run ends at its destination
            self.router.route(node.name, outputs, run_index)
        if self.services.on_progress is not None:
            self.services.on_progress(capture_state(state))
        return None

    def _emit_finished(self, name: str, task: TaskData) -> None:
        self.services.events.emit(
            "node.finished",
            {
                "executionId": self.run_state.execution_id,
                "node": name,
                "status": task.execution_status,
                "items": [len(output) for output in task.outputs or []],
            },
        )

    async def _run_with_retries(
        self,
        name: str,
        inputs: list[list[Item] | None],
        source: list[SourceRef | None],
        run_index: int,
        logs: list[str],
    ) -> tuple[list[list[Item]] | None, NodeError | None]:
        node = self.workflow.node(name)
        max_tries = node.max_tries if node.retry_on_fail else 1
        wait = node.wait_between_tries / 1000 if node.retry_on_fail else 0.0
        attempt = 0
        while True:
            attempt += 1
            failure: NodeError | None = None
            try:
                outputs = await self._run_node(name, inputs, source, run_index, logs)
            except (ExecutionCanceled, asyncio.CancelledError):
                raise
            except NodeError as error:
                failure = error
            except Exception as error:  # a bug in a node: report it on the node, not as a traceback
                failure = NodeOperationError(f"{type(error).__name__}: {error}", node=name)
            else:
                # A node that reported a per-item error is retried too (n8n: first item's json.error).
                if not (first_item_has_error(outputs) and attempt < max_tries):
                    if outputs is not None and node.on_error == "continueErrorOutput":
                        outputs = split_error_output(outputs, self.registry.output_count(node) or 1, inputs)
                    return outputs, None
            if attempt >= max_tries:
                return None, failure
            # A service's Retry-After (NodeApiError.retry_after) lengthens the wait, capped.
            asked = getattr(failure, "retry_after", None) or 0.0
            await asyncio.sleep(max(wait, min(asked, MAX_RETRY_AFTER)))

    async def _run_node(
        self,
        name: str,
        inputs: list[list[Item] | None],
        source: list[SourceRef | None],
        run_index: int,
        logs: list[str],
    ) -> list[list[Item]] | None:
        node = self.workflow.node(name)
        if node.disabled:
            first = inputs[0] if inputs else None
            return [first] if first is not None else None
        node_type = self.registry.get(node.type)
        if not node_type.description.trigger and not connection_input_has_items(inputs, self.v1):
            return None
        if node.execute_once:
            inputs = [items[:1] if items is not None else None for items in inputs]
        ctx = NodeExecuteContext(self.run_state, node, node_type, run_index, inputs, source, logs)
        raw_outputs = await self._await_node(node_type.execute(ctx))
        outputs = normalise_outputs(name, raw_outputs)
        if not node_type.description.trigger:
            fill_paired_items(inputs, outputs)
        return outputs

    async def _await_node(self, execution: Any) -> Any:
        """Await a node, stopping it when the execution times out or is canceled meanwhile."""
        cancel = self.services.cancel_event
        if self._deadline is None and cancel is None:
            return await execution
        task = asyncio.ensure_future(execution)
        waiters: set[asyncio.Future[Any]] = {task}
        cancel_wait = asyncio.ensure_future(cancel.wait()) if cancel is not None else None
        if cancel_wait is not None:
            waiters.add(cancel_wait)
        remaining = None if self._deadline is None else max(self._deadline - time.monotonic(), 0.0)
        try:
            done, _ = await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if cancel_wait is not None:
                cancel_wait.cancel()
        if task in done:
            return task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise ExecutionCanceled("canceled" if cancel is not None and cancel.is_set() else "timeout")


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def standalone_context(
    workflow: Workflow, registry: NodeRegistry, services: Services, node_name: str, mode: str = "trigger"
) -> NodeExecuteContext:
    """A context for one node outside any execution: what a polling trigger's `poll` gets (its
    parameters, credentials, static data and clock, with no input)."""
    executor = WorkflowExecutor(workflow, registry, services, mode, uuid.uuid4().hex[:16])
    node = workflow.node(node_name)
    return NodeExecuteContext(executor.run_state, node, registry.get(node.type), 0, [[]], [], [])
