"""Small workflow documents in n8n's shape for the workflow service tests."""

from __future__ import annotations

from typing import Any


def flow(name: str = "Flow", *extra: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A valid workflow: a Manual Trigger wired to each node in `extra` (all n8n type names)."""
    trigger = {"id": "t1", "name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
               "position": [0, 0], "parameters": {}}
    links = [{"node": node["name"], "type": "main", "index": 0} for node in extra]
    return {"name": name, "nodes": [trigger, *extra], "connections": {"Start": {"main": [links]}} if extra else {},
            **fields}


def noop(name: str = "Nothing", **fields: Any) -> dict[str, Any]:
    return {"id": f"id-{name}", "name": name, "type": "n8n-nodes-base.noOp", "typeVersion": 1,
            "position": [200, 0], "parameters": {}, **fields}
