"""Partial execution ("execute up to this node", manual mode), as n8n's v2 algorithm does it.

Given a destination node, the run data of an earlier run, the pinned data and the nodes changed
since that run ("dirty"), run only what the destination needs and reuse the rest:

1. `find_trigger`       the trigger upstream of the destination (one that has run data first)
2. `find_subgraph`      the nodes on the paths trigger -> destination (disabled nodes bypassed)
3. `clean_run_data`     forget dirty nodes and everything after them
4. `find_start_nodes`   on every branch, the first node without usable data (or the destination)
5. `handle_cycles`      a start node inside a loop starts at the loop's entry instead
6. `clean_run_data`     forget start nodes and everything after them
7. `recreate_execution_stack`   the stack and waiting room the full run would have had there

The executor then runs that stack, skipping nodes outside the subgraph (n8n's `runNodeFilter`)
and routing nothing out of the destination. `plan_partial_execution` chains the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import NodeOperationError
from .graph import GraphIndex
from .items import Item
from .registry import NodeRegistry
from .resume import task_from_json
from .run_data import RunData, SourceRef, TaskData
from .runner import StackEntry, WaitingEntry
from .workflow import NodeSpec, Workflow

LOOP_TYPES = frozenset({"knotwork.splitInBatches", "n8n-nodes-base.splitInBatches"})
PinData = Mapping[str, list[Item]]


@dataclass(frozen=True)
class Edge:
    """A main connection: output `output` of `source` to input `input` of `target`."""

    source: str
    output: int
    target: str
    input: int


class DirectedGraph:
    """Node names and main connections, editable (unlike Workflow); n8n's DirectedGraph."""

    def __init__(self, specs: Mapping[str, NodeSpec], slots: Mapping[str, int]) -> None:
        self.specs = specs  # every node of the workflow, for types and flags
        self.slots = slots  # input slots per node in the whole workflow (what the router uses)
        self.nodes: dict[str, None] = {}
        self._out: dict[str, dict[Edge, None]] = {}
        self._in: dict[str, dict[Edge, None]] = {}
        self.bypassed: dict[Edge, frozenset[str]] = {}  # disabled nodes an edge stands in for

    @classmethod
    def from_workflow(cls, workflow: Workflow) -> DirectedGraph:
        index = GraphIndex(workflow)
        graph = cls(workflow.nodes, {name: index.input_slots(name) for name in workflow.nodes})
        for name in workflow.nodes:
            graph.add_node(name)
        for source, outputs in workflow.outputs.items():
            for output, connections in enumerate(outputs):
                for connection in connections:
                    graph.add_edge(Edge(source, output, connection.node, connection.index))
        return graph

    def empty_copy(self) -> DirectedGraph:
        return DirectedGraph(self.specs, self.slots)

    def add_node(self, name: str) -> None:
        self.nodes.setdefault(name, None)
        self._out.setdefault(name, {})
        self._in.setdefault(name, {})

    def add_edge(self, edge: Edge, bypassed: frozenset[str] = frozenset()) -> None:
        self.add_node(edge.source)
        self.add_node(edge.target)
        self._out[edge.source][edge] = None
        self._in[edge.target][edge] = None
        if bypassed:
            self.bypassed[edge] = self.bypassed.get(edge, frozenset()) | bypassed

    def remove_node(self, name: str, reconnect: bool = False) -> None:
        """Drop a node; with `reconnect`, every parent is wired to every child in its place."""
        # A connection of the node to itself goes with it.
        incoming = [edge for edge in self._in.pop(name) if edge.source != name]
        outgoing = [edge for edge in self._out.pop(name) if edge.target != name]
        del self.nodes[name]
        for edge in incoming:
            del self._out[edge.source][edge]
        for edge in outgoing:
            del self._in[edge.target][edge]
        via = {edge: self.bypassed.pop(edge, frozenset()) for edge in incoming + outgoing}
        if not reconnect:
            return
        for parent in incoming:
            for child in outgoing:
                edge = Edge(parent.source, parent.output, child.target, child.input)
                self.add_edge(edge, via[parent] | via[child] | {name})

    def edges(self) -> list[Edge]:
        return [edge for edges in self._out.values() for edge in edges]

    def parent_edges(self, name: str) -> list[Edge]:
        return list(self._in.get(name, ()))

    def child_edges(self, name: str) -> list[Edge]:
        return list(self._out.get(name, ()))

    def descendants(self, name: str) -> set[str]:
        """Every node reachable from `name`; `name` itself only when it lies on a cycle."""
        return self._reach(name, lambda current: (edge.target for edge in self._out.get(current, ())))

    def ancestors(self, name: str) -> set[str]:
        return self._reach(name, lambda current: (edge.source for edge in self._in.get(current, ())))

    @staticmethod
    def _reach(start: str, step: Callable[[str], Iterable[str]]) -> set[str]:
        found: set[str] = set()
        frontier = list(step(start))
        while frontier:
            current = frontier.pop()
            if current not in found:
                found.add(current)
                frontier.extend(step(current))
        return found

    def first_reachable(self, start: str, wanted: set[str]) -> str | None:
        """Depth-first (children in connection order) from `start`: the first node in `wanted`."""
        seen: set[str] = set()
        stack = [start]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in wanted:
                return current
            stack.extend(reversed([edge.target for edge in self._out.get(current, ())]))
        return None

    def without_disabled(self) -> DirectedGraph:
        """n8n's filterDisabledNodes: disabled nodes removed, their parents wired to their children."""
        graph = self.empty_copy()
        for name in self.nodes:
            graph.add_node(name)
        for edge in self.edges():
            graph.add_edge(edge, self.bypassed.get(edge, frozenset()))
        for name in list(graph.nodes):
            if self.specs[name].disabled:
                graph.remove_node(name, reconnect=True)
        return graph

    def bypassed_nodes(self) -> set[str]:
        """The disabled nodes that the edges of this graph stand in for."""
        return {name for edge in self.edges() for name in self.bypassed.get(edge, ())}


