"""Executions as a service: persist, enqueue, run in a worker thread, record, cancel, retry,
recover. Every path persists the execution row (`new`) before anything is enqueued, and every
status change goes through the monotonic `transition` (a finished execution never changes)."""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from engine.credential_types import scrub, scrub_data
from engine.errors import WorkflowValidationError
from engine.ports import FileAccess, Services
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult
from engine.runner import execute_workflow
from engine.sandbox.pool import SandboxPool
from engine.workflow import ParsedWorkflows
from models.db import Database
from models.executions import Execution
from models.repositories import (
    claim_execution,
    finish_execution,
    load_execution_data,
    mark_retry_succeeded,
    save_progress,
    save_static_data,
    start_execution_row,
    transition,
)
from models.types import utcnow

from .credentials import DatabaseCredentials
from .error_workflows import ErrorWorkflows
from .events import CONTROL, EXECUTIONS, BusEventSink, EventBus
from .logs import bind_run
from .metrics import Metrics
from .subworkflows import DatabaseSubWorkflows
from .variables import variables_for_project

log = logging.getLogger(__name__)

RETRYABLE = frozenset({"error", "canceled", "crashed"})


@dataclass(frozen=True)
class RunPolicy:
    """Instance-wide defaults; a workflow's settings override them (n8n's names and values)."""

    save_success: str = "all"  # saveDataSuccessExecution: all | none
    save_error: str = "all"  # saveDataErrorExecution: all | none
    save_manual: bool = True  # saveManualExecutions
    save_progress: bool = False  # saveExecutionProgress: run data saved after every node
    timeout: float | None = None  # seconds; None: no limit
    timezone: str = "UTC"
    expression_timeout: float = 5.0
    code_workers: int = 1
    code_memory_mb: int = 512
    code_timeout: float = 30.0
    variables: Mapping[str, str] = field(default_factory=dict)
    public_url: str = ""  # where users reach Knotwork: the base of the execution URLs error workflows get
    files: FileAccess = field(default_factory=FileAccess)  # the file nodes' folder and unpack limits
    execute_command: bool = False  # KNOTWORK_ENABLE_EXECUTE_COMMAND

    def saves(self, settings: Mapping[str, Any], mode: str, status: str) -> bool:
        """Whether the run data of an execution is kept (the execution row always is)."""
        if mode == "manual" and not _setting(settings, "saveManualExecutions", self.save_manual):
            return False
        if status == "success":
            return _setting(settings, "saveDataSuccessExecution", self.save_success) != "none"
        if status in ("error", "crashed", "canceled"):
            return _setting(settings, "saveDataErrorExecution", self.save_error) != "none"
        return True


def _check_partial(mode: str, start_items: Any, start_node: Any, resume: Any) -> None:
    if mode != "manual":
        raise ValueError(f"Executing up to a node is only available in manual mode, not '{mode}'")
    if start_items is not None or start_node is not None or resume is not None:
        raise ValueError("destination_node cannot be combined with start_items, start_node or resume")


def _setting(settings: Mapping[str, Any], name: str, default: Any) -> Any:
    value = settings.get(name, "DEFAULT")
    return default if value in ("DEFAULT", None) else value


_STARTED_KEPT = 1024  # snapshots of executions started in this process kept for the claim


