"""n8n's workflow JSON and the Workflow row: the export shape, the checks a save applies to a document,
and copying a document into a row."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from engine.errors import WorkflowValidationError
from engine.registry import NodeRegistry
from engine.workflow import parse_workflow
from models.workflows import Tag, Workflow

from .tags import tag_names

NEW_WORKFLOW_NAME = "My workflow"  # n8n's editor names a new workflow so
NAME_MAX = 128
# n8n's JSON key -> Workflow column, for everything a save may change.
CONTENT = {"name": "name", "nodes": "nodes", "connections": "connections", "settings": "settings",
           "pinData": "pin_data", "staticData": "static_data", "meta": "meta"}
_OBJECT_KEYS = ("connections", "settings", "pinData", "staticData", "meta")


def workflow_to_json(workflow: Workflow, tags: Iterable[Tag] = ()) -> dict[str, Any]:
    """The workflow in n8n's export shape; pass its tags (see workflow_tags) to include them."""
    return {
        "id": workflow.id, "name": workflow.name, "active": workflow.active, "isArchived": workflow.is_archived,
        "nodes": copy.deepcopy(workflow.nodes), "connections": copy.deepcopy(workflow.connections),
        "settings": copy.deepcopy(workflow.settings), "staticData": copy.deepcopy(workflow.static_data),
        "pinData": copy.deepcopy(workflow.pin_data), "meta": copy.deepcopy(workflow.meta),
        "versionId": workflow.version_id, "tags": [{"id": tag.id, "name": tag.name} for tag in tags],
        "createdAt": _timestamp(workflow.created_at), "updatedAt": _timestamp(workflow.updated_at),
        **({"activationError": workflow.activation_error} if workflow.activation_error else {}),
    }


def validate_document(data: Any, registry: NodeRegistry) -> dict[str, Any]:
    """Check a workflow JSON object as a save would (graph, node types, name, object-valued keys, tags);
    returns it unchanged. Raises WorkflowValidationError listing every problem."""
    if not isinstance(data, dict):
        raise WorkflowValidationError(["A workflow must be a JSON object"])
    problems = [*_problems_of(parse_workflow, data, registry),
                *_problems_of(checked_name, data.get("name", NEW_WORKFLOW_NAME)),
                *_problems_of(tag_names, data.get("tags"))]
    problems += [f"'{key}' must be an object" for key in _OBJECT_KEYS
                 if data.get(key) is not None and not isinstance(data[key], dict)]
    if problems:
        raise WorkflowValidationError(problems)
    return data


def _problems_of(check: Callable[..., Any], *args: Any) -> list[str]:
    try:
        check(*args)
    except WorkflowValidationError as error:
        return error.problems
    return []


def checked_name(name: Any) -> str:
    """The name stripped. Raises WorkflowValidationError unless it is a string of 1 to NAME_MAX characters."""
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        raise WorkflowValidationError([f"The workflow name must be 1 to {NAME_MAX} characters, got {name!r}"])
    return name.strip()


def apply_document(workflow: Workflow, document: dict[str, Any]) -> None:
    """Copy the CONTENT keys present in a validated document into the row (deep copies; null -> empty)."""
    for key, column in CONTENT.items():
        if key in document:
            value = document[key]
            empty: Any = [] if key == "nodes" else {}
            setattr(workflow, column, checked_name(value) if key == "name" else copy.deepcopy(value or empty))


def _timestamp(moment: datetime) -> str:
    """n8n's form: UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