# ---- 1. the trigger -------------------------------------------------------------------------------

def is_trigger(workflow: Workflow, registry: NodeRegistry, name: str) -> bool:
    node_type = registry.resolve(workflow.node(name).type)
    return node_type is not None and (node_type.description.group == "trigger" or node_type.description.trigger)


def find_trigger(workflow: Workflow, registry: NodeRegistry, destination: str, run_data: RunData) -> str | None:
    """The trigger a partial run starts from: the destination if it is an enabled trigger; else an
    enabled upstream trigger, preferring one with run data, then one with pinned data (webhooks
    first), then webhooks, then the furthest upstream. None when no trigger is upstream."""
    if is_trigger(workflow, registry, destination) and not workflow.node(destination).disabled:
        return destination
    triggers = [
        name for name in GraphIndex(workflow).parent_nodes(destination)
        if not workflow.node(name).disabled and is_trigger(workflow, registry, name)
    ]
    with_run_data = [name for name in triggers if name in run_data]
    pinned = sorted((name for name in triggers if name in workflow.pin_data), key=lambda n: not _is_webhook(workflow, n))
    webhooks = [name for name in triggers if _is_webhook(workflow, name)]
    for candidates in (with_run_data, pinned, webhooks, triggers):
        if candidates:
            return candidates[0]
    return None


def _is_webhook(workflow: Workflow, name: str) -> bool:
    return workflow.node(name).type.endswith("webhook")


def closest_parent_with_run_data(workflow: Workflow, destination: str, run_data: RunData) -> str | None:
    """n8n's fallback start when no trigger is upstream: the first enabled ancestor with run data."""
    for name in GraphIndex(workflow).parent_nodes(destination):
        if name in run_data and not workflow.node(name).disabled:
            return name
    return None


# ---- 2. the subgraph ------------------------------------------------------------------------------