class ExecutionRuntime:
    """Starts and runs executions in this process. `enqueue(execution_id)` hands an id to the
    broker; Dramatiq worker threads call `run(execution_id)`."""

    def __init__(
        self,
        db: Database,
        registry: NodeRegistry,
        bus: EventBus,
        policy: RunPolicy,
        worker_id: str,
        enqueue: Callable[[int], None],
        encryption_key: str = "",
    ) -> None:
        self.db = db
        self.encryption_key = encryption_key
        self.registry = registry
        self.bus = bus
        self.policy = policy
        self.worker_id = worker_id
        self.enqueue = enqueue
        self._running: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
        self._started: OrderedDict[int, dict[str, Any]] = OrderedDict()  # snapshots started here, not yet claimed
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pools: list[tuple[asyncio.AbstractEventLoop, SandboxPool]] = []
        self._unsubscribe = bus.subscribe(CONTROL, self._on_control)
        self.error_workflows = ErrorWorkflows(self)
        self.notifications: Any = None  # services.notifications.FailureNotifications, set by build_runtime
        self.metrics = Metrics()  # disabled; build_runtime sets the process's own
        self._began: dict[int, float] = {}  # monotonic start of runs claimed here, for their duration
        self.parsed_workflows = ParsedWorkflows(registry)
        self.here_limit = 0  # runs start_here() may have going at once; Runtime.start_embedded sets it
        self._here: dict[asyncio.Task[None], int] = {}  # runs started by start_here(), not yet ended

    # ---- starting ----------------------------------------------------------------------------
    def start(
        self,
        workflow: Mapping[str, Any],
        *,
        workflow_id: str,
        project_id: str,
        mode: str,
        start_items: list[Any] | None = None,
        start_node: str | None = None,
        resume: dict[str, Any] | None = None,
        retry_of: int | None = None,
        destination_node: str | None = None,
        previous_run_data: Mapping[str, Any] | None = None,
        dirty_nodes: Iterable[str] = (),
    ) -> int:
        """Persist a `new` execution with its workflow snapshot, then enqueue it. With
        `destination_node` (manual mode only) it is a partial execution up to that node, reusing
        `previous_run_data` (n8n's JSON runData) except `dirty_nodes`. Raises ValueError when a
        destination comes with another mode, start items, a start node or a resume state."""
        if destination_node is not None:
            _check_partial(mode, start_items, start_node, resume)
        snapshot = _snapshot(workflow, start_items, start_node)
        if resume is not None:
            snapshot["resume"] = resume
        if destination_node is not None:  # n8n's names for a partial execution's inputs
            snapshot["destinationNode"] = destination_node
            snapshot["runData"] = dict(previous_run_data or {})
            snapshot["dirtyNodeNames"] = list(dirty_nodes)
        with self.db.driver() as connection:
            execution_id = start_execution_row(connection, workflow_id, project_id, mode, snapshot, retry_of)
        with self._lock:  # a worker thread of this process usually claims it next: spare it the read
            self._started[execution_id] = snapshot
            while len(self._started) > _STARTED_KEPT:
                self._started.popitem(last=False)
        self.enqueue(execution_id)
        return execution_id

    # ---- running in the caller's event loop (embedded mode) ------------------------------------
    def can_start_here(self) -> bool:
        """Whether start_here() may take one more run now: this process runs executions (embedded
        mode) and fewer than `here_limit` run in event loops already."""
        return len(self._here) < self.here_limit

    def start_here(self, workflow: Mapping[str, Any], *, workflow_id: str, project_id: str, mode: str,
                   start_items: list[Any] | None = None, start_node: str | None = None) -> int:
        """Persist an execution already claimed by this process and run it as a task of the calling
        event loop; returns its id at once. For webhook calls in embedded mode, whose caller waits
        for the answer: against start() and a worker thread's run() it spares two thread hand-offs
        and a write (bench/webhook_bench.py: about +80% calls per second). The price is that the run
        shares the loop with the web server, as every run does in n8n's regular mode; hence the
        limit (KNOTWORK_WEBHOOK_RUNS_IN_LOOP). A crash of the process leaves it `running`, and
        recover() marks it crashed, as for a worker thread's run."""
        loop = asyncio.get_running_loop()
        snapshot = _snapshot(workflow, start_items, start_node)
        with self.db.driver() as connection:
            execution_id = start_execution_row(connection, workflow_id, project_id, mode, snapshot,
                                               claimed_by=self.worker_id)
        execution = SimpleNamespace(id=execution_id, workflow_id=workflow_id, project_id=project_id, mode=mode,
                                    retry_of=None)
        cancel = asyncio.Event()
        with self._lock:  # before the task starts, so that no cancel request is missed
            self._running[execution_id] = (loop, cancel)
        task = loop.create_task(self._run_started_here(execution, snapshot, cancel))
        self._here[task] = execution_id
        task.add_done_callback(self._forget_here)
        return execution_id

    async def _run_started_here(self, execution: Any, snapshot: dict[str, Any], cancel: asyncio.Event) -> None:
        try:
            await self._run_claimed(execution, snapshot, cancel)
        except Exception as error:  # as run(): never leave it `running`
            self._finish_crashed(execution.id, error)
        finally:
            with self._lock:
                self._running.pop(execution.id, None)

    def _forget_here(self, task: asyncio.Task[None]) -> None:
        self._here.pop(task, None)

    async def stop_runs_here(self, timeout: float) -> None:
        """At shutdown, in the loop that ran them: give the runs started here `timeout` seconds to
        end, cancel the rest (recorded as canceled, with their run data), and stop this loop's
        sandbox pool."""
        loop = asyncio.get_running_loop()
        tasks = {task: execution_id for task, execution_id in self._here.items() if task.get_loop() is loop}
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                with self._lock:
                    entry = self._running.get(tasks[task])
                if entry is not None:
                    entry[1].set()
            if pending:
                await asyncio.wait(pending, timeout=timeout)
        with self._lock:
            pools = [pool for pool_loop, pool in self._pools if pool_loop is loop]
            self._pools = [(pool_loop, pool) for pool_loop, pool in self._pools if pool_loop is not loop]
        for pool in pools:
            await pool.close()

    # ---- running (worker threads) --------------------------------------------------------------
    def run(self, execution_id: int) -> str | None:
        """Run one execution to its end; returns its final status (None if it was not `new`)."""
        loop = self._thread_loop()
        try:
            return loop.run_until_complete(self._run(execution_id))
        except Exception as error:  # a bug or a lost database: never leave it `running`
            self._finish_crashed(execution_id, error)
            return "crashed"

    async def _run(self, execution_id: int) -> str | None:
        return (await self._run_cancelable(execution_id, asyncio.Event()))[0]

    async def run_here(self, execution_id: int) -> tuple[str | None, ExecutionResult | None]:
        """Run a `new` execution in the calling event loop (a sub-workflow its caller waits for).
        Returns (final status, engine result): (None, None) if it was not `new`, no result if it
        never reached the engine. Canceling the caller cancels it, and waits until it is recorded."""
        cancel = asyncio.Event()
        running = asyncio.ensure_future(self._run_cancelable(execution_id, cancel))
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            cancel.set()
            await asyncio.gather(running, return_exceptions=True)
            raise
        except Exception as error:  # as run(): never leave it `running`
            self._finish_crashed(execution_id, error)
            return "crashed", None

    async def _run_cancelable(self, execution_id: int, cancel: asyncio.Event
                              ) -> tuple[str | None, ExecutionResult | None]:
        # Listen for a cancel request before the execution becomes `running`, so that a request
        # sent the moment it does is never missed.
        with self._lock:
            self._running[execution_id] = (asyncio.get_running_loop(), cancel)
        try:
            return await self._claim_and_run(execution_id, cancel)
        finally:
            with self._lock:
                self._running.pop(execution_id, None)

    async def _claim_and_run(self, execution_id: int, cancel: asyncio.Event
                             ) -> tuple[str | None, ExecutionResult | None]:
        with self._lock:
            known = self._started.pop(execution_id, None)
        with self.db.driver() as connection:
            claimed = claim_execution(connection, execution_id, self.worker_id, known)
        if claimed is None:
            return None, None  # canceled while queued, or a second delivery of a message
        return await self._run_claimed(*claimed, cancel)

    async def _run_claimed(self, execution: Any, snapshot: dict[str, Any], cancel: asyncio.Event
                           ) -> tuple[str, ExecutionResult | None]:
        """Run an execution this process has claimed (it is `running` for this worker) and record it."""
        bind_run(execution.id, execution.workflow_id)  # this run's task: its log lines carry the ids
        self._began[execution.id] = time.monotonic()
        self.metrics.execution_started(execution.mode)
        if "workflow" not in snapshot:
            return self._finish(execution, "crashed", None, error="its workflow snapshot is missing"), None
        try:
            workflow = self.parsed_workflows.parse(snapshot["workflow"])
        except WorkflowValidationError as error:
            return self._finish(execution, "error", None, error=f"Invalid workflow: {error}",
                                workflow=snapshot["workflow"]), None
        credentials = DatabaseCredentials(self.db, self.encryption_key, execution.project_id,
                                          workflow_id=execution.workflow_id, execution_id=execution.id)
        progress = None
        if _setting(workflow.settings, "saveExecutionProgress", self.policy.save_progress) is True:
            progress = functools.partial(self._save_progress, execution.id, credentials.secrets)
        services = Services(
            events=BusEventSink(self.bus, execution.id, execution.workflow_id),
            credentials=credentials,
            code_runner=self._thread_pool(),
            cancel_event=cancel,
            on_progress=progress,
            subworkflows=DatabaseSubWorkflows(self, execution, workflow.settings),
            variables={**self.policy.variables, **variables_for_project(self.db, execution.project_id)},
            default_timezone=self.policy.timezone,
            expression_timeout=self.policy.expression_timeout,
            files=self.policy.files,
            execute_command_enabled=self.policy.execute_command,
            public_url=self.policy.public_url,
        )
        static_before = copy.deepcopy(workflow.static_data)
        result = await execute_workflow(
            workflow,
            self.registry,
            services=services,
            mode=execution.mode,
            execution_id=str(execution.id),
            start_node=snapshot.get("startNode"),
            start_items=snapshot.get("startItems"),
            timeout=self.policy.timeout,
            resume=snapshot.get("resume"),
            destination_node=snapshot.get("destinationNode"),
            previous_run_data=snapshot.get("runData"),
            dirty_nodes=snapshot.get("dirtyNodeNames") or (),
        )
        document = result.to_json()
        document["state"] = result.state
        if execution.mode != "manual" and result.static_data != static_before:
            with self.db.session() as session:  # n8n keeps static data of production runs only
                save_static_data(session, execution.workflow_id, result.static_data)
        # A waiting run keeps its state whatever the settings: it is what resuming starts from.
        keep = result.status == "waiting" or self.policy.saves(workflow.settings, execution.mode, result.status)
        error = (result.error or {}).get("message")
        if credentials.secrets:  # a node may have echoed a secret into its output or error
            document = scrub_data(document, credentials.secrets)
            error = scrub(error, credentials.secrets) if error else error
        return self._finish(execution, result.status, document if keep else None, error=error,
                            last_node=result.last_node_executed, workflow=snapshot["workflow"],
                            error_details=document.get("error"), wait_till=result.wait_till), result

    def _save_progress(self, execution_id: int, secrets: set[str], state: dict[str, Any]) -> None:
        document = {"status": "running", "runData": state["runData"],
                    "lastNodeExecuted": state["lastNodeExecuted"], "state": state}
        if secrets:
            document = scrub_data(document, secrets)
        with self.db.session() as session:
            save_progress(session, execution_id, document)

    def _finish(
        self,
        execution: Any,
        status: str,
        document: dict[str, Any] | None,
        *,
        error: str | None = None,
        last_node: str | None = None,
        workflow: Mapping[str, Any] | None = None,
        error_details: Mapping[str, Any] | None = None,
        wait_till: datetime | None = None,
    ) -> str:
        with self.db.driver() as connection:
            moved = finish_execution(connection, execution.id, status, document, last_node=last_node,
                                     error_message=error, wait_till=wait_till)
            if moved and status == "success" and execution.retry_of is not None:
                mark_retry_succeeded(connection, execution.retry_of, execution.id)
        self._publish_finished(execution.id, execution.workflow_id, status)
        began = self._began.pop(execution.id, None)
        if moved and began is not None:
            self.metrics.execution_finished(execution.mode, status, execution.workflow_id, time.monotonic() - began)
        if moved and status == "error" and workflow is not None:
            self.error_workflows.after_failure(execution, workflow, error_details or {"message": error or ""},
                                               last_node)
            if self.notifications is not None:
                self.notifications.after_failure(execution, workflow, {"message": error or ""}, last_node)
        return status

    def _publish_finished(self, execution_id: int, workflow_id: str, status: str) -> None:
        self.bus.publish(EXECUTIONS, {"event": "execution.finished", "executionId": execution_id,
                                      "workflowId": workflow_id, "status": status})

    def _finish_crashed(self, execution_id: int, error: Exception) -> None:
        """A run that raised (a bug or a lost database): logged, and never left `running`."""
        log.exception("execution %s crashed", execution_id)
        self._began.pop(execution_id, None)
        try:
            with self.db.session() as session:
                transition(session, execution_id, "crashed", error_message=f"{type(error).__name__}: {error}")
        except Exception:
            log.exception("could not mark execution %s as crashed", execution_id)

    def _thread_loop(self) -> asyncio.AbstractEventLoop:
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = _new_loop()
        return loop

    def _thread_pool(self) -> SandboxPool:
        """One sandbox pool per worker thread (a pool belongs to one event loop); its
        processes start on the first Code node this thread runs."""
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = SandboxPool(
                workers=self.policy.code_workers,
                memory_mb=self.policy.code_memory_mb,
                timeout_s=self.policy.code_timeout,
            )
            with self._lock:  # the loop of this thread: a worker thread's, or the web server's (start_here)
                self._pools.append((asyncio.get_running_loop(), pool))
        return pool

    # ---- control ---------------------------------------------------------------------------------
    def cancel(self, execution_id: int) -> bool:
        """Stop an execution: a queued one is canceled at once, a running one at its next node
        (or at once if a node is awaiting, e.g. user code in the sandbox). False if finished."""
        with self.db.session() as session:
            # Only a queued run is canceled here; a running one must stop itself, so that its
            # run data is recorded (the conditional UPDATE wins or loses against the worker).
            canceled_queued = session.exec(  # type: ignore[call-overload]
                update(Execution)
                .where(col(Execution.id) == execution_id, col(Execution.status).in_(("new", "waiting")))
                .values(status="canceled", stopped_at=utcnow(), error_message="Canceled before it started")
            ).rowcount == 1
            execution = session.get(Execution, execution_id)  # loaded after the UPDATE: current
        if execution is None:
            return False
        if canceled_queued:
            self._publish_finished(execution_id, execution.workflow_id, "canceled")
            return True
        if execution.status == "running":
            self.bus.publish(CONTROL, {"cancel": execution_id})
            return True
        return False

    def _on_control(self, channel: str, event: dict[str, Any]) -> None:
        execution_id = event.get("cancel")
        with self._lock:
            entry = self._running.get(execution_id) if isinstance(execution_id, int) else None
        if entry is not None:
            loop, cancel = entry
            loop.call_soon_threadsafe(cancel.set)

    def retry(self, execution_id: int, *, from_failed_node: bool = True,
              workflow: Mapping[str, Any] | None = None) -> int:
        """A new execution (mode `retry`) of a failed one: from the failed node with the saved run
        data, or from the start with `workflow` (the current version) or the original snapshot."""
        with self.db.session() as session:
            execution = session.get(Execution, execution_id)
            loaded = load_execution_data(session, execution_id)
        if execution is None:
            raise LookupError(f"execution {execution_id} does not exist")
        if execution.status not in RETRYABLE:
            raise ValueError(f"execution {execution_id} is {execution.status}; only failed executions can be retried")
        if loaded is None:
            raise ValueError(f"execution {execution_id} has no saved data to retry from")
        snapshot, document = loaded
        if from_failed_node:
            state = document.get("state")
            if not state:
                raise ValueError(f"execution {execution_id} saved no run data, so it can only be retried from the start")
            return self.start(snapshot["workflow"], workflow_id=execution.workflow_id,
                              project_id=execution.project_id, mode="retry", resume=state,
                              retry_of=execution_id)
        return self.start(workflow or snapshot["workflow"], workflow_id=execution.workflow_id,
                          project_id=execution.project_id, mode="retry",
                          start_items=snapshot.get("startItems"), start_node=snapshot.get("startNode"),
                          retry_of=execution_id)

    # ---- recovery ----------------------------------------------------------------------------------
    def recover(self, *, crash_running: bool, requeue_older_than: timedelta = timedelta(0)) -> tuple[int, int]:
        """After a restart: `running` rows become `crashed` (only when this process is the only
        one that runs executions), and `new` rows are enqueued again (a second delivery is
        harmless: only one run can move an execution out of `new`). Returns (requeued, crashed)."""
        crashed = 0
        with self.db.session() as session:
            if crash_running:
                running = session.exec(select(Execution.id).where(col(Execution.status) == "running")).all()
                for execution_id in running:
                    crashed += transition(session, execution_id, "crashed",
                                          error_message="Knotwork stopped while this execution was running")
            cutoff = utcnow() - requeue_older_than
            queued = session.exec(
                select(Execution.id).where(col(Execution.status) == "new", col(Execution.created_at) <= cutoff)
                .order_by(col(Execution.id))
            ).all()
        for execution_id in queued:
            self.enqueue(execution_id)
        return len(queued), crashed

    def crash_orphans(self, alive_workers: set[str]) -> int:
        """Queue mode: running executions whose worker stopped sending heartbeats are `crashed`."""
        crashed = 0
        with self.db.session() as session:
            rows = session.exec(
                select(Execution.id, Execution.worker_id).where(col(Execution.status) == "running")
            ).all()
            for execution_id, worker_id in rows:
                if worker_id not in alive_workers:
                    crashed += transition(session, execution_id, "crashed",
                                          error_message=f"Worker {worker_id} stopped while running this execution")
        return crashed

    def close(self) -> None:
        self._unsubscribe()
        with self._lock:
            pools = list(self._pools)
            self._pools.clear()
        for loop, pool in pools:
            if not loop.is_closed() and not loop.is_running():
                loop.run_until_complete(pool.close())


def _snapshot(workflow: Mapping[str, Any], start_items: list[Any] | None, start_node: str | None) -> dict[str, Any]:
    snapshot: dict[str, Any] = {"workflow": dict(workflow)}
    if start_items is not None:
        snapshot["startItems"] = start_items
    if start_node is not None:
        snapshot["startNode"] = start_node
    return snapshot


def _new_loop() -> asyncio.AbstractEventLoop:
    """A worker thread's event loop: uvloop's where installed (it comes with uvicorn[standard]),
    whose per-iteration cost is a fraction of asyncio's for runs of a few milliseconds."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
