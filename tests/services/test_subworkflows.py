"""Sub-workflows through the database: loaded by id under the caller policy, recorded as executions
linked to their parent both ways, run inline when waited for, queued when not. A real database and
a real Dramatiq worker (stub broker)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlmodel import col, select

from models import Database, Execution, Project, Workflow
from models.repositories import load_execution_data
from services.events import LocalEventBus
from services.executions import ExecutionRuntime, RunPolicy
from services.queue import EmbeddedWorker, declare_execution_actor, make_broker
from services.subworkflows import DEFAULT_CALLER_POLICY, sub_executions
from services.workflow_json import workflow_to_json
from tests.engine.nodes_for_tests import connect, make_registry, node

FINISHED = {"success", "error", "canceled", "crashed"}


class Platform:
    """Projects and saved workflows, an ExecutionRuntime and its embedded worker."""

    def __init__(self, database: Database, policy: RunPolicy) -> None:
        self.db = database
        self.bus = LocalEventBus()
        self.broker = make_broker("")
        holder: list[Any] = []
        self.runtime = ExecutionRuntime(database, make_registry(), self.bus, policy, "test-worker",
                                        enqueue=lambda execution_id: holder[0].send(execution_id))
        holder.append(declare_execution_actor(self.broker, self.runtime.run))
        self.worker = EmbeddedWorker(self.broker, threads=2)
        self.team = self.project("Team")

    def project(self, name: str) -> str:
        with self.db.session() as session:
            project = Project(name=name)
            session.add(project)
            session.flush()
            return project.id

    def save(self, document: dict[str, Any], project_id: str | None = None, **settings: Any) -> str:
        with self.db.session() as session:
            row = Workflow(project_id=project_id or self.team, name=document.get("name", "wf"),
                           nodes=document["nodes"], connections=document["connections"],
                           settings={**document.get("settings", {}), **settings})
            session.add(row)
            session.flush()
            return row.id

    def start(self, workflow_id: str, mode: str = "trigger") -> int:
        with self.db.session() as session:
            row = session.get(Workflow, workflow_id)
            assert row is not None
            document, project_id = workflow_to_json(row), row.project_id
        return self.runtime.start(document, workflow_id=workflow_id, project_id=project_id, mode=mode)

    def wait(self, execution_id: int, statuses: set[str] = FINISHED, seconds: float = 20) -> Execution:
        deadline = time.monotonic() + seconds
        while True:
            with self.db.session() as session:
                execution = session.get(Execution, execution_id)
            assert execution is not None
            if execution.status in statuses:
                return execution
            assert time.monotonic() < deadline, f"execution {execution_id} stuck in {execution.status}"
            time.sleep(0.01)

    def run(self, workflow_id: str, mode: str = "trigger") -> Execution:
        return self.wait(self.start(workflow_id, mode))

    def data(self, execution_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        with self.db.session() as session:
            loaded = load_execution_data(session, execution_id)
        assert loaded is not None
        return loaded

    def output(self, execution_id: int, node_name: str) -> list[dict[str, Any]]:
        run = self.data(execution_id)[1]["runData"][node_name][-1]
        return [item["json"] for item in run["data"]["main"][0]]

    def executions(self, workflow_id: str) -> list[Execution]:
        with self.db.session() as session:
            return list(session.exec(select(Execution).where(col(Execution.workflow_id) == workflow_id)
                                     .order_by(col(Execution.id))))

    def children(self, execution_id: int) -> list[Execution]:
        with self.db.session() as session:
            return sub_executions(session, execution_id)


@contextmanager
def running_platform(database: Database) -> Iterator[Platform]:
    made = Platform(database, RunPolicy(code_timeout=2, public_url="https://knotwork.example/"))
    made.worker.start()
    try:
        yield made
    finally:
        made.worker.stop()
        made.runtime.close()


@pytest.fixture
def platform(database: Database) -> Iterator[Platform]:
    with running_platform(database) as made:
        yield made


# ---- workflows ------------------------------------------------------------------------------------

def flow(name: str, nodes: list[dict[str, Any]], **settings: Any) -> dict[str, Any]:
    """`nodes` in a chain, v1 order."""
    edges = [(nodes[i]["name"], nodes[i + 1]["name"]) for i in range(len(nodes) - 1)]
    return {"name": name, "nodes": nodes, "connections": connect(*edges),
            "settings": {"executionOrder": "v1", **settings}}


def sub(*after: dict[str, Any], name: str = "child") -> dict[str, Any]:
    start = node("Input", "n8n-nodes-base.executeWorkflowTrigger", typeVersion=1.1,
                 parameters={"inputSource": "passthrough"})
    return flow(name, [start, *after])


def mark(value: str) -> dict[str, Any]:
    return node("Mark", "n8n-nodes-base.set", 200, typeVersion=3.4, parameters={
        "assignments": {"assignments": [{"id": "1", "name": "by", "value": value, "type": "string"}]},
        "includeOtherFields": True, "options": {}})


def parent(child_id: str | None, items: list[dict[str, Any]], name: str = "parent", **parameters: Any) -> dict[str, Any]:
    """Manual Trigger → Emit(items) → Execute Workflow (by id when given)."""
    if child_id is not None:
        parameters = {"workflowId": {"__rl": True, "value": child_id, "mode": "id"}, **parameters}
    call = node("Call", "n8n-nodes-base.executeWorkflow", 400, typeVersion=1.2, parameters=parameters)
    return flow(name, [node("Start", "n8n-nodes-base.manualTrigger"), node("Items", "emit", 100,
                                                                         parameters={"items": items}), call])


# ---- linking --------------------------------------------------------------------------------------

def test_a_child_by_id_is_an_execution_linked_to_its_parent_both_ways(platform: Platform) -> None:
    # Given a saved sub-workflow and a saved caller
    child_id = platform.save(sub(mark("child")))
    parent_id = platform.save(parent(child_id, [{"n": 1}, {"n": 2}]))
    # When the caller runs
    execution = platform.run(parent_id)
    # Then it continues with the child's output
    assert execution.status == "success"
    assert platform.output(execution.id, "Call") == [{"n": 1, "by": "child"}, {"n": 2, "by": "child"}]  # type: ignore[arg-type]
    # And the child is a finished execution of the sub-workflow, in mode integrated, pointing at the parent
    [child] = platform.children(execution.id)  # type: ignore[arg-type]
    assert (child.workflow_id, child.mode, child.status) == (child_id, "integrated", "success")
    assert child.parent_execution_id == execution.id and platform.executions(child_id) == [child]
    snapshot, document = platform.data(child.id)  # type: ignore[arg-type]
    assert snapshot["parentExecution"] == {"executionId": str(execution.id), "workflowId": parent_id}
    assert snapshot["startNode"] == "Input" and snapshot["startItems"] == [{"json": {"n": 1}}, {"json": {"n": 2}}]
    assert document["runData"]["Mark"][0]["data"]["main"][0][1]["json"] == {"n": 2, "by": "child"}


def test_each_mode_records_one_child_per_item(platform: Platform) -> None:
    child_id = platform.save(sub(mark("each")))
    parent_id = platform.save(parent(child_id, [{"n": 1}, {"n": 2}, {"n": 3}], mode="each"))
    execution = platform.run(parent_id)
    children = platform.children(execution.id)  # type: ignore[arg-type]
    assert [c.status for c in children] == ["success"] * 3
    assert [platform.data(c.id)[0]["startItems"] for c in children] == [[{"json": {"n": n}}] for n in (1, 2, 3)]  # type: ignore[arg-type]
    assert platform.output(execution.id, "Call") == [{"n": n, "by": "each"} for n in (1, 2, 3)]  # type: ignore[arg-type]


def test_nested_sub_workflows_chain_their_links(platform: Platform) -> None:
    grandchild_id = platform.save(sub(mark("grandchild"), name="grandchild"))
    middle = sub(node("Call", "n8n-nodes-base.executeWorkflow", 300, typeVersion=1.2,
                      parameters={"workflowId": grandchild_id}), name="middle")
    middle_id = platform.save(middle)
    execution = platform.run(platform.save(parent(middle_id, [{"n": 1}])))
    assert platform.output(execution.id, "Call") == [{"n": 1, "by": "grandchild"}]  # type: ignore[arg-type]
    [child] = platform.children(execution.id)  # type: ignore[arg-type]
    [grandchild] = platform.children(child.id)  # type: ignore[arg-type]
    assert (child.workflow_id, grandchild.workflow_id) == (middle_id, grandchild_id)


def test_not_waiting_queues_the_child_and_continues_with_the_input(platform: Platform) -> None:
    child_id = platform.save(sub(mark("later")))
    parent_id = platform.save(parent(child_id, [{"n": 1}], options={"waitForSubWorkflow": False}))
    execution = platform.run(parent_id)
    assert execution.status == "success" and platform.output(execution.id, "Call") == [{"n": 1}]  # type: ignore[arg-type]
    [child] = platform.children(execution.id)  # type: ignore[arg-type]
    child = platform.wait(child.id)  # type: ignore[arg-type]
    assert (child.status, child.mode, child.parent_execution_id) == ("success", "integrated", execution.id)
    assert platform.output(child.id, "Mark") == [{"n": 1, "by": "later"}]  # type: ignore[arg-type]


def test_inline_json_runs_as_part_of_the_calling_workflow(platform: Platform) -> None:
    parent_id = platform.save(parent(None, [{"n": 1}], source="parameter", workflowJson=sub(mark("inline"))))
    execution = platform.run(parent_id)
    assert platform.output(execution.id, "Call") == [{"n": 1, "by": "inline"}]  # type: ignore[arg-type]
    [child] = platform.children(execution.id)  # type: ignore[arg-type]
    assert child.workflow_id == parent_id and child.mode == "integrated"


def test_a_failing_child_fails_its_parent_and_both_are_recorded(platform: Platform) -> None:
    child_id = platform.save(sub(node("Boom", "fail", 200, parameters={"message": "child broke"})))
    execution = platform.run(platform.save(parent(child_id, [{"n": 1}])))
    [child] = platform.children(execution.id)  # type: ignore[arg-type]
    assert (execution.status, execution.error_message, execution.last_node) == ("error", "child broke (call 1)", "Call")
    assert (child.status, child.last_node) == ("error", "Boom")
    error = platform.data(execution.id)[1]["error"]  # type: ignore[arg-type]
    assert error["context"] == {"executionId": str(child.id), "workflowId": child_id}


def test_canceling_the_parent_cancels_the_child_it_waits_for(platform: Platform) -> None:
    child_id = platform.save(sub(node("Wait", "slow", 200)))
    parent_execution = platform.start(platform.save(parent(child_id, [{"n": 1}])))
    deadline = time.monotonic() + 20
    while not (children := platform.children(parent_execution)) or children[0].status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert platform.runtime.cancel(parent_execution) is True
    assert platform.wait(parent_execution).status == "canceled"
    assert platform.wait(children[0].id).status == "canceled"  # type: ignore[arg-type]


def test_an_unknown_workflow_id(platform: Platform) -> None:
    execution = platform.run(platform.save(parent("no-such-workflow", [{"n": 1}])))
    assert execution.status == "error" and execution.error_message == "Workflow does not exist."
    assert platform.children(execution.id) == []  # type: ignore[arg-type]


# ---- caller policy -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("policy", "same_project", "listed", "allowed"),
    [
        (None, True, False, True),
        (None, False, False, False),
        ("workflowsFromSameOwner", False, False, False),
        ("any", False, False, True),
        ("none", True, False, False),
        ("workflowsFromAList", False, True, True),
        ("workflowsFromAList", True, False, False),
    ],
)
def test_the_caller_policy_of_the_called_workflow_decides(platform: Platform, policy: str | None,
                                                          same_project: bool, listed: bool, allowed: bool) -> None:
    # Given a caller, and a sub-workflow with this policy, in this project, with this allowlist
    parent_id = platform.save(parent(None, [{"n": 1}]))  # its Execute Workflow node is pointed below
    settings: dict[str, Any] = {}
    if policy:
        settings["callerPolicy"] = policy
    if listed:
        settings["callerIds"] = f"some-other, {parent_id} ,"
    project = platform.team if same_project else platform.project("Elsewhere")
    child_id = platform.save(sub(mark("ok")), project, **settings)
    with platform.db.session() as session:
        row = session.get(Workflow, parent_id)
        assert row is not None
        row.nodes = parent(child_id, [{"n": 1}])["nodes"]
        session.add(row)
    # When the caller runs
    execution = platform.run(parent_id)
    # Then it may call it, or fails naming the policy, and no child execution exists
    if allowed:
        assert execution.status == "success" and len(platform.children(execution.id)) == 1  # type: ignore[arg-type]
        return
    shown = policy or DEFAULT_CALLER_POLICY
    assert execution.status == "error"
    assert execution.error_message == f"Target workflow ID {child_id} may not be called (its caller policy is '{shown}')"
    assert platform.children(execution.id) == [] and platform.executions(child_id) == []  # type: ignore[arg-type]
