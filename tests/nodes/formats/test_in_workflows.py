"""Format nodes run by the real executor: workflow time zone, template expressions, aliases."""

from __future__ import annotations

from typing import Any

from engine.ports import FrozenClock, Services
from engine.registry import NodeRegistry
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .helpers import FROZEN


def chain(*nodes: tuple[str, str, float, dict[str, Any]], settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """A workflow: a manual trigger, then the given nodes one after the other."""
    specs = [{"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "parameters": {},
              "position": [0, 0]}]
    specs += [{"name": name, "type": kind, "typeVersion": version, "parameters": parameters, "position": [i, 0]}
              for i, (name, kind, version, parameters) in enumerate(nodes, 1)]
    connections = {a["name"]: {"main": [[{"node": b["name"], "type": "main", "index": 0}]]}
                   for a, b in zip(specs, specs[1:], strict=False)}
    return {"nodes": specs, "connections": connections, "settings": settings or {}}


async def run(workflow: dict[str, Any]) -> Any:
    registry = NodeRegistry.from_entry_points()
    result = await execute_workflow(parse_workflow(workflow, registry), registry,
                                    services=Services(clock=FrozenClock(FROZEN)))
    assert result.status == "success", result.error
    return result


async def test_date_time_uses_the_workflow_timezone() -> None:
    workflow = chain(("Now", "n8n-nodes-base.dateTime", 2, {"operation": "getCurrentDate"}),
                     settings={"timezone": "Asia/Tokyo"})
    result = await run(workflow)
    assert [item.json for item in result.run_data["Now"][0].output(0)] == [
        {"currentDate": "2024-03-05T23:30:15.123+09:00"}]


async def test_html_template_resolves_its_expressions_once() -> None:
    workflow = chain(
        ("Data", "n8n-nodes-base.set", 3.4, {"assignments": {"assignments": [
            {"id": "1", "name": "who", "type": "string", "value": "Ann {{ 1 + 1 }}"}]}}),
        ("Page", "n8n-nodes-base.html", 1.2, {"html": "<p>Hi {{ $json.who }}</p>"}),
    )
    result = await run(workflow)
    # the data's "{{ 1 + 1 }}" stays text: only the template's own expressions are evaluated
    assert [item.json for item in result.run_data["Page"][0].output(0)] == [{"html": "<p>Hi Ann {{ 1 + 1 }}</p>"}]
