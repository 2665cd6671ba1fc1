"""Triggers that cannot start: activation refuses a listener that fails at once, naming the node; an
active workflow whose triggers cannot be set up any more is deactivated with the reason recorded and
its error workflow run with n8n's trigger payload; a listener that starts failing later stays active,
shows the reason until it recovers, and runs the error workflow once per series of failures."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest
from sqlmodel import col, select

import services.scheduler as scheduler_module
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription
from models import Execution, Workflow
from models.repositories import load_execution_data
from nodes.schedule.listener import Emit, ListenerTrigger
from services import workflow_access
from services.access import Actor
from services.runtime import Runtime
from services.workflow_access import ActivationError
from services.workflow_json import workflow_to_json

from .test_listeners import eventually, mark
from .test_webhooks import chain, node


class Flaky(ListenerTrigger):
    """Fails while `broken` is set, else holds its (pretend) connection open."""

    description = NodeDescription(name="test.flaky", display_name="Flaky", group="trigger", description="test",
                                  versions=(1.0,), default_version=1.0, trigger=True)
    broken: ClassVar[bool] = False
    calls: ClassVar[int] = 0

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        type(self).calls += 1
        if type(self).broken:
            raise ConnectionRefusedError("connection refused by the test broker")
        await asyncio.get_running_loop().create_future()


@pytest.fixture
def flaky(runtime: Runtime) -> Any:
    Flaky.broken, Flaky.calls = False, 0
    runtime.registry.add(Flaky)
    return Flaky


def error_catcher(runtime: Runtime, owner: Actor) -> str:
    catcher = chain("Catcher", node("Error Trigger", "n8n-nodes-base.errorTrigger", {}), mark())
    return workflow_access.create_workflow(runtime, owner, catcher).workflow.id


def caught(runtime: Runtime, catcher_id: str) -> list[dict[str, Any]]:
    """The Error Trigger items of the catcher's finished runs."""
    with runtime.db.session() as session:
        runs = session.exec(select(Execution).where(col(Execution.workflow_id) == catcher_id,
                                                    col(Execution.status) == "success")).all()
        loaded = [load_execution_data(session, run.id) for run in runs]
    return [data[1]["runData"]["Error Trigger"][0]["data"]["main"][0][0]["json"] for data in loaded if data]


def stored(runtime: Runtime, workflow_id: str) -> Workflow:
    with runtime.db.session() as session:
        workflow = session.get(Workflow, workflow_id)
        assert workflow is not None
        return workflow


def test_activation_refuses_a_listener_that_fails_at_once(runtime: Runtime, owner: Actor, flaky: Any) -> None:
    flaky.broken = True
    view = workflow_access.create_workflow(runtime, owner, chain("Broker", node("Queue", "test.flaky", {}), mark()))
    with pytest.raises(ActivationError) as refused:
        workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    assert str(refused.value) == ("Workflow 'Broker' cannot be activated (node 'Queue'): The trigger cannot listen: "
                                  "ConnectionRefusedError: connection refused by the test broker")
    assert not stored(runtime, view.workflow.id).active
    flaky.broken = False  # the broker is back: activation goes through, after the probe held for a moment
    workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    assert stored(runtime, view.workflow.id).active


def test_a_workflow_whose_trigger_cannot_be_set_up_is_deactivated_with_the_reason(runtime: Runtime,
                                                                                   owner: Actor) -> None:
    catcher = error_catcher(runtime, owner)
    schedule = node("Every Hour", "n8n-nodes-base.scheduleTrigger",
                    {"rule": {"interval": [{"field": "cronExpression", "expression": "0 * * * *"}]}}, 1.2)
    document = chain("Hourly", schedule, mark())
    document["settings"]["errorWorkflow"] = catcher
    view = workflow_access.create_workflow(runtime, owner, document)
    # Stored as active with a cron that no longer parses (activation checks it; an upgrade or a
    # hand-edited database does not): the scheduler must not keep it half-alive.
    with runtime.db.session() as session:
        workflow = session.get(Workflow, view.workflow.id)
        assert workflow is not None
        nodes = workflow_to_json(workflow)["nodes"]
        nodes[0]["parameters"]["rule"]["interval"][0]["expression"] = "61 * * * *"
        workflow.nodes, workflow.active = nodes, True
        session.add(workflow)
    eventually(lambda: not stored(runtime, view.workflow.id).active, "the scheduler to deactivate it")
    reason = stored(runtime, view.workflow.id).activation_error
    assert reason is not None and reason.startswith("Node 'Every Hour': ")
    [payload] = eventually(lambda: caught(runtime, catcher), "the error workflow's run")
    assert payload["workflow"] == {"id": view.workflow.id, "name": "Hourly"}
    assert payload["trigger"]["mode"] == "trigger"
    assert payload["trigger"]["error"]["node"] == {"name": "Every Hour"}
    assert reason.endswith(payload["trigger"]["error"]["message"])
    # the reason is part of the workflow's answers, and goes with the next activation attempt
    assert workflow_to_json(stored(runtime, view.workflow.id))["activationError"] == reason


def test_a_listener_that_starts_failing_stays_active_shows_why_and_recovers(runtime: Runtime, owner: Actor,
                                                                            flaky: Any,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler_module, "LISTENER_HEALTHY", 0.3)
    catcher = error_catcher(runtime, owner)
    document = chain("Consumer", node("Queue", "test.flaky", {}), mark())
    document["settings"]["errorWorkflow"] = catcher
    view = workflow_access.create_workflow(runtime, owner, document)
    flaky.broken = True
    monkeypatch.setattr(scheduler_module, "probe_listeners", lambda *args, **kwargs: None)  # it fails later
    workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    eventually(lambda: flaky.calls >= 3, "two reconnection attempts")
    workflow = stored(runtime, view.workflow.id)
    assert workflow.active
    assert workflow.activation_error == ("Node 'Queue': ConnectionRefusedError: connection refused by the test "
                                         "broker (retrying)")
    # one error-workflow run for the series of failures, not one per attempt
    [payload] = eventually(lambda: caught(runtime, catcher), "the error workflow's run")
    assert payload["trigger"]["error"]["message"] == "ConnectionRefusedError: connection refused by the test broker"
    flaky.broken = False
    eventually(lambda: stored(runtime, view.workflow.id).activation_error is None, "the recorded failure to go")
    assert len(caught(runtime, catcher)) == 1


def test_the_listener_probe_does_not_take_messages(runtime: Runtime, owner: Actor) -> None:
    """What arrives during the probe is left to the broker: emit never returns there."""
    emitted: list[Any] = []

    class Eager(ListenerTrigger):
        description = NodeDescription(name="test.eager", display_name="Eager", group="trigger", description="test",
                                      versions=(1.0,), default_version=1.0, trigger=True)

        async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
            await emit([Item({"n": 1})])
            emitted.append("acknowledged")  # a broker node acknowledges only after emit returns

    runtime.registry.add(Eager)
    document = chain("Eager", node("Queue", "test.eager", {}), mark())
    scheduler_module.probe_listeners(runtime, {**document, "id": "w-probe"}, "p", seconds=0.2)
    assert emitted == []
