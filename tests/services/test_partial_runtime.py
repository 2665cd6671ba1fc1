"""Partial executions through the runtime: stored in the snapshot, run by a worker, saved."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from models import Database
from services.executions import RunPolicy
from tests.engine.nodes_for_tests import connect, node, workflow
from tests.services.test_execution_runtime import Harness

TRIGGER = node("T", "n8n-nodes-base.manualTrigger")


@pytest.fixture
def harness(database: Database) -> Iterator[Harness]:
    made = Harness(database, RunPolicy(code_timeout=2))
    made.worker.start()
    yield made
    made.worker.stop()
    made.runtime.close()


def chain(items: list[dict[str, Any]]) -> dict[str, Any]:
    return workflow(
        [TRIGGER, node("E", "emit", 200, 0, parameters={"items": items}),
         node("V", "evaluate", 400, 0, parameters={"value": "={{ $json.n * 10 }}"}),
         node("N", "n8n-nodes-base.noOp", 600, 0)],
        connect(("T", "E"), ("E", "V"), ("V", "N")),
    )


def run_to_end(harness: Harness, data: dict[str, Any], **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    execution_id = harness.start(data, mode="manual", **options)
    execution = harness.wait(execution_id)
    snapshot, document = harness.data(execution_id)
    assert execution.status == "success", execution.error_message
    return snapshot, document


def test_a_partial_execution_reuses_the_saved_run_data(harness: Harness) -> None:
    # Given a saved manual run
    _, full = run_to_end(harness, chain([{"n": 1}]))
    # When executing up to V with its run data
    snapshot, partial = run_to_end(harness, chain([{"n": 1}]), destination_node="V",
                                   previous_run_data=full["runData"])
    # Then the snapshot records the request, T and E are reused as saved, V ran again, N did not
    assert snapshot["destinationNode"] == "V" and snapshot["dirtyNodeNames"] == []
    assert list(partial["runData"]) == ["T", "E", "V"]
    assert partial["runData"]["T"] == full["runData"]["T"] and partial["runData"]["E"] == full["runData"]["E"]
    assert partial["runData"]["V"][0]["data"]["main"][0][0]["json"] == {"value": 10}
    assert partial["lastNodeExecuted"] == "V"


def test_a_dirty_node_runs_again_in_a_partial_execution(harness: Harness) -> None:
    _, full = run_to_end(harness, chain([{"n": 1}]))
    _, partial = run_to_end(harness, chain([{"n": 5}]), destination_node="V",
                            previous_run_data=full["runData"], dirty_nodes=["E"])
    assert partial["runData"]["T"] == full["runData"]["T"]
    assert partial["runData"]["E"][0]["data"]["main"][0][0]["json"] == {"n": 5}
    assert partial["runData"]["V"][0]["data"]["main"][0][0]["json"] == {"value": 50}


def test_without_run_data_it_runs_from_the_trigger_to_the_destination(harness: Harness) -> None:
    _, partial = run_to_end(harness, chain([{"n": 2}]), destination_node="E")
    assert list(partial["runData"]) == ["T", "E"]


def test_an_unconnected_destination_ends_in_error(harness: Harness) -> None:
    data = workflow([TRIGGER, node("X", "emit", 200, 200), node("Y", "n8n-nodes-base.noOp", 400, 200)],
                    connect(("X", "Y")))
    execution_id = harness.start(data, mode="manual", destination_node="Y")
    execution = harness.wait(execution_id)
    assert execution.status == "error" and "'Y'" in (execution.error_message or "")


def test_partial_executions_are_manual_only(harness: Harness) -> None:
    with pytest.raises(ValueError, match="manual mode"):
        harness.start(chain([{"n": 1}]), mode="trigger", destination_node="E")
    with pytest.raises(ValueError, match="cannot be combined"):
        harness.start(chain([{"n": 1}]), mode="manual", destination_node="E", start_items=[{}])