def find_subgraph(graph: DirectedGraph, destination: str, trigger: str) -> DirectedGraph:
    """The nodes and connections on the paths from `trigger` to `destination`, loops included.

    A path never passes through the destination (its children are not needed) nor back into the
    trigger; this is the edge set of n8n's backward branch walk, computed without enumerating paths."""
    forward = {trigger} | _walk(graph, trigger, forward=True, stop=destination, barrier=trigger)
    backward = {destination} | _walk(graph, destination, forward=False, stop=trigger, barrier=destination)
    keep = forward & backward
    subgraph = graph.empty_copy()
    subgraph.add_node(trigger)
    if destination not in keep:
        return subgraph  # not connected: only the trigger
    for name in graph.nodes:
        if name in keep:
            subgraph.add_node(name)
    for edge in graph.edges():
        if edge.source in keep and edge.target in keep and edge.source != destination and edge.target != trigger:
            subgraph.add_edge(edge, graph.bypassed.get(edge, frozenset()))
    return subgraph


def _walk(graph: DirectedGraph, start: str, *, forward: bool, stop: str, barrier: str) -> set[str]:
    """Nodes reached from `start` (downstream or upstream), not expanding `stop` and never
    re-entering `barrier`."""
    found: set[str] = set()
    frontier = [start]
    while frontier:
        current = frontier.pop()
        if current == stop and current != start:
            continue
        edges = graph.child_edges(current) if forward else graph.parent_edges(current)
        for edge in edges:
            nxt = edge.target if forward else edge.source
            if nxt != barrier and nxt not in found:
                found.add(nxt)
                frontier.append(nxt)
    return found


# ---- 3./6. cleaning run data ----------------------------------------------------------------------

def clean_run_data(run_data: RunData, start_nodes: Iterable[str], graph: DirectedGraph) -> RunData:
    """A copy of `run_data` without the start nodes, everything downstream of them in `graph`, and
    every node outside `graph`. Never mutates `run_data`."""
    dropped: set[str] = set()
    for name in start_nodes:
        if name in graph.nodes:
            dropped.add(name)
            dropped |= graph.descendants(name)
    return {name: list(tasks) for name, tasks in run_data.items() if name in graph.nodes and name not in dropped}


# ---- 4. start nodes -------------------------------------------------------------------------------

def is_dirty(name: str, run_data: RunData, pin_data: PinData) -> bool:
    """n8n's isDirty once changed nodes are cleaned away: a run ended in error, or no data at all."""
    if any(task.error is not None for task in run_data.get(name, ())):
        return True
    return name not in pin_data and name not in run_data


def find_start_nodes(
    graph: DirectedGraph,
    trigger: str,
    destination: str,
    run_data: RunData,
    pin_data: PinData,
    dirty_nodes: Iterable[str] = (),
) -> list[str]:
    """The nodes a partial run starts from, in discovery order: walking from the trigger along
    connections that carried data, the first node of each branch that is dirty (changed, failed,
    or without run/pinned data), is a Loop Over Items that did not finish, or is the destination."""
    run_data = clean_run_data(run_data, dirty_nodes, graph)
    found: dict[str, None] = {}
    expanded: set[str] = set()
    stack = [trigger]
    while stack:
        current = stack.pop()
        if current == destination or is_dirty(current, run_data, pin_data) or _unfinished_loop(graph, current, run_data):
            found[current] = None
            continue
        if current in expanded:
            continue  # a cycle, or a node already reached by another path
        expanded.add(current)
        children = [edge.target for edge in graph.child_edges(current) if _carried_data(edge, run_data, pin_data)]
        stack.extend(reversed(children))
    return list(found)


def _carried_data(edge: Edge, run_data: RunData, pin_data: PinData) -> bool:
    return edge.source in pin_data or incoming_data(run_data, edge.source, edge.output) is not None


def _unfinished_loop(graph: DirectedGraph, name: str, run_data: RunData) -> bool:
    """A Loop Over Items whose last run emitted nothing on "done" (inside a loop) or on "loop" (a
    loop node not closed by a loop yet) must start over: which batch comes next is unknown."""
    spec = graph.specs[name]
    if spec.type not in LOOP_TYPES:
        return False
    done, loop = _loop_outputs(spec.type_version)
    output = done if name in graph.descendants(name) else loop
    runs = run_data.get(name)
    return not runs or not runs[-1].output(output)


