"""Importing n8n workflow JSON from a file or pasted text: one workflow object or an array of them.

Every workflow is checked before any is stored, so a refused import stores nothing; each problem
names the workflow ("workflow #2 'Orders': ...") and, where one is at fault, the node.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from nicegui import events, ui

from engine.errors import WorkflowValidationError
from engine.registry import NodeRegistry
from services import tag_access, workflow_access
from services.access import Actor
from services.runtime import Runtime
from services.tags import tag_names
from services.workflow_access import WorkflowView
from services.workflow_io import ImportRefused, with_import_language
from services.workflow_json import validate_document

from .feedback import REFUSALS, closing_dialog

OnImported = Callable[[list[WorkflowView]], Any]


def parse_workflows(text: str | bytes, registry: NodeRegistry) -> list[dict[str, Any]]:
    """The workflows in n8n JSON text, each checked as a save would. Raises ImportRefused listing
    every problem found (not JSON, not a workflow, an invalid node)."""
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRefused([f"This is not valid JSON: {error.msg} at line {error.lineno}, "
                             f"column {error.colno}"]) from None
    except ValueError as error:  # bytes that are not text
        raise ImportRefused([f"This is not valid JSON: {error}"]) from None
    if not isinstance(content, dict | list):
        raise ImportRefused(["This is not a workflow export: expected a workflow object or an array of them"])
    entries: Sequence[tuple[int | None, Any]] = (
        [(None, content)] if isinstance(content, dict) else list(enumerate(content, start=1)))
    if not entries:
        raise ImportRefused(["The array holds no workflows"])
    documents, problems = [], []
    for index, data in entries:
        label = _label(index, data)
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
            problems.append(f"{label}: is not a workflow: expected an object with a 'nodes' list")
            continue
        try:
            documents.append(validate_document(with_import_language(data), registry))
        except WorkflowValidationError as error:
            problems += [f"{label}: {problem}" for problem in error.problems]
    if problems:
        raise ImportRefused(problems)
    return documents


def import_workflows(runtime: Runtime, actor: Actor, text: str | bytes,
                     project_id: str | None) -> list[WorkflowView]:
    """Store the workflows of n8n JSON text in a project (None: the actor's personal one), inactive,
    with their tags. Raises ImportRefused, and the refusals of workflow_access.create_workflow."""
    documents = parse_workflows(text, runtime.registry)
    views = []
    for document in documents:
        view = workflow_access.create_workflow(runtime, actor, document, project_id)
        names = tag_names(document.get("tags"))
        if names:
            attach_tags(runtime, actor, view.workflow.id, names)
        views.append(view)
    return views


def attach_tags(runtime: Runtime, actor: Actor, workflow_id: str, names: list[str]) -> None:
    """Give a workflow the tags of these names, creating the missing ones. Tags are a nicety of an
    import: one the actor may not create is left out rather than failing the import."""
    known = {tag.name.lower(): tag.id for tag in tag_access.list_tags(runtime.db, actor, limit=1000)}
    ids = []
    for name in names:
        if name.lower() not in known:
            try:
                known[name.lower()] = tag_access.create_tag(runtime.db, actor, name).id
            except REFUSALS:
                continue
        ids.append(known[name.lower()])
    workflow_access.set_workflow_tags(runtime.db, actor, workflow_id, ids)


def open_import_dialog(runtime: Runtime, actor: Actor, project_id: str | None,
                       on_imported: OnImported) -> ui.dialog:
    """A dialog to upload an n8n export or paste its JSON; problems show in the dialog, and after an
    import `on_imported(views)` runs and the dialog closes."""
    dialog = closing_dialog()
    with dialog, ui.card().classes("w-[40rem] max-w-full").mark("import-dialog"):
        ui.label("Import workflows").classes("text-lg font-semibold")
        ui.label("An n8n export: one workflow, or an array of them.").classes("text-grey-8")
        problems = ui.label().classes("text-negative whitespace-pre-wrap").mark("import-problems")
        problems.visible = False

        def run_import(text: str | bytes) -> None:
            problems.visible = False
            try:
                views = import_workflows(runtime, actor, text, project_id)
            except ImportRefused as refused:
                problems.text = "Nothing was imported:\n" + "\n".join(refused.problems)
                problems.visible = True
                return
            except REFUSALS as error:
                problems.text = f"Nothing was imported: {error}"
                problems.visible = True
                return
            ui.notify(f"Imported {len(views)} workflow{'s' if len(views) != 1 else ''}", type="positive")
            on_imported(views)
            dialog.close()

        async def uploaded(event: events.UploadEventArguments) -> None:
            run_import(await event.file.read())

        ui.upload(label="Upload a .json file", auto_upload=True, on_upload=uploaded) \
            .props("accept=.json,application/json").classes("w-full").mark("import-upload")
        pasted = ui.textarea("…or paste the JSON here").props("outlined").classes("w-full font-mono") \
            .mark("import-json")
        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Import", on_click=lambda: run_import(pasted.value or "")).props("color=primary") \
                .mark("import-submit")
    dialog.open()
    return dialog


def _label(index: int | None, data: Any) -> str:
    name = data.get("name") if isinstance(data, dict) else None
    parts = [f"#{index}"] if index is not None else []
    if isinstance(name, str) and name:
        parts.append(repr(name))
    return f"Workflow {' '.join(parts)}" if parts else "The workflow"
