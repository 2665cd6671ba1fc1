"""The top of the inspector: what the execution was (id, workflow, status, mode, times, retries),
why it failed (the error card), and notes when it kept no run data or is still running. All values
are labels and links: user text never becomes HTML."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nicegui import ui

from models import Execution
from ui.components import duration, status_badge, when

from .run_data import FAILED, ErrorSummary


def execution_header(execution: Execution, workflow_name: str, link: Callable[..., str],
                     retries: Sequence[int]) -> None:
    """Title with the status badge, then one line of facts; `link(path, **query)` keeps the project."""
    with ui.column().classes("gap-1"):
        with ui.row().classes("items-center gap-3"):
            ui.label(f"Execution #{execution.id}").classes("text-2xl font-semibold").mark("execution-title")
            status_badge(execution.status)
        with ui.row().classes("items-center gap-x-5 gap-y-1 text-sm"):
            with _fact("Workflow"):
                ui.link(workflow_name, link(f"/workflow/{execution.workflow_id}")).mark("workflow-link")
            with _fact("Mode"):
                ui.label(execution.mode).mark("execution-mode")
            with _fact("Started"):
                ui.label(when(execution.started_at or execution.created_at))
            if execution.started_at is not None:
                with _fact("Duration"):
                    ui.label(duration(execution.started_at, execution.stopped_at)).mark("execution-duration")
            if execution.retry_of is not None:
                with _fact("Retry of"):
                    ui.link(f"#{execution.retry_of}", link(f"/execution/{execution.retry_of}")).mark("retry-of")
            if retries:
                with _fact("Retried as"):
                    for retry in retries:
                        ui.link(f"#{retry}", link(f"/execution/{retry}")).mark(f"retried-as-{retry}")


def _fact(name: str) -> ui.row:
    row = ui.row().classes("items-center gap-1 no-wrap")
    with row:
        ui.label(f"{name}:").classes("text-grey-7")
    return row


def error_card(error: ErrorSummary, status: str, *, on_node: Callable[[str], Any]) -> None:
    """The error, highlighted; its node is a button that selects the node."""
    failed = status in FAILED
    tone = "bg-red-50 border border-red-300" if failed else "bg-grey-2 border border-grey-4"
    with ui.card().classes(f"w-full gap-1 {tone}").mark("error-card"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon("error" if failed else "info").classes("text-xl " + ("text-negative" if failed else "text-grey-7"))
            ui.label(error.message).classes("font-semibold whitespace-pre-wrap" + (" text-negative" if failed else "")) \
                .mark("error-message")
        if error.description:
            ui.label(error.description).classes("text-sm whitespace-pre-wrap").mark("error-description")
        with ui.row().classes("items-center gap-4 text-sm"):
            if error.node:
                with _fact("Node"):
                    ui.button(error.node, on_click=lambda: on_node(error.node)) \
                        .props("flat dense no-caps color=negative").mark("error-node")
            if error.item_index is not None:
                with _fact("Item index"):
                    ui.label(str(error.item_index)).mark("error-item")
            if error.kind:
                ui.label(error.kind).classes("text-xs text-grey-7")


def no_data_note(execution: Execution) -> None:
    """The execution ended but its run data was not saved (the workflow's or instance's saving policy)."""
    with ui.card().classes("w-full gap-1 bg-amber-50 border border-amber-300").mark("no-data"):
        ui.label("No run data was kept for this execution").classes("font-semibold")
        ui.label("The saving settings (save successful, failed or manual executions) discarded what the nodes "
                 "received and put out; only the details above remain.").classes("text-sm")
        if execution.last_node:
            ui.label(f"Last node executed: {execution.last_node}").classes("text-sm").mark("no-data-last-node")


def running_note(status: str, wait_till: Any = None) -> None:
    """The execution has not ended: node states follow live; data shows once saved."""
    waiting = "Waiting: the execution will resume later."
    if wait_till is not None:
        waiting = ("Waiting for a call of its resume URL." if wait_till.year >= 3000 else
                   f"Waiting: resumes at {wait_till:%Y-%m-%d %H:%M:%S} UTC, or earlier on a call of its resume URL"
                   " if it waits for one.")
    text = {"new": "Queued: the execution has not started yet.", "waiting": waiting}.get(
        status, "Running: node states follow live; node data shows as it is saved and when the execution ends.")
    with ui.row().classes("items-center gap-2 text-sm").mark("live-note"):
        ui.spinner(size="sm")
        ui.label(text)
