"""Retry from the failed node: an unfinished run's state goes to JSON and the run continues."""

from __future__ import annotations

import json

from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from .nodes_for_tests import connect, make_registry, node, workflow

REGISTRY = make_registry()


async def test_a_failed_run_resumes_at_the_failed_node_without_rerunning_earlier_nodes():
    data = workflow(
        [node("T", "n8n-nodes-base.manualTrigger"),
         node("E", "emit", 200, 0, parameters={"items": [{"n": 1}, {"n": 2}]}),
         node("F", "fail", 400, 0, parameters={"failTimes": 1}),
         node("N", "n8n-nodes-base.noOp", 600, 0)],
        connect(("T", "E"), ("E", "F"), ("F", "N")),
    )
    parsed = parse_workflow(data, REGISTRY)
    failed = await execute_workflow(parsed, REGISTRY)
    assert failed.status == "error" and failed.state is not None
    state = json.loads(json.dumps(failed.state))  # it must survive storage as JSON

    resumed = await execute_workflow(parsed, REGISTRY, resume=state)

    assert resumed.status == "success", resumed.error
    assert [len(resumed.run_data[n]) for n in ("T", "E", "F", "N")] == [1, 1, 1, 1]
    assert resumed.run_data["F"][0].error is None
    assert [i.json for i in resumed.output_of("N")] == [{"calls": 2}]
    # earlier runs keep their order; the retried node comes after them
    indexes = [resumed.run_data[n][0].execution_index for n in ("T", "E", "F", "N")]
    assert indexes == sorted(indexes) and len(set(indexes)) == 4
    assert resumed.state is None


async def test_resume_refuses_a_workflow_that_lost_the_failed_node():
    data = workflow(
        [node("T", "n8n-nodes-base.manualTrigger"), node("F", "fail", 200, 0)],
        connect(("T", "F")),
    )
    failed = await execute_workflow(parse_workflow(data, REGISTRY), REGISTRY)
    changed = parse_workflow(workflow([node("T", "n8n-nodes-base.manualTrigger")], {}), REGISTRY)
    result = await execute_workflow(changed, REGISTRY, resume=failed.state)
    assert result.status == "error"
    assert "no longer exist" in result.error["message"]