def _loop_outputs(version: float) -> tuple[int, int]:
    """(done, loop) output indexes by version: v3 done/loop, v2 loop/done, v1 a single output."""
    if version >= 3:
        return 0, 1
    return (1, 0) if version >= 2 else (0, 0)


def incoming_data(run_data: RunData, name: str, output: int) -> tuple[list[Item], int] | None:
    """The first run of `name` with items on `output`: (items, run index); None when none has."""
    for run_index, task in enumerate(run_data.get(name, ())):
        items = task.output(output)
        if items:
            return items, run_index
    return None


# ---- 5. cycles ------------------------------------------------------------------------------------

def handle_cycles(graph: DirectedGraph, start_nodes: list[str], trigger: str) -> list[str]:
    """Start nodes on a cycle are replaced by the cycle's entry (its first node depth-first from
    the trigger), so a loop is always run whole."""
    result: dict[str, None] = dict.fromkeys(start_nodes)
    for name in start_nodes:
        cycle = graph.descendants(name) & graph.ancestors(name)
        if len(cycle) < 2:
            continue  # not on a cycle (a node looping on itself alone does not count, as in n8n)
        entry = graph.first_reachable(trigger, cycle)
        if entry is None:
            continue
        result.pop(name, None)
        result[entry] = None
    return list(result)


# ---- 7. stack and waiting room --------------------------------------------------------------------

@dataclass
class SourceGroup:
    """Incoming connections that feed one run of a node: at most one per input."""

    edges: list[Edge] = field(default_factory=list)
    complete: bool = True  # every connection has run or pinned data


def source_groups(graph: DirectedGraph, name: str, run_data: RunData, pin_data: PinData) -> list[SourceGroup]:
    """n8n's getSourceDataGroups: the incoming connections grouped into as many complete sets of
    inputs as possible, connections with data first, each sorted by input then source name."""
    def order(edges: list[Edge]) -> list[Edge]:
        return sorted(edges, key=lambda e: (e.input, e.source))

    edges = graph.parent_edges(name)
    with_data = order([e for e in edges if e.source in run_data or e.source in pin_data])
    without_data = order([e for e in edges if e not in with_data])
    groups: list[SourceGroup] = []
    while with_data or without_data:
        group = SourceGroup()
        input_index = min(e.input for e in with_data + without_data)
        while True:
            pick = next((e for e in with_data if e.input == input_index), None)
            if pick is not None:
                with_data.remove(pick)
            else:
                pick = next((e for e in without_data if e.input == input_index), None)
                if pick is None:
                    break
                without_data.remove(pick)
                group.complete = False
            group.edges.append(pick)
            input_index += 1
        groups.append(group)
    return groups


def recreate_execution_stack(
    graph: DirectedGraph, start_nodes: list[str], run_data: RunData, pin_data: PinData
) -> tuple[list[StackEntry], dict[str, dict[int, WaitingEntry]]]:
    """The stack entries of the start nodes, their inputs taken from the parents' run data or
    pinned data, and waiting-room entries for multi-input start nodes that lack some input."""
    stack: list[StackEntry] = []
    waiting: dict[str, dict[int, WaitingEntry]] = {}
    for name in start_nodes:
        if not graph.parent_edges(name):
            stack.append(StackEntry(name, [[Item({})]], []))
            continue
        for group in source_groups(graph, name, run_data, pin_data):
            if group.complete:
                stack.append(_stack_entry(name, group, run_data, pin_data))
            elif (entry := _waiting_entry(graph, name, group, run_data, pin_data)) is not None:
                entries = waiting.setdefault(name, {})
                entries[max(entries, default=-1) + 1] = entry
    return stack, waiting


def _stack_entry(name: str, group: SourceGroup, run_data: RunData, pin_data: PinData) -> StackEntry:
    # Up to the last connected input only (an input past the end counts as present in the legacy
    # order's check, as in n8n); an input that got nothing gets an empty list.
    width = 1 + max(edge.input for edge in group.edges)
    inputs: list[list[Item] | None] = [[] for _ in range(width)]
    source: list[SourceRef | None] = [None] * width
    for edge in group.edges:
        found = _edge_data(edge, run_data, pin_data)
        if found is not None:
            inputs[edge.input], source[edge.input] = found[0], SourceRef(edge.source, edge.output, found[1])
    return StackEntry(name, inputs, source)


