"""The node registry: entry points, aliases, exclusion, and description validation at load."""

from __future__ import annotations

import pytest

from engine.node_api import NodeDescription, NodeType, Option, Parameter
from engine.registry import NodeRegistry, RegistryError


def description(**changes) -> NodeDescription:
    fields = dict(
        name="acme.thing", display_name="Thing", group="transform", description="d",
        versions=(1.0,), default_version=1.0,
    )
    fields.update(changes)
    return NodeDescription(**fields)


def node_type(desc: NodeDescription) -> type[NodeType]:
    return type("Custom", (NodeType,), {"description": desc})


def test_built_in_nodes_load_through_the_entry_point_group():
    registry = NodeRegistry.from_entry_points()
    assert registry.get("n8n-nodes-base.set") is registry.get("knotwork.set")
    names = {d.name for d in registry.descriptions()}
    assert {"knotwork.manualTrigger", "knotwork.noOp", "knotwork.set", "knotwork.if", "knotwork.filter",
            "knotwork.merge", "knotwork.splitInBatches", "knotwork.stopAndError", "knotwork.code"} <= names


def test_excluded_types_are_hidden_under_every_name():
    registry = NodeRegistry.from_entry_points(exclude=["knotwork.code"])
    assert registry.resolve("knotwork.code") is None
    assert registry.resolve("n8n-nodes-base.code") is None
    assert registry.resolve("n8n-nodes-base.noOp") is not None


def test_suggestions_for_unknown_types():
    registry = NodeRegistry.from_entry_points()
    assert registry.suggest("n8n-nodes-base.ifff") == "n8n-nodes-base.if"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "thing"}, "name must be namespaced"),
        ({"default_version": 2.0}, "default_version 2.0 is not in versions"),
        ({"parameters": (Parameter("p", "P", "nope"),)}, "unknown type 'nope'"),  # type: ignore[arg-type]
        ({"parameters": (Parameter("p", "P", "options"),)}, "an options parameter needs options"),
        ({"parameters": (Parameter("p", "P", "options", default="z", options=(Option("A", "a"),)),)},
         "default 'z' is not one of its options"),
        ({"parameters": (Parameter("p", "P", "string", show={"ghost": ("x",)}),)},
         "display rule refers to unknown parameter 'ghost'"),
        ({"parameters": (Parameter("p", "", "string"),)}, "display_name is required"),
    ],
)
def test_invalid_descriptions_are_refused_at_load(changes, message):
    with pytest.raises(RegistryError, match=message):
        NodeRegistry([node_type(description(**changes))])


def test_two_types_cannot_claim_one_name():
    first = node_type(description(aliases=("n8n-nodes-base.thing",)))
    second = node_type(description(name="acme.other", aliases=("n8n-nodes-base.thing",)))
    with pytest.raises(RegistryError, match="claimed twice"):
        NodeRegistry([first, second])


def test_every_built_in_description_is_complete():
    for desc in NodeRegistry.from_entry_points().descriptions():
        assert desc.display_name and desc.description, desc.name
        assert desc.default_version == max(desc.versions), desc.name  # the latest is the default
