"""/execution/{id} in the simulated browser: executions the real runtime ran, shown node by node (the
canvas of the workflow as it ran, the timeline, a node run's input and output), the error card, and
retry, debug, stop and delete as the user's rights allow. The run-data readers are checked as plain
functions at the end."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing.user import User

from models import Execution
from models.executions import FINISHED
from services import execution_access, workflow_access
from services.access import NotFound
from services.events import EXECUTIONS
from services.runtime import Runtime
from services.workflow_json import workflow_to_json
from tests.api.conftest import Team
from tests.api.test_workflows_api import add_test_node_types, wait_until_node_started
from ui.editor.canvas import WorkflowCanvas
from ui.inspector.run_data import ErrorSummary, default_selection, error_summary, run_inputs, run_outputs
from ui.inspector.timeline import items_text

from .conftest import UiUser
from .test_workflows_page import eventually

START = {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
         "parameters": {}}
BROKEN_NAME = "<b>x</b>"


@pytest.fixture
def test_nodes(runtime: Runtime) -> None:
    add_test_node_types(runtime)


def node(name: str, type_name: str, x: int, **parameters: Any) -> dict[str, Any]:
    return {"name": name, "type": type_name, "typeVersion": 1, "position": [x, 0], "parameters": parameters}


def link(*pairs: tuple[str, int, str]) -> dict[str, Any]:
    """Connections from (source, output, target) triples."""
    connections: dict[str, Any] = {}
    for source, output, target in pairs:
        outputs = connections.setdefault(source, {"main": []})["main"]
        outputs += [[] for _ in range(output + 1 - len(outputs))]
        outputs[output].append({"node": target, "type": "main", "index": 0})
    return connections


def splitting(name: str = "Split") -> dict[str, Any]:
    """Start → Split (two items on output 1, one on output 2) → Keep (from output 1)."""
    split = node("Split", "test.emit", 200, outputs=2, perOutput=[[{"a": 1}, {"a": 2}], [{"b": 3}]])
    return {"name": name, "nodes": [START, split, node("Keep", "n8n-nodes-base.noOp", 400)],
            "connections": link(("Start", 0, "Split"), ("Split", 0, "Keep"))}


def stopping() -> dict[str, Any]:
    """Start → Prepare (one item) → <b>x</b>, a Stop and Error node with a message and a description."""
    error = json.dumps({"message": "Order is broken", "description": "Order 7 has no lines"})
    return {"name": "Stopper", "nodes": [
        START, node("Prepare", "test.emit", 200, items=[{"order": 7}]),
        node(BROKEN_NAME, "n8n-nodes-base.stopAndError", 400, errorType="errorObject", errorObject=error)],
        "connections": link(("Start", 0, "Prepare"), ("Prepare", 0, BROKEN_NAME))}


def failing_on_item() -> dict[str, Any]:
    """Start → Items → Check, which fails on its second item."""
    return {"name": "Checker", "nodes": [
        START, node("Items", "test.emit", 200, items=[{"ok": 1}, {"bad": True}]),
        node("Check", "test.fail", 400, perItem=True, message="bad item")],
        "connections": link(("Start", 0, "Items"), ("Items", 0, "Check"))}


def create(runtime: Runtime, team: Team, who: str, workflow: dict[str, Any], project_id: str | None = None) -> str:
    return workflow_access.create_workflow(runtime, team.actor(who), workflow, project_id).workflow.id


def start(runtime: Runtime, team: Team, who: str, workflow_id: str) -> int:
    """Start the workflow's saved version as the editor's queue would; returns the execution id."""
    view = workflow_access.get_workflow(runtime.db, team.actor(who), workflow_id)
    return runtime.executions.start(workflow_to_json(view.workflow), workflow_id=workflow_id,
                                    project_id=view.workflow.project_id, mode="manual")


async def finished(runtime: Runtime, execution_id: int, seconds: float = 20.0) -> Execution:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        with runtime.db.session() as session:
            execution = session.get(Execution, execution_id)
        assert execution is not None
        if execution.status in FINISHED:
            return execution
        assert asyncio.get_running_loop().time() < deadline, f"execution {execution_id} stuck in {execution.status}"
        await asyncio.sleep(0.05)


async def run(runtime: Runtime, team: Team, who: str, workflow: dict[str, Any],
              project_id: str | None = None) -> tuple[str, int]:
    """Create the workflow, run it to its end; returns (workflow id, execution id)."""
    workflow_id = create(runtime, team, who, workflow, project_id)
    execution_id = start(runtime, team, who, workflow_id)
    await finished(runtime, execution_id)
    return workflow_id, execution_id


def element(user: User, marker: str) -> Any:
    with user:
        return user.find(marker=marker).elements.pop()


def text_of(user: User, marker: str) -> str:
    return str(element(user, marker).text)


def drawn(user: User) -> dict[str, dict[str, Any]]:
    """The canvas's nodes by name: their run status and item counts."""
    with user:
        canvas = user.find(WorkflowCanvas).elements.pop()
    return {entry["data"]["name"]: entry["data"] for entry in canvas.props["nodes"]}


