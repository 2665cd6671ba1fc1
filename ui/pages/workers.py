"""/workers (owner and admins): the processes that run executions, what each runs now, and the
queue in front of them — the page that answers "why does my execution sit queued?"."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from models.types import utcnow
from services.workers import RunningExecution, WorkersHealth, workers_health
from ui.components import DataTable, when
from ui.frame import Frame, page_frame

SCOPE = "audit:read"  # instance-wide: owner and admins
REFRESH_SECONDS = 5.0


def register(runtime: object) -> None:
    @ui.page("/workers")
    def workers_page(request: Request, project: str = "") -> None:
        with page_frame(request, "Workers", project=project) as frame:
            if not frame.actor.has(SCOPE):
                ui.label("Only the owner and admins see the workers.").classes("text-grey-8")
                return
            view = WorkersView(frame)
            view.show()
            ui.timer(REFRESH_SECONDS, view.show.refresh)


class WorkersView:
    def __init__(self, frame: Frame) -> None:
        self.frame = frame

    @ui.refreshable_method
    def show(self) -> None:
        health = workers_health(self.frame.runtime)
        ui.label(diagnosis(health)).classes("text-base").mark("workers-diagnosis")
        table = DataTable(["Worker", "Host", "PID", "Started", "Version", "Busy", "Running now"],
                          marker="workers-table")
        for worker in health.workers:
            with table.row(marker=f"worker-{worker.id}"):
                table.cell(worker.id).classes("font-mono")
                table.cell(worker.host)
                table.cell(worker.pid if worker.pid is not None else "")
                table.cell(when(worker.started))
                table.cell(worker.version)
                busy = f"{len(worker.running)} of {worker.concurrency}" if worker.concurrency else len(worker.running)
                table.cell(busy)
                with table.cell(), ui.column().classes("gap-0"):
                    for execution in worker.running:
                        self._execution_link(execution)
        table.empty_row("No worker is running: start `python worker.py` (queue mode needs at least one)")
        if health.orphans:
            ui.label("Running on a worker that is gone (they become crashed within seconds):") \
                .classes("text-negative")
            for execution in health.orphans:
                self._execution_link(execution)

    def _execution_link(self, execution: RunningExecution) -> None:
        since = f", since {when(execution.started_at)}" if execution.started_at else ""
        ui.link(f"#{execution.id} {execution.workflow_name} ({execution.mode}{since})",
                self.frame.link(f"/execution/{execution.id}")).mark(f"running-{execution.id}")


def diagnosis(health: WorkersHealth) -> str:
    """One sentence on the state of the queue, naming the likely cause of queued executions."""
    mode = "Queue mode" if health.queue_mode else "Embedded mode (executions run in the web process)"
    busy = sum(len(worker.running) for worker in health.workers)
    parts = [f"{mode}: {len(health.workers)} worker(s), {busy} of {health.capacity} execution slots busy, "
             f"{health.queued} queued, {health.waiting} waiting."]
    if health.queued and health.oldest_queued is not None:
        age = int((utcnow() - health.oldest_queued).total_seconds())
        if not health.workers:
            parts.append(f"The oldest queued execution waits for {age} s because no worker is alive.")
        elif busy >= health.capacity:
            parts.append(f"The oldest queued execution waits for {age} s because every slot is busy; "
                         "add workers or raise KNOTWORK_WORKER_CONCURRENCY.")
        else:
            parts.append(f"The oldest queued execution was created {age} s ago.")
    return " ".join(parts)
