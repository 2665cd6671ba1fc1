"""The execution inspector at /execution/{id}: one execution, read-only. The workflow as it ran (its
snapshot, not the current version) with each node's outcome, the per-node timeline, the selected
node run's input and output, the error, and the actions the user's rights allow (retry, debug in
the editor, delete, stop).

A running execution follows itself: node events from the bus mark nodes live, and a 1 s timer reads
the row (and the data when it changed) until the execution ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

from fastapi import Request
from nicegui import ui

from engine.errors import KnotworkError
from models.executions import FINISHED
from services import execution_access, workflow_access
from services.access import NotFound
from services.events import EXECUTIONS
from services.execution_access import ExecutionView
from services.executions import RETRYABLE
from ui.components import REFUSALS, Rights, attempt, attempt_async, confirm, notify_refusal
from ui.editor.canvas import NodeStatus, WorkflowCanvas, status_from_run_data
from ui.editor.graph import EditorGraph
from ui.frame import Frame, page_frame
from ui.inspector.node_run import NodeRunPanel
from ui.inspector.run_data import default_selection, error_summary, tasks_of
from ui.inspector.summary import error_card, execution_header, no_data_note, running_note
from ui.inspector.timeline import timeline, timeline_rows

REFRESH_EVERY = 1.0  # seconds between looks at an execution that has not ended
STOPPABLE = frozenset({"new", "running"})
RETRY_SCAN = 100  # newest executions of the workflow searched for retries of this one


def register(runtime: object) -> None:
    @ui.page("/execution/{execution_id}")
    def inspector_page(request: Request, execution_id: str, project: str = "") -> None:
        with page_frame(request, f"Execution {execution_id[:20]}", project=project, show_title=False) as frame:
            try:
                view = execution_access.get_execution(frame.runtime.db, frame.actor, execution_id, True)
            except (NotFound, ValueError) as error:  # ValueError: data in a format this version cannot read
                ui.label(str(error)).classes("text-negative text-lg").mark("not-found")
                ui.link("All executions", frame.link("/executions"))
                return
            Inspector(frame, view)


class Inspector:
    """One open inspector tab."""

    def __init__(self, frame: Frame, view: ExecutionView) -> None:
        self.frame, self.runtime, self.actor = frame, frame.runtime, frame.actor
        self.view = view
        self.execution_id = str(view.execution.id)
        self.workflow_id = view.execution.workflow_id
        self.scopes = Rights(self.runtime, self.actor).on_workflow(self.workflow_id)
        self.graph = self._graph()
        self.selected = default_selection(self.document, view.execution)
        self.chosen = False  # the person picked a node run: refreshes keep it
        self.live: dict[str, NodeStatus] = {}  # node states from bus events while it runs
        self._events: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._data_stale = False
        self._build()
        self.timer: ui.timer | None = None
        if view.execution.status not in FINISHED:
            self._unsubscribe = self.runtime.bus.subscribe(EXECUTIONS, self._on_bus_event)
            ui.context.client.on_delete(self._unsubscribe)
            self.timer = ui.timer(REFRESH_EVERY, self._tick)

    @property
    def document(self) -> dict[str, Any]:
        return self.view.document or {}

    @property
    def run_data(self) -> dict[str, Any]:
        run_data = self.document.get("runData")
        return run_data if isinstance(run_data, dict) else {}

    def _graph(self) -> EditorGraph | None:
        workflow = (self.view.snapshot or {}).get("workflow")
        if workflow is None:
            return None
        try:
            return EditorGraph.from_json(workflow, self.runtime.registry)
        except KnotworkError:
            return None

    # ---- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.summary = ui.column().classes("w-full gap-2")
        if self.graph is not None:
            with ui.element("div").classes("w-full border rounded").style("height: 380px"):
                self.canvas: WorkflowCanvas | None = WorkflowCanvas(
                    self.graph, read_only=True, on_open=self.select_node, on_selection=self._canvas_selection)
        else:
            self.canvas = None
            ui.label("The workflow this execution ran is not available to draw.").classes("text-grey-6")
        with ui.card().classes("w-full gap-2").mark("timeline"):
            ui.label("Timeline").classes("text-xs font-semibold uppercase text-grey-7")
            self.timeline_box = ui.column().classes("w-full gap-0")
        with ui.card().classes("w-full"):
            self.node_panel = NodeRunPanel(self.graph, on_select=self.select)
        self.render()

    def render(self) -> None:
        """Draw everything from self.view (after loading, and whenever the execution changed)."""
        if not self.chosen:
            self.selected = default_selection(self.document, self.view.execution)
        self._render_summary()
        self._draw_status()
        self._render_timeline()
        self.node_panel.show(self.run_data, self.selected)

    def _render_summary(self) -> None:
        execution = self.view.execution
        self.summary.clear()
        with self.summary:
            with ui.row().classes("w-full items-start gap-2"):
                execution_header(execution, self._workflow_name(), self.frame.link, self._retries())
                ui.space()
                with ui.row().classes("items-center gap-2"):
                    self._actions()
            error = error_summary(self.document, execution)
            if error is not None:
                error_card(error, execution.status, on_node=self.select_node)
            if execution.status not in FINISHED:
                running_note(execution.status, execution.wait_till)
            elif not self.run_data:
                no_data_note(execution)

    def _actions(self) -> None:
        status = self.view.execution.status
        if status in RETRYABLE and "execution:retry" in self.scopes:
            with ui.button("Retry", icon="replay").props("outline").mark("retry"), ui.menu():
                if self.document.get("state"):
                    ui.menu_item("From the failed node, with the workflow as it ran",
                                 on_click=lambda: self.retry(load_workflow=False)).mark("retry-saved")
                ui.menu_item("From the start, with the current workflow",
                             on_click=lambda: self.retry(load_workflow=True)).mark("retry-current")
        if self.run_data:
            debug = ui.button("Debug in editor", icon="bug_report").props("outline").mark("debug-in-editor")
            debug.props.update({"href": self.frame.link(f"/workflow/{self.workflow_id}", debug=self.execution_id)})
            debug.tooltip("Open the workflow with this execution's data pinned")
        if status in STOPPABLE and "execution:stop" in self.scopes:
            ui.button("Stop", icon="stop", color="warning", on_click=self.stop).mark("stop")
        if status != "running" and "execution:delete" in self.scopes:
            ui.button(icon="delete", color="negative", on_click=self.ask_delete) \
                .props("outline").tooltip("Delete").mark("delete")

    def _draw_status(self) -> None:
        if self.canvas is None:
            return
        status = status_from_run_data(self.run_data)
        execution = self.view.execution
        if execution.status not in FINISHED:
            status.update(self.live)
        elif not self.run_data and execution.status in ("error", "crashed") and execution.last_node:
            status[execution.last_node] = {"state": "error", "message": execution.error_message or ""}
        self.canvas.set_status(status)

    def _render_timeline(self) -> None:
        rows = timeline_rows(self.run_data)
        self.timeline_box.clear()
        with self.timeline_box:
            if rows:
                timeline(rows, on_select=self.select, selected=self.selected)
            else:
                ui.label("No node runs recorded.").classes("text-sm text-grey-6")

    # ---- selection ------------------------------------------------------------------------------
    def select(self, node: str, run: int | None = None) -> None:
        """Show one run of a node (its last run when `run` is None)."""
        runs = len(tasks_of(self.run_data, node))
        run = max(runs - 1, 0) if run is None or not 0 <= run < runs else run
        self.selected, self.chosen = (node, run), True
        if self.canvas is not None and self.canvas.selection != [node]:
            self.canvas.select([node])
            self.canvas.update()
        self._render_timeline()
        self.node_panel.show(self.run_data, self.selected)

    def select_node(self, node: str) -> None:
        if self.graph is None or not self.graph.is_sticky(node):
            self.select(node)

    def _canvas_selection(self, names: list[str]) -> None:
        if len(names) == 1 and (self.selected is None or self.selected[0] != names[0]):
            self.select_node(names[0])

    # ---- actions --------------------------------------------------------------------------------
    def retry(self, *, load_workflow: bool) -> None:
        try:
            retried = execution_access.retry_execution(self.runtime, self.actor, self.execution_id,
                                                       load_workflow=load_workflow)
        except REFUSALS as error:
            notify_refusal(error)
            return
        ui.navigate.to(self.frame.link(f"/execution/{retried.execution.id}"))

    async def stop(self) -> None:
        if await attempt_async(lambda: execution_access.stop_execution(self.runtime, self.actor, self.execution_id),
                               done=f"Execution {self.execution_id} stopped"):
            await self._reload()

    def ask_delete(self) -> None:
        def delete() -> None:
            if attempt(lambda: execution_access.delete_execution(self.runtime.db, self.actor, self.execution_id),
                       done=f"Execution {self.execution_id} deleted"):
                ui.navigate.to(self.frame.link("/executions", workflow=self.workflow_id))

        confirm(f"Delete execution {self.execution_id} and its data?", delete, title="Delete execution")

    # ---- following a running execution ----------------------------------------------------------
    def _on_bus_event(self, channel: str, event: dict[str, Any]) -> None:
        # Called on the worker's thread: only queue it; the timer applies it on the page's loop.
        if event.get("executionId") == self.view.execution.id:
            with self._lock:
                self._events.append(event)

    async def _tick(self) -> None:
        with self._lock:
            events = list(self._events)
            self._events.clear()
        for event in events:
            self._apply_event(event)
        try:
            row = await asyncio.to_thread(execution_access.get_execution, self.runtime.db, self.actor,
                                          self.execution_id)
        except REFUSALS:  # deleted meanwhile
            self._stop_following()
            return
        if row.execution.status != self.view.execution.status or self._data_stale:
            await self._reload()
        elif events:
            self._draw_status()

    def _apply_event(self, event: dict[str, Any]) -> None:
        kind, node = event.get("event"), event.get("node")
        if kind == "node.started" and isinstance(node, str):
            self.live[node] = {"state": "running"}
        elif kind == "node.finished" and isinstance(node, str):
            state = "error" if event.get("status") == "error" else "success"
            self.live[node] = {"state": state, "items": list(event.get("items") or [])}
            self._data_stale = True  # saved progress may hold the node's data now

    async def _reload(self) -> None:
        try:
            self.view = await asyncio.to_thread(execution_access.get_execution, self.runtime.db, self.actor,
                                                self.execution_id, True)
        except REFUSALS as error:
            notify_refusal(error)
            return
        self._data_stale = False
        if self.view.execution.status in FINISHED:
            self._stop_following()
        self.render()

    def _stop_following(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
            self._unsubscribe()

    # ---- lookups ----------------------------------------------------------------------------------
    def _workflow_name(self) -> str:
        try:
            return workflow_access.get_workflow(self.runtime.db, self.actor, self.workflow_id).workflow.name
        except REFUSALS:
            workflow = (self.view.snapshot or {}).get("workflow") or {}
            return str(workflow.get("name") or self.workflow_id)

    def _retries(self) -> list[int]:
        """Executions that retried this one (among the workflow's newest), oldest first."""
        execution = self.view.execution
        try:
            views = execution_access.list_executions(self.runtime.db, self.actor, workflow_id=self.workflow_id,
                                                     limit=RETRY_SCAN)
        except REFUSALS:
            views = []
        found = {view.execution.id for view in views if view.execution.retry_of == execution.id}
        if execution.retry_success_id is not None:
            found.add(execution.retry_success_id)
        return sorted(retry for retry in found if retry is not None)