def table_rows(user: User, marker: str) -> list[dict[str, Any]]:
    return [{key: value for key, value in row.items() if not key.startswith("__")}
            for row in element(user, f"{marker}-table").rows]


# ---- a successful run ---------------------------------------------------------------------------

async def test_a_successful_run_shows_each_node_with_its_items_and_the_timeline(
        ui_user: UiUser, runtime: Runtime, team: Team, test_nodes: None) -> None:
    workflow_id, execution_id = await run(runtime, team, "member", splitting("Splitter"))
    user = await ui_user("member")

    await user.open(f"/execution/{execution_id}")

    await user.should_see(f"Execution #{execution_id}")
    await user.should_see(marker="status-success")
    assert element(user, "workflow-link").props["href"] == f"/workflow/{workflow_id}"
    assert text_of(user, "workflow-link") == "Splitter"
    assert text_of(user, "execution-mode") == "manual"
    nodes = drawn(user)
    assert {name: (data["status"], data["items"]) for name, data in nodes.items()} == {
        "Start": ("success", [1]), "Split": ("success", [2, 1]), "Keep": ("success", [2])}
    for position, name in enumerate(["Start", "Split", "Keep"]):
        with user:
            row = user.find(marker=f"timeline-row-{position}").elements.pop()
        assert name in [getattr(child, "text", "") for child in row.descendants()]
    await user.should_see("2 / 1 items")
    await user.should_not_see(marker="error-card")
    await user.should_not_see(marker="retry")  # a success cannot be retried
    # The last node executed is shown first: what it received and what it put out.
    assert text_of(user, "node-name") == "Keep"
    assert text_of(user, "input-source-0") == "From Split (output 1)"
    assert table_rows(user, "input-0") == [{"a": "1"}, {"a": "2"}]
    assert table_rows(user, "output-0") == [{"a": "1"}, {"a": "2"}]


async def test_selecting_a_node_shows_its_input_and_each_output(ui_user: UiUser, runtime: Runtime, team: Team,
                                                                test_nodes: None) -> None:
    _, execution_id = await run(runtime, team, "member", splitting())
    user = await ui_user("member")
    await user.open(f"/execution/{execution_id}")
    await user.should_see(marker="node-name")

    user.find(marker="timeline-row-1").click()  # Split, from the timeline

    await eventually(lambda: text_of(user, "node-name"), "Split")
    assert text_of(user, "input-source-0") == "From Start"
    assert table_rows(user, "output-0") == [{"a": "1"}, {"a": "2"}]
    assert table_rows(user, "output-1") == [{"b": "3"}]
    assert text_of(user, "output-name-1") == "Output 2"
    assert "bg-blue-50" in element(user, "timeline-row-1").classes

    with user:
        user.find(WorkflowCanvas).trigger("node_open", {"node": "Start"})  # a double-click on the canvas
    await eventually(lambda: text_of(user, "node-name"), "Start")
    await user.should_see("No input: this node started the workflow (or received nothing).")

    toggle = element(user, "output-0-mode")
    with user:
        toggle.value = "json"
    await user.should_see(marker="output-0-json")


async def test_debug_in_editor_opens_the_workflow_with_this_execution(ui_user: UiUser, runtime: Runtime, team: Team,
                                                                       test_nodes: None) -> None:
    workflow_id, execution_id = await run(runtime, team, "member", splitting())
    user = await ui_user("member")
    await user.open(f"/execution/{execution_id}")

    assert element(user, "debug-in-editor").props["href"] == f"/workflow/{workflow_id}?debug={execution_id}"
    await user.open(f"/execution/{execution_id}?project={team.personal('member')}")
    assert element(user, "debug-in-editor").props["href"] == (
        f"/workflow/{workflow_id}?project={team.personal('member')}&debug={execution_id}")


# ---- a failed run -------------------------------------------------------------------------------

