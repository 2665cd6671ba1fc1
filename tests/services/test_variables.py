"""Variables as a service, and `$vars` / `_vars` in a real execution (embedded worker, real database)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models import Database, Execution, Project, Workflow
from models.repositories import load_execution_data
from services.access import AccessDenied, Actor, NotFound
from services.runtime import Runtime, build_runtime
from services.settings import load_settings
from services.variables import (
    VariableConflict,
    VariableError,
    create_variable,
    list_variables,
    update_variable,
    variables_for_project,
)

OWNER = Actor("owner-id", "owner", "owner@example.com")


def project(database: Database, name: str) -> str:
    with database.session() as session:
        row = Project(name=name)
        session.add(row)
        session.flush()
        return row.id


def test_a_project_sees_the_globals_overridden_by_its_own(database: Database) -> None:
    acme, other = project(database, "Acme"), project(database, "Other")
    create_variable(database, OWNER, key="REGION", value="eu")
    create_variable(database, OWNER, key="URL", value="https://global")
    create_variable(database, OWNER, key="URL", value="https://acme", project_id=acme)
    create_variable(database, OWNER, key="SECRET_OF_OTHER", value="x", project_id=other)

    assert variables_for_project(database, acme) == {"REGION": "eu", "URL": "https://acme"}
    assert variables_for_project(database, "no-such-project") == {"REGION": "eu", "URL": "https://global"}


def test_rules_hold_for_every_caller_not_just_the_api(database: Database) -> None:
    acme = project(database, "Acme")
    member = Actor("member-id", "member", "member@example.com")

    with pytest.raises(VariableError, match="key:"):
        create_variable(database, OWNER, key="a b", value="")
    with pytest.raises(AccessDenied):
        create_variable(database, member, key="G", value="")
    with pytest.raises(NotFound):
        create_variable(database, member, key="P", value="", project_id=acme)
    created = create_variable(database, OWNER, key="G", value="1")
    with pytest.raises(VariableConflict):
        create_variable(database, OWNER, key="G", value="2")
    with pytest.raises(NotFound):
        list_variables(database, member, project_id=acme)
    assert [view.variable.key for view in list_variables(database, member)] == ["G"]
    moved = update_variable(database, OWNER, created.variable.id, key="G", value="3", project_id=acme)
    assert moved.project is not None and moved.project.name == "Acme"
    assert list_variables(database, member) == []


@pytest.fixture
def runtime(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    settings = load_settings({
        "KNOTWORK_DATABASE_URL": database.url.render_as_string(hide_password=False),
        "KNOTWORK_DATA_DIR": str(tmp_path / "data"),
        "KNOTWORK_ENCRYPTION_KEY": "test-key-for-the-variables-tests",
    })
    runtime = build_runtime(settings, upgrade=False)
    runtime.start_embedded()
    try:
        yield runtime
    finally:
        runtime.close()


WORKFLOW: dict[str, Any] = {
    "nodes": [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
         "parameters": {}},
        {"name": "Set", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 0],
         "parameters": {"assignments": {"assignments": [
             {"id": "1", "name": "url", "type": "string", "value": "={{ $vars.URL }}"},
             {"id": "2", "name": "region", "type": "string", "value": "={{ $vars['REGION'] }}"},
         ]}}},
        {"name": "Code", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [400, 0],
         "parameters": {"language": "python", "pythonCode":
                        "return [{'fromCode': _vars.URL, 'region': _vars['REGION'], 'set': _input.first().json.url}]"}},
    ],
    "connections": {
        "Start": {"main": [[{"node": "Set", "type": "main", "index": 0}]]},
        "Set": {"main": [[{"node": "Code", "type": "main", "index": 0}]]},
    },
    "settings": {"executionOrder": "v1"},
}


def run_in(runtime: Runtime, project_id: str) -> dict[str, Any]:
    """Run WORKFLOW as a workflow of `project_id`; the Code node's output."""
    with runtime.db.session() as session:
        row = Workflow(project_id=project_id, name="vars", nodes=WORKFLOW["nodes"], connections=WORKFLOW["connections"])
        session.add(row)
        session.flush()
        workflow_id = row.id
    execution_id = runtime.executions.start(WORKFLOW, workflow_id=workflow_id, project_id=project_id, mode="manual")
    deadline = time.monotonic() + 30
    while True:
        with runtime.db.session() as session:
            execution = session.get(Execution, execution_id)
            assert execution is not None
            if execution.status in ("success", "error", "crashed", "canceled"):
                loaded = load_execution_data(session, execution_id)
                break
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.02)
    assert execution.status == "success", execution
    assert loaded is not None
    return loaded[1]["runData"]["Code"][0]["data"]["main"][0][0]["json"]


def test_vars_reach_expressions_and_the_code_node_of_each_project(runtime: Runtime) -> None:
    acme, other = project(runtime.db, "Acme"), project(runtime.db, "Other")
    create_variable(runtime.db, OWNER, key="URL", value="https://global")
    create_variable(runtime.db, OWNER, key="REGION", value="eu")
    create_variable(runtime.db, OWNER, key="URL", value="https://acme", project_id=acme)

    assert run_in(runtime, acme) == {"fromCode": "https://acme", "region": "eu", "set": "https://acme"}
    assert run_in(runtime, other) == {"fromCode": "https://global", "region": "eu", "set": "https://global"}