def _waiting_entry(
    graph: DirectedGraph, name: str, group: SourceGroup, run_data: RunData, pin_data: PinData
) -> WaitingEntry | None:
    slots = max(graph.slots.get(name, 1), 1 + max(edge.input for edge in group.edges))
    entry = WaitingEntry([None] * slots, [None] * slots)
    for edge in group.edges:
        found = _edge_data(edge, run_data, pin_data)
        if found is not None:
            entry.inputs[edge.input], entry.source[edge.input] = found[0], SourceRef(edge.source, edge.output, found[1])
    return entry if any(items is not None for items in entry.inputs) else None


def _edge_data(edge: Edge, run_data: RunData, pin_data: PinData) -> tuple[list[Item], int] | None:
    if edge.source in pin_data:
        # A pinned node outputs its items on output 0, every run (as the executor does).
        return (list(pin_data[edge.source]), 0) if edge.output == 0 else None
    return incoming_data(run_data, edge.source, edge.output)


# ---- all together ---------------------------------------------------------------------------------

@dataclass
class PartialPlan:
    """Where a partial run starts: kept run data, stack, waiting room and the nodes it may run."""

    destination: str
    run_data: RunData
    stack: list[StackEntry]
    waiting: dict[str, dict[int, WaitingEntry]]
    run_filter: frozenset[str]

    @property
    def next_execution_index(self) -> int:
        return 1 + max((t.execution_index for tasks in self.run_data.values() for t in tasks), default=-1)


def plan_partial_execution(
    workflow: Workflow,
    registry: NodeRegistry,
    destination: str,
    run_data: RunData,
    pin_data: PinData,
    dirty_nodes: Iterable[str] = (),
) -> PartialPlan:
    """n8n's runPartialWorkflow2 up to the run itself. Raises NodeOperationError when the
    destination does not exist, is disabled, or has parents but no trigger (or run data) upstream."""
    if destination not in workflow.nodes:
        raise NodeOperationError(f"Cannot execute up to node '{destination}': the workflow has no node of that name")
    if workflow.node(destination).disabled:
        raise NodeOperationError(f"Node '{destination}' is disabled; enable it to execute it", node=destination)
    graph = DirectedGraph.from_workflow(workflow)
    if not graph.parent_edges(destination):
        # A node without inputs runs alone (n8n: "execute a single node not connected to a trigger").
        subgraph = graph.empty_copy()
        subgraph.add_node(destination)
        start_nodes = [destination]
        kept = clean_run_data(run_data, start_nodes, subgraph)
    else:
        trigger = find_trigger(workflow, registry, destination, run_data)
        trigger = trigger or closest_parent_with_run_data(workflow, destination, run_data)
        if trigger is None:
            raise NodeOperationError(
                f"Connect a trigger to run this node: no trigger node is connected upstream of '{destination}'",
                node=destination,
            )
        subgraph = find_subgraph(graph.without_disabled(), destination, trigger)
        dirty = [name for name in dirty_nodes if name in subgraph.nodes]
        kept = clean_run_data(run_data, dirty, subgraph)
        start_nodes = find_start_nodes(subgraph, trigger, destination, kept, pin_data)
        start_nodes = handle_cycles(subgraph, start_nodes, trigger)
        kept = clean_run_data(kept, start_nodes, subgraph)
    stack, waiting = recreate_execution_stack(subgraph, start_nodes, kept, pin_data)
    run_filter = frozenset(subgraph.nodes) | subgraph.bypassed_nodes()
    return PartialPlan(destination, kept, stack, waiting, run_filter)


def run_data_from(previous: Mapping[str, Iterable[Any]] | None) -> RunData:
    """Run data given as TaskData lists or as n8n's JSON (`runData` of a saved execution)."""
    if not previous:
        return {}
    return {
        name: [task if isinstance(task, TaskData) else task_from_json(task) for task in tasks]
        for name, tasks in previous.items()
    }
