"""Every data node's description: n8n aliases, versions, and a form the editor can build per version."""

from __future__ import annotations

import pytest

from engine.node_api import NodeType
from nodes.data import NODE_TYPES
from nodes.data.item_lists import ItemLists
from ui.editor.parameter_values import visible_parameters

ALIASES = {
    "knotwork.splitOut": "n8n-nodes-base.splitOut",
    "knotwork.aggregate": "n8n-nodes-base.aggregate",
    "knotwork.summarize": "n8n-nodes-base.summarize",
    "knotwork.sort": "n8n-nodes-base.sort",
    "knotwork.limit": "n8n-nodes-base.limit",
    "knotwork.removeDuplicates": "n8n-nodes-base.removeDuplicates",
    "knotwork.renameKeys": "n8n-nodes-base.renameKeys",
    "knotwork.itemLists": "n8n-nodes-base.itemLists",
}


def test_every_node_is_registered_under_its_n8n_name() -> None:
    assert {cls.description.name: cls.description.aliases for cls in NODE_TYPES} == {
        name: (alias,) for name, alias in ALIASES.items()
    }


@pytest.mark.parametrize("node_type", NODE_TYPES, ids=lambda cls: cls.description.name)
def test_latest_version_is_the_default_and_every_version_has_a_form(node_type: type[NodeType]) -> None:
    description = node_type.description
    assert description.default_version == max(description.versions)
    for version in description.versions:
        shown = visible_parameters(description.parameters, {}, version)
        assert shown, f"{description.name} v{version} shows no parameter"
        assert len({p.name for p in shown}) == len(shown)


def test_item_lists_field_lists_change_type_at_v3() -> None:
    values = {"operation": "removeDuplicates", "compare": "selectedFields"}
    old = {p.name: p.type for p in visible_parameters(ItemLists.description.parameters, values, 2.2)}
    new = {p.name: p.type for p in visible_parameters(ItemLists.description.parameters, values, 3.1)}
    assert old["fieldsToCompare"] == "fixedCollection" and new["fieldsToCompare"] == "string"
