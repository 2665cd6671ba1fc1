"""The per-node timeline of an execution: when each node run started (offset from the first), how
long it took, how many items it produced and how much data that was. n8n shows none of this in one
place; here it is one glance.

`timeline_rows` is pure (run data in, rows out) so it is tested without a browser; `timeline`
draws the rows as bars with NiceGUI elements (no HTML strings: node names stay text).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from nicegui import ui

# The shortest time axis drawn: node runs under a millisecond stay slivers instead of filling the width.
MIN_AXIS_MS = 20


@dataclass(frozen=True)
class TimelineRow:
    node: str
    run_index: int
    offset_ms: int  # start, from the first node's start
    duration_ms: int
    items: list[int]  # per output
    data_bytes: int  # size of the run's output as JSON
    status: str  # success, error, ...
    error: str | None


def timeline_rows(run_data: Mapping[str, list[Mapping[str, Any]]]) -> list[TimelineRow]:
    """One row per node run, in the order they ran."""
    runs = [(name, index, task) for name, tasks in run_data.items() for index, task in enumerate(tasks)]
    if not runs:
        return []
    first = min(int(task.get("startTime") or 0) for _, _, task in runs)
    runs.sort(key=lambda run: (run[2].get("executionIndex", 0), int(run[2].get("startTime") or 0)))
    rows = []
    for name, index, task in runs:
        outputs = (task.get("data") or {}).get("main") or []
        error = task.get("error")
        rows.append(TimelineRow(
            node=name,
            run_index=index,
            offset_ms=int(task.get("startTime") or 0) - first,
            duration_ms=int(task.get("executionTime") or 0),
            items=[len(output or []) for output in outputs],
            data_bytes=len(orjson.dumps(outputs)),
            status=str(task.get("executionStatus") or ("error" if error else "success")),
            error=(error or {}).get("message") if isinstance(error, Mapping) else None,
        ))
    return rows


def human_bytes(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"


def human_ms(duration: int) -> str:
    if duration < 1:
        return "<1 ms"
    return f"{duration} ms" if duration < 1000 else f"{duration / 1000:.2f} s"


def items_text(counts: list[int]) -> str:
    """Items per output: "1 item", "3 items", "2 / 1 items"."""
    total = " / ".join(str(count) for count in counts) or "0"
    return f"{total} item" if total == "1" else f"{total} items"


def timeline(rows: list[TimelineRow], *, on_select: Callable[[str, int], Any] | None = None,
             selected: tuple[str, int] | None = None) -> None:
    """Bars on a shared time axis; clicking a row calls on_select(node_name, run_index). The row of
    `selected` (node, run) is highlighted. Rows carry the markers `timeline-row` and `timeline-row-<n>`."""
    total = max((row.offset_ms + max(row.duration_ms, 1) for row in rows), default=1)
    total = max(total, MIN_AXIS_MS)
    with ui.column().classes("w-full gap-1"):
        for position, row in enumerate(rows):
            colour = {"error": "bg-red-500", "running": "bg-blue-400"}.get(row.status, "bg-emerald-500")
            item = ui.row().classes("w-full items-center gap-2 cursor-pointer hover:bg-slate-100 no-wrap rounded px-1")
            item.mark(f"timeline-row timeline-row-{position}")
            if (row.node, row.run_index) == selected:
                item.classes("bg-blue-50")
            if on_select is not None:
                item.on("click", lambda _, row=row: on_select(row.node, row.run_index))
            with item:
                label = row.node + (f" (run {row.run_index + 1})" if row.run_index else "")
                ui.label(label).classes("w-48 truncate text-sm").tooltip(label)
                with ui.element("div").classes("relative h-4 flex-grow bg-slate-100 rounded"):
                    left = 100 * row.offset_ms / total
                    width = max(100 * max(row.duration_ms, 1) / total, 0.5)
                    ui.element("div").classes(f"absolute h-4 rounded {colour}").style(
                        f"left: {left:.2f}%; width: {width:.2f}%")
                offset = "+" + (human_ms(row.offset_ms) if row.offset_ms else "0 ms")
                ui.label(offset).classes("w-20 text-xs text-slate-500 text-right")
                stats = ui.label(f"{human_ms(row.duration_ms)} · {items_text(row.items)} · {human_bytes(row.data_bytes)}")
                stats.classes("w-56 text-xs text-right " + ("text-red-700" if row.error else "text-slate-600"))
                if row.error:
                    stats.tooltip(row.error)
