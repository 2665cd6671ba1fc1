"""Workflows: ids, saved versions, and execution ids that are never handed out twice."""

from __future__ import annotations

import string
from datetime import UTC, datetime

from sqlmodel import col, select

from models import Database, Workflow, WorkflowVersion
from models.repositories import create_execution, prune_executions, save_workflow_version
from tests.models.conftest import MakeExecution


def test_workflow_ids_look_like_n8n_ids(workflow: Workflow) -> None:
    assert len(workflow.id) == 16
    assert set(workflow.id) <= set(string.ascii_letters + string.digits)


def test_every_save_adds_a_version_that_later_edits_do_not_touch(database: Database, workflow: Workflow) -> None:
    # Given a workflow saved twice, with a change in between
    with database.session() as session:
        stored = session.get_one(Workflow, workflow.id)
        first = save_workflow_version(session, stored, authors='Ann')
        stored.nodes = [*stored.nodes, {'name': 'Set', 'type': 'knotwork.set'}]
        second = save_workflow_version(session, stored, authors='Bob')

    # When the workflow is edited in place afterwards
    with database.session() as session:
        stored = session.get_one(Workflow, workflow.id)
        stored.nodes.append({'name': 'Later', 'type': 'knotwork.noOp'})
        stored.settings['timezone'] = 'Asia/Tokyo'

    # Then each version holds the workflow as it was saved, and the workflow names the newest one
    with database.session() as session:
        versions = session.exec(select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow.id)
                                .order_by(col(WorkflowVersion.created_at))).all()
        current = session.get_one(Workflow, workflow.id)
    assert [version.version_id for version in versions] == [first.version_id, second.version_id]
    assert [[node['name'] for node in version.nodes] for version in versions] == [['Start'], ['Start', 'Set']]
    assert [version.authors for version in versions] == ['Ann', 'Bob']
    assert versions[1].settings == {}
    assert current.version_id == second.version_id != workflow.version_id


def test_execution_ids_are_never_reused_after_pruning(database: Database, workflow: Workflow,
                                                      make_execution: MakeExecution) -> None:
    newest = max(make_execution('success') for _ in range(3))
    with database.session() as session:
        assert prune_executions(session, max_age_hours=None, max_count=0, now=datetime.now(UTC)) == 3

    with database.session() as session:
        execution = create_execution(session, workflow.id, workflow.project_id, 'webhook')

    assert execution.id is not None and execution.id > newest
