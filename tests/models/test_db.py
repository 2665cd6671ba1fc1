"""The Database object: where it lives by default, sessions, and SQLite giving space back after pruning."""

from __future__ import annotations

import base64
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from models import Database, Project, database_url
from models.repositories import prune_executions, save_execution_data
from services.settings import load_settings
from tests import db_backend
from tests.models.conftest import MakeExecution

sqlite_only = pytest.mark.skipif(db_backend.uses_postgresql(), reason='SQLite behaviour')


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / 'nested' / 'data'

    url = database_url(load_settings({'KNOTWORK_DATA_DIR': str(data_dir)}))

    assert url == f'sqlite:///{data_dir}/knotwork.db'
    assert data_dir.is_dir()


def test_a_relative_data_folder_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    assert database_url(load_settings({})) == f'sqlite:///{tmp_path}/data/knotwork.db'


@pytest.mark.parametrize(('given', 'used'), [
    ('postgresql+psycopg://kw@db/knotwork', 'postgresql+psycopg://kw@db/knotwork'),
    ('postgresql://kw@db/knotwork', 'postgresql+psycopg://kw@db/knotwork'),
    ('postgres://kw@db/knotwork', 'postgresql+psycopg://kw@db/knotwork'),
    ('sqlite:////srv/knotwork.db', 'sqlite:////srv/knotwork.db'),
])
def test_a_configured_url_wins(given: str, used: str, tmp_path: Path) -> None:
    settings = load_settings({'KNOTWORK_DATABASE_URL': given, 'KNOTWORK_DATA_DIR': str(tmp_path / 'unused')})

    assert database_url(settings) == used
    assert not (tmp_path / 'unused').exists()


def test_pruning_limits_default_to_two_weeks_and_ten_thousand() -> None:
    settings = load_settings({})

    assert (settings.executions_max_age_hours, settings.executions_max_count) == (336, 10000)


def test_a_session_rolls_back_when_its_block_raises(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        session.add(Project(name='Half done'))
        session.flush()
        raise RuntimeError('boom')

    with database.session() as session:
        assert session.exec(select(Project)).all() == []


@sqlite_only
def test_immediate_sessions_take_the_write_lock_at_begin(database: Database) -> None:
    sent: list[str] = []
    event.listen(database.engine, 'before_cursor_execute', lambda *args: sent.append(args[2]))

    with database.session() as session:
        session.exec(select(Project))
    with database.session(immediate=True) as session:
        session.exec(select(Project))

    assert [statement for statement in sent if statement.startswith('BEGIN')] == ['BEGIN DEFERRED',
                                                                                   'BEGIN IMMEDIATE']


@sqlite_only
def test_read_then_write_needs_an_immediate_session_when_others_write(database: Database) -> None:
    def write_elsewhere(name: str) -> threading.Thread:
        def write() -> None:
            with database.session() as other:
                other.add(Project(name=name))

        thread = threading.Thread(target=write)
        thread.start()
        return thread

    # A deferred transaction that read before another writer committed cannot write any more ...
    with pytest.raises(OperationalError, match='database is locked'), database.session() as session:
        session.exec(select(Project)).all()
        write_elsewhere('first').join()
        session.add(Project(name='mine'))
        session.flush()

    # ... while an immediate one holds the lock from the start, so the other writer waits its turn.
    with database.session(immediate=True) as session:
        session.exec(select(Project)).all()
        other = write_elsewhere('second')
        session.add(Project(name='mine'))
    other.join()
    with database.session() as session:
        assert sorted(project.name for project in session.exec(select(Project))) == ['first', 'mine', 'second']


def sqlite_sizes(database: Database) -> tuple[int, int]:
    """(bytes of pages the database uses, bytes of the file on disk)."""
    with database.engine.connect() as connection:
        pages = connection.exec_driver_sql('PRAGMA page_count').scalar_one()
        page_size = connection.exec_driver_sql('PRAGMA page_size').scalar_one()
    return pages * page_size, os.path.getsize(database.url.database or '')


@sqlite_only
def test_pruned_executions_give_their_space_back(database: Database, make_execution: MakeExecution) -> None:
    # Given 200 finished executions holding about 30 kB of data each
    ids = [make_execution('success') for _ in range(200)]
    with database.session() as session:
        for execution_id in ids:
            noise: dict[str, Any] = {'blob': base64.b64encode(os.urandom(24_000)).decode()}
            save_execution_data(session, execution_id, {'nodes': []}, noise)
    database.reclaim_space()  # checkpoint the WAL so the file holds everything
    used_before, file_before = sqlite_sizes(database)

    # When they are pruned, the pages are only freed inside the file
    with database.session() as session:
        assert prune_executions(session, max_age_hours=None, max_count=0, now=datetime.now(UTC)) == 200
    assert sqlite_sizes(database)[0] == used_before

    # Then reclaim_space() gives them back to the file system
    freed = database.reclaim_space()
    used_after, file_after = sqlite_sizes(database)
    assert used_before > 2_000_000
    assert used_after < used_before / 10
    assert freed == used_before - used_after
    assert file_after < file_before / 10


def wal_frames(database: Database) -> int:
    """Frames in the WAL now (a PASSIVE checkpoint reports them and copies them back)."""
    with database.engine.connect() as connection:
        return int(connection.exec_driver_sql('PRAGMA wal_checkpoint(PASSIVE)').one()[1])


def auto_checkpoint(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.exec_driver_sql('PRAGMA wal_autocheckpoint').scalar_one())


@sqlite_only
def test_background_checkpoints_restart_the_wal_under_steady_writes(tmp_path: Path) -> None:
    database = Database(f'sqlite:///{tmp_path / "busy.db"}')
    database.upgrade()
    try:
        with database.session() as session:
            session.add(Project(name='warm'))
        assert auto_checkpoint(database) == 1000  # SQLite's own rule, until a thread takes over
        database.checkpoint_in_background(every=3600)  # its rounds are run by hand below
        assert auto_checkpoint(database) == 0  # commits no longer stop for a checkpoint
        checkpointer = database._checkpointer
        assert checkpointer is not None

        # A writer that never pauses: each checkpoint copies while new frames keep arriving
        stop, commits = threading.Event(), [0]

        def write() -> None:
            while not stop.is_set():
                with database.session() as session:
                    session.add(Project(name='steady'))
                commits[0] += 1

        def after_commits(count: int) -> None:
            target, deadline = commits[0] + count, time.monotonic() + 30
            while commits[0] < target:
                assert time.monotonic() < deadline, 'the writer stalled'
                time.sleep(0.001)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            for _ in range(3):
                after_commits(100)
                checkpointer.checkpoint()
            after_commits(20)
        finally:
            stop.set()
            writer.join()
        # The WAL holds what came after the last checkpoint, not all of it (a few frames per commit)
        assert wal_frames(database) < commits[0]
    finally:
        database.dispose()
    assert auto_checkpoint(database) == 1000  # dispose() hands checkpoints back to the commits
    database.dispose()


def test_reclaiming_space_with_nothing_deleted_frees_nothing(database: Database) -> None:
    assert database.reclaim_space() == 0  # and off SQLite it never does anything
