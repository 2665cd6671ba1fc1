"""Where a node's output goes next: the stack, the waiting room of multi-input nodes, and the
release of waiting nodes when the stack runs dry. A close reading of n8n's WorkflowExecute."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .graph import GraphIndex
from .items import Item
from .run_data import SourceRef
from .workflow import Connection

if TYPE_CHECKING:
    from .runner import ExecutionRun, StackEntry


class Router:
    def __init__(self, run: ExecutionRun, graph: GraphIndex, v1: bool) -> None:
        self.run = run
        self.graph = graph
        self.v1 = v1

    def _enqueue(self, entry: StackEntry) -> None:
        # v1 is depth-first (children go to the front); v0 is breadth-first.
        if self.v1:
            self.run.stack.insert(0, entry)
        else:
            self.run.stack.append(entry)

    def route(self, parent: str, outputs: list[list[Item]], run_index: int) -> None:
        """Queue the children of `parent` that receive data from this run."""
        workflow = self.run.workflow
        to_add: list[tuple[tuple[float, float], Connection, int]] = []
        for output_index, connections in enumerate(workflow.outputs.get(parent, ())):
            data = outputs[output_index] if output_index < len(outputs) else None
            if data is None:
                continue
            for connection in connections:
                # v0 still feeds an empty output to inputs other than the first ("optional" ones).
                if data or (not self.v1 and connection.index > 0):
                    if self.v1:
                        to_add.append((workflow.node(connection.node).position, connection, output_index))
                    else:
                        self.add(connection, output_index, parent, outputs, run_index)
        if self.v1:
            # Each child goes to the front of the stack, so add the top-left-most last.
            to_add.sort(key=lambda entry: (entry[0][1], entry[0][0]))
            for _, connection, output_index in reversed(to_add):
                self.add(connection, output_index, parent, outputs, run_index)

    def add(
        self, connection: Connection, output_index: int, parent: str, outputs: list[list[Item]], run_index: int
    ) -> None:
        """n8n's addNodeToBeExecuted."""
        from .runner import StackEntry, WaitingEntry

        run = self.run
        target = connection.node
        ref = SourceRef(parent, output_index, run_index)
        data = outputs[output_index]
        slots = self.graph.input_slots(target)
        if slots <= 1:
            inputs: list[list[Item] | None] = [None] * connection.index + [data]
            source: list[SourceRef | None] = [None] * connection.index + [ref]
            self._enqueue(StackEntry(target, inputs, source))
            return

        node_was_waiting = target in run.waiting
        entries = run.waiting.setdefault(target, {})
        waiting_index = next((i for i, e in entries.items() if e.inputs[connection.index] is None), None)
        if waiting_index is None:
            waiting_index = max(entries, default=-1) + 1
            entries[waiting_index] = WaitingEntry([None] * slots, [None] * slots)
        entry = entries[waiting_index]
        entry.inputs[connection.index] = data
        entry.source[connection.index] = ref
        if all(items is not None for items in entry.inputs):
            self._enqueue(StackEntry(target, entry.inputs, entry.source))
            del entries[waiting_index]
            if not entries:
                del run.waiting[target]
            return
        if not node_was_waiting and not self.v1:
            self._force_parent_execution(target, parent, output_index, outputs, run_index)

    def _force_parent_execution(
        self, target: str, parent: str, output_index: int, outputs: list[list[Item]], run_index: int
    ) -> None:
        """v0 only: make sure the branches feeding the other inputs of `target` will run."""
        from .runner import StackEntry

        run = self.run
        workflow = run.workflow
        parent_children = {c.node for c in workflow.children(parent)}
        for incoming in workflow.inputs.get(target, ()):
            input_node = incoming.source
            if input_node == parent:
                continue
            stack_nodes = {entry.node for entry in run.stack}
            if input_node in parent_children and not self._incoming_is_empty(input_node, run_index):
                continue
            if input_node in stack_nodes or input_node in run.run_data:
                continue
            node_to_add: str | None = input_node
            for ancestor in (input_node, *reversed(self.graph.parent_nodes(input_node))):
                if ancestor != input_node and ancestor in parent_children:
                    node_to_add = None
                    break
                if ancestor in stack_nodes:
                    node_to_add = None
                    break
                if ancestor in run.run_data:
                    break
                node_to_add = ancestor
            if node_to_add is None:
                continue
            if parent in self.graph.parent_nodes(node_to_add) and not outputs[output_index]:
                continue  # it would run a node its own parent deliberately gave no data
            if not workflow.inputs.get(node_to_add) or self._incoming_is_empty(node_to_add, run_index):
                self._enqueue(StackEntry(node_to_add, [[Item({})]], [SourceRef(parent, output_index, run_index)]))

    def _incoming_is_empty(self, name: str, run_index: int) -> bool:
        """Did none of the sources of input 0 of `name` produce items (in this run index)?"""
        for source, source_output in self.graph.sources_of_input(name, 0):
            runs = self.run.run_data.get(source)
            if runs and run_index < len(runs) and runs[run_index].output(source_output):
                return False
        return True

    def ensure_input_data(self, entry: StackEntry) -> bool:
        """A node missing data of a connected input goes back to the end of the stack (the
        check for missing data applies to the legacy v0 order only)."""
        for input_index in range(self.graph.input_slots(entry.node)):
            if not self.graph.has_enabled_source(entry.node, input_index):
                return True
            if self.v1:
                continue
            # n8n's exact test: an input index past the end of the data counts as present
            # (JavaScript `undefined !== null`), only an explicit gap sends the node back.
            if len(entry.inputs) < input_index or (
                input_index < len(entry.inputs) and entry.inputs[input_index] is None
            ):
                self.run.stack.append(entry)
                return False
        return True

    def release_waiting(self) -> None:
        """The stack is empty: run the first waiting node whose parents are not waiting too, with
        empty lists for the inputs that never received data (in v1 only if its type allows)."""
        from .runner import StackEntry

        run = self.run
        waiting_nodes = list(run.waiting)
        index = 0
        while index < len(run.waiting):
            name = list(run.waiting)[index]
            node = run.workflow.node(name)
            node_type = run.registry.get(node.type)
            input_count = node_type.input_count(node)
            required = node_type.required_inputs(node) if self.v1 else None
            if required is not None and len(required) >= input_count:
                index += 1
                continue  # every input is required: never run with partial data
            if any(parent in waiting_nodes for parent in self.graph.parent_nodes(name)):
                index += 1
                continue
            runs = run.waiting[name]
            first = min(runs)
            entry = runs[first]
            with_data = {i for i, items in enumerate(entry.inputs) if items is not None}
            if required is not None and not set(required) <= with_data:
                index += 1
                continue
            inputs: list[list[Item] | None] = [items if items is not None else [] for items in entry.inputs]
            has_items = any(inputs)
            if has_items:
                inputs += [[] for _ in range(input_count - len(inputs))]
                run.stack.append(StackEntry(name, inputs, entry.source))
            del runs[first]
            if not runs:
                del run.waiting[name]
            if has_items:
                return
            waiting_nodes = list(run.waiting)
            index = 0
