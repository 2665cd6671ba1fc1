"""The inspector's panel for one node run: what it received (the parent outputs named by the run's
`source`) and what it put out, per output, as DataView tables, JSON or schemas; its error; a choice
of run when the node ran more than once. Read-only: nothing here maps fields or pins data.

    panel = NodeRunPanel(graph, on_select=select)   # graph: the workflow as it ran, or None
    panel.show(run_data, ("Filter", 0))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from nicegui import ui

from ui.editor.data_view import DataView
from ui.editor.graph import EditorGraph

from .run_data import InputData, run_inputs, run_outputs, tasks_of
from .timeline import human_ms


class NodeRunPanel(ui.column):
    """Input | output of the selected node run; `on_select(node, run)` when another run is chosen."""

    def __init__(self, graph: EditorGraph | None, *, on_select: Callable[[str, int], Any]) -> None:
        super().__init__()
        self.classes("w-full gap-2").mark("node-panel")
        self.graph = graph
        self.mode = "table"  # the DataView mode the person chose last, kept across nodes
        self._on_select = on_select

    def show(self, run_data: Mapping[str, Any], selected: tuple[str, int] | None) -> None:
        self.clear()
        with self:
            if selected is None:
                ui.label("Select a node on the canvas or in the timeline to see its data.").classes("text-grey-6")
                return
            node, run = selected
            tasks = tasks_of(run_data, node)
            self._header(node, run, tasks)
            if not tasks:
                ui.label(f"'{node}' did not run in this execution.").classes("text-grey-6").mark("node-not-run")
                return
            run = min(max(run, 0), len(tasks) - 1)
            self._error(tasks[run].get("error"))
            with ui.row().classes("w-full no-wrap gap-4 items-start"):
                with ui.column().classes("w-1/2 min-w-0 gap-2").mark("node-input"):
                    ui.label("Input").classes("text-xs font-semibold uppercase text-grey-7")
                    self._inputs(run_inputs(run_data, node, run))
                with ui.column().classes("w-1/2 min-w-0 gap-2").mark("node-output"):
                    ui.label("Output").classes("text-xs font-semibold uppercase text-grey-7")
                    self._outputs(node, run_outputs(run_data, node, run))

    def _header(self, node: str, run: int, tasks: list[Mapping[str, Any]]) -> None:
        with ui.row().classes("w-full items-center gap-3"):
            ui.label(node).classes("text-lg font-semibold").mark("node-name")
            description = self.graph.description(node) if self.graph and node in self.graph.names() else None
            if description is not None:
                ui.label(description.display_name).classes("text-grey-6")
            if not tasks:
                return
            task = tasks[min(max(run, 0), len(tasks) - 1)]
            failed = bool(task.get("error"))
            ui.badge("error" if failed else str(task.get("executionStatus") or "success"),
                     color="negative" if failed else "positive")
            ui.label(_timing(task)).classes("text-xs text-grey-7")
            ui.space()
            if len(tasks) > 1:
                ui.select({index: f"Run {index + 1} of {len(tasks)}" for index in range(len(tasks))}, value=run,
                          on_change=lambda event: self._on_select(node, event.value)) \
                    .props("dense outlined options-dense").classes("w-40").mark("node-run")

    @staticmethod
    def _error(error: Any) -> None:
        if not isinstance(error, Mapping):
            return
        with ui.column().classes("w-full gap-1 p-2 rounded bg-red-50").mark("node-error"):
            ui.label(str(error.get("message") or "The node failed")).classes("text-sm text-negative font-medium")
            if error.get("description"):
                ui.label(str(error["description"])).classes("text-xs whitespace-pre-wrap")
            if isinstance(error.get("itemIndex"), int):
                ui.label(f"Item index: {error['itemIndex']}").classes("text-xs text-grey-8")

    def _inputs(self, inputs: list[InputData]) -> None:
        if not inputs:
            ui.label("No input: this node started the workflow (or received nothing).").classes("text-sm text-grey-6")
            return
        several = len({data.input for data in inputs}) > 1
        for position, data in enumerate(inputs):
            named = data.output or len(self._output_labels(data.node)) > 1
            where = [self._output_name(data.node, data.output)] if named else []
            where += [f"run {data.run + 1}"] if data.run else []
            label = f"From {data.node}" + (f" ({', '.join(where)})" if where else "")
            label = (f"Input {data.input + 1}: " if several else "") + label
            ui.label(label).classes("text-sm font-medium").mark(f"input-source-{position}")
            if data.items is None:
                ui.label("That run kept no data.").classes("text-sm text-grey-6")
            else:
                DataView(data.items, mode=self.mode, marker=f"input-{position}", on_mode=self._remember)

    def _outputs(self, node: str, outputs: list[list[Any]]) -> None:
        if not outputs:
            ui.label("No output.").classes("text-sm text-grey-6")
            return
        for index, items in enumerate(outputs):
            if len(outputs) > 1:
                name = self._output_name(node, index)
                ui.label(name[:1].upper() + name[1:]).classes("text-sm font-medium").mark(f"output-name-{index}")
            DataView(items, mode=self.mode, marker=f"output-{index}", on_mode=self._remember)

    def _output_labels(self, node: str) -> tuple[str, ...]:
        if self.graph is None or node not in self.graph.names():
            return ()
        return self.graph.ports(node).outputs

    def _output_name(self, node: str, output: int) -> str:
        """The output's label ("true", "done") or "output 2"."""
        labels = self._output_labels(node)
        return labels[output] if output < len(labels) and labels[output] else f"output {output + 1}"

    def _remember(self, mode: str) -> None:
        self.mode = mode


def _timing(task: Mapping[str, Any]) -> str:
    """"started 12:00:01.250 UTC, took 3 ms"."""
    took = f"took {human_ms(int(task.get('executionTime') or 0))}"
    start = task.get("startTime")
    if not isinstance(start, int) or isinstance(start, bool) or start <= 0:
        return took
    moment = datetime.fromtimestamp(start / 1000, UTC)
    return f"started {moment.strftime('%H:%M:%S')}.{moment.microsecond // 1000:03d} UTC, {took}"
