"""The node-type registry: built-in and third-party nodes load through one entry-point group."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from .node_api import PARAM_TYPES, NodeDescription, NodeType, Parameter

if TYPE_CHECKING:
    from .workflow import NodeSpec

ENTRY_POINT_GROUP = "knotwork.nodes"


class RegistryError(Exception):
    """A node type's description is invalid, or two types claim the same name."""


class NodeRegistry:
    """Node types by name and by alias. Descriptions are validated when a type is added."""

    def __init__(self, node_types: Iterable[type[NodeType]] = (), exclude: Iterable[str] = ()) -> None:
        self._excluded = {name.strip() for name in exclude if name.strip()}
        self._by_name: dict[str, NodeType] = {}
        self._primary: dict[str, NodeType] = {}
        for node_type in node_types:
            self.add(node_type)

    @classmethod
    def from_entry_points(cls, exclude: Iterable[str] = ()) -> NodeRegistry:
        """Load every `knotwork.nodes` entry point: each names a list of NodeType classes."""
        registry = cls(exclude=exclude)
        found = entry_points(group=ENTRY_POINT_GROUP)
        if not found:
            raise RegistryError(
                f"No node types found in entry-point group '{ENTRY_POINT_GROUP}'. "
                "Is Knotwork installed (`pip install -e .`)?"
            )
        for entry_point in sorted(found, key=lambda ep: ep.name):
            for node_type in entry_point.load():
                registry.add(node_type)
        return registry

    def add(self, node_type: type[NodeType]) -> None:
        description = node_type.description
        validate_description(description)
        names = (description.name, *description.aliases)
        if self._excluded.intersection(names):
            return
        for name in names:
            if name in self._by_name:
                raise RegistryError(f"Node type name '{name}' is claimed twice ({description.name})")
        instance = node_type()
        for name in names:
            self._by_name[name] = instance
        self._primary[description.name] = instance

    def resolve(self, type_name: str) -> NodeType | None:
        return self._by_name.get(type_name)

    def get(self, type_name: str) -> NodeType:
        node_type = self._by_name.get(type_name)
        if node_type is None:
            raise KeyError(type_name)
        return node_type

    def suggest(self, type_name: str) -> str | None:
        """The closest known type name, for "did you mean" messages."""
        matches = difflib.get_close_matches(type_name, list(self._by_name), n=1, cutoff=0.6)
        if not matches:
            short = type_name.rsplit(".", 1)[-1].lower()
            matches = [n for n in self._by_name if n.rsplit(".", 1)[-1].lower() == short][:1]
        return matches[0] if matches else None

    def descriptions(self) -> list[NodeDescription]:
        return [node_type.description for node_type in self._primary.values()]

    def input_count(self, node: NodeSpec) -> int | None:
        node_type = self.resolve(node.type)
        return None if node_type is None else node_type.input_count(node)

    def output_count(self, node: NodeSpec) -> int | None:
        """Outputs including the extra "Error" output of `onError: continueErrorOutput`."""
        node_type = self.resolve(node.type)
        if node_type is None:
            return None
        return node_type.output_count(node) + (1 if node.on_error == "continueErrorOutput" else 0)


def validate_description(description: NodeDescription) -> None:
    """Raise RegistryError when a description is incomplete or inconsistent."""
    where = f"Node type '{description.name}'"
    if not description.name or "." not in description.name:
        raise RegistryError(f"{where}: name must be namespaced, like 'knotwork.set'")
    if not description.display_name:
        raise RegistryError(f"{where}: display_name is required")
    if not description.versions:
        raise RegistryError(f"{where}: at least one version is required")
    if description.default_version not in description.versions:
        raise RegistryError(f"{where}: default_version {description.default_version} is not in versions")
    if len(description.output_names) > max(description.outputs, 0) and description.outputs:
        raise RegistryError(f"{where}: more output names than outputs")
    _validate_parameters(where, description.parameters)


def _validate_parameters(where: str, parameters: tuple[Parameter, ...]) -> None:
    names = [p.name for p in parameters]
    for parameter in parameters:
        here = f"{where}, parameter '{parameter.name}'"
        if parameter.type not in PARAM_TYPES:
            raise RegistryError(f"{here}: unknown type '{parameter.type}'")
        if not parameter.display_name:
            raise RegistryError(f"{here}: display_name is required")
        if parameter.type in ("options", "multiOptions"):
            if not parameter.options:
                raise RegistryError(f"{here}: an options parameter needs options")
            values = [option.value for option in parameter.options]
            defaults = parameter.default if parameter.type == "multiOptions" else [parameter.default]
            for default in defaults or ():
                if default not in values and not (isinstance(default, str) and default.startswith("=")):
                    raise RegistryError(f"{here}: default {default!r} is not one of its options")
        for rules in (parameter.show, parameter.hide):
            for key in rules or {}:
                if key != "@version" and key not in names:
                    raise RegistryError(f"{here}: display rule refers to unknown parameter '{key}'")
        if parameter.fields:
            _validate_parameters(here, parameter.fields)
        for group in parameter.groups:
            _validate_parameters(f"{here}, group '{group.name}'", group.fields)
