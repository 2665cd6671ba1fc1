"""Column types: timestamps come back aware and in UTC, JSON columns keep edits made the documented way."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm.attributes import flag_modified

from models import Database, Execution, Project, Workflow
from tests import db_backend
from tests.models.conftest import MakeExecution

BERLIN_MORNING = datetime(2026, 3, 29, 9, 30, 15, 123456, tzinfo=ZoneInfo('Europe/Berlin'))


def test_datetimes_come_back_aware_and_in_utc(database: Database, make_execution: MakeExecution) -> None:
    execution_id = make_execution('running', started_at=BERLIN_MORNING)

    with database.session() as session:
        execution = session.get_one(Execution, execution_id)

    assert execution.started_at == BERLIN_MORNING
    assert execution.started_at is not None and execution.started_at.tzinfo == UTC
    assert execution.started_at.hour == 7
    assert execution.created_at.tzinfo == UTC


@pytest.mark.skipif(db_backend.uses_postgresql(), reason='SQLite stores datetimes as text without an offset')
def test_naive_values_written_outside_the_orm_are_read_as_utc(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO project (id, name, type, created_at, updated_at) "
                                "VALUES ('p1', 'Raw', 'team', '2026-01-02 03:04:05', '2026-01-02 03:04:05')"))

    with database.session() as session:
        project = session.get_one(Project, 'p1')

    assert project.created_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_naive_datetime_is_refused(database: Database) -> None:
    with pytest.raises(StatementError, match='naive datetime'), database.session() as session:
        session.add(Project(name='Naive', created_at=datetime(2026, 1, 1)))


def test_json_columns_get_their_server_defaults(database: Database, workflow: Workflow) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO workflow (id, project_id, name, version_id, created_at, updated_at) "
                                "VALUES ('raw', :project, 'Raw', 'v1', :now, :now)"),
                           {'project': workflow.project_id, 'now': datetime.now(UTC)})

    with database.session() as session:
        raw = session.get_one(Workflow, 'raw')

    assert (raw.nodes, raw.connections, raw.settings, raw.pin_data, raw.static_data, raw.meta) == (
        [], {}, {}, {}, {}, {})
    assert (raw.active, raw.is_archived, raw.trigger_count) == (False, False, 0)


def reload(database: Database, workflow_id: str) -> Workflow:
    with database.session() as session:
        return session.get_one(Workflow, workflow_id)


def test_top_level_json_changes_are_saved(database: Database, workflow: Workflow) -> None:
    with database.session() as session:
        stored = session.get_one(Workflow, workflow.id)
        stored.settings['timezone'] = 'Europe/Berlin'
        stored.nodes.append({'name': 'Set', 'type': 'knotwork.set'})

    saved = reload(database, workflow.id)
    assert saved.settings == {'timezone': 'Europe/Berlin'}
    assert [node['name'] for node in saved.nodes] == ['Start', 'Set']


def test_a_nested_json_edit_is_lost_without_flag_modified(database: Database, workflow: Workflow) -> None:
    with database.session() as session:
        stored = session.get_one(Workflow, workflow.id)
        stored.connections['Start']['main'][0].append({'node': 'Set', 'type': 'main', 'index': 0})

    assert reload(database, workflow.id).connections == {'Start': {'main': [[]]}}


def test_a_nested_json_edit_is_saved_with_flag_modified(database: Database, workflow: Workflow) -> None:
    link = {'node': 'Set', 'type': 'main', 'index': 0}
    with database.session() as session:
        stored = session.get_one(Workflow, workflow.id)
        stored.connections['Start']['main'][0].append(link)
        flag_modified(stored, 'connections')

    assert reload(database, workflow.id).connections == {'Start': {'main': [[link]]}}


def test_a_nested_json_edit_is_saved_by_assigning_a_changed_copy(database: Database, workflow: Workflow) -> None:
    with database.session() as session:
        stored = session.get_one(Workflow, workflow.id)
        stored.nodes = [{**node, 'disabled': True} for node in stored.nodes]

    assert reload(database, workflow.id).nodes[0]['disabled'] is True
