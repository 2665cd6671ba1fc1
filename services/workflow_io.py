"""Import and export in n8n's format (`n8n export:workflow` / `import:workflow`): a file holding one
workflow object or an array of them, or a folder of such files.

Import is all-or-nothing: every workflow of every file is checked before anything is written, and all
of them are written in one transaction, so a refused import leaves the database as it was.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from engine.errors import WorkflowValidationError
from engine.registry import NodeRegistry
from models.db import Database
from models.workflows import Workflow

from .workflows import (
    WorkflowError,
    create_workflow,
    get_workflow,
    list_workflows,
    validate_document,
    workflow_tags,
    workflow_to_json,
)


class ImportRefused(WorkflowValidationError):
    """Nothing was imported; each of `problems` names the file, the workflow and, if one is at fault, the node."""


class ExportRefused(WorkflowError):
    """The export target cannot be written as asked."""


@dataclass(frozen=True)
class _Candidate:
    label: str  # where it came from, for messages: "<file>: workflow #2 'Name'"
    data: dict[str, Any]


def with_import_language(data: dict[str, Any]) -> dict[str, Any]:
    """An imported workflow's document with its expression language: JavaScript when the file names
    none (n8n writes none, and its expressions are JavaScript). Knotwork's exports always name theirs;
    "python" is stored as no setting at all, the default of workflows made in Knotwork."""
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    language = settings.get("expressionLanguage")
    if language == "javascript":
        return data
    if language == "python":
        return {**data, "settings": {k: v for k, v in settings.items() if k != "expressionLanguage"}}
    return {**data, "settings": {**settings, "expressionLanguage": "javascript"}}


def import_workflows(db: Database, registry: NodeRegistry, path: Path | str,
                     project_id: str | None = None) -> list[Workflow]:
    """Import every workflow in a file (one object or an array) or in each *.json file of a folder.

    Returns the stored workflows, in input order, each inactive; ids in the files are kept where free.
    Raises ImportRefused (listing every problem found) when any file is unreadable, not JSON or not a
    workflow, or any workflow is invalid; ProjectNotFound for an unknown project. Either way nothing is
    written.
    """
    candidates, problems = _read_candidates(Path(path), registry)
    if problems:
        raise ImportRefused(problems)
    with db.session(immediate=True) as session:
        return [create_workflow(session, candidate.data, project_id, registry=registry)
                for candidate in candidates]


def export_workflows(db: Database, output: Path | str, workflow_id: str | None = None, all: bool = False,
                     separate: bool = False, pretty: bool = True) -> list[Workflow]:
    """Write one workflow (`workflow_id`) or every workflow, archived ones too (`all`), in n8n's format.

    Without `separate`, `output` is a file holding an array (as n8n writes it); with it, `output` is a
    folder (created if missing) receiving one `<id>.json` object per workflow. Files are replaced
    atomically. Returns the workflows written. Raises WorkflowNotFound, ExportRefused, OSError;
    ValueError unless exactly one of `workflow_id` and `all` is given.
    """
    if (workflow_id is None) == (not all):
        raise ValueError("export_workflows() needs either workflow_id or all=True")
    output = Path(output)
    if separate and output.exists() and not output.is_dir():
        raise ExportRefused(f"{output} is a file; --separate writes one file per workflow into a folder")
    if not separate and output.is_dir():
        raise ExportRefused(f"{output} is a folder; name a file, or add --separate for one file per workflow")
    with db.session() as session:
        workflows = list_workflows(session, include_archived=True) if all else [get_workflow(session, workflow_id or "")]
        tags = workflow_tags(session, [workflow.id for workflow in workflows])
    documents = [workflow_to_json(workflow, tags[workflow.id]) for workflow in workflows]
    for document in documents:  # name the language, so that importing the file back keeps it
        if isinstance(document.get("settings"), dict):
            document["settings"].setdefault("expressionLanguage", "python")
    if separate:
        output.mkdir(parents=True, exist_ok=True)
        for document in documents:
            _write_json(output / f"{document['id']}.json", document, pretty)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        _write_json(output, documents, pretty)
    return workflows


def _read_candidates(path: Path, registry: NodeRegistry) -> tuple[list[_Candidate], list[str]]:
    """Every workflow found, and the problems of the files and workflows that cannot be imported, in
    file order."""
    candidates: list[_Candidate] = []
    problems: list[str] = []
    for file in _input_files(path):
        try:
            content = json.loads(file.read_bytes())
        except OSError as error:
            problems.append(f"{file}: cannot be read: {error.strerror or error}")
            continue
        except ValueError as error:  # JSONDecodeError, or bytes that are not text
            where = f" at line {error.lineno}, column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
            problems.append(f"{file}: is not valid JSON: {getattr(error, 'msg', error)}{where}")
            continue
        if not isinstance(content, dict | list):
            problems.append(f"{file}: is not a workflow export: expected a workflow object or an array of them")
            continue
        entries = [(None, content)] if isinstance(content, dict) else list(enumerate(content, start=1))
        for index, data in entries:
            label = _label(file, index, data)
            if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
                problems.append(f"{label}: is not a workflow: expected an object with a 'nodes' list")
                continue
            try:
                candidates.append(_Candidate(label, validate_document(with_import_language(data), registry)))
            except WorkflowValidationError as error:
                problems += [f"{label}: {problem}" for problem in error.problems]
    return candidates, problems


def _input_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(file for file in path.glob("*.json") if file.is_file())
        if not files:
            raise ImportRefused([f"{path}: the folder holds no .json files"])
        return files
    if not path.exists():
        raise ImportRefused([f"{path}: no such file or folder"])
    return [path]


def _label(file: Path, index: int | None, data: Any) -> str:
    name = data.get("name") if isinstance(data, dict) else None
    parts = [f"#{index}"] if index is not None else []
    if isinstance(name, str) and name:
        parts.append(repr(name))
    return f"{file}: workflow {' '.join(parts)}" if parts else str(file)


def _write_json(path: Path, document: Any, pretty: bool) -> None:
    """Write through a temporary file and a rename, so readers never see half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 if pretty else 0) + b"\n")
    os.replace(temporary, path)
