"""Executions: monotonic status moves, races, data storage, listing without data, pruning."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, inspect
from sqlalchemy.exc import IntegrityError

from models import Database, Execution, ExecutionData, Workflow
from models.executions import FINISHED, STATUSES, TRANSITIONS
from models.repositories import (
    create_execution,
    list_executions,
    load_execution_data,
    prune_executions,
    save_execution_data,
    transition,
)
from tests.models.conftest import MakeExecution

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ALLOWED = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}


def row(database: Database, execution_id: int) -> dict[str, Any]:
    with database.session() as session:
        execution = session.get_one(Execution, execution_id)
        return {column.key: getattr(execution, column.key) for column in inspect(Execution).columns}


def test_the_allowed_moves_are_those_of_n8n_plus_resuming() -> None:
    assert {
        ('new', 'running'), ('new', 'canceled'), ('new', 'crashed'),
        ('running', 'success'), ('running', 'error'), ('running', 'canceled'), ('running', 'crashed'),
        ('running', 'waiting'),
        ('waiting', 'running'), ('waiting', 'canceled'), ('waiting', 'crashed'),
        ('waiting', 'new'),  # Knotwork resumes a waiting execution by queueing it again
    } == ALLOWED


@pytest.mark.parametrize('source', STATUSES)
@pytest.mark.parametrize('target', STATUSES)
def test_a_move_happens_only_when_allowed(database: Database, make_execution: MakeExecution,
                                          source: str, target: str) -> None:
    # Given an execution in `source`
    execution_id = make_execution(source)
    before = row(database, execution_id)

    # When something tries to move it to `target`, setting other columns too
    with database.session() as session:
        moved = transition(session, execution_id, target, last_node='Set', error_message='boom')

    # Then it moves only if the state machine allows it, and otherwise nothing about it changes
    after = row(database, execution_id)
    assert moved == ((source, target) in ALLOWED)
    if moved:
        assert (after['status'], after['last_node'], after['error_message']) == (target, 'Set', 'boom')
        assert (after['stopped_at'] is not None) == (target in FINISHED)
    else:
        assert after == before


@pytest.mark.parametrize('finished', sorted(FINISHED))
def test_a_finished_execution_never_changes_again(database: Database, make_execution: MakeExecution,
                                                  finished: str) -> None:
    execution_id = make_execution(finished)
    before = row(database, execution_id)

    with database.session() as session:
        moves = [transition(session, execution_id, status, stopped_at=NOW, worker_id='w9') for status in STATUSES]

    assert moves == [False] * len(STATUSES)
    assert row(database, execution_id) == before


def test_transition_refuses_unknown_statuses_and_fields(database: Database, make_execution: MakeExecution) -> None:
    execution_id = make_execution()
    with database.session() as session:
        with pytest.raises(ValueError, match='unknown execution status'):
            transition(session, execution_id, 'finished')
        with pytest.raises(ValueError, match=r"cannot set \['workflow_id'\]"):
            transition(session, execution_id, 'running', workflow_id='other')
        assert transition(session, 10**9, 'running') is False  # no such execution


def test_an_execution_loaded_in_the_session_sees_its_new_status(database: Database,
                                                                make_execution: MakeExecution) -> None:
    execution_id = make_execution()
    with database.session() as session:
        execution = session.get_one(Execution, execution_id)
        assert transition(session, execution_id, 'running', worker_id='w1')
        assert (execution.status, execution.worker_id) == ('running', 'w1')


@pytest.mark.parametrize(('source', 'targets'), [
    ('new', ['running'] * 6),  # workers claiming the same queued execution
    ('running', sorted(FINISHED) * 2),  # a worker finishing while a cancel and a crash sweep arrive
], ids=['claim', 'finish'])
@pytest.mark.parametrize('round_', range(3))
def test_of_sessions_racing_to_move_one_execution_exactly_one_wins(
        database: Database, make_execution: MakeExecution, source: str, targets: list[str], round_: int) -> None:
    # Given an execution and several sessions that each want to move it where only one move can go
    execution_id = make_execution(source)
    start = threading.Barrier(len(targets))
    results: dict[int, bool] = {}
    errors: list[BaseException] = []

    def race(index: int) -> None:
        try:
            with database.session() as session:
                start.wait(timeout=10)
                results[index] = transition(session, execution_id, targets[index], worker_id=f'w{index}')
        except BaseException as error:  # reported below
            errors.append(error)

    # When they all try at once
    threads = [threading.Thread(target=race, args=(index,)) for index in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one wins, and the row holds what the winner wrote
    assert errors == []
    winners = [index for index, moved in results.items() if moved]
    assert len(winners) == 1
    stored = row(database, execution_id)
    assert (stored['status'], stored['worker_id']) == (targets[winners[0]], f'w{winners[0]}')


def test_execution_data_round_trips_compressed(database: Database, make_execution: MakeExecution) -> None:
    execution_id = make_execution('running')
    snapshot = {'nodes': [{'name': 'Start'}], 'connections': {}, 'settings': {'timezone': 'UTC'}}
    document = {'resultData': {'runData': {'Start': [{'data': {'main': [[{'json': {'n': n}} for n in range(500)]]}}]},
                               'lastNodeExecuted': 'Start'}}

    with database.session() as session:
        size = save_execution_data(session, execution_id, snapshot, document)
    with database.session() as session:
        loaded = load_execution_data(session, execution_id)

    assert loaded == (snapshot, document)
    assert 0 < size < len(str(document)) / 3
    assert row(database, execution_id)['data_size'] == size


def test_saving_execution_data_again_replaces_it(database: Database, make_execution: MakeExecution) -> None:
    execution_id = make_execution('running')
    with database.session() as session:
        save_execution_data(session, execution_id, {'v': 1}, {'progress': 1})
        save_execution_data(session, execution_id, {'v': 1}, {'progress': 2})

    with database.session() as session:
        assert load_execution_data(session, execution_id) == ({'v': 1}, {'progress': 2})
        assert load_execution_data(session, 10**9) is None


def test_data_of_a_missing_execution_is_refused(database: Database) -> None:
    with pytest.raises(IntegrityError), database.session() as session:
        save_execution_data(session, 10**9, {}, {})


@contextmanager
def statements_sent(database: Database) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(database.engine, 'before_cursor_execute', record)
    try:
        yield sent
    finally:
        event.remove(database.engine, 'before_cursor_execute', record)


def test_listing_executions_never_reads_their_data(database: Database, make_execution: MakeExecution) -> None:
    # Given executions with data saved
    ids = [make_execution('success'), make_execution('error'), make_execution('running')]
    with database.session() as session:
        for execution_id in ids:
            save_execution_data(session, execution_id, {'nodes': []}, {'resultData': {'x': 'y' * 1000}})

    # When they are listed and every listed attribute is read
    with statements_sent(database) as sent, database.session() as session:
        listed = list_executions(session)
        seen = [row for execution in listed for row in execution.model_dump().values()]
        cached = [type(instance) for instance in session.identity_map.values()]

    # Then the data table was never queried nor loaded
    assert [execution.id for execution in listed] == ids[::-1]
    assert seen
    assert not [statement for statement in sent if 'execution_data' in statement]
    assert ExecutionData not in cached


def test_listing_filters_and_pages_newest_first(database: Database, workflow: Workflow,
                                               make_execution: MakeExecution) -> None:
    ids = [make_execution(status) for status in ('success', 'error', 'success', 'running', 'success')]
    with database.session() as session:
        other = Workflow(project_id=workflow.project_id, name='Other')
        session.add(other)
        session.flush()
        foreign = create_execution(session, other.id, other.project_id, 'manual').id
        hidden = create_execution(session, workflow.id, workflow.project_id, 'manual')
        hidden.deleted_at = NOW

    with database.session() as session:
        def listed(**filters: Any) -> list[int | None]:
            return [execution.id for execution in list_executions(session, **filters)]

        assert listed() == [foreign, *ids[::-1]]
        assert listed(workflow_id=workflow.id) == ids[::-1]
        assert listed(workflow_id=workflow.id, status='success') == [ids[4], ids[2], ids[0]]
        assert listed(status=['error', 'running']) == [ids[3], ids[1]]
        assert listed(workflow_id=workflow.id, limit=2) == [ids[4], ids[3]]
        assert listed(workflow_id=workflow.id, limit=2, before_id=ids[3]) == [ids[2], ids[1]]
        assert listed(project_ids=['some-other-project']) == []


def test_pruning_by_age_deletes_executions_that_stopped_too_long_ago(
        database: Database, make_execution: MakeExecution) -> None:
    old = make_execution('success', stopped_at=NOW - timedelta(hours=337))
    recent = make_execution('error', stopped_at=NOW - timedelta(hours=335))
    with database.session() as session:
        save_execution_data(session, old, {}, {'big': 'data'})

    with database.session() as session:
        pruned = prune_executions(session, max_age_hours=336, max_count=None, now=NOW)

    assert pruned == 1
    with database.session() as session:
        assert [execution.id for execution in list_executions(session)] == [recent]
        assert session.get(ExecutionData, old) is None


def test_pruning_by_count_keeps_the_newest(database: Database, make_execution: MakeExecution) -> None:
    ids = [make_execution('success', stopped_at=NOW) for _ in range(10)]

    with database.session() as session:
        pruned = prune_executions(session, max_age_hours=None, max_count=3, now=NOW)

    assert pruned == 7
    with database.session() as session:
        assert [execution.id for execution in list_executions(session)] == ids[:-4:-1]


def test_pruning_keeps_executions_that_have_not_finished(database: Database,
                                                         make_execution: MakeExecution) -> None:
    # Given old executions in every status, created and stopped long ago
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    ids = {status: make_execution(status) for status in STATUSES}
    with database.session() as session:
        for execution_id in ids.values():
            execution = session.get_one(Execution, execution_id)
            execution.created_at = long_ago
            execution.stopped_at = long_ago if execution.status in FINISHED else None

    # When pruning with both limits as tight as they go
    with database.session() as session:
        pruned = prune_executions(session, max_age_hours=1, max_count=0, now=NOW)

    # Then only the finished ones went
    assert pruned == len(FINISHED)
    with database.session() as session:
        assert {execution.status for execution in list_executions(session)} == {'new', 'running', 'waiting'}


def test_pruning_with_no_limits_deletes_nothing(database: Database, make_execution: MakeExecution) -> None:
    make_execution('success', stopped_at=datetime(2020, 1, 1, tzinfo=UTC))
    with database.session() as session:
        assert prune_executions(session, max_age_hours=None, max_count=None, now=NOW) == 0
        assert prune_executions(session, max_age_hours=None, max_count=5, now=NOW) == 0