async def test_a_failed_run_shows_the_error_and_selects_the_failing_node(ui_user: UiUser, runtime: Runtime,
                                                                         team: Team, test_nodes: None) -> None:
    _, execution_id = await run(runtime, team, "member", stopping())
    user = await ui_user("member")

    await user.open(f"/execution/{execution_id}")

    await user.should_see(marker="status-error")
    assert text_of(user, "error-message") == "Order is broken"
    assert text_of(user, "error-description") == "Order 7 has no lines"
    assert element(user, "error-node").text == BROKEN_NAME
    assert drawn(user)[BROKEN_NAME]["status"] == "error"
    assert drawn(user)[BROKEN_NAME]["message"] == "Order is broken"
    # The failing node is selected, its name shown as text, never as HTML.
    assert text_of(user, "node-name") == BROKEN_NAME
    await user.should_see(marker="node-error")
    assert text_of(user, "input-source-0") == "From Prepare"
    assert table_rows(user, "input-0") == [{"order": "7"}]
    await user.should_not_see(kind=ui.html)

    user.find(marker="timeline-row-0").click()
    await eventually(lambda: text_of(user, "node-name"), "Start")
    user.find(marker="error-node").click()
    await eventually(lambda: text_of(user, "node-name"), BROKEN_NAME)


async def test_the_error_card_names_the_failing_item(ui_user: UiUser, runtime: Runtime, team: Team,
                                                     test_nodes: None) -> None:
    _, execution_id = await run(runtime, team, "member", failing_on_item())
    user = await ui_user("member")
    await user.open(f"/execution/{execution_id}")

    assert text_of(user, "error-message") == "bad item"
    assert text_of(user, "error-item") == "1"
    assert element(user, "error-node").text == "Check"


async def test_retry_starts_a_new_execution_and_opens_it(ui_user: UiUser, runtime: Runtime, team: Team,
                                                         test_nodes: None) -> None:
    _, failed = await run(runtime, team, "member", failing_on_item())
    user = await ui_user("member")
    await user.open(f"/execution/{failed}")

    user.find(marker="retry").click()
    await user.should_see(marker="retry-saved")  # the run data was saved: retry from the failed node too
    user.find(marker="retry-current").click()

    retried = await _retry_of(runtime, team, failed)
    await user.should_see(f"Execution #{retried}", retries=60)
    assert element(user, "retry-of").props["href"] == f"/execution/{failed}"
    await finished(runtime, retried)
    await user.open(f"/execution/{failed}")
    assert element(user, f"retried-as-{retried}").props["href"] == f"/execution/{retried}"


