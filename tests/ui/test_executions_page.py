"""/executions in the simulated browser: executions the real runtime ran, filters, the list following
new runs, and retry, stop and delete through the real services."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing.user import User

from services import execution_access, workflow_access
from services.events import EXECUTIONS
from services.runtime import Runtime
from tests.api.conftest import Team
from tests.api.test_workflows_api import add_test_node_types, wait_until_node_started

from .conftest import UiUser
from .test_workflows_page import START, eventually


@pytest.fixture
def test_nodes(runtime: Runtime) -> None:
    add_test_node_types(runtime)


def flow(runtime: Runtime, team: Team, who: str, name: str, node_type: str | None = None,
         project_id: str | None = None) -> str:
    """A workflow: Manual Trigger, then a node of `node_type` when given; returns its id."""
    nodes: list[dict[str, Any]] = [START]
    connections: dict[str, Any] = {}
    if node_type:
        nodes.append({"name": "Work", "type": node_type, "typeVersion": 1, "position": [200, 0], "parameters": {}})
        connections = {"Start": {"main": [[{"node": "Work", "type": "main", "index": 0}]]}}
    data = {"name": name, "nodes": nodes, "connections": connections}
    return workflow_access.create_workflow(runtime, team.actor(who), data, project_id).workflow.id


async def run(runtime: Runtime, team: Team, who: str, workflow_id: str) -> int:
    """Run the workflow and wait for it to end; returns the execution id."""
    outcome = await execution_access.run_workflow(runtime, team.actor(who), workflow_id, None, wait=True)
    assert outcome.finished is not None
    return outcome.execution_id


def ids_listed(user: User) -> list[int]:
    with user:
        table = user.find(marker="execution-table").elements.pop()
        return [int(link.text[1:]) for link in table.descendants()
                if isinstance(link, ui.link) and link.text.startswith("#")]


async def listed(user: User, *ids: int) -> None:
    await eventually(lambda: ids_listed(user), sorted(ids, reverse=True), seconds=6.0)


async def test_people_see_the_executions_of_workflows_they_read(ui_user: UiUser, runtime: Runtime, team: Team,
                                                                test_nodes: None) -> None:
    ok = flow(runtime, team, "member", "Fine")
    broken = flow(runtime, team, "member", "Broken", "test.fail")
    in_acme = flow(runtime, team, "acme_editor", "Acme job", project_id=team.acme_id)
    fine_run, failed_run = await run(runtime, team, "member", ok), await run(runtime, team, "member", broken)
    acme_run = await run(runtime, team, "acme_editor", in_acme)

    member = await ui_user("member")
    await member.open("/executions")
    await listed(member, fine_run, failed_run)
    await member.should_see("Broken")
    with member:
        badge = member.find(marker="status-error").elements.pop()
    assert badge.props["color"] == "negative"
    await member.should_see(marker="status-success")
    await member.should_not_see("Acme job")

    outsider = await ui_user("outsider")
    await outsider.open("/executions")
    await listed(outsider)
    owner = await ui_user("owner")
    await owner.open(f"/executions?project={team.acme_id}")
    await listed(owner, acme_run)

    await member.open(f"/executions?workflow={broken}")
    await listed(member, failed_run)
    await member.should_see(marker="filter-workflow")


async def test_filters_by_status_mode_and_date(ui_user: UiUser, runtime: Runtime, team: Team,
                                               test_nodes: None) -> None:
    ok, broken = flow(runtime, team, "member", "Fine"), flow(runtime, team, "member", "Broken", "test.fail")
    fine_run, failed_run = await run(runtime, team, "member", ok), await run(runtime, team, "member", broken)
    user = await ui_user("member")
    await user.open("/executions?status=error")
    await listed(user, failed_run)

    user.find(marker="filter-status").click()
    user.find("Any status").click()
    await listed(user, fine_run, failed_run)
    user.find(marker="filter-mode").click()
    user.find("retry").click()
    await listed(user)
    user.find(marker="filter-mode").click()
    user.find("integrated").click()
    await listed(user, fine_run, failed_run)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    user.find(marker="filter-since").type(tomorrow)
    await listed(user)


async def test_the_list_shows_new_runs_by_itself(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    workflow_id = flow(runtime, team, "member", "Fine")
    user = await ui_user("member")
    await user.open("/executions")
    await listed(user)

    execution_id = await run(runtime, team, "member", workflow_id)

    await listed(user, execution_id)


async def test_retry_and_delete_a_failed_execution(ui_user: UiUser, runtime: Runtime, team: Team,
                                                   test_nodes: None) -> None:
    failed_run = await run(runtime, team, "member", flow(runtime, team, "member", "Broken", "test.fail"))
    user = await ui_user("member")
    await user.open("/executions")

    user.find(marker=f"retry-{failed_run}").click()
    user.find(marker=f"retry-current-{failed_run}").click()
    await user.should_see(f"Execution {failed_run} retried")
    await user.should_see(f"retry of #{failed_run}")
    retried = [view.execution.id for view in execution_access.list_executions(runtime.db, team.actor("member"))
               if view.execution.retry_of == failed_run]
    assert len(retried) == 1

    user.find(marker=f"delete-{failed_run}").click()
    user.find(marker="confirm-ok").click()
    await user.should_see(f"Execution {failed_run} deleted")
    await eventually(lambda: failed_run in ids_listed(user), False)


async def test_stop_a_running_execution(ui_user: UiUser, runtime: Runtime, team: Team, test_nodes: None) -> None:
    slow = flow(runtime, team, "member", "Slow", "test.slow")
    loop = asyncio.get_running_loop()

    def start() -> int:
        future = asyncio.run_coroutine_threadsafe(
            execution_access.run_workflow(runtime, team.actor("member"), slow, None), loop)
        return future.result(10).execution_id

    execution_id = await asyncio.to_thread(wait_until_node_started, runtime, start, "Work")
    user = await ui_user("member")
    await user.open("/executions")
    await user.should_see(marker=f"stop-{execution_id}")
    await user.should_not_see(marker=f"delete-{execution_id}")  # running: stop it first

    user.find(marker=f"stop-{execution_id}").click()

    await user.should_see(f"Execution {execution_id} stopped", retries=100)
    view = execution_access.get_execution(runtime.db, team.actor("member"), str(execution_id))
    assert view.execution.status == "canceled"


async def test_a_viewer_gets_no_retry_stop_or_delete(ui_user: UiUser, runtime: Runtime, team: Team,
                                                     test_nodes: None) -> None:
    failed_run = await run(runtime, team, "acme_editor",
                           flow(runtime, team, "acme_editor", "Broken", "test.fail", project_id=team.acme_id))
    user = await ui_user("acme_viewer")
    await user.open(f"/executions?project={team.acme_id}")
    await listed(user, failed_run)
    await user.should_not_see(marker=f"retry-{failed_run}")
    await user.should_not_see(marker=f"delete-{failed_run}")


async def test_the_page_stops_listening_when_its_client_goes(ui_user: UiUser, runtime: Runtime, team: Team) -> None:
    def listeners() -> int:
        return len(runtime.bus._handlers.get(EXECUTIONS, []))  # type: ignore[attr-defined]

    before = listeners()
    user = await ui_user("member")
    await user.open("/executions")
    assert listeners() == before + 1

    with user:
        user.client.delete()  # what NiceGUI does once a disconnected browser does not come back

    assert listeners() == before
