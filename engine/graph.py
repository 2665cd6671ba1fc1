"""Graph questions the executor asks, answered as n8n answers them."""

from __future__ import annotations

from functools import lru_cache

from .workflow import Workflow


class GraphIndex:
    """Cached ancestor lists and input-slot counts for one workflow."""

    def __init__(self, workflow: Workflow) -> None:
        self._workflow = workflow
        self.parent_nodes = lru_cache(maxsize=None)(self._parent_nodes)
        self.input_slots = lru_cache(maxsize=None)(self._input_slots)

    def _input_slots(self, name: str) -> int:
        """n8n's `connectionsByDestinationNode[name].main.length`: highest connected input + 1."""
        incoming = self._workflow.inputs.get(name, ())
        return 1 + max((conn.input for conn in incoming), default=-1)

    def _parent_nodes(self, name: str) -> tuple[str, ...]:
        """Every ancestor, the furthest first (n8n's getParentNodes ordering)."""
        return tuple(self._collect(name, frozenset()))

    def _collect(self, name: str, checked: frozenset[str]) -> list[str]:
        if name in checked:
            return []
        checked = checked | {name}
        result: list[str] = []
        incoming = sorted(self._workflow.inputs.get(name, ()), key=lambda conn: conn.input)
        for conn in incoming:
            if conn.source in checked:
                continue
            result.insert(0, conn.source)
            for ancestor in reversed(self._collect(conn.source, checked)):
                if ancestor in result:
                    result.remove(ancestor)  # keep the position furthest away in the tree
                result.insert(0, ancestor)
        return result

    def sources_of_input(self, name: str, input_index: int) -> list[tuple[str, int]]:
        """(source node, source output) pairs feeding one input of a node."""
        return [
            (conn.source, conn.output) for conn in self._workflow.inputs.get(name, ()) if conn.input == input_index
        ]

    def has_enabled_source(self, name: str, input_index: int) -> bool:
        """n8n's getHighestNode: is any enabled node upstream of this input (through disabled ones)?"""
        seen: set[str] = set()
        frontier = [source for source, _ in self.sources_of_input(name, input_index)]
        while frontier:
            current = frontier.pop()
            if current in seen:
                continue
            seen.add(current)
            if not self._workflow.node(current).disabled:
                return True
            frontier.extend(conn.source for conn in self._workflow.inputs.get(current, ()))
        return False
