"""The Wait node in the engine: short waits sleep, long ones stop the run as `waiting` with its
state, and resuming runs on from the Wait node (as a pass-through, or with the resume call's item)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.ports import FrozenClock, Services

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


def workflow(**wait: Any) -> dict[str, Any]:
    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "parameters": {}},
        {"name": "Wait", "type": "n8n-nodes-base.wait", "typeVersion": 1.1, "parameters": wait},
        {"name": "After", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "parameters": {
            "assignments": {"assignments": [{"name": "done", "value": True, "type": "boolean"}]},
            "includeOtherFields": True}},
    ]
    return {"nodes": nodes, "settings": {"executionOrder": "v1"}, "connections": {
        "Start": {"main": [[{"node": "Wait", "type": "main", "index": 0}]]},
        "Wait": {"main": [[{"node": "After", "type": "main", "index": 0}]]}}}


def services() -> Services:
    return Services(clock=FrozenClock(NOW), public_url="https://flows.example.com/")


async def test_a_short_wait_sleeps_in_the_run(run: Any) -> None:
    result = await run(workflow(resume="timeInterval", amount=0.01, unit="seconds"), services())
    assert result.status == "success"
    assert result.output_of("After")[0].json == {"done": True}


async def test_a_long_wait_stops_the_run_as_waiting_until_its_time(run: Any) -> None:
    # Given a Wait of two hours
    result = await run(workflow(resume="timeInterval", amount=2, unit="hours"), services())
    # Then the run stops after the Wait node, waiting until then, with its state kept
    assert result.status == "waiting" and result.wait_till == NOW + dt.timedelta(hours=2)
    assert "After" not in result.run_data
    assert result.run_data["Wait"][0].execution_status == "waiting"
    assert result.state["stack"][0]["node"] == "Wait" and result.state["stack"][0]["passThrough"]
    assert result.to_json()["waitTill"] == "2026-12-06T14:00:00.000Z"

    # When it resumes by time, the Wait node passes its input through and the run goes on
    resumed = await run(workflow(resume="timeInterval", amount=2, unit="hours"), services(), resume=result.state)
    assert resumed.status == "success"
    assert [task.execution_status for task in resumed.run_data["Wait"]] == ["success"]
    assert resumed.output_of("After")[0].json == {"done": True}


async def test_a_specific_time_in_the_workflow_zone(run: Any) -> None:
    document = workflow(resume="specificTime", dateTime="2026-12-24T18:00:00")
    document["settings"]["timezone"] = "Europe/Berlin"
    result = await run(document, services())
    assert result.status == "waiting"
    assert result.wait_till == dt.datetime(2026, 12, 24, 17, 0, tzinfo=dt.UTC)


async def test_a_webhook_wait_waits_forever_unless_limited_and_knows_its_resume_url(run: Any) -> None:
    forever = await run(workflow(resume="webhook", httpMethod="POST"), services())
    assert forever.status == "waiting" and forever.wait_till.year == 3000

    limited = await run(workflow(resume="webhook", limitWaitTime=True, resumeAmount=30, resumeUnit="minutes"),
                        services(), execution_id="41")
    assert limited.wait_till == NOW + dt.timedelta(minutes=30)


async def test_resume_url_is_the_public_url_and_the_execution_id(run: Any) -> None:
    document = workflow(resume="webhook")
    document["nodes"][2]["parameters"]["assignments"]["assignments"].append(
        {"name": "url", "value": "={{ $execution.resumeUrl }}", "type": "string"})
    first = await run(document, services(), execution_id="77")
    resumed = await run(document, services(), execution_id="77", resume={**first.state, "resumeItems": [
        {"json": {"body": {"approved": True}}}]})
    assert resumed.status == "success"
    out = resumed.output_of("After")[0].json
    # The resume call's item is the Wait node's output
    assert out == {"body": {"approved": True}, "done": True,
                   "url": "https://flows.example.com/webhook-waiting/77"}


async def test_a_negative_or_unknown_amount_fails_the_node_clearly(run: Any) -> None:
    result = await run(workflow(resume="timeInterval", amount=-1, unit="hours"), services())
    assert result.status == "error" and "cannot be negative" in result.error["message"]
    form = await run(workflow(resume="form"), services())
    assert form.status == "error" and "form" in form.error["message"].lower()
