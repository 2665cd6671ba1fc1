"""The HTTP Request node (n8n `httpRequest` v1–4.2)."""

from __future__ import annotations

from engine.node_api import NodeType

from .node import HttpRequestNode

NODE_TYPES: list[type[NodeType]] = [HttpRequestNode]
