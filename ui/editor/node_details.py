"""The node details view (NDV): input data | parameters and settings | output data, n8n style.

It works on plain data (the node's n8n JSON, the workflow JSON, the last execution's `runData`) and
reports every edit through callbacks; it never mutates what it is given and never touches storage.
Keystrokes are debounced (300 ms, or at once when a field loses focus); choices are reported at once.

    NodeDetails(node, registry.get(node["type"]).description, workflow=workflow, run_data=run_data,
                credentials_for=lambda kind: [(id, name), ...], on_change=save_node_locally,
                on_pin=set_pin_data, on_create_credential=open_credential_dialog)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal

from nicegui import ui

from engine.node_api import CredentialSlot, NodeDescription

from .data_view import DataView, item_json
from .expression import ExpressionContext, clamp_run
from .node_values import (
    CREATE_CREDENTIAL,
    ON_ERROR_CHOICES,
    SETTING_DEFAULTS,
    SETTING_RANGES,
    Debouncer,
    ParentLink,
    apply_setting,
    credential_visible,
    output_items,
    parent_nodes,
    parse_pin_data,
    pin_items,
    setting_error,
)
from .parameter_values import effective_values, plain_text
from .parameters import ParameterForm

# ---- the panel ----------------------------------------------------------------------------------------


class NodeDetails(ui.column):
    """Input | Parameters & Settings | Output for one node. Every edit calls `on_change` with a full new
    node dict; `on_pin(node_name, items | None)` sets or clears the node's pinned data."""

    def __init__(
        self,
        node: Mapping[str, Any],
        description: NodeDescription,
        *,
        workflow: Mapping[str, Any],
        run_data: Mapping[str, Any] | None,
        credentials_for: Callable[[str], list[tuple[str, str]]],
        on_change: Callable[[dict[str, Any]], None],
        on_pin: Callable[[str, list[dict[str, Any]] | None], None] | None = None,
        on_create_credential: Callable[[str], None] | None = None,
        read_only: bool = False,
        variables: Mapping[str, str] | None = None,
        layout: Literal["columns", "stacked"] = "columns",
        debounce: float = 0.3,
    ) -> None:
        """`layout`: "columns" (input | parameters | output, for a maximized dialog) or "stacked"
        (parameters, then input and output, for a narrow side panel)."""
        super().__init__()
        self.classes("w-full h-full gap-2 no-wrap")
        self._node: dict[str, Any] = copy.deepcopy(dict(node))
        self._description = description
        self._workflow = workflow
        self._run_data = run_data or {}
        self._credentials_for = credentials_for
        self._on_change = on_change
        self._on_pin = on_pin
        self._on_create_credential = on_create_credential
        self._read_only = read_only
        self._version = float(node.get("typeVersion") or description.default_version)
        self._expressions = ExpressionContext(workflow, run_data, self._node, variables=variables)
        self._debouncer = Debouncer(debounce, self._report)
        self._input_choice: tuple[str, int, int] | None = None  # (parent, output, input)
        self._input_run: int | None = None
        self._output_run: int | None = None
        self._output_branch = 0
        self._pinned: list[dict[str, Any]] | None | Any = ...  # ...: as the workflow says
        with self:
            self._header()
            if layout == "stacked":  # a narrow side panel: parameters first, one scrolling column
                with ui.column().classes("w-full grow gap-3 overflow-auto no-wrap").style("min-height: 0"):
                    self.middle = self._panel("ndv-parameters")
                    self.input_panel = self._panel("ndv-input")
                    self.output_panel = self._panel("ndv-output")
            else:  # n8n's input | parameters | output, each column scrolling on its own
                with ui.row().classes("w-full grow items-stretch gap-3 no-wrap").style("min-height: 0"):
                    self.input_panel = self._panel("ndv-input", "flex: 1 1 0; min-width: 220px")
                    self.middle = self._panel("ndv-parameters", "flex: 1.6 1 0; min-width: 300px")
                    self.output_panel = self._panel("ndv-output", "flex: 1 1 0; min-width: 220px")
        self._render_middle()
        self._render_input()
        self._render_output()

    # ---- public API ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self._node.get("name", ""))

    @property
    def node(self) -> dict[str, Any]:
        """The node as edited so far (a copy)."""
        return copy.deepcopy(self._node)

    def flush(self) -> None:
        """Report a pending debounced edit now (call before closing the panel)."""
        self._debouncer.flush()

    def update_run_data(self, run_data: Mapping[str, Any] | None) -> None:
        """A new execution finished: show its data and preview expressions with it."""
        self._run_data = run_data or {}
        self._output_run = self._input_run = None
        self._expressions.update(run_data=run_data, run_index=None)
        self._render_input()
        self._render_output()

    def update_workflow(self, workflow: Mapping[str, Any]) -> None:
        """The workflow changed elsewhere (connections, pinned data of other nodes)."""
        self._workflow = workflow
        self._pinned = ...
        self._expressions.update(workflow=workflow)
        self._render_input()
        self._render_output()

    def refresh_credentials(self) -> None:
        """Credentials were created or renamed: list them again."""
        self._render_middle()

    # ---- reporting -----------------------------------------------------------------------------
    def _changed(self, immediate: bool) -> None:
        self._debouncer.trigger()
        if immediate:
            self._debouncer.flush()

    def _report(self) -> None:
        if self.is_deleted:
            self._on_change(self.node)
            return
        with self:
            self._on_change(self.node)

    def _handle_delete(self) -> None:
        if getattr(self, "_debouncer", None) is not None and self._debouncer.pending:
            self._debouncer.flush()  # closing the panel must not lose the last keystrokes
        super()._handle_delete()

    # ---- layout --------------------------------------------------------------------------------
    @staticmethod
    def _panel(marker: str, style: str = "") -> ui.column:
        panel = ui.column().classes("gap-2 p-2 rounded bg-white overflow-auto no-wrap").mark(marker)
        return panel.style(style) if style else panel.classes("w-full shrink-0 overflow-visible")

    def _header(self) -> None:
        with ui.row().classes("w-full items-center gap-2 no-wrap"):
            ui.label(self.name).classes("text-lg font-semibold truncate").mark("ndv-name")
            version = str(int(self._version)) if self._version.is_integer() else str(self._version)
            ui.label(f"{self._description.display_name} · v{version}").classes("text-xs text-grey-7")
            if self._node.get("disabled"):
                ui.badge("Disabled", color="grey")
            if self._read_only:
                ui.badge("Read only", color="grey")

    def _render_middle(self) -> None:
        self.middle.clear()
        with self.middle:
            with ui.tabs().props("dense no-caps align=left").classes("w-full") as tabs:
                parameters_tab = ui.tab("Parameters")
                settings_tab = ui.tab("Settings")
            with ui.tab_panels(tabs, value=parameters_tab).classes("w-full").props("keep-alive"):
                with ui.tab_panel(parameters_tab).classes("p-1 gap-3"):
                    self._credentials()
                    self.form = ParameterForm(
                        self._description,
                        self._node.get("parameters") or {},
                        self._version,
                        expressions=self._expressions,
                        on_change=self._parameters_changed,
                        on_blur=self.flush,
                        read_only=self._read_only,
                    )
                with ui.tab_panel(settings_tab).classes("p-1 gap-3"):
                    self.settings = ui.column().classes("w-full gap-3")
                    self._render_settings()

    def _parameters_changed(self, parameters: dict[str, Any], immediate: bool) -> None:
        self._node["parameters"] = parameters
        self._expressions.set_node(self._node)
        self._changed(immediate)

    # ---- credentials ---------------------------------------------------------------------------
    def _credentials(self) -> None:
        effective = effective_values(self._description.parameters, self._node.get("parameters") or {}, self._version)
        for slot in self._description.credentials:
            if credential_visible(slot, effective, self._version):
                self._credential_select(slot)

    def _credential_select(self, slot: CredentialSlot) -> None:
        chosen = (self._node.get("credentials") or {}).get(slot.name) or {}
        available = dict(self._credentials_for(slot.name))
        current = str(chosen.get("id") or "") or None
        if current and current not in available:
            available[current] = f"{chosen.get('name') or current} (not available)"
        choices: dict[str, str] = {**available}
        if self._on_create_credential is not None:
            choices[CREATE_CREDENTIAL] = "+ Create new credential"
        select = ui.select(choices, value=current, label=f"Credential: {slot.name}" + (" *" if slot.required else ""),
                           clearable=not slot.required,
                           on_change=lambda e: self._choose_credential(slot, e.value, select, current, available))
        select.props("outlined dense").classes("w-full").mark(f"credential:{slot.name}")
        if self._read_only:
            select.disable()
        if slot.required and not current:
            ui.label("Choose a credential").classes("text-xs text-negative")

    def _choose_credential(self, slot: CredentialSlot, value: Any, select: ui.select, previous: str | None,
                           available: Mapping[str, str]) -> None:
        if value == CREATE_CREDENTIAL:
            select.set_value(previous)
            if self._on_create_credential is not None:
                self._on_create_credential(slot.name)
            return
        if value == previous:
            return
        credentials = dict(self._node.get("credentials") or {})
        if value:
            credentials[slot.name] = {"id": value, "name": available.get(value, value)}
        else:
            credentials.pop(slot.name, None)
        if credentials:
            self._node["credentials"] = credentials
        else:
            self._node.pop("credentials", None)
        self._changed(True)
        self._render_middle()

    # ---- settings ------------------------------------------------------------------------------
    def _setting(self, key: str) -> Any:
        if key == "onError" and "onError" not in self._node and self._node.get("continueOnFail"):
            return "continueRegularOutput"
        return self._node.get(key, SETTING_DEFAULTS[key])

    def _render_settings(self) -> None:
        self.settings.clear()
        with self.settings:
            self._switch_setting("alwaysOutputData", "Always Output Data",
                                 "Output one empty item when the node's output would be empty")
            self._switch_setting("executeOnce", "Execute Once", "Run only once, with the first item of each input")
            self._switch_setting("retryOnFail", "Retry On Fail", "Run the node again when it fails", rerender=True)
            if self._setting("retryOnFail"):
                self._number_setting("maxTries", "Max. Tries", "How often to try in all (2 to 5)")
                self._number_setting("waitBetweenTries", "Wait Between Tries (ms)", "0 to 5000 milliseconds")
            select = ui.select(ON_ERROR_CHOICES, value=self._setting("onError"), label="On Error",
                               on_change=lambda e: self._set_setting("onError", e.value, immediate=True))
            select.props("outlined dense").classes("w-full").mark("setting:onError")
            self._own(select)
            notes = ui.textarea("Notes", value=str(self._setting("notes") or ""),
                                on_change=lambda e: self._set_setting("notes", e.value or ""))
            notes.props("outlined dense autogrow").classes("w-full").mark("setting:notes")
            notes.on("blur", lambda _: self.flush())
            self._own(notes)
            self._switch_setting("notesInFlow", "Display Note in Flow?", "Show the note under the node on the canvas")

    def _own(self, element: Any) -> None:
        if self._read_only:
            element.disable()

    def _switch_setting(self, key: str, label: str, hint: str, rerender: bool = False) -> None:
        with ui.column().classes("w-full gap-0"):
            switch = ui.switch(label, value=bool(self._setting(key)),
                               on_change=lambda e: self._set_setting(key, bool(e.value), immediate=True,
                                                                     rerender=rerender))
            switch.mark(f"setting:{key}")
            self._own(switch)
            ui.label(hint).classes("text-xs text-grey-6")

    def _number_setting(self, key: str, label: str, hint: str) -> None:
        low, high = SETTING_RANGES[key]
        with ui.column().classes("w-full gap-0"):
            number = ui.number(label, value=self._setting(key))
            number.props(f"outlined dense min={low} max={high}").classes("w-full").mark(f"setting:{key}")
            error = ui.label(setting_error(key, self._setting(key)) or "").classes("text-xs text-negative")
            error.mark(f"error:setting:{key}")
            ui.label(hint).classes("text-xs text-grey-6")

        def changed(value: Any) -> None:
            if value is None:  # cleared: back to the default
                error.text = ""
                self._set_setting(key, SETTING_DEFAULTS[key])
                return
            whole = int(value) if float(value).is_integer() else value
            error.text = setting_error(key, whole) or ""
            self._set_setting(key, whole)  # stored as typed; the engine clamps, as n8n's does

        number.on_value_change(lambda e: changed(e.value))
        number.on("blur", lambda _: self.flush())
        self._own(number)

    def _set_setting(self, key: str, value: Any, *, immediate: bool = False, rerender: bool = False) -> None:
        apply_setting(self._node, key, value)
        self._changed(immediate)
        if rerender:
            self._render_settings()

    # ---- input panel ---------------------------------------------------------------------------
    def _render_input(self) -> None:
        self.input_panel.clear()
        with self.input_panel:
            ui.label("Input").classes("text-xs font-semibold uppercase text-grey-7")
            parents = parent_nodes(self._workflow, self.name)
            if not parents:
                ui.label("This node has no input: it starts the workflow or is not connected yet.").classes(
                    "text-sm text-grey-6")
                return
            link = self._chosen_parent(parents)
            if len(parents) > 1:
                choices = {self._link_key(p): self._link_label(p, parents) for p in parents}
                ui.select(choices, value=self._link_key(link), label="Data of",
                          on_change=lambda e: self._choose_parent(e.value)).props(
                    "outlined dense options-dense").classes("w-full").mark("input-parent")
            runs = len(self._run_data.get(link.name) or [])
            run = self._input_run_index(link, runs)
            if runs > 1:
                ui.select({i: f"Run {i + 1} of {runs}" for i in range(runs)}, value=run,
                          on_change=lambda e: self._choose_input_run(e.value)).props("outlined dense").mark("input-run")
            items = output_items(self._run_data, link.name, run, link.output) if runs else None
            if items is None:
                pinned = (self._workflow.get("pinData") or {}).get(link.name)
                items = list(pinned) if isinstance(pinned, list) else None
            if items is None:
                ui.label(f"No data from '{link.name}' yet. Execute the previous nodes to see it here.").classes(
                    "text-sm text-grey-6")
                return
            self._item_navigator(len(items))
            DataView(items, mapping=self._expressions.mapping, source=None if link.direct else link.name,
                     marker="input")

    @staticmethod
    def _link_key(link: ParentLink) -> str:
        return json.dumps([link.name, link.output, link.input])

    @staticmethod
    def _link_label(link: ParentLink, parents: list[ParentLink]) -> str:
        inputs = {p.input for p in parents if p.direct}
        suffix = f" (input {link.input + 1})" if link.direct and len(inputs) > 1 else ""
        return link.name + suffix + ("" if link.direct else " (earlier node)")

    def _chosen_parent(self, parents: list[ParentLink]) -> ParentLink:
        if self._input_choice is not None:
            for link in parents:
                if (link.name, link.output, link.input) == self._input_choice:
                    return link
        sources = self._own_sources()
        for link in parents:
            if any(source and source.get("previousNode") == link.name for source in sources):
                return link
        return parents[0]

    def _own_sources(self) -> list[Any]:
        tasks = self._run_data.get(self.name) or []
        if not tasks:
            return []
        task = tasks[clamp_run(self._output_run, len(tasks))] or {}
        return list(task.get("source") or [])

    def _input_run_index(self, link: ParentLink, runs: int) -> int:
        if self._input_run is not None and 0 <= self._input_run < runs:
            return self._input_run
        for source in self._own_sources():
            if source and source.get("previousNode") == link.name:
                run = int(source.get("previousNodeRun") or 0)
                if 0 <= run < runs:
                    return run
        return max(runs - 1, 0)

    def _choose_parent(self, key: str) -> None:
        name, output, input_index = json.loads(key)
        self._input_choice = (name, output, input_index)
        self._input_run = None
        self._render_input()

    def _choose_input_run(self, run: int) -> None:
        self._input_run = run
        self._render_input()

    def _item_navigator(self, count: int) -> None:
        if count == 0:
            return
        index = min(self._expressions.item_index, count - 1)
        with ui.row().classes("items-center gap-1 no-wrap"):
            previous = ui.button(icon="chevron_left", on_click=lambda: self._choose_item(index - 1))
            previous.props("flat dense round size=sm").mark("input-item-previous").set_enabled(index > 0)
            ui.label(f"Expressions preview item {index + 1} of {count}").classes("text-xs text-grey-7").mark(
                "input-item")
            following = ui.button(icon="chevron_right", on_click=lambda: self._choose_item(index + 1))
            following.props("flat dense round size=sm").mark("input-item-next").set_enabled(index < count - 1)

    def _choose_item(self, index: int) -> None:
        self._expressions.set_item(index)
        self._render_input()

    # ---- output panel --------------------------------------------------------------------------
    def _pinned_items(self) -> list[dict[str, Any]] | None:
        if self._pinned is not ...:
            return self._pinned  # type: ignore[no-any-return]
        pinned = (self._workflow.get("pinData") or {}).get(self.name)
        return list(pinned) if isinstance(pinned, list) else None

    def _render_output(self) -> None:
        self.output_panel.clear()
        with self.output_panel:
            with ui.row().classes("w-full items-center justify-between no-wrap"):
                ui.label("Output").classes("text-xs font-semibold uppercase text-grey-7")
                actions = ui.row().classes("gap-1 no-wrap")
            pinned = self._pinned_items()
            if pinned is not None:
                self._pinned_output(pinned, actions)
                return
            tasks = self._run_data.get(self.name) or []
            if not tasks:
                ui.label("No output yet. Execute the node to see its data here.").classes("text-sm text-grey-6")
                if self._can_pin:
                    with actions:
                        ui.button("Set mock data", on_click=lambda: self.open_pin_editor([{"json": {}}])).props(
                            "flat dense no-caps size=sm").mark("pin-mock")
                return
            self._run_output(tasks, actions)

    @property
    def _can_pin(self) -> bool:
        return self._on_pin is not None and not self._read_only

    def _pinned_output(self, pinned: list[dict[str, Any]], actions: ui.row) -> None:
        with ui.row().classes("items-center gap-2"):
            ui.badge("Pinned", color="purple").mark("pinned-badge")
            ui.label("Test runs use this data instead of executing the node.").classes("text-xs text-grey-7")
        if self._can_pin:
            with actions:
                ui.button("Edit", icon="edit", on_click=lambda: self.open_pin_editor(pinned)).props(
                    "flat dense no-caps size=sm").mark("pin-edit")
                ui.button("Unpin", icon="push_pin", on_click=lambda: self._pin(None)).props(
                    "flat dense no-caps size=sm").mark("unpin")
        DataView(pinned, marker="output")

    def _run_output(self, tasks: list[Any], actions: ui.row) -> None:
        run = clamp_run(self._output_run, len(tasks))
        task = tasks[run] or {}
        if len(tasks) > 1:
            ui.select({i: f"Run {i + 1} of {len(tasks)}" for i in range(len(tasks))}, value=run,
                      on_change=lambda e: self._choose_output_run(e.value)).props("outlined dense").mark("output-run")
        error = task.get("error")
        if isinstance(error, Mapping):
            with ui.column().classes("w-full gap-1 p-2 rounded bg-red-1").mark("output-error"):
                ui.label(str(error.get("message") or "The node failed")).classes("text-sm text-negative font-medium")
                if error.get("description"):
                    ui.label(plain_text(str(error["description"]))).classes("text-xs")
        main = (task.get("data") or {}).get("main")
        outputs = main if isinstance(main, list) else []
        if not outputs:
            return
        branch = min(self._output_branch, len(outputs) - 1)
        if len(outputs) > 1:
            names = self._output_names(len(outputs))
            ui.toggle({i: f"{names[i]} ({len(outputs[i] or [])})" for i in range(len(outputs))}, value=branch,
                      on_change=lambda e: self._choose_branch(e.value)).props("dense no-caps size=sm").mark(
                "output-branch")
        items = list(outputs[branch] or [])
        if self._can_pin:
            with actions:
                ui.button("Pin", icon="push_pin", on_click=lambda: self._pin(pin_items(list(outputs[0] or [])))
                          ).props("flat dense no-caps size=sm").tooltip(
                    "Keep this output: test runs use it instead of executing the node").mark("pin")
                ui.button("Edit", icon="edit", on_click=lambda: self.open_pin_editor(pin_items(items))).props(
                    "flat dense no-caps size=sm").tooltip("Edit the output and pin it").mark("pin-edit")
        DataView(items, marker="output")

    def _output_names(self, count: int) -> list[str]:
        names = list(self._description.output_names)[:count]
        if self._node.get("onError") == "continueErrorOutput" and count > len(self._description.output_names or [0]):
            return [*names, *[f"Output {i + 1}" for i in range(len(names), count - 1)], "Error"]
        return names + [f"Output {i + 1}" for i in range(len(names), count)]

    def _choose_output_run(self, run: int) -> None:
        self._output_run = run
        self._input_run = None
        self._expressions.update(run_index=run)
        self._render_output()
        self._render_input()

    def _choose_branch(self, branch: int) -> None:
        self._output_branch = branch
        self._render_output()

    # ---- pinned data ---------------------------------------------------------------------------
    def _pin(self, items: list[dict[str, Any]] | None) -> None:
        self._pinned = items
        if self._on_pin is not None:
            self._on_pin(self.name, copy.deepcopy(items))
        self._render_output()

    def open_pin_editor(self, items: list[Any]) -> None:
        """Edit pinned data as JSON (a list of objects); saving pins it."""
        text = json.dumps([item_json(item) for item in items], indent=2, ensure_ascii=False, default=str)
        with self, ui.dialog() as dialog, ui.card().classes("w-[640px] max-w-full"):
            ui.label("Pinned data").classes("text-lg font-semibold")
            ui.label("A JSON list of objects; each object becomes one item.").classes("text-xs text-grey-7")
            editor = ui.textarea(value=text).props("outlined autogrow input-class=font-mono").classes("w-full")
            editor.mark("pin-editor")
            error = ui.label().classes("text-xs text-negative").mark("pin-error")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                save = ui.button("Save and pin", on_click=lambda: save_pin()).mark("pin-save")

            def check() -> list[dict[str, Any]] | None:
                parsed, message = parse_pin_data(editor.value or "")
                error.text = message or ""
                save.set_enabled(message is None)
                return parsed

            def save_pin() -> None:
                parsed = check()
                if parsed is not None:
                    dialog.close()
                    self._pin(parsed)

            editor.on_value_change(lambda _: check())
            check()
        dialog.on("hide", lambda _: dialog.delete())
        dialog.open()
