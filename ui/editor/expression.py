"""Expressions in the node details view: a live preview computed by the engine's own evaluator from
the last run's data, completions for `$` names and field names, and the widget that edits them.

`preview()` is the pure core. `ExpressionContext` keeps what it needs for one open panel (the run
data is parsed once, not per keystroke) and `ExpressionInput` is the widget. Nothing here calls
`eval`: templates go through `engine.expressions.ExpressionEngine`, which compiles them under the
same RestrictedPython policy as executions do (JavaScript workflows: the same V8 sandbox).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from engine.errors import ExpressionError
from engine.expressions.engine import ExpressionEngine, is_expression
from engine.expressions.proxy import DataProxy
from engine.expressions.python_lang import PYTHON
from engine.items import Item, items_from_json
from engine.resume import task_from_json
from engine.run_data import SourceRef, TaskData
from engine.runner import expression_language, resolve_timezone
from engine.workflow import Connection, IncomingConnection, NodeSpec, Workflow

from .completions import ROOT_NAMES, Completion, completions

# The editor's event loop must not stall on a runaway preview: one second, not the runs' five.
_ENGINE = ExpressionEngine(PYTHON, timeout=1.0)
_ENGINES: dict[str, ExpressionEngine] = {"python": _ENGINE}


def engine_for(settings: Mapping[str, Any]) -> ExpressionEngine:
    """The preview engine for the workflow's expression language (settings.expressionLanguage)."""
    language = expression_language(settings)
    engine = _ENGINES.get(language.name)
    if engine is None:
        engine = _ENGINES[language.name] = ExpressionEngine(language, timeout=1.0)
    return engine


NO_INPUT_HINT = "No input data yet: execute the previous nodes to preview with real data."


# ---- the workflow and run data as the engine sees them -------------------------------------------


