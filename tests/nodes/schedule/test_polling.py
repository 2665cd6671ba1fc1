"""PollingTrigger: its poll times become its schedule, and run by hand it polls once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription
from engine.registry import NodeRegistry
from engine.runner import execute_workflow
from engine.workflow import parse_workflow
from nodes.schedule.polling import POLL_TIMES, PollingTrigger
from nodes.schedule.rules import ScheduleError


class Latest(PollingTrigger):
    description = NodeDescription(name="test.latest", display_name="Latest", group="trigger", description="test",
                                  versions=(1.0,), default_version=1.0, inputs=0, trigger=True,
                                  parameters=(POLL_TIMES,))

    async def poll(self, ctx: ExecuteContext) -> list[Item] | None:
        return [Item({"mode": ctx.mode, "seen": ctx.static_data().get("seen", 0)})]


@pytest.fixture
def registry() -> NodeRegistry:
    registry = NodeRegistry.from_entry_points()
    registry.add(Latest)
    return registry


def document(poll_times: Any) -> dict[str, Any]:
    return {"nodes": [{"name": "Feed", "type": "test.latest", "typeVersion": 1, "parameters": {"pollTimes": poll_times}}],
            "connections": {}}


async def test_run_by_hand_it_polls_once_in_manual_mode(registry: NodeRegistry) -> None:
    workflow = parse_workflow(document({"item": [{"mode": "everyMinute"}]}), registry)
    result = await execute_workflow(workflow, registry)
    assert result.output_of("Feed")[0].json == {"mode": "manual", "seen": 0}


def test_poll_times_are_its_schedule(registry: NodeRegistry) -> None:
    workflow = parse_workflow(document({"item": [{"mode": "everyHour", "minute": 15}]}), registry)
    schedule = Latest().schedule(workflow.node("Feed"), "wf:Feed", dt.UTC)
    moment, _ = schedule.next_fire(dt.datetime(2026, 5, 1, 10, 20, tzinfo=dt.UTC))
    assert (moment.hour, moment.minute) == (11, 15)
    broken = parse_workflow(document({"item": [{"mode": "custom", "cronExpression": "nope"}]}), registry)
    with pytest.raises(ScheduleError, match="Invalid cron expression 'nope'"):
        Latest().schedule(broken.node("Feed"), "wf:Feed", dt.UTC)
