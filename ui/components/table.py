"""A list as a table whose cells are ordinary NiceGUI elements (links, switches, buttons), and the
formats lists share: times, durations, execution statuses.

    table = DataTable(["Name", "Updated", ""])
    for workflow in workflows:
        with table.row(marker=f"workflow-{workflow.id}"):
            table.cell(workflow.name)
            table.cell(when(workflow.updated_at))
            with table.cell():
                ui.button("Delete", on_click=...)
    table.empty_row("No workflows yet")  # shows only when no row was added

Every value goes in as text (a label), so user data is never read as HTML.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from nicegui import ui

STATUS_COLORS = {
    "success": "positive", "error": "negative", "crashed": "negative", "canceled": "grey-7",
    "running": "primary", "new": "info", "waiting": "warning",
}


class DataTable:
    """Quasar's markup table: a native <table>, one <tr> per `row()`."""

    def __init__(self, headers: Sequence[str], *, marker: str = "") -> None:
        self.columns = len(headers)
        self.rows = 0
        self.element = ui.element("q-markup-table").props("flat bordered dense wrap-cells").classes("w-full")
        if marker:
            self.element.mark(marker)
        with self.element:
            with ui.element("thead"), ui.element("tr"):
                for header in headers:
                    with ui.element("th").classes("text-left"):
                        ui.label(header)
            self.body = ui.element("tbody")

    @contextmanager
    def row(self, *, marker: str = "") -> Iterator[ui.element]:
        """A <tr>; inside it, add cells with `cell()`."""
        self.rows += 1
        with self.body, ui.element("tr") as row:
            if marker:
                row.mark(marker)
            yield row

    def cell(self, text: object = None) -> ui.element:
        """A <td>, holding `text` as a label when given; use it as a context manager for other content."""
        with ui.element("td") as cell:
            if text is not None:
                ui.label(str(text))
        return cell

    def empty_row(self, text: str) -> None:
        """A row saying the list is empty, when no row was added."""
        if self.rows:
            return
        with self.body, ui.element("tr"), ui.element("td") as cell:
            cell.props.update({"colspan": self.columns})
            ui.label(text).classes("text-grey-7")


def when(moment: datetime | None) -> str:
    """A time as "2024-05-01 12:00:05 UTC" (empty for none)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(started: datetime | None, stopped: datetime | None) -> str:
    """How long something ran: "850 ms", "12.3 s", "4 min 5 s" (empty when it has not started)."""
    if started is None:
        return ""
    if stopped is None:
        return "running"
    seconds = max((stopped - started).total_seconds(), 0.0)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def status_badge(status: str) -> ui.badge:
    """An execution status, coloured as n8n does (green success, red error, ...)."""
    badge = ui.badge(status)
    badge.props.update({"color": STATUS_COLORS.get(status, "grey")})
    return badge.mark(f"status-{status}")
