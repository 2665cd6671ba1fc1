"""A credential's secret never leaves the vault except into the node that uses it: not into the
database file, the execution data, error messages, the audit log, API answers or the log output.

A test-only node type reads a credential and (misbehaving on purpose) echoes the secret into its
output and into its error, the worst a node can do; Knotwork scrubs both before saving."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType, Parameter
from models import AuditEvent
from models.repositories import load_execution_data
from services.credentials import add_credential
from services.runtime import Runtime
from services.workflows import create_workflow

from .conftest import Team

SECRET = "s3cr3t-value-that-must-never-leak-7f1c"


class LeakyNode(NodeType):
    description = NodeDescription(
        name="knotwork.testLeaky", display_name="Leaky (test only)", group="transform",
        description="Echoes a header credential's value", versions=(1.0,), default_version=1.0,
        credentials=(CredentialSlot("httpHeaderAuth"),),
        parameters=(Parameter("fail", "Fail", "boolean", default=False),),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        data = await ctx.get_credentials("httpHeaderAuth")
        if ctx.param("fail"):
            raise NodeOperationError(f"remote said: bad token {data['value']}")
        return [[Item({"echo": data["value"], "nested": {"header": f"Bearer {data['value']}"}})]]


@pytest.fixture
def leaky(runtime: Runtime) -> None:
    if runtime.registry.resolve("knotwork.testLeaky") is None:
        runtime.registry.add(LeakyNode)


def workflow(credential_id: str, fail: bool) -> dict[str, Any]:
    return {"name": "Leaky", "nodes": [
        {"id": "1", "name": "Start", "type": "knotwork.manualTrigger", "typeVersion": 1, "position": [0, 0],
         "parameters": {}},
        {"id": "2", "name": "Leak", "type": "knotwork.testLeaky", "typeVersion": 1, "position": [200, 0],
         "parameters": {"fail": fail}, "credentials": {"httpHeaderAuth": {"id": credential_id, "name": "Header"}}},
    ], "connections": {"Start": {"main": [[{"node": "Leak", "type": "main", "index": 0}]]}},
        "settings": {"executionOrder": "v1"}}


def wait_finished(runtime: Runtime, execution_id: int) -> dict[str, Any]:
    import time

    from models import Execution

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with runtime.db.session() as session:
            row = session.get_one(Execution, execution_id)
            if row.status in ("success", "error", "crashed", "canceled"):
                loaded = load_execution_data(session, execution_id)
                return {"status": row.status, "error": row.error_message, "data": loaded[1] if loaded else None}
        time.sleep(0.05)
    raise AssertionError(f"execution {execution_id} did not finish")


@pytest.mark.parametrize("fail", [False, True], ids=["output", "error"])
def test_a_secret_echoed_by_a_node_is_scrubbed_everywhere(runtime: Runtime, team: Team, api: TestClient,
                                                          leaky: None, fail: bool, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    editor = team.actor("acme_editor")
    credential = add_credential(runtime.db, editor, key=runtime.executions.encryption_key, name="Header",
                                type="httpHeaderAuth", data={"name": "X-Token", "value": SECRET},
                                project_id=team.acme_id).credential
    stored = create_workflow(runtime.db, workflow(credential.id, fail), team.acme_id, registry=runtime.registry)

    execution_id = runtime.executions.start(workflow(credential.id, fail), workflow_id=stored.id,
                                            project_id=team.acme_id, mode="manual")
    finished = wait_finished(runtime, execution_id)

    # The node really got the secret (it echoed it), and what was saved has it scrubbed
    assert finished["status"] == ("error" if fail else "success")
    saved = repr(finished["data"]) + repr(finished["error"])
    assert SECRET not in saved and "***" in saved
    if not fail:
        output = finished["data"]["runData"]["Leak"][0]["data"]["main"][0][0]["json"]
        assert output == {"echo": "***", "nested": {"header": "Bearer ***"}}
    # The use is in the audit log, without the secret
    with runtime.db.session() as session:
        used = session.exec(select(AuditEvent).where(AuditEvent.event == "credential.usedByNode")).all()
    assert [(event.target, event.detail["node"], event.detail["executionId"]) for event in used] == [
        (f"credential:{credential.id}", "Leak", execution_id)]
    # Nothing the API answers and no log line holds it
    for path in (f"/executions/{execution_id}?includeData=true", f"/credentials/{credential.id}",
                 "/credentials", "/audit/events"):
        answer = api.get(path, headers=team.auth("owner"))
        assert answer.status_code == 200, (path, answer.text)
        assert SECRET not in answer.text, path
    assert SECRET not in caplog.text
    # Nor the database, byte for byte (SQLite file, or every row on PostgreSQL)
    assert SECRET.encode() not in database_bytes(runtime)


def database_bytes(runtime: Runtime) -> bytes:
    from sqlalchemy import text
    from sqlmodel import SQLModel

    if runtime.db.is_sqlite:
        with runtime.db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return Path(str(runtime.db.url.database)).read_bytes()
    dump = []
    with runtime.db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            dump += [repr(row) for row in connection.execute(text(f'SELECT * FROM "{table.name}"'))]
    return "\n".join(dump).encode()
