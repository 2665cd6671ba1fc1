"""Fixtures for the storage tests: a migrated Database on the chosen backend (see tests/db_backend.py),
a project with a workflow in it, and a factory for executions in any status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from models import Database, Project, Workflow
from models.repositories import create_execution, transition

# The moves that take a new execution to each status.
PATH_TO = {
    'new': (),
    'running': ('running',),
    'waiting': ('running', 'waiting'),
    'success': ('running', 'success'),
    'error': ('running', 'error'),
    'canceled': ('canceled',),
    'crashed': ('running', 'crashed'),
}

MakeExecution = Callable[..., int]


@pytest.fixture
def workflow(database: Database) -> Workflow:
    """A committed workflow (in a committed project), usable after its session closed."""
    with database.session() as session:
        project = Project(name='Team')
        session.add(project)
        session.flush()
        workflow = Workflow(project_id=project.id, name='Nightly sync',
                            nodes=[{'name': 'Start', 'type': 'knotwork.manualTrigger'}],
                            connections={'Start': {'main': [[]]}})
        session.add(workflow)
    return workflow


@pytest.fixture
def make_execution(database: Database, workflow: Workflow) -> MakeExecution:
    """`make_execution(status='new', **fields)` commits an execution of `workflow` that went through
    the usual moves to `status` (the last move also sets `fields`), and returns its id."""

    def make(status: str = 'new', **fields: Any) -> int:
        with database.session() as session:
            execution_id = create_execution(session, workflow.id, workflow.project_id, 'trigger').id
            assert execution_id is not None
            moves = PATH_TO[status]
            for index, move in enumerate(moves):
                assert transition(session, execution_id, move, **(fields if index == len(moves) - 1 else {}))
        return execution_id

    return make
