"""WorkflowCanvas: the workflow drawn by vendored Vue Flow (canvas.js), with an EditorGraph as the
authority. The browser only reports what the person did (moved, connected, deleted, pressed Ctrl+C);
the canvas asks the graph to make the change and sends the graph's new model back. A refused change
shows a notification and the drawing snaps back to the graph.

    canvas = WorkflowCanvas(graph, on_open=open_panel, on_save=save, on_change=mark_title)
    canvas.set_status(status_from_run_data(result["runData"]))   # after a run
    canvas.refresh()                                              # after the panel changed the graph

Palette items dragged onto the canvas carry the node type in `NODE_DRAG_MIME`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypedDict

import markdown2
from nicegui import events, ui

from .graph import EditorGraph, GraphError, Link, default_node_name

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "vue-flow"
NODE_DRAG_MIME = "application/x-knotwork-node-type"
EDIT_EVENTS = ("node_moved", "connect", "edges_removed", "nodes_removed", "drop", "drop_on_edge", "sticky_resized")
READ_ONLY_ACTIONS = frozenset({"copy", "select_all"})
# Material icon per node type, then per group; plain icon names in a description are used as they are.
TYPE_ICONS = {"knotwork.manualTrigger": "ads_click", "knotwork.start": "play_arrow", "knotwork.noOp": "arrow_forward",
              "knotwork.if": "alt_route", "knotwork.filter": "filter_alt", "knotwork.set": "edit",
              "knotwork.merge": "merge", "knotwork.splitInBatches": "repeat", "knotwork.stopAndError": "report",
              "knotwork.code": "code"}
GROUP_ICONS = {"trigger": "bolt", "input": "login", "output": "logout", "transform": "tune", "flow": "call_split",
               "organization": "label"}
_HANDLE = re.compile(r"(in|out)-(\d{1,3})")


class NodeStatus(TypedDict, total=False):
    state: str  # "running" | "success" | "error" | "waiting"
    items: list[int]  # items per output, summed over the node's runs
    message: str  # the error message


class WorkflowCanvas(ui.element, component="canvas.js", esm={
    "@vue-flow/core": str(VENDOR / "core"), "@vue-flow/background": str(VENDOR / "background"),
    "@vue-flow/controls": str(VENDOR / "controls"), "@vue-flow/minimap": str(VENDOR / "minimap"),
}):
    """Vue Flow bound to an EditorGraph.

    Events from the browser (payloads name nodes; a connection is {source, sourceHandle: "out-N",
    target, targetHandle: "in-N"}): node_moved {positions: {name: [x, y]}, drag}, connect {connection},
    edges_removed {edges: [connection]}, nodes_removed {nodes: [name]}, node_open {node},
    selection_changed {nodes, edges}, drop {type, position: {x, y}}, drop_on_edge {type, position,
    edge: connection}, sticky_resized {node, width, height}, keyboard {action, nodes, edges, text?,
    position?} with action copy|cut|paste|undo|redo|save|delete|duplicate|disable|select_all.
    """

    def __init__(
        self,
        graph: EditorGraph,
        *,
        read_only: bool = False,
        on_change: Callable[[], Any] | None = None,
        on_open: Callable[[str], Any] | None = None,
        on_save: Callable[[], Any] | None = None,
        on_selection: Callable[[list[str]], Any] | None = None,
    ) -> None:
        super().__init__()
        self.graph = graph
        self.read_only = read_only
        self.selection: list[str] = []
        self.status: Mapping[str, NodeStatus] | None = None
        self.clipboard = ""  # the last copy, also offered when the browser cannot write the clipboard
        self._on_change, self._on_open, self._on_save, self._on_selection = on_change, on_open, on_save, on_selection
        self._select_seq = 0
        self._props["read-only"] = read_only
        self._props["drag-mime"] = NODE_DRAG_MIME
        self.classes("w-full h-full")
        handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "node_moved": self._moved, "connect": self._connect, "edges_removed": self._edges_removed,
            "nodes_removed": self._nodes_removed, "node_open": self._open, "selection_changed": self._selected,
            "drop": self._drop, "drop_on_edge": self._drop_on_edge, "sticky_resized": self._sticky_resized,
            "keyboard": self._keyboard,
        }
        for name, handler in handlers.items():
            self.on(name, self._guarded(name, handler))
        self.refresh()

    # ---- Python -> browser ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Send the graph's current model (call after changing the graph from outside the canvas)."""
        model = canvas_model(self.graph, self.status)
        self.selection = [name for name in self.selection if name in set(self.graph.names())]
        self.set_graph(model["nodes"], model["edges"])

    def set_graph(self, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
        with self._props.suspend_updates():
            self._props["nodes"] = nodes
            self._props["edges"] = edges
        self.update()

    def set_status(self, status: Mapping[str, NodeStatus] | None) -> None:
        """Show run state on nodes and item counts on connections; None clears it."""
        self.status = status
        self.refresh()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self._props["read-only"] = read_only

    def select(self, names: Iterable[str], *, reveal: bool = False) -> None:
        """Select these nodes (after the next model is drawn, so new nodes can be selected); `reveal`
        also fits the view when one of them lies outside it (a node added from the palette)."""
        self.selection = [name for name in names if name in set(self.graph.names())]
        self._select_seq += 1
        selection: dict[str, Any] = {"seq": self._select_seq, "nodes": self.selection}
        if reveal:
            selection["reveal"] = True
        self._props["selection"] = selection

    def fit_view(self) -> None:
        self.run_method("fitView")

    # ---- browser -> Python ---------------------------------------------------------------------
    def _guarded(self, name: str, handler: Callable[[dict[str, Any]], None]) -> Callable[[events.GenericEventArguments], None]:
        """Refuse edits when read-only; turn refusals and malformed payloads into a notification and
        redraw the graph's truth over whatever the browser already shows."""
        def handle(event: events.GenericEventArguments) -> None:
            args = event.args if isinstance(event.args, dict) else {}
            if self.read_only and name in EDIT_EVENTS:
                self.refresh()
                return
            try:
                handler(args)
            except GraphError as error:
                ui.notify(str(error), type="warning")
                self.refresh()
        return handle

    def _changed(self, select: Iterable[str] | None = None) -> None:
        self.refresh()
        if select is not None:
            self.select(select)
        if self._on_change:
            self._on_change()

    def _moved(self, args: dict[str, Any]) -> None:
        positions = args.get("positions")
        if not isinstance(positions, dict):
            raise GraphError("Malformed canvas event: positions missing")
        drag = args.get("drag") if isinstance(args.get("drag"), (str, int)) else None
        self.graph.move_nodes({_text(name): _point(value) for name, value in positions.items()}, drag=drag)
        self._changed()

    def _connect(self, args: dict[str, Any]) -> None:
        link = _link(args.get("connection", args))
        self.graph.connect(link.source, link.output, link.target, link.input)
        self._changed()

    def _edges_removed(self, args: dict[str, Any]) -> None:
        links = [_link(edge) for edge in _list(args.get("edges"))]
        self._remove([], links)

    def _nodes_removed(self, args: dict[str, Any]) -> None:
        self._remove([_text(name) for name in _list(args.get("nodes"))], [])

    def _remove(self, names: list[str], links: list[Link]) -> None:
        if names or links:
            self.graph.delete(names, links)
            self._changed()

    def _open(self, args: dict[str, Any]) -> None:
        name = _text(args.get("node"))
        self.graph.node(name)
        if self._on_open:
            self._on_open(name)

    def _selected(self, args: dict[str, Any]) -> None:
        names = set(self.graph.names())
        self.selection = [name for name in map(_text, _list(args.get("nodes"))) if name in names]
        if self._on_selection:
            self._on_selection(list(self.selection))

    def _drop(self, args: dict[str, Any]) -> None:
        node = self.graph.add_node(_text(args.get("type")), _point(args.get("position")))
        self._changed(select=[node["name"]])

    def _drop_on_edge(self, args: dict[str, Any]) -> None:
        node = self.graph.insert_on_connection(_text(args.get("type")), _link(args.get("edge")), _point(args.get("position")))
        self._changed(select=[node["name"]])

    def _sticky_resized(self, args: dict[str, Any]) -> None:
        name = _text(args.get("node"))
        if not self.graph.is_sticky(name):
            raise GraphError(f"'{name}' is not a sticky note")
        width, height = _point([args.get("width"), args.get("height")])
        parameters = self.graph.node(name)["parameters"]
        self.graph.set_parameters(name, {**parameters, "width": max(80, round(width)), "height": max(60, round(height))})
        self._changed()

    def _keyboard(self, args: dict[str, Any]) -> None:
        action = _text(args.get("action"))
        names = [name for name in map(_text, _list(args.get("nodes"))) if name in set(self.graph.names())]
        if self.read_only and action not in READ_ONLY_ACTIONS:
            return
        if action in ("copy", "cut") and names:
            self.clipboard = self.graph.copy(names)
            self.run_method("writeClipboard", self.clipboard)
            if action == "cut":
                self._remove(names, [])
        elif action == "paste":
            text = args.get("text")
            text = text if isinstance(text, str) and text else self.clipboard
            at = _point(args["position"]) if args.get("position") is not None else None
            self._changed(select=self.graph.paste(text, (40, 40), at=at))
        elif action in ("undo", "redo"):
            if (self.graph.undo if action == "undo" else self.graph.redo)():
                self._changed()
        elif action == "save" and self._on_save:
            self._on_save()
        elif action == "delete":
            self._remove(names, [_link(edge) for edge in _list(args.get("edges"))])
        elif action == "duplicate" and names:
            self._changed(select=self.graph.duplicate(names))
        elif action == "disable" and names:
            self.graph.set_disabled(names, not all(self.graph.node(name).get("disabled") for name in names))
            self._changed()
        elif action == "select_all":
            self._selected({"nodes": self.graph.names()})


# ---- the model the browser draws ----------------------------------------------------------------
def canvas_model(graph: EditorGraph, status: Mapping[str, NodeStatus] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Vue Flow nodes and edges for a graph: nodes by their workflow id with name, subtitle, icon,
    port labels, disabled look and run status; sticky notes with sanitised markdown; edges with item
    counts after a run. All user text travels as data, for the browser to show as text."""
    status = status or {}
    ids = {name: graph.node(name)["id"] for name in graph.names()}
    nodes = [_sticky_model(graph, name) if graph.is_sticky(name) else _node_model(graph, name, status.get(name))
             for name in graph.names()]
    edges = []
    for link in graph.links():
        counts = (status.get(link.source) or {}).get("items") or []
        label = _items_label(counts[link.output]) if link.output < len(counts) else ""
        edges.append({
            "id": f"{ids[link.source]}:{link.output}:{ids[link.target]}:{link.input}", "type": "knotwork",
            "source": ids[link.source], "sourceHandle": f"out-{link.output}",
            "target": ids[link.target], "targetHandle": f"in-{link.input}",
            "data": {"source": link.source, "target": link.target, "label": label,
                     "state": (status.get(link.source) or {}).get("state", "")},
        })
    return {"nodes": nodes, "edges": edges}


def _node_model(graph: EditorGraph, name: str, status: NodeStatus | None) -> dict[str, Any]:
    node, description, ports = graph.node(name), graph.description(name), graph.ports(name)
    return {
        "id": node["id"], "type": "knotwork", "position": _xy(node["position"]),
        "data": {
            "name": name,
            "subtitle": _subtitle(name, description, node["type"]),
            "icon": _icon(description),
            "trigger": bool(description and description.trigger),
            "disabled": bool(node.get("disabled")),
            "unknown": description is None,
            "inputs": list(ports.inputs), "outputs": list(ports.outputs),
            "notes": str(node.get("notes") or "") if node.get("notesInFlow") else "",
            "status": (status or {}).get("state", ""),
            "items": list((status or {}).get("items") or []),
            "message": str((status or {}).get("message") or ""),
        },
    }


def _sticky_model(graph: EditorGraph, name: str) -> dict[str, Any]:
    node = graph.node(name)
    parameters, description = node["parameters"], graph.description(name)
    defaults = {p.name: p.default for p in description.parameters} if description else {}

    def number(key: str) -> int | float:
        value = parameters.get(key, defaults.get(key))
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else defaults.get(key, 1)

    content = parameters.get("content", defaults.get("content", ""))
    return {
        "id": node["id"], "type": "sticky", "position": _xy(node["position"]), "zIndex": -1,
        "data": {"name": name, "html": render_markdown(content if isinstance(content, str) else ""),
                 "width": number("width"), "height": number("height"), "color": number("color")},
    }


def render_markdown(text: str) -> str:
    """Markdown to HTML with raw HTML escaped and unsafe links dropped (the browser sanitises again)."""
    return markdown2.markdown(text, safe_mode="escape", extras=["strike", "tables", "break-on-newline", "cuddled-lists"])


def status_from_run_data(run_data: Mapping[str, Any], running: Iterable[str] = ()) -> dict[str, NodeStatus]:
    """Node status from n8n run data JSON ({node: [task, ...]}): the last run's outcome, the items
    per output summed over all runs, the error message; `running` nodes are marked running."""
    result: dict[str, NodeStatus] = {}
    for name, tasks in run_data.items():
        if not isinstance(tasks, list) or not tasks:
            continue
        counts: list[int] = []
        for task in tasks:
            outputs = ((task or {}).get("data") or {}).get("main") or []
            counts += [0] * (len(outputs) - len(counts))
            for index, items in enumerate(outputs):
                counts[index] += len(items or [])
        error = (tasks[-1] or {}).get("error")
        result[name] = {"state": "error" if error else "success", "items": counts}
        if error:
            result[name]["message"] = str(error.get("message", "") if isinstance(error, dict) else error)
    for name in running:
        result[name] = {**result.get(name, {}), "state": "running"}
    return result


# ---- payload checks: the browser is not trusted ---------------------------------------------------
def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphError(f"Malformed canvas event: expected a name, got {value!r}")
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _point(value: Any) -> tuple[float, float]:
    if isinstance(value, dict):
        value = [value.get("x"), value.get("y")]
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return (float(value[0]), float(value[1]))
    raise GraphError(f"Malformed canvas event: expected a position, got {value!r}")


def _link(value: Any) -> Link:
    if not isinstance(value, dict):
        raise GraphError(f"Malformed canvas event: expected a connection, got {value!r}")
    return Link(_text(value.get("source")), _port(value.get("sourceHandle"), "out"),
                _text(value.get("target")), _port(value.get("targetHandle"), "in"))


def _port(handle: Any, kind: str) -> int:
    """The port number of a handle id: "out-2" is output 2, "in-0" input 0."""
    match = _HANDLE.fullmatch(handle) if isinstance(handle, str) else None
    if match is None or match.group(1) != kind:
        raise GraphError(f"Malformed canvas event: {handle!r} is not an {kind}put handle")
    return int(match.group(2))


def _xy(position: list[float]) -> dict[str, float]:
    return {"x": position[0], "y": position[1]}


def _subtitle(name: str, description: Any, type_name: str) -> str:
    """The node type under the name, unless the name already says it."""
    if description is None:
        return f"Not installed: {type_name}"
    return "" if name in (description.display_name, default_node_name(description)) else description.display_name


def _icon(description: Any) -> str:
    if description is None:
        return "help_outline"
    if description.name in TYPE_ICONS:
        return TYPE_ICONS[description.name]
    if description.icon and ":" not in description.icon:
        return str(description.icon)
    return GROUP_ICONS.get(description.group, "widgets")


def _items_label(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"