async def _retry_of(runtime: Runtime, team: Team, execution_id: int) -> int:
    async def found() -> list[int]:
        views = execution_access.list_executions(runtime.db, team.actor("member"))
        return [view.execution.id for view in views if view.execution.retry_of == execution_id]  # type: ignore[misc]

    for _ in range(100):
        if retries := await found():
            return retries[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no retry of execution {execution_id}")


async def test_delete_asks_then_goes_back_to_the_workflows_executions(ui_user: UiUser, runtime: Runtime,
                                                                      team: Team, test_nodes: None) -> None:
    _, execution_id = await run(runtime, team, "member", stopping())
    user = await ui_user("member")
    await user.open(f"/execution/{execution_id}")

    user.find(marker="delete").click()
    user.find(marker="confirm-ok").click()

    await user.should_see(marker="execution-table", retries=60)
    await user.should_see(marker="filter-workflow")
    with pytest.raises(NotFound):
        execution_access.get_execution(runtime.db, team.actor("member"), str(execution_id))
    await user.open(f"/execution/{execution_id}")
    await user.should_see(marker="not-found")


# ---- rights -------------------------------------------------------------------------------------

async def test_a_viewer_sees_the_execution_but_gets_no_retry_or_delete(ui_user: UiUser, runtime: Runtime,
                                                                       team: Team, test_nodes: None) -> None:
    _, execution_id = await run(runtime, team, "acme_editor", stopping(), project_id=team.acme_id)
    user = await ui_user("acme_viewer")
    await user.open(f"/execution/{execution_id}")

    await user.should_see(marker="error-card")
    await user.should_not_see(marker="retry")
    await user.should_not_see(marker="delete")
    await user.should_see(marker="debug-in-editor")  # looking is reading


async def test_an_outsider_or_an_unknown_id_gets_not_found(ui_user: UiUser, runtime: Runtime, team: Team,
                                                           test_nodes: None) -> None:
    _, execution_id = await run(runtime, team, "member", splitting("Private"))
    outsider = await ui_user("outsider")

    for wrong in (str(execution_id), "999999", "not-a-number"):
        await outsider.open(f"/execution/{wrong}")
        await outsider.should_see(marker="not-found")
    await outsider.should_not_see("Private")


# ---- runs without data and running ones ---------------------------------------------------------

async def test_an_execution_without_saved_data_says_so(ui_user: UiUser, runtime: Runtime, team: Team,
                                                       test_nodes: None) -> None:
    workflow = {**splitting("Unsaved"), "settings": {"saveDataSuccessExecution": "none"}}
    _, execution_id = await run(runtime, team, "member", workflow)
    user = await ui_user("member")

    await user.open(f"/execution/{execution_id}")

    await user.should_see(marker="status-success")
    await user.should_see(marker="no-data")
    await user.should_see("Last node executed: Keep")
    await user.should_see("No node runs recorded.")
    await user.should_not_see(marker="debug-in-editor")
    assert {data["status"] for data in drawn(user).values()} == {""}


async def test_a_running_execution_follows_itself_and_can_be_stopped(ui_user: UiUser, runtime: Runtime, team: Team,
                                                                     test_nodes: None) -> None:
    workflow_id = create(runtime, team, "member", {
        "name": "Slow", "nodes": [START, node("Wait here", "test.slow", 200)],
        "connections": link(("Start", 0, "Wait here"))})
    execution_id = await asyncio.to_thread(
        wait_until_node_started, runtime, lambda: start(runtime, team, "member", workflow_id), "Wait here")
    user = await ui_user("member")
    listening_before = listeners(runtime)

    await user.open(f"/execution/{execution_id}")

    await user.should_see(marker="status-running")
    assert listeners(runtime) == listening_before + 1
    await user.should_see(marker="live-note")
    await user.should_not_see(marker="delete")  # running: stop it first
    user.find(marker="stop").click()

    await user.should_see(marker="status-canceled", retries=200)
    await user.should_not_see(marker="live-note")
    await user.should_see(marker="delete")
    assert listeners(runtime) == listening_before  # it ended: the page stopped following it


def listeners(runtime: Runtime) -> int:
    return len(runtime.bus._handlers.get(EXECUTIONS, []))  # type: ignore[attr-defined]


# ---- the readers, as plain functions ------------------------------------------------------------

def task(index: int, outputs: list[list[dict[str, Any]]] | None, source: list[Any] | None = None,
         error: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"startTime": 1000 + index, "executionTime": 1, "executionIndex": index,
                            "source": source or []}
    if outputs is not None:
        data["data"] = {"main": outputs}
    if error:
        data["error"] = error
    return data


def test_inputs_follow_the_source_of_the_run() -> None:
    run_data = {
        "A": [task(0, [[{"json": {"n": 1}}], [{"json": {"n": 2}}]]), task(2, [[{"json": {"n": 3}}], []])],
        "B": [task(1, [[]], [{"previousNode": "A", "previousNodeOutput": 1}]),
              task(3, [[]], [{"previousNode": "A", "previousNodeRun": 1}, None])],
    }
    first, second = run_inputs(run_data, "B", 0), run_inputs(run_data, "B", 1)
    assert [(i.input, i.node, i.output, i.run, i.items) for i in first] == [(0, "A", 1, 0, [{"json": {"n": 2}}])]
    assert [(i.input, i.node, i.output, i.run, i.items) for i in second] == [(0, "A", 0, 1, [{"json": {"n": 3}}])]
    assert run_inputs(run_data, "B", 5) == [] and run_inputs(run_data, "Nope", 0) == []
    assert run_outputs(run_data, "A", 1) == [[{"json": {"n": 3}}], []]
    assert run_outputs({"E": [task(0, None)]}, "E", 0) == []


def test_the_error_and_the_node_shown_first() -> None:
    failed = Execution(id=1, workflow_id="w", project_id="p", mode="manual", status="error",
                       error_message="boom", last_node="F")
    document = {"error": {"message": "boom", "node": "F", "name": "NodeOperationError"}, "lastNodeExecuted": "F",
                "runData": {"S": [task(0, [[{}]])],
                            "F": [task(1, None, error={"message": "boom", "description": "why", "itemIndex": 2})]}}
    assert error_summary(document, failed) == ErrorSummary("boom", "why", "F", 2, "NodeOperationError")
    assert default_selection(document, failed) == ("F", 0)
    # No run data kept: the row still tells the message and the node.
    assert error_summary({}, failed) == ErrorSummary("boom", node="F")
    assert default_selection({}, failed) is None
    succeeded = Execution(id=2, workflow_id="w", project_id="p", mode="manual", status="success")
    assert error_summary({"runData": {"S": [task(0, [[{}]])]}}, succeeded) is None
    assert default_selection({"runData": {"S": [task(0, [[{}]])], "T": [task(1, [[{}]])]}}, succeeded) == ("T", 0)


def test_item_counts_read_as_words() -> None:
    assert [items_text(counts) for counts in ([], [1], [3], [2, 1])] == ["0 items", "1 item", "3 items", "2 / 1 items"]
