"""The migrated schema: it matches the models, upgrades and downgrades, and enforces its keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, func, select

from models import (
    Database,
    Execution,
    ExecutionData,
    Project,
    User,
    Variable,
    Workflow,
    WorkflowVersion,
)
from models.db import MIGRATIONS
from models.migrations import context_options
from models.repositories import save_execution_data, save_workflow_version
from tests import db_backend
from tests.models.conftest import MakeExecution

REPOSITORY = Path(__file__).resolve().parents[2]


def schema_differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=context_options())
        return list(compare_metadata(context, SQLModel.metadata))


def alembic_downgrade_to_base(database: Database) -> None:
    config = Config()
    config.set_main_option('script_location', str(MIGRATIONS))
    with database.engine.connect() as connection:
        config.attributes['connection'] = connection
        command.downgrade(config, 'base')
        connection.commit()


def test_the_migrated_schema_matches_the_models(database: Database) -> None:
    assert schema_differences(database) == []


def test_upgrade_twice_changes_nothing(database: Database) -> None:
    database.upgrade()

    assert schema_differences(database) == []


def test_downgrade_to_nothing_and_upgrade_again(database: Database) -> None:
    alembic_downgrade_to_base(database)
    assert set(inspect(database.engine).get_table_names()) <= {'alembic_version'}

    database.upgrade()

    assert set(SQLModel.metadata.tables) <= set(inspect(database.engine).get_table_names())
    assert schema_differences(database) == []


@pytest.mark.slow
def test_processes_starting_together_upgrade_once(database: Database, tmp_path: Path) -> None:
    # Given an empty database: a new SQLite file, or the PostgreSQL one taken back to no tables
    if database.is_sqlite:
        database = Database(db_backend.sqlite_url(tmp_path / 'fresh'))
        (tmp_path / 'fresh').mkdir()
    else:
        alembic_downgrade_to_base(database)
    url = database.url.render_as_string(hide_password=False)

    # When three processes start on it at the same moment and upgrade it
    code = 'import sys; from models import Database; d = Database(sys.argv[1]); d.upgrade(); d.dispose()'
    processes = [subprocess.Popen([sys.executable, '-c', code, url], cwd=REPOSITORY, stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
    failures = [error for process in processes if (error := process.communicate(timeout=60)[1])
                or process.returncode]

    # Then every one succeeds and the schema is there once
    assert failures == []
    assert schema_differences(database) == []
    with database.engine.connect() as connection:
        assert connection.execute(text('SELECT count(*) FROM alembic_version')).scalar_one() == 1
    database.dispose()


@pytest.mark.skipif(db_backend.uses_postgresql(), reason='SQLite connection settings')
def test_sqlite_connections_are_tuned(database: Database) -> None:
    with database.engine.connect() as connection:
        def pragma(name: str) -> object:
            return connection.exec_driver_sql(f'PRAGMA {name}').scalar()

        assert pragma('foreign_keys') == 1
        assert pragma('journal_mode') == 'wal'
        assert pragma('busy_timeout') == 5000
        assert pragma('synchronous') == 1  # NORMAL
        assert pragma('auto_vacuum') == 2  # INCREMENTAL


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Workflow(project_id='no-such-project', name='Orphan'))


def test_deleting_a_workflow_deletes_its_executions_and_their_data(
        database: Database, workflow: Workflow, make_execution: MakeExecution) -> None:
    # Given a workflow with history, finished executions and their data
    execution_ids = [make_execution('success'), make_execution('error')]
    with database.session() as session:
        save_workflow_version(session, session.get_one(Workflow, workflow.id))
        for execution_id in execution_ids:
            save_execution_data(session, execution_id, {'nodes': []}, {'resultData': {}})

    # When the workflow is deleted
    with database.session() as session:
        session.delete(session.get_one(Workflow, workflow.id))

    # Then nothing of it is left, and its project is untouched
    with database.session() as session:
        for model in (Execution, ExecutionData, WorkflowVersion):
            assert session.exec(select(func.count()).select_from(model)).one() == 0
        assert session.get(Project, workflow.project_id) is not None


def test_emails_are_stored_lower_case_and_unique(database: Database) -> None:
    with database.session() as session:
        session.add(User(email=' Ann@Example.COM '))

    with database.session() as session:
        user = session.exec(select(User).where(User.email == 'ANN@example.com')).one()
        assert user.email == 'ann@example.com'

    with pytest.raises(IntegrityError), database.session() as session:
        session.add(User(email='ann@EXAMPLE.com'))


def test_a_variable_key_is_unique_globally_and_per_project(database: Database, workflow: Workflow) -> None:
    with database.session() as session:
        session.add(Variable(key='region', value='eu'))
        session.add(Variable(key='region', value='us', project_id=workflow.project_id))

    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Variable(key='region', value='ap'))  # NULL project_id: the partial index catches it
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Variable(key='region', value='ap', project_id=workflow.project_id))
