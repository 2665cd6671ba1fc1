"""EditorGraph: the workflow being edited, kept as n8n's workflow JSON behind methods that validate
every change, with undo/redo and a dirty flag. The canvas and the node panel change a workflow only
through it; it never touches the database.

    graph = EditorGraph.from_json(workflow_json, registry)
    start = graph.add_node("knotwork.manualTrigger", (0, 0))["name"]
    edit = graph.add_node("knotwork.set", (220, 0))["name"]           # "Edit Fields"
    graph.connect(start, 0, edit, 0)
    graph.rename(edit, "Prepare")        # connections and $('Edit Fields') expressions follow
    graph.undo()

A refused change raises GraphError (message meant for the person editing) and leaves the workflow
exactly as it was.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from engine.node_api import NodeDescription, NodeType
from engine.registry import NodeRegistry
from engine.workflow import MAIN

from .graph_rules import (
    GraphError,
    blank_workflow,
    check_setting,
    checked_node,
    checked_position,
    clean_name,
    default_node_name,
    is_code_node,
    json_number,
    normalised_workflow,
    paste_shift,
    port_spec,
    position_of,
    rename_references,
    required_defaults,
    unique_name,
)

STICKY_NOTE = "knotwork.stickyNote"
UNDO_LIMIT = 100
DUPLICATE_OFFSET = (40.0, 40.0)
NEW_NODE_GAP = 300.0  # how far right of the rightmost node a node without a position lands


@dataclass(frozen=True)
class Link:
    """One main connection: output `output` of `source` feeds input `input` of `target`."""

    source: str
    output: int
    target: str
    input: int = 0


@dataclass(frozen=True)
class NodePorts:
    """What the canvas draws: one label per input and per output ('' when unnamed)."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    known: bool = True  # False: the node type is not installed; ports are guessed from connections


