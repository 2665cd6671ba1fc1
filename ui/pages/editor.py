"""The workflow editor at /workflow/{id}: palette | canvas, the node details dialog, save, run.

The graph lives in Python (EditorGraph); the canvas draws it and reports gestures. Runs go through
the same queue as production (services.execution_access.start_manual_run); progress comes back over
the event bus, from the worker's thread, into a queue that a UI timer drains on this page's loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

import orjson
from fastapi import Request
from nicegui import ui

from engine.errors import KnotworkError
from services.access import NotFound, workflow_scopes
from services.credentials import list_credentials
from services.events import EXECUTIONS
from services.execution_access import get_execution, start_manual_run, stop_execution, wait_for_execution
from services.runtime import Runtime
from services.webhooks import TEST_LISTEN_SECONDS, listen_for_test_call, node_urls
from services.workflow_access import get_workflow, update_workflow
from services.workflow_json import workflow_to_json
from ui.components import open_credential_dialog
from ui.editor.canvas import NODE_DRAG_MIME, NodeStatus, WorkflowCanvas, status_from_run_data
from ui.editor.graph import EditorGraph, GraphError
from ui.editor.node_details import NodeDetails
from ui.frame import Frame, page_frame

SHORTCUTS = (
    ("Ctrl+S", "Save"), ("Ctrl+Enter", "Execute the workflow"), ("Ctrl+Z / Ctrl+Y", "Undo / redo"),
    ("Ctrl+C / Ctrl+V", "Copy / paste nodes as n8n JSON"), ("Ctrl+D", "Duplicate"), ("D", "Disable / enable"),
    ("Delete", "Delete the selection"), ("Ctrl+A", "Select all"), ("Enter / double-click", "Open a node"),
    ("Shift+drag", "Select with a box"),
)
WEBHOOK_TYPE = "knotwork.webhook"
SETTING_KEYS = ("retryOnFail", "maxTries", "waitBetweenTries", "onError", "alwaysOutputData", "executeOnce",
                "notes", "notesInFlow", "credentials")


class Editor:
    """One open editor tab."""

    def __init__(self, frame: Frame, workflow_id: str, *, debug_execution: str = "") -> None:
        self.frame = frame
        self.runtime: Runtime = frame.runtime
        self.actor = frame.actor
        self.workflow_id = workflow_id
        view = get_workflow(self.runtime.db, self.actor, workflow_id)  # NotFound for the caller's eyes too
        with self.runtime.db.session() as session:
            scopes = workflow_scopes(session, self.actor, workflow_id)
        self.can_edit = "workflow:update" in scopes
        self.can_run = "workflow:execute" in scopes
        self.project_id = view.workflow.project_id
        self.graph = EditorGraph.from_json(workflow_to_json(view.workflow), self.runtime.registry)
        self.run_data: dict[str, Any] = {}
        self.ran_nodes: dict[str, bytes] = {}  # node JSON at the last run: what changed since is "dirty"
        self.execution_id: int | None = None
        self.status: dict[str, NodeStatus] = {}
        self._events: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._unsubscribe = self.runtime.bus.subscribe(EXECUTIONS, self._on_bus_event)
        ui.context.client.on_delete(self._unsubscribe)
        self._build()
        if debug_execution:
            self.pin_from_execution(debug_execution)

    # ---- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        with ui.row().classes("w-full items-center gap-2"):
            self.name_input = ui.input(value=self.graph.name).classes("w-72")
            self.name_input.props('dense outlined aria-label="Workflow name"')
            self.name_input.on("blur", self._rename_workflow)
            self.saved_badge = ui.badge("", color="orange")
            ui.space()
            self._language_select()
            if not self.can_edit:
                ui.badge("Read only", color="grey").tooltip("Your role lets you look, not change")
            ui.button(icon="undo", on_click=lambda: self._history("undo")).props("flat dense").tooltip("Undo")
            ui.button(icon="redo", on_click=lambda: self._history("redo")).props("flat dense").tooltip("Redo")
            ui.button(icon="keyboard", on_click=self._show_shortcuts).props("flat dense").tooltip("Shortcuts")
            ui.link("Executions", self.frame.link("/executions", workflow=self.workflow_id))
            self.save_button = ui.button("Save", icon="save", on_click=self.save).props("outline").mark("save")
            self.run_button = ui.button("Execute workflow", icon="play_arrow",
                                        on_click=self._execute).mark("run")
            self.stop_button = ui.button("Stop", icon="stop", color="negative", on_click=self.stop).mark("stop")
            self.stop_button.set_visibility(False)
            self.save_button.set_enabled(self.can_edit)
            self.run_button.set_enabled(self.can_run)
        with ui.row().classes("w-full no-wrap gap-2").style("height: calc(100vh - 140px)"):
            if self.can_edit:
                self._palette()
            with ui.element("div").classes("flex-grow h-full border rounded"):
                self.canvas = WorkflowCanvas(self.graph, read_only=not self.can_edit, on_change=self._changed,
                                             on_open=self.open_node, on_save=self.save)
        self.root = ui.context.client.content  # where dialogs opened from event handlers belong
        self.details: ui.dialog | None = None
        ui.keyboard(on_key=self._key, ignore=["input", "select", "button", "textarea"])
        ui.timer(0.2, self._drain_events)
        self._changed()

    def _palette(self) -> None:
        descriptions = sorted((d for d in self.runtime.registry.descriptions() if not d.hidden),
                              key=lambda d: d.display_name.lower())
        with ui.column().classes("w-60 h-full gap-1 overflow-auto border rounded p-2"):
            search = ui.input(placeholder="Search nodes").props("dense outlined clearable").classes("w-full")
            entries: list[tuple[ui.element, str]] = []
            for description in descriptions:
                words = " ".join([description.display_name, description.name, *description.aliases,
                                  *description.search_aliases, *description.categories, description.group]).lower()
                entry = ui.column().classes("w-full gap-0 px-2 py-1 rounded cursor-pointer hover:bg-slate-100") \
                    .mark(f"palette:{description.name}")
                entry.on("click", lambda _, d=description: self.add_node(d.name))
                entry.props.update({"draggable": "true"})
                entry.on("dragstart", js_handler=f"(e) => e.dataTransfer.setData({orjson.dumps(NODE_DRAG_MIME).decode()}, "
                                                 f"{orjson.dumps(description.name).decode()})")
                with entry:
                    ui.label(description.display_name).classes("text-sm font-medium")
                    ui.label(description.description).classes("text-xs text-slate-500 line-clamp-2")
                entries.append((entry, words))

            def filter_entries() -> None:
                text = (search.value or "").lower().strip()
                for entry, words in entries:
                    entry.set_visibility(all(part in words for part in text.split()))

            search.on_value_change(filter_entries)

    # ---- editing --------------------------------------------------------------------------------
    def _language_select(self) -> None:
        """The workflow's expression language (settings.expressionLanguage), shown and switchable."""
        settings = self.graph.to_json().get("settings") or {}
        current = "javascript" if settings.get("expressionLanguage") == "javascript" else "python"

        def switch(event: Any) -> None:
            latest = self.graph.to_json().get("settings") or {}
            if latest.get("expressionLanguage", "python") != event.value:
                self._apply(lambda: self.graph.set_settings({**latest, "expressionLanguage": event.value}))

        select = ui.select({"python": "Python expressions", "javascript": "JavaScript expressions"}, value=current,
                           on_change=switch).props('dense outlined aria-label="Expression language"')
        select.tooltip("The language of {{ }} expressions in this workflow (n8n imports use JavaScript)")
        select.mark("expression-language")
        select.set_enabled(self.can_edit)

    def _changed(self) -> None:
        self.saved_badge.set_text("Unsaved changes" if self.graph.dirty else "")
        self.saved_badge.set_visibility(self.graph.dirty)
        # The browser asks before leaving a page with unsaved changes.
        ui.run_javascript(f"window.onbeforeunload = {'() => true' if self.graph.dirty else 'null'};")

    def _apply(self, change: Any) -> bool:
        try:
            change()
        except (GraphError, KnotworkError) as error:
            ui.notify(str(error), type="negative")
            return False
        self.canvas.refresh()
        self._changed()
        return True

    def add_node(self, type_name: str) -> None:
        if not self.can_edit:
            return
        added: list[str] = []
        if self._apply(lambda: added.append(self.graph.add_node(type_name)["name"])):
            self.canvas.select(added, reveal=True)  # it lands right of the others, maybe off-screen

    def _rename_workflow(self) -> None:
        if self.can_edit and self.name_input.value != self.graph.name:
            self._apply(lambda: self.graph.set_workflow_name(self.name_input.value))
        self.name_input.value = self.graph.name

    def _history(self, action: str) -> None:
        if self.can_edit:
            self._apply(getattr(self.graph, action))

    def save(self) -> None:
        if not self.can_edit:
            return
        try:
            update_workflow(self.runtime, self.actor, self.workflow_id, self.graph.to_json())
        except KnotworkError as error:
            problems = getattr(error, "problems", None)
            ui.notify("Not saved: " + ("; ".join(problems) if problems else str(error)), type="negative",
                      multi_line=True)
            return
        self.graph.mark_saved()
        self._changed()
        ui.notify("Saved", type="positive")

    def _key(self, event: Any) -> None:
        if event.action.keydown and event.modifiers.ctrl and event.key.enter:
            self.run()

    def _show_shortcuts(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label("Keyboard shortcuts").classes("text-lg font-semibold")
            with ui.grid(columns=2).classes("gap-x-6 gap-y-1"):
                for keys, meaning in SHORTCUTS:
                    ui.label(keys).classes("font-mono")
                    ui.label(meaning)
            ui.button("Close", on_click=dialog.close).props("flat")
        dialog.open()

    # ---- node details ---------------------------------------------------------------------------
    def open_node(self, name: str) -> None:
        description = self.graph.description(name)
        if description is None:
            ui.notify(f"The node type of '{name}' is not installed", type="warning")
            return
        if self.details is not None:
            self.details.delete()
        current = [name]  # the panel may rename the node: later changes follow the new name
        with self.root, ui.dialog().props("maximized") as dialog, ui.card().classes("w-full h-full no-wrap"):
            with ui.row().classes("w-full items-center"):
                title = ui.input(value=name).props("dense borderless input-class='text-lg font-semibold'")
                title.set_enabled(self.can_edit)
                title.on("blur", lambda: self._rename_node(current, title))
                ui.space()
                if self.can_run:
                    ui.button("Execute step", icon="play_arrow",
                              on_click=lambda: (dialog.close(), self.run(destination=current[0])))
                ui.button(icon="close", on_click=dialog.close).props("flat round aria-label=Close").mark("close-details")
            panel = NodeDetails(self.graph.node(name), description, workflow=self.graph.to_json(),
                                run_data=self.run_data, credentials_for=self._credentials_for,
                                on_change=lambda node: self._node_changed(current, node), on_pin=self._pin,
                                on_create_credential=lambda type_name: self._create_credential(type_name, panel),
                                read_only=not self.can_edit)
        dialog.on("hide", panel.flush)  # a keystroke still waiting for its pause is not lost
        self.details = dialog
        dialog.open()

    def _create_credential(self, type_name: str, panel: NodeDetails) -> None:
        open_credential_dialog(self.runtime, self.actor, type_name=type_name, project_id=self.project_id,
                               on_saved=lambda _: panel.refresh_credentials())

    def _node_changed(self, current: list[str], node: dict[str, Any]) -> None:
        name = current[0]

        def change() -> None:
            stored = self.graph.node(name)
            if node.get("parameters") != stored.get("parameters"):
                self.graph.set_parameters(name, node.get("parameters") or {})
            settings = {key: node.get(key) for key in SETTING_KEYS if node.get(key) != stored.get(key)}
            if settings:
                self.graph.set_node_settings(name, **settings)
            if bool(node.get("disabled")) != bool(stored.get("disabled")):
                self.graph.set_disabled([name], bool(node.get("disabled")))

        self._apply(change)

    def _rename_node(self, current: list[str], title: ui.input) -> None:
        """Rename from the panel's title; references in other nodes' expressions follow (as in n8n)."""
        new = (title.value or "").strip()
        if new and new != current[0] and self._apply(lambda: self.graph.rename(current[0], new)):
            current[0] = new
        title.value = current[0]

    def _pin(self, name: str, items: list[dict[str, Any]] | None) -> None:
        self._apply(lambda: self.graph.set_pin_data(name, items))

    def pin_from_execution(self, execution_id: str) -> None:
        """"Debug in editor": an execution's outputs become pinned data (unsaved), so the workflow can be
        re-run step by step on exactly that data."""
        try:
            view = get_execution(self.runtime.db, self.actor, execution_id, True)
        except KnotworkError as error:
            ui.notify(str(error), type="negative")
            return
        run_data = (view.document or {}).get("runData") or {}
        pinned = []
        for name, tasks in run_data.items():
            if name not in self.graph.names() or not tasks or self.graph.is_sticky(name):
                continue
            outputs = ((tasks[-1].get("data") or {}).get("main") or [[]])
            items = [{"json": item.get("json", {})} for item in (outputs[0] or [])]
            if items and tasks[-1].get("executionStatus", "success") == "success":
                self._apply(lambda name=name, items=items: self.graph.set_pin_data(name, items))
                pinned.append(name)
        self.run_data = run_data
        self.status = dict(status_from_run_data(run_data))
        self.canvas.set_status(self.status)
        ui.notify(f"Pinned the data of {len(pinned)} node(s) from execution {execution_id}; save to keep it")

    def _credentials_for(self, credential_type: str) -> list[tuple[str, str]]:
        views = list_credentials(self.runtime.db, self.actor, project_id=self.project_id, type=credential_type)
        return [(view.credential.id, view.credential.name) for view in views]

    # ---- running --------------------------------------------------------------------------------
    def _webhook_nodes(self) -> list[str]:
        return [name for name in self.graph.names() if not self.graph.node(name).get("disabled")
                and (description := self.graph.description(name)) is not None and description.name == WEBHOOK_TYPE]

    async def _execute(self) -> None:
        """A workflow started by a Webhook node waits for a test call, as n8n's editor does; others run."""
        if self._webhook_nodes():
            await self.listen()
        else:
            self.run()

    async def listen(self) -> None:
        """Listen for one call of the test URL(s); that call runs the canvas's workflow, shown live here."""
        if not self.can_run or self.execution_id is not None:
            return
        try:
            listener = await listen_for_test_call(self.runtime, self.actor, self.workflow_id, self.graph.to_json())
            urls = {name: node_urls(self.runtime, self.graph.node(name)) for name in self._webhook_nodes()}
        except KnotworkError as error:
            ui.notify(f"Cannot listen: {error}", type="negative", multi_line=True)
            return
        with self.root, ui.dialog().props("persistent") as dialog, ui.card().classes("min-w-[36rem]"):
            ui.label("Waiting for a test call").classes("text-lg font-semibold")
            ui.label(f"Call a test URL within {int(TEST_LISTEN_SECONDS)} seconds; the call runs this "
                     "workflow as it is on the canvas.")
            for name, node_url in urls.items():
                ui.input(name, value=node_url["test"]).props("readonly outlined dense").classes("w-full") \
                    .mark(f"test-url:{name}")
            ui.spinner()
            ui.button("Stop listening", on_click=lambda: listener.called.cancel()).props("flat")
        dialog.open()
        try:
            execution_id = await asyncio.wait_for(listener.called, TEST_LISTEN_SECONDS)
        except (asyncio.CancelledError, TimeoutError):
            ui.notify("No test call arrived", type="warning")
            return
        finally:
            dialog.delete()
        self.execution_id = execution_id
        self.status = {}
        self.canvas.set_status(self.status)
        self.run_button.set_enabled(False)
        self.stop_button.set_visibility(True)
        # The call started the run before we knew its id: its first events may be gone, so wait on the row.
        await wait_for_execution(self.runtime, execution_id, 300, include_data=False)
        if self.execution_id == execution_id:
            await self._load_result()

    def run(self, destination: str | None = None) -> None:
        if not self.can_run or self.execution_id is not None:
            return
        document = self.graph.to_json()
        dirty = tuple(name for name in self.graph.names()
                      if self.ran_nodes.get(name) != orjson.dumps(self.graph.node(name)))
        try:
            self.execution_id = start_manual_run(
                self.runtime, self.actor, self.workflow_id, document, destination_node=destination,
                previous_run_data=self.run_data if destination else None, dirty_nodes=dirty if destination else ())
        except KnotworkError as error:
            problems = getattr(error, "problems", None)
            ui.notify("Cannot run: " + ("; ".join(problems) if problems else str(error)), type="negative",
                      multi_line=True)
            return
        self.ran_nodes = {name: orjson.dumps(self.graph.node(name)) for name in self.graph.names()}
        self.status = {} if destination is None else dict(self.status)
        self.canvas.set_status(self.status)
        self.run_button.set_enabled(False)
        self.stop_button.set_visibility(True)

    async def stop(self) -> None:
        if self.execution_id is None:
            return
        try:
            await stop_execution(self.runtime, self.actor, str(self.execution_id))
        except KnotworkError as error:
            ui.notify(str(error), type="warning")

    def _on_bus_event(self, channel: str, event: dict[str, Any]) -> None:
        # Called on the worker's thread: only queue it; the page's timer applies it.
        if event.get("executionId") == self.execution_id and self.execution_id is not None:
            with self._lock:
                self._events.append(event)

    async def _drain_events(self) -> None:
        with self._lock:
            events = list(self._events)
            self._events.clear()
        finished = False
        for event in events:
            kind, node = event.get("event"), event.get("node")
            if kind == "node.started" and node:
                self.status[node] = {"state": "running"}
            elif kind == "node.finished" and node:
                state = "error" if event.get("status") == "error" else "success"
                self.status[node] = {"state": state, "items": list(event.get("items") or [])}
            elif kind == "execution.finished":
                finished = True
        if events:
            self.canvas.set_status(self.status)
        if finished:
            await self._load_result()

    async def _load_result(self) -> None:
        execution_id, self.execution_id = self.execution_id, None
        self.run_button.set_enabled(self.can_run)
        self.stop_button.set_visibility(False)
        try:
            view = await asyncio.to_thread(get_execution, self.runtime.db, self.actor, str(execution_id), True)
        except NotFound:
            return
        document = view.document or {}
        self.run_data = document.get("runData") or {}
        self.status = dict(status_from_run_data(self.run_data))
        self.canvas.set_status(self.status)
        status = view.execution.status
        error = (document.get("error") or {}).get("message") or view.execution.error_message
        if status == "success":
            ui.notify(f"Execution {execution_id} succeeded", type="positive")
        else:
            ui.notify(f"Execution {execution_id} {status}" + (f": {error}" if error else ""),
                      type="negative" if status == "error" else "warning", multi_line=True)


def register(runtime: Runtime | None) -> None:
    @ui.page("/workflow/{workflow_id}")
    def editor_page(request: Request, workflow_id: str, project: str = "", debug: str = "") -> None:
        with page_frame(request, "Workflow", project=project, show_title=False) as frame:
            try:
                Editor(frame, workflow_id, debug_execution=debug)
            except NotFound as error:
                ui.label(str(error)).classes("text-negative")
