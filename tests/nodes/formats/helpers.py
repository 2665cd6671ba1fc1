"""Running a format node on items with the fake context (parameters given already resolved)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from engine.items import Item
from engine.node_api import NodeType
from engine.ports import FrozenClock, Services
from tests.nodes.fake import FakeContext, make_node

FROZEN = dt.datetime(2024, 3, 5, 14, 30, 15, 123000, tzinfo=dt.UTC)


@dataclass
class FormatContext(FakeContext):
    """FakeContext plus the workflow time zone and a credential store."""

    zone: str = "UTC"
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    async def get_credentials(self, credential_type: str) -> dict[str, Any]:
        from engine.errors import NodeOperationError

        if credential_type not in self.credentials:
            raise NodeOperationError(f"No credential of type '{credential_type}' is chosen for this node")
        return self.credentials[credential_type]


async def run_node(
    node: NodeType, version: float, parameters: dict[str, Any], items: list[Item] | None = None, **flags: Any
) -> list[Item]:
    zone = flags.pop("zone", "UTC")
    credentials = flags.pop("credentials", {})
    services = Services(clock=FrozenClock(FROZEN))
    ctx = FormatContext(make_node(node.description.name, version, parameters, **flags),
                        [items if items is not None else [Item({})]], services=services, zone=zone,
                        credentials=credentials)
    outputs = await node.execute(ctx)
    assert len(outputs) == 1
    return outputs[0]


def jsons(items: list[Item]) -> list[dict[str, Any]]:
    return [item.json for item in items]
