"""Running one file node on items with a FakeContext (node → capture), files folder optional."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from engine.items import Item
from engine.node_api import NodeType
from engine.ports import FileAccess, Services
from nodes.files.binary import binary_entry
from tests.nodes.fake import FakeContext, make_node


async def run(
    node: NodeType,
    parameters: dict[str, Any],
    items: list[Item] | None = None,
    *,
    version: float | None = None,
    folder: Path | None = None,
    continue_on_fail: bool = False,
    files: FileAccess | None = None,
) -> list[Item]:
    """The node's only output for `items` (default: one empty item)."""
    description = node.description
    flags: dict[str, Any] = {"on_error": "continueRegularOutput"} if continue_on_fail else {}
    spec = make_node(description.name, version or description.default_version, parameters, **flags)
    services = Services(files=files or FileAccess(folder=folder))
    ctx = FakeContext(spec, [items if items is not None else [Item({})]], services=services)
    outputs = await node.execute(ctx)
    assert len(outputs) == 1
    return outputs[0]


def file_item(content: bytes, file_name: str | None = None, mime_type: str | None = None, name: str = "data",
              json: dict[str, Any] | None = None) -> Item:
    return Item(json or {}, {name: binary_entry(content, file_name, mime_type)})


def content_of(item: Item, name: str = "data") -> bytes:
    assert item.binary is not None, item
    return base64.b64decode(item.binary[name]["data"])