def node_spec(raw: Any) -> NodeSpec | None:
    """A node dict as the engine's NodeSpec, or None when it has no name."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        return None
    version = raw.get("typeVersion", 1)
    parameters = raw.get("parameters")
    credentials = raw.get("credentials")
    return NodeSpec(
        name=raw["name"],
        type=str(raw.get("type") or ""),
        type_version=float(version) if isinstance(version, int | float) and not isinstance(version, bool) else 1.0,
        parameters=parameters if isinstance(parameters, dict) else {},
        credentials=credentials if isinstance(credentials, dict) else {},
        disabled=bool(raw.get("disabled")),
    )


def lenient_workflow(data: Mapping[str, Any]) -> Workflow:
    """The workflow JSON as the engine's graph, skipping what does not parse: the editor's copy may
    be half-edited (a dangling connection, an unknown node type) and previews should still work."""
    nodes: dict[str, NodeSpec] = {}
    for raw in data.get("nodes") or []:
        node = node_spec(raw)
        if node is not None and node.name not in nodes:
            nodes[node.name] = node
    outputs, inputs = _main_connections(data.get("connections"), nodes)
    settings = data.get("settings")
    return Workflow(
        id=str(data.get("id") or ""),
        name=str(data.get("name") or ""),
        nodes=MappingProxyType(nodes),
        outputs=MappingProxyType(outputs),
        inputs=MappingProxyType(inputs),
        settings=MappingProxyType(settings if isinstance(settings, dict) else {}),
        pin_data=MappingProxyType(_pin_data(data.get("pinData"), nodes)),
        static_data={},
        raw=MappingProxyType(dict(data)),
        active=bool(data.get("active")),
    )


def _main_connections(
    raw: Any, nodes: Mapping[str, NodeSpec]
) -> tuple[dict[str, tuple[tuple[Connection, ...], ...]], dict[str, tuple[IncomingConnection, ...]]]:
    outputs: dict[str, tuple[tuple[Connection, ...], ...]] = {}
    incoming: dict[str, list[IncomingConnection]] = {}
    for source, by_type in (raw if isinstance(raw, Mapping) else {}).items():
        per_output = by_type.get("main") if isinstance(by_type, Mapping) else None
        if source not in nodes or not isinstance(per_output, list):
            continue
        parsed: list[tuple[Connection, ...]] = []
        for output_index, connections in enumerate(per_output):
            row: list[Connection] = []
            for connection in connections if isinstance(connections, list) else []:
                target = connection.get("node") if isinstance(connection, Mapping) else None
                index = connection.get("index", 0) if isinstance(connection, Mapping) else None
                if target in nodes and isinstance(index, int) and not isinstance(index, bool):
                    row.append(Connection(target, index))
                    incoming.setdefault(target, []).append(IncomingConnection(source, output_index, index))
            parsed.append(tuple(row))
        outputs[source] = tuple(parsed)
    return outputs, {name: tuple(connections) for name, connections in incoming.items()}


def _pin_data(raw: Any, nodes: Mapping[str, NodeSpec]) -> dict[str, list[Item]]:
    pinned: dict[str, list[Item]] = {}
    for name, items in (raw if isinstance(raw, Mapping) else {}).items():
        if name in nodes and isinstance(items, list):
            try:
                pinned[name] = items_from_json(items)
            except TypeError:
                continue
    return pinned


def parse_run_data(run_data: Mapping[str, Any] | None) -> dict[str, list[TaskData]]:
    """n8n's `runData` JSON as the engine's TaskData lists; malformed node entries are skipped."""
    parsed: dict[str, list[TaskData]] = {}
    for name, tasks in (run_data or {}).items():
        if not isinstance(tasks, list):
            continue
        try:
            parsed[name] = [task_from_json(task) for task in tasks if isinstance(task, Mapping)]
        except (TypeError, ValueError, KeyError, AttributeError):
            continue
    return parsed


def node_input(
    workflow: Workflow, run_data: Mapping[str, list[TaskData]], name: str, run_index: int | None = None
) -> tuple[list[Item], list[SourceRef | None]]:
    """The items a node's expressions see as `$input`, and where each input came from: the sources
    of the node's own run when it ran, else the last output of its parents (as the next run would)."""
    tasks = run_data.get(name) or []
    if tasks:
        task = tasks[clamp_run(run_index, len(tasks))]
        sources = list(task.source)
        inputs = [_output_of(workflow, run_data, ref) for ref in sources]
    else:
        sources, inputs = _parent_inputs(workflow, run_data, name)
    chosen, position = (inputs[0] if inputs else None) or [], 0
    if workflow.execution_order == "v1":
        for index, items in enumerate(inputs):
            if items:
                chosen, position = items, index
                break
    return [item.with_paired((i, position)) for i, item in enumerate(chosen)], sources


def clamp_run(run_index: int | None, count: int) -> int:
    if run_index is None or not 0 <= run_index < count:
        return count - 1
    return run_index


def _output_of(workflow: Workflow, run_data: Mapping[str, list[TaskData]], ref: SourceRef | None) -> list[Item] | None:
    if ref is None:
        return None
    tasks = run_data.get(ref.previous_node) or []
    if ref.previous_node_run < len(tasks):
        return tasks[ref.previous_node_run].output(ref.previous_node_output)
    return workflow.pin_data.get(ref.previous_node)


def _parent_inputs(
    workflow: Workflow, run_data: Mapping[str, list[TaskData]], name: str
) -> tuple[list[SourceRef | None], list[list[Item] | None]]:
    incoming = workflow.inputs.get(name, ())
    slots = 1 + max((connection.input for connection in incoming), default=-1)
    sources: list[SourceRef | None] = [None] * slots
    inputs: list[list[Item] | None] = [None] * slots
    for connection in incoming:
        if inputs[connection.input] is not None:
            continue
        tasks = run_data.get(connection.source) or []
        if tasks:
            sources[connection.input] = SourceRef(connection.source, connection.output, len(tasks) - 1)
            inputs[connection.input] = tasks[-1].output(connection.output)
        elif connection.source in workflow.pin_data:
            sources[connection.input] = SourceRef(connection.source, connection.output, 0)
            inputs[connection.input] = list(workflow.pin_data[connection.source])
    return sources, inputs


