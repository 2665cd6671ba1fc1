"""The pure side of the node details view: its settings and their defaults, the parents a node's
input can come from, run outputs, pinned data, credential visibility, and the keystroke debouncer.
No widgets here (ui.editor.node_details is the view)."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.node_api import CredentialSlot

from .data_view import item_json
from .expression import lenient_workflow

CREATE_CREDENTIAL = "__create__"
ON_ERROR_CHOICES = {
    "stopWorkflow": "Stop Workflow",
    "continueRegularOutput": "Continue",
    "continueErrorOutput": "Continue (using error output)",
}
# n8n's node settings: (key, default); ranges as the engine clamps them (engine.workflow)
SETTING_DEFAULTS: dict[str, Any] = {
    "alwaysOutputData": False,
    "executeOnce": False,
    "retryOnFail": False,
    "maxTries": 3,
    "waitBetweenTries": 1000,
    "onError": "stopWorkflow",
    "notes": "",
    "notesInFlow": False,
}
SETTING_RANGES = {"maxTries": (2, 5), "waitBetweenTries": (0, 5000)}


# ---- pure helpers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentLink:
    """A node upstream of the open node: which of its outputs leads here, into which input."""

    name: str
    output: int
    input: int
    direct: bool


def parent_nodes(workflow: Mapping[str, Any], name: str) -> list[ParentLink]:
    """Direct parents first (by input), then further ancestors nearest first (n8n's input selector)."""
    graph = lenient_workflow(workflow)
    incoming = sorted(graph.inputs.get(name, ()), key=lambda connection: connection.input)
    links = [ParentLink(c.source, c.output, c.input, True) for c in incoming]
    seen = {name, *(link.name for link in links)}
    frontier = [link.name for link in links]
    while frontier:
        following: list[str] = []
        for child in frontier:
            for connection in graph.inputs.get(child, ()):
                if connection.source not in seen:
                    seen.add(connection.source)
                    links.append(ParentLink(connection.source, connection.output, 0, False))
                    following.append(connection.source)
        frontier = following
    return list({(link.name, link.output, link.input): link for link in links}.values())


def output_items(run_data: Mapping[str, Any] | None, node: str, run: int, output: int) -> list[Any] | None:
    """Items of one output of one run of a node (None when that run has no data)."""
    tasks = (run_data or {}).get(node) or []
    if not 0 <= run < len(tasks):
        return None
    main = ((tasks[run] or {}).get("data") or {}).get("main")
    if not isinstance(main, list):
        return None
    return list(main[output] or []) if output < len(main) else []


def parse_pin_data(text: str) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Pinned data typed by a person: a JSON list of objects, each an item's json (or a whole
    `{"json": ...}` item). Returns (items, None) or (None, message)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"Invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    if not isinstance(data, list):
        return None, 'Pinned data must be a list of objects, like [{"name": "Ada"}]'
    items: list[dict[str, Any]] = []
    for position, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            return None, f"Item {position} is not an object"
        whole_item = isinstance(entry.get("json"), dict) and set(entry) <= {"json", "binary", "pairedItem"}
        items.append({k: v for k, v in entry.items() if k != "pairedItem"} if whole_item else {"json": entry})
    return items, None


def pin_items(items: list[Any]) -> list[dict[str, Any]]:
    """Output items as pin data: json and binary, without lineage (n8n drops pairedItem)."""
    pinned = []
    for item in items:
        entry: dict[str, Any] = {"json": copy.deepcopy(item_json(item))}
        if isinstance(item, Mapping) and item.get("binary"):
            entry["binary"] = copy.deepcopy(item["binary"])
        pinned.append(entry)
    return pinned


def apply_setting(node: dict[str, Any], key: str, value: Any) -> None:
    """Set one node setting, dropping it at its default (and the legacy `continueOnFail`)."""
    if key == "onError":
        node.pop("continueOnFail", None)
    if value == SETTING_DEFAULTS.get(key) and type(value) is type(SETTING_DEFAULTS.get(key)):
        node.pop(key, None)
    else:
        node[key] = value


def setting_error(key: str, value: Any) -> str | None:
    if key not in SETTING_RANGES:
        return None
    low, high = SETTING_RANGES[key]
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "Enter a number"
    if not low <= value <= high:
        return f"Must be between {low} and {high}"
    return None


def credential_visible(slot: CredentialSlot, effective: Mapping[str, Any], version: float) -> bool:
    for key, allowed in (slot.show or {}).items():
        value = version if key == "@version" else effective.get(key)
        if value not in allowed:
            return False
    return True


class Debouncer:
    """Runs `action` once, `delay` seconds after the last `trigger`, or at once on `flush`."""

    def __init__(self, delay: float, action: Callable[[], None]) -> None:
        self._delay = delay
        self._action = action
        self._handle: asyncio.TimerHandle | None = None
        self.pending = False

    def trigger(self) -> None:
        self.pending = True
        if self._handle is not None:
            self._handle.cancel()
        try:
            self._handle = asyncio.get_running_loop().call_later(self._delay, self.flush)
        except RuntimeError:  # no event loop (a plain call): nothing to wait for
            self.flush()

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self.pending:
            self.pending = False
            self._action()
