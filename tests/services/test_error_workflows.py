"""Error workflows: a failed execution starts the workflow its settings name at its Error Trigger,
with n8n's payload; never for manual runs, never in a loop."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from models import Database, Execution, Workflow
from services.queue import QUEUE
from tests.engine.nodes_for_tests import node
from tests.services.test_subworkflows import Platform, flow, parent, running_platform, sub


@pytest.fixture
def platform(database: Database) -> Iterator[Platform]:
    with running_platform(database) as made:
        yield made


FAILING = [node("Start", "n8n-nodes-base.manualTrigger"), node("Boom", "fail", 200, parameters={"message": "kaput"})]


def handler(name: str = "on error", *after: dict[str, Any], **settings: Any) -> dict[str, Any]:
    """Error Trigger → NoOp (→ `after`)."""
    return flow(name, [node("On Error", "n8n-nodes-base.errorTrigger"), node("Seen", "n8n-nodes-base.noOp", 200),
                       *after], **settings)


def error_runs(platform: Platform, workflow_id: str, count: int = 1, seconds: float = 20) -> list[Execution]:
    """The error-mode executions of `workflow_id`, once `count` of them have finished."""
    deadline = time.monotonic() + seconds
    while True:
        runs = [e for e in platform.executions(workflow_id) if e.mode == "error"]
        if len(runs) >= count and all(run.status in ("success", "error") for run in runs):
            return runs
        assert time.monotonic() < deadline, f"{len(runs)} error runs of {workflow_id}, expected {count}"
        time.sleep(0.01)


def settle(platform: Platform) -> None:
    """Wait until the queue is empty and idle: whatever the last executions started has run."""
    platform.broker.join(QUEUE, timeout=20_000)


def test_a_failed_execution_starts_its_error_workflow_with_n8n_payload(platform: Platform) -> None:
    # Given an error workflow and a workflow that names it and fails
    handler_id = platform.save(handler())
    failing_id = platform.save(flow("nightly import", FAILING), errorWorkflow=handler_id)
    # When the failing workflow runs (not from the editor)
    failed = platform.run(failing_id, mode="trigger")
    assert failed.status == "error"
    # Then the error workflow ran in mode error, its Error Trigger emitting exactly n8n's payload
    [run] = error_runs(platform, handler_id)
    assert run.status == "success" and run.project_id == platform.team
    assert platform.output(run.id, "On Error") == [{  # type: ignore[arg-type]
        "execution": {
            "id": str(failed.id),
            "url": f"https://knotwork.example/execution/{failed.id}",
            "retryOf": None,
            "error": {"message": "kaput (call 1)", "stack": "NodeOperationError: kaput (call 1)",
                      "name": "NodeOperationError", "node": "Boom"},
            "lastNodeExecuted": "Boom",
            "mode": "trigger",
        },
        "workflow": {"id": failing_id, "name": "nightly import"},
    }]
    assert platform.output(run.id, "Seen")[0]["workflow"]["name"] == "nightly import"  # type: ignore[arg-type]


def test_a_retry_names_the_execution_it_retries(platform: Platform) -> None:
    handler_id = platform.save(handler())
    failed = platform.run(platform.save(flow("wf", FAILING), errorWorkflow=handler_id))
    retried = platform.wait(platform.runtime.retry(failed.id))  # type: ignore[arg-type]
    runs = error_runs(platform, handler_id, count=2)
    payloads = [platform.output(run.id, "On Error")[0]["execution"] for run in runs]  # type: ignore[arg-type]
    assert [(p["id"], p["mode"], p["retryOf"]) for p in payloads] == [
        (str(failed.id), "trigger", None), (str(retried.id), "retry", str(failed.id))]


def test_a_workflow_with_its_own_error_trigger_handles_its_own_failure(platform: Platform) -> None:
    # Given a workflow with no error workflow set, but an Error Trigger of its own
    own = flow("self-handling", FAILING)
    own["nodes"].append(node("On Error", "n8n-nodes-base.errorTrigger", 0, 300))
    workflow_id = platform.save(own)
    failed = platform.run(workflow_id)
    # Then it runs itself again, from its Error Trigger
    [run] = error_runs(platform, workflow_id)
    snapshot, document = platform.data(run.id)  # type: ignore[arg-type]
    assert snapshot["startNode"] == "On Error" and set(document["runData"]) == {"On Error"}
    assert document["runData"]["On Error"][0]["data"]["main"][0][0]["json"]["execution"]["id"] == str(failed.id)


def test_manual_runs_and_successes_start_no_error_workflow(platform: Platform) -> None:
    handler_id = platform.save(handler())
    assert platform.run(platform.save(flow("wf", FAILING), errorWorkflow=handler_id), mode="manual").status == "error"
    passing = flow("ok", [node("Start", "n8n-nodes-base.manualTrigger")])
    assert platform.run(platform.save(passing, errorWorkflow=handler_id)).status == "success"
    settle(platform)
    assert platform.executions(handler_id) == []


def test_an_error_workflow_that_fails_never_starts_itself_again(platform: Platform) -> None:
    # Given an error workflow that fails and names itself as its error workflow
    broken = handler("broken handler", node("Boom", "fail", 400))
    handler_id = platform.save(broken)
    with platform.db.session() as session:
        row = session.get(Workflow, handler_id)
        assert row is not None
        row.settings = {**row.settings, "errorWorkflow": handler_id}
        session.add(row)
    platform.run(platform.save(flow("wf", FAILING), errorWorkflow=handler_id))
    # Then it runs once for the failure, fails, and is not started for its own failure
    [run] = error_runs(platform, handler_id)
    assert run.status == "error"
    settle(platform)
    assert len(platform.executions(handler_id)) == 1


def test_two_error_workflows_never_start_each_other_in_a_loop(platform: Platform) -> None:
    first = platform.save(handler("first", node("Boom", "fail", 400)))
    second = platform.save(handler("second", node("Boom", "fail", 400)), errorWorkflow=first)
    with platform.db.session() as session:
        row = session.get(Workflow, first)
        assert row is not None
        row.settings = {**row.settings, "errorWorkflow": second}
        session.add(row)
    platform.run(platform.save(flow("wf", FAILING), errorWorkflow=first))
    error_runs(platform, first)
    settle(platform)
    assert len(platform.executions(first)) == 1 and platform.executions(second) == []


def test_a_failing_sub_workflow_starts_its_own_error_workflow_too(platform: Platform) -> None:
    handler_id = platform.save(handler())
    child_id = platform.save(sub(node("Boom", "fail", 200, parameters={"message": "deep"})), errorWorkflow=handler_id)
    caller = platform.run(platform.save(parent(child_id, [{"n": 1}])))
    [run] = error_runs(platform, handler_id)
    payload = platform.output(run.id, "On Error")[0]  # type: ignore[arg-type]
    [child] = platform.children(caller.id)  # type: ignore[arg-type]
    assert payload["execution"]["id"] == str(child.id) and payload["execution"]["mode"] == "integrated"
    assert payload["workflow"]["id"] == child_id


def test_an_error_workflow_whose_caller_policy_refuses_records_a_failed_run(platform: Platform) -> None:
    handler_id = platform.save(handler(), platform.project("Elsewhere"))
    failing_id = platform.save(flow("wf", FAILING), errorWorkflow=handler_id)
    platform.run(failing_id)
    [run] = error_runs(platform, handler_id)
    assert run.status == "error" and run.mode == "error"
    assert run.error_message == (
        f"Another workflow (ID {failing_id}) tried to invoke this workflow to handle errors. "
        f"Target workflow ID {handler_id} may not be called (its caller policy is 'workflowsFromSameOwner')")


def test_a_missing_error_workflow_or_one_without_error_trigger_is_skipped(platform: Platform) -> None:
    no_trigger = platform.save(flow("plain", [node("Start", "n8n-nodes-base.manualTrigger")]))
    for target in ("does-not-exist", no_trigger):
        assert platform.run(platform.save(flow("wf", FAILING), errorWorkflow=target)).status == "error"
    settle(platform)
    assert platform.executions(no_trigger) == []
