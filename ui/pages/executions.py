"""/executions: the executions of the workflows the user may read, newest first, for the current
project or one workflow (?workflow=<id>), filtered by status, mode and date; the list follows new
runs by itself (the event bus marks it stale, a timer redraws it). Retry, stop and delete per row,
as the user's rights allow; a row's id opens the execution inspector at /execution/{id}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request
from nicegui import ui

from models.executions import MODES, STATUSES
from services import execution_access, workflow_access
from services.events import EXECUTIONS
from services.execution_access import ExecutionView
from services.executions import RETRYABLE
from ui.components import (
    REFUSALS,
    DataTable,
    Rights,
    attempt,
    attempt_async,
    confirm,
    duration,
    notify_refusal,
    status_badge,
    when,
)
from ui.frame import Frame, page_frame

SHOWN = 100  # rows on the page
PAGE = 200  # rows asked of the service at a time while filtering by mode and date
MAX_PAGES = 10  # how far back the mode and date filters look
REFRESH_EVERY = 2.0  # seconds
STOPPABLE = frozenset({"new", "running", "waiting"})
# Bus events after which the list is stale: a run started or ended.
STALE_AFTER = frozenset({"workflow.started", "execution.finished"})


def register(runtime: object) -> None:
    @ui.page("/executions")
    def executions_page(request: Request, project: str = "", workflow: str = "", status: str = "",
                        mode: str = "") -> None:
        with page_frame(request, "Executions", project=project) as frame:
            ExecutionList(frame, Filters(workflow_id=workflow, status=status, mode=mode)).show()


@dataclass
class Filters:
    workflow_id: str = ""
    status: str = ""
    mode: str = ""
    since: str = ""  # YYYY-MM-DD, inclusive
    until: str = ""  # YYYY-MM-DD, inclusive

    def keeps(self, view: ExecutionView) -> bool:
        execution = view.execution
        if self.mode and execution.mode != self.mode:
            return False
        day = _utc(execution.started_at or execution.created_at).date()
        return not ((self.since and day < _day(self.since, date.min))
                    or (self.until and day > _day(self.until, date.max)))

    @property
    def narrows_in_page(self) -> bool:
        return bool(self.mode or self.since or self.until)


@dataclass(eq=False)  # refreshable_method tells instances apart by equality
class ExecutionList:
    frame: Frame
    filters: Filters
    stale: bool = False
    shown: list[ExecutionView] = field(default_factory=list)
    _names: dict[str, str] = field(default_factory=dict)
    _scopes: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.runtime = self.frame.runtime
        self.actor = self.frame.actor
        self.rights = Rights(self.runtime, self.actor)

    def show(self) -> None:
        if self.filters.workflow_id:
            try:
                workflow = workflow_access.get_workflow(self.runtime.db, self.actor, self.filters.workflow_id)
            except REFUSALS as error:
                ui.label(str(error)).classes("text-negative")
                return
            with ui.row().classes("items-center gap-2"):
                ui.label("Workflow:")
                ui.link(workflow.workflow.name, self.frame.link(f"/workflow/{workflow.workflow.id}")) \
                    .mark("filter-workflow")
                ui.link("(all executions)", self.frame.link("/executions"))
        self._filter_bar()
        self.rows()
        unsubscribe = self.runtime.bus.subscribe(EXECUTIONS, self._on_event)
        ui.context.client.on_delete(unsubscribe)
        ui.timer(REFRESH_EVERY, self._tick)

    def _filter_bar(self) -> None:
        def chosen(name: str) -> Any:
            def change(event: Any) -> None:
                setattr(self.filters, name, event.value or "")
                self.rows.refresh()
            return change

        with ui.row().classes("w-full items-center gap-3"):
            ui.select({"": "Any status", **{s: s for s in STATUSES}}, label="Status", value=self.filters.status
                      if self.filters.status in STATUSES else "", on_change=chosen("status")) \
                .props("dense outlined").classes("w-40").mark("filter-status")
            ui.select({"": "Any mode", **{m: m for m in MODES}}, label="Mode", value=self.filters.mode
                      if self.filters.mode in MODES else "", on_change=chosen("mode")) \
                .props("dense outlined").classes("w-40").mark("filter-mode")
            ui.input("From", on_change=chosen("since")).props("dense outlined type=date stack-label") \
                .classes("w-40").mark("filter-since")
            ui.input("Until", on_change=chosen("until")).props("dense outlined type=date stack-label") \
                .classes("w-40").mark("filter-until")
            ui.space()
            self.auto = ui.switch("Auto-refresh", value=True).mark("auto-refresh")
            ui.button(icon="refresh", on_click=self.rows.refresh).props("flat round").tooltip("Refresh")

    @ui.refreshable_method
    def rows(self) -> None:
        self.stale = False
        try:
            self.shown = self._load()
        except REFUSALS as error:
            notify_refusal(error)
            self.shown = []
        table = DataTable(["ID", "Workflow", "Status", "Mode", "Started", "Duration", ""], marker="execution-table")
        for view in self.shown:
            self._row(table, view)
        table.empty_row("No executions match" if self.filters.status or self.filters.narrows_in_page
                        else "No executions yet")

    def _load(self) -> list[ExecutionView]:
        """The newest SHOWN executions that pass the filters; mode and dates are applied here, over at
        most MAX_PAGES pages of the service's list."""
        found: list[ExecutionView] = []
        before: int | None = None
        for _ in range(MAX_PAGES if self.filters.narrows_in_page else 1):
            views = execution_access.list_executions(
                self.runtime.db, self.actor, status=self.filters.status or None,
                workflow_id=self.filters.workflow_id or None, project_id=self.frame.project_id or None,
                before_id=before, limit=PAGE if self.filters.narrows_in_page else SHOWN)
            found += [view for view in views if self.filters.keeps(view)]
            if len(found) >= SHOWN or len(views) <= PAGE or not self.filters.narrows_in_page:
                break
            before = views[-1].execution.id
        return found[:SHOWN]

    def _row(self, table: DataTable, view: ExecutionView) -> None:
        execution = view.execution
        scopes = self._scopes_of(execution.workflow_id)
        with table.row(marker=f"execution-{execution.id}"):
            with table.cell():
                ui.link(f"#{execution.id}", self.frame.link(f"/execution/{execution.id}")) \
                    .mark(f"open-execution-{execution.id}")
            with table.cell():
                ui.link(self._name_of(execution.workflow_id),
                        self.frame.link("/executions", workflow=execution.workflow_id))
            with table.cell():
                status_badge(execution.status)
                if execution.retry_of:
                    ui.label(f"retry of #{execution.retry_of}").classes("text-xs text-grey-7")
            table.cell(execution.mode)
            table.cell(when(execution.started_at or execution.created_at))
            table.cell(duration(execution.started_at, execution.stopped_at))
            with table.cell(), ui.row().classes("gap-1 no-wrap"):
                self._actions(view, scopes)

    def _actions(self, view: ExecutionView, scopes: frozenset[str]) -> None:
        execution = view.execution
        key = str(execution.id)
        if execution.status in RETRYABLE and "execution:retry" in scopes:
            with ui.button("Retry", icon="replay").props("flat dense").mark(f"retry-{key}"), ui.menu():
                ui.menu_item("With the saved workflow, from the failed node",
                             on_click=lambda: self.retry(key, load_workflow=False)).mark(f"retry-saved-{key}")
                ui.menu_item("With the current workflow, from the start",
                             on_click=lambda: self.retry(key, load_workflow=True)).mark(f"retry-current-{key}")
        if execution.status in STOPPABLE and "execution:stop" in scopes:
            ui.button("Stop", icon="stop", on_click=lambda: self.stop(key)) \
                .props("flat dense color=warning").mark(f"stop-{key}")
        if execution.status != "running" and "execution:delete" in scopes:
            ui.button(icon="delete", on_click=lambda: self.ask_delete(key)) \
                .props("flat dense color=negative").tooltip("Delete").mark(f"delete-{key}")

    # --- actions ---------------------------------------------------------------------------------

    def retry(self, execution_id: str, *, load_workflow: bool) -> None:
        if attempt(lambda: execution_access.retry_execution(self.runtime, self.actor, execution_id,
                                                            load_workflow=load_workflow),
                   done=f"Execution {execution_id} retried"):
            self.rows.refresh()

    async def stop(self, execution_id: str) -> None:
        if await attempt_async(lambda: execution_access.stop_execution(self.runtime, self.actor, execution_id),
                               done=f"Execution {execution_id} stopped"):
            self.rows.refresh()

    def ask_delete(self, execution_id: str) -> None:
        def delete() -> None:
            if attempt(lambda: execution_access.delete_execution(self.runtime.db, self.actor, execution_id),
                       done=f"Execution {execution_id} deleted"):
                self.rows.refresh()

        confirm(f"Delete execution {execution_id} and its data?", delete, title="Delete execution")

    # --- keeping up to date ----------------------------------------------------------------------

    def _on_event(self, channel: str, event: dict[str, Any]) -> None:
        """Called on the bus's thread: only mark the list stale; the timer redraws it."""
        if event.get("event") in STALE_AFTER:
            self.stale = True

    def _tick(self) -> None:
        if not self.auto.value:
            return
        unfinished = any(view.execution.status in STOPPABLE for view in self.shown)
        if self.stale or unfinished:
            self.rows.refresh()

    def _name_of(self, workflow_id: str) -> str:
        if workflow_id not in self._names:
            try:
                name = workflow_access.get_workflow(self.runtime.db, self.actor, workflow_id).workflow.name
            except REFUSALS:
                name = workflow_id
            self._names[workflow_id] = name
        return self._names[workflow_id]

    def _scopes_of(self, workflow_id: str) -> frozenset[str]:
        if workflow_id not in self._scopes:
            self._scopes[workflow_id] = self.rights.on_workflow(workflow_id)
        return self._scopes[workflow_id]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _day(text: str, otherwise: date) -> date:
    """A date typed in the filter; one that is not a date filters nothing out."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return otherwise