class EditorGraph:
    """The authority on one workflow being edited (see the module docstring)."""

    def __init__(self, registry: NodeRegistry, workflow: Mapping[str, Any] | None = None) -> None:
        self.registry = registry
        self._doc = normalised_workflow(workflow if workflow is not None else blank_workflow())
        self._undo: list[tuple[int, bytes]] = []
        self._redo: list[tuple[int, bytes]] = []
        self._state = self._saved_state = 0
        self._next_state = 1
        self._merge_key: object = None

    @classmethod
    def from_json(cls, workflow: Any, registry: NodeRegistry) -> EditorGraph:
        """Open a workflow document (an export, or a one-element list as `n8n export:workflow` writes).
        Raises GraphError when it is not a workflow (no node list, nameless or same-named nodes)."""
        return cls(registry, workflow)

    # ---- reading -------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The workflow in n8n's shape (a copy: changing it does not change the graph)."""
        return orjson.loads(orjson.dumps(self._doc))

    @property
    def name(self) -> str:
        return str(self._doc.get("name") or "")

    def names(self) -> list[str]:
        return [node["name"] for node in self._doc["nodes"]]

    def node(self, name: str) -> dict[str, Any]:
        """A copy of the node's JSON. Raises GraphError when there is no such node."""
        return orjson.loads(orjson.dumps(self._node(name)))

    def links(self) -> list[Link]:
        return [
            Link(source, output, conn["node"], conn.get("index", 0))
            for source, by_type in self._doc["connections"].items()
            for output, conns in enumerate(by_type.get(MAIN) or [])
            for conn in conns or []
        ]

    def description(self, name: str) -> NodeDescription | None:
        node_type = self.registry.resolve(self._node(name)["type"])
        return node_type.description if node_type else None

    def is_sticky(self, name: str) -> bool:
        description = self.description(name)
        return description is not None and description.name == STICKY_NOTE

    def ports(self, name: str) -> NodePorts:
        """Input and output labels: IF true/false, Loop Over Items done/loop, and the extra "error"
        output (the first renamed "success" when unnamed) of onError=continueErrorOutput."""
        node = self._node(name)
        node_type = self.registry.resolve(node["type"])
        if node_type is None:
            used = [link for link in self.links() if name in (link.source, link.target)]
            input_slots = 1 + max((link.input for link in used if link.target == name), default=0)
            output_slots = 1 + max((link.output for link in used if link.source == name), default=0)
            return NodePorts(("",) * input_slots, ("",) * output_slots, known=False)
        spec = port_spec(node)
        input_count = node_type.input_count(spec)
        outputs = [str(label) for label in node_type.output_names(spec)][: node_type.output_count(spec)]
        if spec.on_error == "continueErrorOutput":  # the engine adds the output whatever the type
            outputs = ["success"] if outputs == [""] else outputs
            outputs.append("error")
        inputs = [f"Input {i + 1}" if input_count > 1 else "" for i in range(input_count)]
        return NodePorts(tuple(inputs), tuple(outputs))

    # ---- undo, redo, dirty ---------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        """Changed since the last mark_saved() (undoing back to the saved state clears it)."""
        return self._state != self._saved_state

    def mark_saved(self) -> None:
        self._saved_state = self._state

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        """Go one step back; False when there is nothing to undo."""
        return self._step(self._undo, self._redo)

    def redo(self) -> bool:
        return self._step(self._redo, self._undo)

    def _step(self, source: list[tuple[int, bytes]], target: list[tuple[int, bytes]]) -> bool:
        if not source:
            return False
        target.append((self._state, zlib.compress(orjson.dumps(self._doc), 1)))
        self._state, snapshot = source.pop()
        self._doc = orjson.loads(zlib.decompress(snapshot))
        self._merge_key = None
        return True

    @contextmanager
    def _change(self, merge_key: object = None) -> Iterator[None]:
        """One undoable step. On any error the document is restored. Consecutive changes with the
        same merge key (the moves of one drag) make one step; a change that changes nothing, none."""
        before = orjson.dumps(self._doc)
        try:
            yield
            after = orjson.dumps(self._doc)
        except orjson.JSONEncodeError as error:  # a value that is not JSON (from set_parameters)
            self._doc = orjson.loads(before)
            raise GraphError(f"Only JSON values can be stored in a workflow: {error}") from None
        except BaseException:
            self._doc = orjson.loads(before)
            raise
        if after == before:
            return
        if merge_key is None or merge_key != self._merge_key:
            # compressed: an open editor tab keeps its whole history in memory
            self._undo = [*self._undo[-(UNDO_LIMIT - 1):], (self._state, zlib.compress(before, 1))]
        self._merge_key = merge_key
        self._redo.clear()
        self._state, self._next_state = self._next_state, self._next_state + 1

    # ---- nodes ---------------------------------------------------------------------------------
    def add_node(
        self,
        type_name: str,
        position: tuple[float, float] | None = None,
        *,
        name: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Add a node of a registered type at its default version and return a copy of it. The name
        defaults to the type's (made unique as n8n does: "Edit Fields", "Edit Fields1", ...);
        parameters default to {} plus the required ones' defaults (the engine fills in the rest)."""
        with self._change():
            node = self._add(type_name, position, name, parameters)
        return self.node(node["name"])

    def _add(
        self, type_name: str, position: tuple[float, float] | None, name: str | None,
        parameters: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        description = self._node_type(type_name).description
        if parameters is not None and not isinstance(parameters, Mapping):
            raise GraphError("Node parameters must be an object")
        wanted = clean_name(name) if name is not None else default_node_name(description)
        node = {
            "parameters": dict(parameters) if parameters is not None else required_defaults(description),
            "id": str(uuid.uuid4()),
            "name": unique_name(wanted, self.names()),
            "type": type_name,
            "typeVersion": json_number(description.default_version),
            "position": checked_position(position if position is not None else self._free_position()),
        }
        self._doc["nodes"].append(node)
        return node

    def remove_nodes(self, names: Iterable[str]) -> None:
        """Remove nodes with their connections and pinned data."""
        self.delete(names)

    def delete(self, nodes: Iterable[str] = (), connections: Iterable[Link] = ()) -> None:
        """Remove nodes (with their connections and pinned data) and connections, as one step."""
        doomed = self._existing(nodes)
        links = set(connections)
        missing = links - set(self.links())
        if missing:
            link = next(iter(missing))
            raise GraphError(f"There is no connection from '{link.source}' output {link.output} "
                             f"to '{link.target}' input {link.input}")
        with self._change():
            self._doc["nodes"] = [node for node in self._doc["nodes"] if node["name"] not in doomed]
            for name in doomed:
                self._doc["connections"].pop(name, None)
                self._pin_data().pop(name, None)
            self._filter_links(lambda link: link.target not in doomed and link not in links)
            # AI sub-node wiring into a removed node would leave the workflow unloadable
            other_kinds = {kind for by_type in self._doc["connections"].values() for kind in by_type} - {MAIN}
            self._filter_links(lambda link: link.target not in doomed, other_kinds)

    def move_nodes(self, positions: Mapping[str, tuple[float, float]], *, drag: object = None) -> None:
        """Place nodes at canvas positions. Moves given the same `drag` id one after another undo
        as one step."""
        nodes = {name: self._node(name) for name in positions}
        with self._change(merge_key=("move", drag) if drag is not None else None):
            for name, node in nodes.items():
                node["position"] = checked_position(positions[name])

    def rename(self, old: str, new: str) -> None:
        """Rename a node; connections, pinned data and references in other nodes' expressions
        ($('Old'), $node["Old"], $node.Old, $items("Old"), and code of Code nodes) follow."""
        node = self._node(old)
        new = clean_name(new)
        if new == old:
            return
        if new in self.names():
            raise GraphError(f"There is already a node named '{new}'")
        with self._change():
            node["name"] = new
            self._rename_everywhere({old: new})

    def _rename_everywhere(self, mapping: Mapping[str, str]) -> None:
        connections = self._doc["connections"]
        self._doc["connections"] = {mapping.get(source, source): by_type for source, by_type in connections.items()}
        for by_type in self._doc["connections"].values():
            for conns in (conn for outputs in by_type.values() for conn in outputs or []):
                for conn in conns or []:
                    conn["node"] = mapping.get(conn["node"], conn["node"])
        pin_data = self._pin_data()
        for old, new in mapping.items():
            if old in pin_data:
                pin_data[new] = pin_data.pop(old)
        for node in self._doc["nodes"]:
            node["parameters"] = rename_references(node.get("parameters") or {}, mapping, code=is_code_node(node))

    def duplicate(self, names: Iterable[str]) -> list[str]:
        """Copies of the nodes (and the connections among them) next to the originals; their names."""
        clip = self._clipboard(self._existing(names))
        with self._change():
            return self._paste(clip, DUPLICATE_OFFSET, None)

    def set_disabled(self, names: Iterable[str], disabled: bool) -> None:
        nodes = [self._node(name) for name in self._existing(names)]
        with self._change():
            for node in nodes:
                if disabled:
                    node["disabled"] = True
                else:
                    node.pop("disabled", None)

    def set_parameters(self, name: str, parameters: Mapping[str, Any]) -> None:
        """Replace a node's parameters. Connections to ports that no longer exist (fewer Merge
        inputs, fewer Switch outputs) are dropped."""
        node = self._node(name)
        if not isinstance(parameters, Mapping):
            raise GraphError("Node parameters must be an object")
        with self._change():
            node["parameters"] = orjson.loads(orjson.dumps(dict(parameters)))
            self._drop_dangling_links(name)

    def set_node_settings(self, name: str, **settings: Any) -> None:
        """Change node settings: retryOnFail, maxTries (2-5), waitBetweenTries (0-5000 ms), onError,
        alwaysOutputData, executeOnce, notes, notesInFlow, credentials, and color (sticky notes,
        1-7). None removes a setting. Raises GraphError for unknown settings and bad values."""
        node = self._node(name)
        for key, value in settings.items():
            check_setting(key, value, sticky=self.is_sticky(name))
        with self._change():
            for key, value in settings.items():
                target = node.setdefault("parameters", {}) if key == "color" else node
                if value is None:
                    target.pop(key, None)
                else:
                    target[key] = value
                if key == "onError":
                    node.pop("continueOnFail", None)  # the legacy flag yields to onError
            self._drop_dangling_links(name)

    def set_pin_data(self, name: str, items: list[dict[str, Any]] | None) -> None:
        """Pin these items (n8n's pinData: a list of json objects) as the node's output, or unpin (None)."""
        self._node(name)
        if items is not None and (not isinstance(items, list) or not all(isinstance(item, dict) for item in items)):
            raise GraphError("Pinned data must be a list of objects")
        with self._change():
            if items is None:
                self._pin_data().pop(name, None)
            else:
                self._pin_data()[name] = orjson.loads(orjson.dumps(items))

    def set_workflow_name(self, name: str) -> None:
        with self._change():
            self._doc["name"] = clean_name(name)

    def set_settings(self, settings: Mapping[str, Any]) -> None:
        """Replace the workflow settings (executionOrder, timezone, errorWorkflow, ...)."""
        if not isinstance(settings, Mapping):
            raise GraphError("Workflow settings must be an object")
        with self._change():
            self._doc["settings"] = dict(settings)

    # ---- connections ---------------------------------------------------------------------------
    def connect(self, source: str, source_output: int, target: str, target_input: int = 0) -> None:
        link = Link(source, source_output, target, target_input)
        self._check_link(link)
        if link in self.links():
            raise GraphError(f"'{source}' output {source_output} is already connected to '{target}' input {target_input}")
        with self._change():
            self._add_link(link)

    def disconnect(self, source: str, source_output: int, target: str, target_input: int = 0) -> None:
        link = Link(source, source_output, target, target_input)
        if link not in self.links():
            raise GraphError(f"There is no connection from '{source}' output {source_output} "
                             f"to '{target}' input {target_input}")
        with self._change():
            self._filter_links(lambda other: other != link)

    def insert_on_connection(
        self, type_name: str, connection: Link, position: tuple[float, float], *, name: str | None = None,
    ) -> dict[str, Any]:
        """Splice a new node into a connection (a node dropped on it): source -> new -> target."""
        if connection not in self.links():
            raise GraphError(f"There is no connection from '{connection.source}' to '{connection.target}'")
        with self._change():
            node = self._add(type_name, position, name, None)
            ports = self.ports(node["name"])
            if not ports.inputs or not ports.outputs:
                raise GraphError(f"A {self._node_type(type_name).description.display_name} node cannot be "
                                 "inserted into a connection: it needs an input and an output")
            self._filter_links(lambda other: other != connection)
            self._add_link(Link(connection.source, connection.output, node["name"], 0))
            self._add_link(Link(node["name"], 0, connection.target, connection.input))
        return self.node(node["name"])

    def _check_link(self, link: Link) -> None:
        for end, index in ((link.source, link.output), (link.target, link.input)):
            self._node(end)
            if isinstance(index, bool) or not isinstance(index, int):
                raise GraphError(f"Port numbers must be whole numbers, got {index!r}")
        for end, index, kind in ((link.source, link.output, "output"), (link.target, link.input, "input")):
            if self.is_sticky(end):
                raise GraphError("Sticky notes have no inputs or outputs to connect")
            ports = self.ports(end).outputs if kind == "output" else self.ports(end).inputs
            if not 0 <= index < len(ports):
                have = f"has {len(ports)} {kind}(s)" if ports else f"has no {kind}"
                raise GraphError(f"Node '{end}' {have}; there is no {kind} {index}")
        if link.source == link.target:
            raise GraphError(f"Node '{link.source}' cannot be connected to itself")

    def _add_link(self, link: Link) -> None:
        outputs = self._doc["connections"].setdefault(link.source, {}).setdefault(MAIN, [])
        outputs.extend([] for _ in range(link.output + 1 - len(outputs)))
        outputs[link.output] = [*(outputs[link.output] or []), {"node": link.target, "type": MAIN, "index": link.input}]

    def _filter_links(self, keep: Callable[[Link], bool], kinds: Iterable[str] = (MAIN,)) -> None:
        """Keep connections (main ones unless `kinds` says otherwise) for which keep(link) is true;
        tidy emptied outputs away."""
        for source in list(self._doc["connections"]):
            by_type = self._doc["connections"][source]
            for kind in [kind for kind in kinds if kind in by_type]:
                outputs = [
                    [conn for conn in conns or [] if keep(Link(source, index, conn["node"], conn.get("index", 0)))]
                    for index, conns in enumerate(by_type[kind] or [])
                ]
                while outputs and not outputs[-1]:
                    outputs.pop()
                if outputs:
                    by_type[kind] = outputs
                else:
                    del by_type[kind]
            if not by_type:
                del self._doc["connections"][source]

    def _drop_dangling_links(self, name: str) -> None:
        ports = self.ports(name)
        if ports.known:
            self._filter_links(lambda link: (link.source != name or link.output < len(ports.outputs))
                               and (link.target != name or link.input < len(ports.inputs)))

    # ---- clipboard -----------------------------------------------------------------------------
    def copy(self, names: Iterable[str]) -> str:
        """n8n's clipboard JSON for these nodes: {"nodes", "connections" among them, "pinData"?}."""
        return json.dumps(self._clipboard(self._existing(names)), indent=2, ensure_ascii=False)

    def paste(
        self, text: str, offset: tuple[float, float] = (0.0, 0.0), *, at: tuple[float, float] | None = None,
    ) -> list[str]:
        """Add the nodes of clipboard JSON or of a whole n8n workflow export, shifted by `offset`
        (or with their top-left node at `at`). Clashing names get a number, pasted connections and
        expressions follow; returns the new names. Unknown node types are refused, named."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            raise GraphError("The clipboard does not hold n8n workflow JSON") from None
        if isinstance(data, list) and len(data) == 1:
            data = data[0]
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) or not data["nodes"]:
            raise GraphError("The clipboard does not hold n8n nodes (JSON with a \"nodes\" list)")
        with self._change():
            return self._paste(data, offset, at)

    def _clipboard(self, names: set[str]) -> dict[str, Any]:
        nodes = [node for node in self._doc["nodes"] if node["name"] in names]
        connections: dict[str, Any] = {}
        for source in (node["name"] for node in nodes):
            by_type = {
                kind: [[conn for conn in conns or [] if conn.get("node") in names] for conns in outputs or []]
                for kind, outputs in self._doc["connections"].get(source, {}).items()
            }
            by_type = {kind: outputs for kind, outputs in by_type.items() if any(outputs)}
            if by_type:
                connections[source] = by_type
        clip: dict[str, Any] = {"nodes": nodes, "connections": connections}
        pinned = {name: items for name, items in self._pin_data().items() if name in names}
        if pinned:
            clip["pinData"] = pinned
        return orjson.loads(orjson.dumps(clip))

    def _paste(self, data: dict[str, Any], offset: tuple[float, float], at: tuple[float, float] | None) -> list[str]:
        incoming = [checked_node(raw) for raw in data["nodes"]]
        seen: set[str] = set()
        for node in incoming:
            if node["name"] in seen:
                raise GraphError(f"The pasted nodes use the name '{node['name']}' twice")
            seen.add(node["name"])
            self._check_version(node)
        mapping: dict[str, str] = {}
        used = set(self.names())
        for node in incoming:
            mapping[node["name"]] = unique_name(node["name"], used)
            used.add(mapping[node["name"]])
        dx, dy = paste_shift(incoming, offset, at)
        renamed = {old: new for old, new in mapping.items() if old != new}
        for node in incoming:
            x, y = position_of(node)
            node.update(name=mapping[node["name"]], id=str(uuid.uuid4()), position=checked_position((x + dx, y + dy)))
            if "webhookId" in node:
                node["webhookId"] = str(uuid.uuid4())  # two nodes must not answer the same webhook path
            if renamed:
                node["parameters"] = rename_references(node["parameters"], renamed, code=is_code_node(node))
            self._doc["nodes"].append(node)
        self._paste_links(data.get("connections"), mapping)
        pinned = data.get("pinData")
        if isinstance(pinned, dict):
            pin_data = self._pin_data()
            pin_data.update({mapping[name]: items for name, items in pinned.items() if name in mapping})
        return list(mapping.values())

    def _paste_links(self, connections: Any, mapping: Mapping[str, str]) -> None:
        if not isinstance(connections, dict):
            return
        for source, by_type in connections.items():
            if source not in mapping or not isinstance(by_type, dict):
                continue
            for kind, outputs in by_type.items():
                for output, conns in enumerate(outputs if isinstance(outputs, list) else []):
                    for conn in conns if isinstance(conns, list) else []:
                        if isinstance(conn, dict) and conn.get("node") in mapping:
                            self._paste_link(kind, Link(mapping[source], output, mapping[conn["node"]],
                                                        conn.get("index", 0)))

    def _paste_link(self, kind: str, link: Link) -> None:
        if kind != MAIN:  # AI sub-node wiring: kept as it was
            outputs = self._doc["connections"].setdefault(link.source, {}).setdefault(kind, [])
            outputs.extend([] for _ in range(link.output + 1 - len(outputs)))
            outputs[link.output].append({"node": link.target, "type": kind, "index": link.input})
            return
        try:
            self._check_link(link)
        except GraphError:
            return  # a connection the pasted nodes cannot hold is left out, as n8n does
        if link not in self.links():
            self._add_link(link)

    # ---- helpers -------------------------------------------------------------------------------
    def _node(self, name: str) -> dict[str, Any]:
        for node in self._doc["nodes"]:
            if node["name"] == name:
                return node
        raise GraphError(f"There is no node named '{name}'")

    def _existing(self, names: Iterable[str]) -> set[str]:
        wanted = [names] if isinstance(names, str) else list(names)
        missing = [name for name in wanted if name not in self.names()]
        if missing:
            raise GraphError(f"There is no node named {', '.join(repr(name) for name in missing)}")
        return set(wanted)

    def _node_type(self, type_name: str) -> NodeType:
        node_type = self.registry.resolve(type_name) if isinstance(type_name, str) else None
        if node_type is None:
            suggestion = self.registry.suggest(type_name) if isinstance(type_name, str) else None
            hint = f"; did you mean '{suggestion}'?" if suggestion else ""
            raise GraphError(f"Unknown node type '{type_name}'{hint}")
        return node_type

    def _check_version(self, node: dict[str, Any]) -> None:
        description = self._node_type(node["type"]).description
        version = node.get("typeVersion", description.default_version)
        if isinstance(version, bool) or not isinstance(version, (int, float)) or version not in description.versions:
            supported = ", ".join(str(json_number(v)) for v in description.versions)
            raise GraphError(f"Node '{node['name']}' ({node['type']}) has typeVersion {version!r}; "
                             f"supported versions: {supported}")

    def _pin_data(self) -> dict[str, Any]:
        if not isinstance(self._doc.get("pinData"), dict):
            self._doc["pinData"] = {}
        return self._doc["pinData"]

    def _free_position(self) -> tuple[float, float]:
        positions = [position_of(node) for node in self._doc["nodes"]]
        if not positions:
            return (0.0, 0.0)
        x, y = max(positions)
        return (x + NEW_NODE_GAP, y)