@dataclass
class _PreviewState:
    """The engine's ExecutionState for an editor preview (a manual run: pinned data counts)."""

    workflow: Workflow
    run_data: dict[str, list[TaskData]]
    variables: Mapping[str, str]
    timezone: ZoneInfo
    mode: str = "manual"
    execution_id: str = ""
    node_contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    uses_pin_data: bool = True

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class PreviewScope:
    """What one node's expressions see in the editor: the workflow, the last run's data and the
    node's input rebuilt from it. Build it once per run data; `evaluate` is cheap."""

    def __init__(
        self,
        workflow: Mapping[str, Any],
        run_data: Mapping[str, Any] | None,
        node: Mapping[str, Any] | str,
        *,
        run_index: int | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self.workflow = lenient_workflow(workflow)
        self.run_data = parse_run_data(run_data)
        name = node if isinstance(node, str) else str(node.get("name", ""))
        spec = node_spec(node) if not isinstance(node, str) else self.workflow.nodes.get(name)
        self.node = spec or NodeSpec(name=name, type="", type_version=1.0, parameters={})
        runs = len(self.run_data.get(self.node.name) or [])
        self.run_index = clamp_run(run_index, runs) if runs else 0
        self.input_items, self.sources = node_input(self.workflow, self.run_data, self.node.name, run_index)
        timezone = resolve_timezone(self.workflow.settings.get("timezone"), "UTC")
        self._state = _PreviewState(self.workflow, self.run_data, dict(variables or {}), timezone)

    def set_node(self, node: Mapping[str, Any]) -> None:
        """Use the node's edited parameters for `$parameter` (same name, no re-parse)."""
        self.node = node_spec(node) or self.node

    def evaluate(self, expression: Any, item_index: int = 0) -> tuple[bool, Any]:
        """(True, value) or (False, a readable error message). Never raises."""
        if not is_expression(expression):
            return True, expression
        proxy = DataProxy(self._state, self.node, self.run_index, self.input_items, self.sources)
        proxy.item_index = item_index
        try:
            engine = engine_for(self.workflow.settings)
            return True, engine.evaluate(expression, proxy, node=self.node.name, parameter="")
        except ExpressionError as error:
            return False, self._explain(error.message, error.description, error.error_type not in ("syntax", "limit"))
        except Exception as error:  # an engine bug must not break the editor
            return False, self._explain(f"{type(error).__name__}: {error}", None, True)

    def _explain(self, message: str, description: str | None, data_related: bool) -> str:
        parts = [message]
        if description:
            parts.append(description)
        if data_related and not self.input_items and self.workflow.inputs.get(self.node.name):
            parts.append(NO_INPUT_HINT)
        return " — ".join(parts)

    def sample_json(self, node_name: str | None, item_index: int = 0) -> Any:
        """An example json of the current input item (None) or of a node's last output."""
        if node_name is None:
            items = self.input_items
        else:
            tasks = self.run_data.get(node_name) or []
            items = tasks[-1].output(0) if tasks else list(self.workflow.pin_data.get(node_name, []))
        if not items:
            return {}
        return items[min(item_index, len(items) - 1)].json


def preview(
    expression: str,
    workflow: Mapping[str, Any],
    run_data: Mapping[str, Any] | None,
    node_name: str,
    item_index: int = 0,
    *,
    run_index: int | None = None,
    variables: Mapping[str, str] | None = None,
) -> tuple[bool, Any]:
    """Evaluate a parameter value for one input item of `node_name`, as the next run would: the
    engine's restricted evaluator over the last run's data. Returns (True, value) or
    (False, error message); never raises. A value without n8n's `=` prefix is returned as it is."""
    scope = PreviewScope(workflow, run_data, node_name, run_index=run_index, variables=variables)
    return scope.evaluate(expression, item_index)


def format_result(value: Any, limit: int = 400) -> str:
    """A preview value as one line of text, n8n-style markers for null and empty."""
    if value is None:
        return "[null]"
    if isinstance(value, str):
        text = value if value else "[empty]"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        text = value.isoformat()
    elif isinstance(value, dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- mapping fields from the data panels into parameters ------------------------------------------


@dataclass(frozen=True)
class MappedField:
    """A field picked in a data panel: the expression that reads it, its name and its type."""

    expression: str  # "{{ $json.a }}"
    name: str
    kind: str = "string"


class FieldMapping:
    """A field on its way from a data panel into a parameter: by drag-and-drop (the panel records the
    dragged field, the parameter's drop handler takes it) or by click, into the parameter focused last."""

    def __init__(self) -> None:
        self.dragged: MappedField | None = None
        self._target: Callable[[MappedField], None] | None = None

    def start_drag(self, mapped: MappedField) -> None:
        self.dragged = mapped

    def take(self) -> MappedField | None:
        mapped, self.dragged = self.dragged, None
        return mapped

    def focus(self, target: Callable[[MappedField], None]) -> None:
        self._target = target

    def insert(self, mapped: MappedField) -> bool:
        """Insert into the parameter focused last; False when none was."""
        if self._target is None:
            return False
        self._target(mapped)
        return True


# ---- the context one panel shares ---------------------------------------------------------------


class ExpressionContext:
    """Previews and completions for one open node panel. The run data is parsed once (lazily) and
    again only after `update`; the current item is chosen in the input panel."""

    def __init__(
        self,
        workflow: Mapping[str, Any],
        run_data: Mapping[str, Any] | None,
        node: Mapping[str, Any],
        *,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self._workflow = workflow
        self._run_data = run_data
        self._node = node
        self.variables = dict(variables or {})
        self.item_index = 0
        self.run_index: int | None = None
        self.mapping = FieldMapping()
        self._scope: PreviewScope | None = None
        self._widgets: list[ExpressionInput] = []

    @property
    def scope(self) -> PreviewScope:
        if self._scope is None:
            self._scope = PreviewScope(
                self._workflow, self._run_data, self._node, run_index=self.run_index, variables=self.variables
            )
        return self._scope

    def update(self, *, workflow: Mapping[str, Any] | None = None, run_data: Any = ..., run_index: Any = ...) -> None:
        """New workflow or run data: previews are recomputed."""
        if workflow is not None:
            self._workflow = workflow
        if run_data is not ...:
            self._run_data = run_data
        if run_index is not ...:
            self.run_index = run_index
        self._scope = None
        self.refresh()

    def set_node(self, node: Mapping[str, Any]) -> None:
        self._node = node
        if self._scope is not None:
            self._scope.set_node(node)

    def set_item(self, item_index: int) -> None:
        self.item_index = max(item_index, 0)
        self.refresh()

    def preview(self, text: str) -> tuple[bool, Any]:
        return self.scope.evaluate(text, self.item_index)

    def completions(self, text: str) -> list[Completion]:
        return completions(text, self.scope, item_index=self.item_index, variables=self.variables)

    def register(self, widget: ExpressionInput) -> None:
        self._widgets = [w for w in self._widgets if not w.is_deleted]
        self._widgets.append(widget)

    def refresh(self) -> None:
        for widget in list(self._widgets):
            if widget.is_deleted:
                self._widgets.remove(widget)
            else:
                widget.update_preview()


# ---- the widget ------------------------------------------------------------------------------------


class ExpressionInput(ui.column):
    """An expression's text (shown without n8n's leading `=`), its live result for the current input
    item, completions (Tab accepts the greyed one, chips insert), and a larger editor in a dialog."""

    def __init__(
        self,
        value: str,
        *,
        context: ExpressionContext,
        on_change: Callable[[str], None],
        multiline: bool = False,
        marker: str = "",
        on_blur: Callable[[], None] | None = None,
        on_focus: Callable[[], None] | None = None,
        read_only: bool = False,
        placeholder: str = "",
    ) -> None:
        """`placeholder`: the fixed input's hint, kept so rows without labels (conditions, fields)
        still say which value is which in expression mode."""
        super().__init__()
        self.classes("w-full gap-0")
        self._context = context
        self._on_change = on_change
        text = value[1:] if value.startswith("=") else value
        with self:
            with ui.row().classes("w-full items-start no-wrap gap-1"):
                factory = ui.textarea if multiline else ui.input
                self.input = factory(value=text, placeholder=placeholder or None,
                                     on_change=lambda _: self._changed())
                self.input.props("dense outlined autogrow" if multiline else "dense outlined")
                self.input.classes("grow font-mono").props("input-class=font-mono")
                if marker:
                    self.input.mark(marker)
                if on_blur:
                    self.input.on("blur", lambda _: on_blur())
                if on_focus:
                    self.input.on("focus", lambda _: on_focus())
                if read_only:
                    self.input.disable()
                else:
                    ui.button(icon="open_in_full", on_click=self.open_editor).props("flat dense round size=sm").tooltip(
                        "Open the expression editor"
                    )
            self.chips = ui.row().classes("gap-1 flex-wrap")
            self.result = ui.label().classes("text-xs break-all")
            if marker:
                self.result.mark(f"{marker}-preview")
        context.register(self)
        self.update_preview()

    @property
    def expression(self) -> str:
        return "=" + (self.input.value or "")

    def insert(self, snippet: str) -> None:
        self.input.value = (self.input.value or "") + snippet

    def _changed(self) -> None:
        self.update_preview()
        self._on_change(self.expression)

    def update_preview(self) -> None:
        ok, value = self._context.preview(self.expression)
        self.result.text = f"Result: {format_result(value)}" if ok else f"⚠ {value}"
        self.result.classes(replace="text-xs break-all " + ("text-grey-8" if ok else "text-negative"))
        self._show_completions()

    def _show_completions(self) -> None:
        text = self.input.value or ""
        found = self._context.completions(self.expression)
        if isinstance(self.input, ui.input):
            self.input.set_autocomplete([text + item.insert for item in found])
        self.chips.clear()
        with self.chips:
            for item in found[:12]:
                ui.chip(item.label, on_click=lambda _, s=item.insert: self.insert(s)).props("dense clickable outline")

    def open_editor(self) -> None:
        """A bigger editor: the text, the `$` names to click in, the result per input item."""
        with ui.dialog() as dialog, ui.card().classes("w-[720px] max-w-full"):
            ui.label("Edit expression").classes("text-lg font-semibold")
            ui.label("Python with n8n's $ names inside {{ }}; everything else is literal text.").classes(
                "text-xs text-grey-7"
            )
            editor = ui.textarea(value=self.input.value).props("outlined autogrow").classes("w-full font-mono")
            with ui.row().classes("gap-1 flex-wrap"):
                for name in ROOT_NAMES:
                    ui.chip(name, on_click=lambda _, n=name: editor.set_value((editor.value or "") + n)).props(
                        "dense clickable outline"
                    )
            result = ui.label().classes("text-xs break-all")

            def show() -> None:
                ok, value = self._context.preview("=" + (editor.value or ""))
                result.text = f"Result for item {self._context.item_index + 1}: {format_result(value)}" if ok else f"⚠ {value}"

            editor.on_value_change(lambda _: show())
            show()
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")

                def done() -> None:
                    self.input.value = editor.value or ""
                    dialog.close()

                ui.button("Done", on_click=done)
        dialog.on("hide", lambda _: dialog.delete())
        dialog.open()
