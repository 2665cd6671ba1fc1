"""The database: engine, sessions, schema upgrade and SQLite upkeep; database_url() reads it from settings.

SQLite connections are tuned on connect (foreign keys on, WAL, busy timeout) and SQLAlchemy, not the
sqlite3 module, emits BEGIN, so a session can take the write lock up front (`session(immediate=True)`).
PostgreSQL URLs use psycopg 3 (`postgresql+psycopg://`); bare `postgresql://` URLs are read as that.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol, cast

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / 'migrations'
DATABASE_FILE = 'knotwork.db'
# Key of the PostgreSQL advisory lock that lets one process at a time upgrade the schema.
_UPGRADE_LOCK_KEY = 0x6B6E6F74776F726B & 0x7FFFFFFFFFFFFFFF
_BUSY_TIMEOUT_MS = 5000
_SQLITE_PRAGMAS = (
    # First, so that the pragmas below also wait when another process holds a lock.
    f'PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}',  # wait up to 5 s for a lock instead of failing at once
    'PRAGMA foreign_keys=ON',  # off by default in SQLite: cascades and FK checks need it
    'PRAGMA synchronous=NORMAL',  # with WAL: durable at checkpoints, far fewer fsyncs
    'PRAGMA journal_size_limit=67108864',  # a WAL file that grew past 64 MiB is cut back when it restarts
)
# SQLite's own rule: the commit that takes the WAL past this many pages copies it back.
_AUTO_CHECKPOINT_PAGES = 1000
# Seconds between background checkpoints (Database.checkpoint_in_background): also the most a power
# cut can lose (synchronous=NORMAL syncs at checkpoints); at 430 webhook runs/s the WAL reached 90 MB
# in that time, and the RESTART step held writers for 25-45 ms.
CHECKPOINT_EVERY = 2.0
_RESTART_WAIT_MS = 100  # the RESTART step gives up when readers keep the WAL longer; the next round retries


class DatabaseSettings(Protocol):
    """What database_url() reads from services.settings.Settings."""

    @property
    def database_url(self) -> str: ...

    @property
    def data_dir(self) -> Path: ...


def database_url(settings: DatabaseSettings) -> str:
    """KNOTWORK_DATABASE_URL when set, else a SQLite file in KNOTWORK_DATA_DIR (creating the folder)."""
    if settings.database_url:
        return normalise_url(settings.database_url)
    folder = Path(settings.data_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f'sqlite:///{folder / DATABASE_FILE}'


def normalise_url(url: str) -> str:
    """Point bare PostgreSQL URLs at the psycopg 3 driver; leave every other URL alone."""
    for prefix in ('postgres://', 'postgresql://'):
        if url.startswith(prefix):
            return 'postgresql+psycopg://' + url.removeprefix(prefix)
    return url


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class Database:
    """One database: an Engine plus sessions, schema upgrades and space reclamation."""

    def __init__(self, url: str | URL, **engine_options: Any) -> None:
        self.url = make_url(normalise_url(url) if isinstance(url, str) else url)
        self.is_sqlite = self.url.get_backend_name() == 'sqlite'
        options: dict[str, Any] = {'json_serializer': _json_dumps, 'json_deserializer': orjson.loads}
        if not self.is_sqlite:
            options['pool_pre_ping'] = True
        options.update(engine_options)
        self.engine: Engine = create_engine(self.url, **options)
        self._checkpointer: _Checkpointer | None = None
        if self.is_sqlite:
            _tune_sqlite(self.engine, self._auto_checkpoint_pages)
        # Shares the pool and the events; its sessions start with BEGIN IMMEDIATE on SQLite.
        self._immediate_engine = self.engine.execution_options(sqlite_begin='IMMEDIATE')

    def __repr__(self) -> str:
        return f'Database({self.url.render_as_string(hide_password=True)!r})'

    @contextmanager
    def session(self, *, immediate: bool = False) -> Iterator[Session]:
        """A Session that commits when the block ends and rolls back if it raises.

        Objects stay usable after the block (expire_on_commit=False). `immediate=True` takes SQLite's
        write lock at BEGIN: use it for read-then-write transactions, which otherwise fail with
        "database is locked" when another writer commits between the read and the write (WAL
        snapshots cannot be upgraded). It changes nothing on PostgreSQL.
        """
        bind = self._immediate_engine if immediate else self.engine
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def connection(self, *, immediate: bool = False) -> Iterator[Connection]:
        """A plain Connection in a transaction (commit at the end, rollback if the block raises):
        cheaper than a Session for the Core statements of the execution hot path."""
        bind = self._immediate_engine if immediate else self.engine
        with bind.begin() as connection:
            yield connection

    @contextmanager
    def driver(self) -> Iterator[DriverConnection]:
        """A transaction on the pooled DBAPI connection itself, for the execution hot path's prebuilt
        Core statements: each is compiled once per dialect, so a call skips SQLAlchemy's execution
        machinery (on SQLite the three writes of an execution took ~580 µs through a Connection,
        ~250 µs this way). Commits at the end, rolls back if the block raises."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.is_sqlite:  # the sqlite3 module is in autocommit mode here (see _tune_sqlite)
                cursor.execute('BEGIN')
            yield DriverConnection(cursor, raw, self.engine.dialect)
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()  # back to the pool

    def upgrade(self) -> None:
        """Bring the schema to the newest Alembic revision; safe when several processes start at once."""
        config = Config()
        config.set_main_option('script_location', str(MIGRATIONS))
        with self._immediate_engine.connect() as connection:
            if connection.dialect.name == 'postgresql':
                connection.execute(text('SELECT pg_advisory_xact_lock(:key)'), {'key': _UPGRADE_LOCK_KEY})
            config.attributes['connection'] = connection
            command.upgrade(config, 'head')
            connection.commit()

    def reclaim_space(self) -> int:
        """Give pages freed by deletes back to the file system; returns the bytes freed (0 off SQLite).

        Needs the file to have been created with auto_vacuum=INCREMENTAL, which _tune_sqlite does.
        """
        if not self.is_sqlite:
            return 0
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            before = _sqlite_size(cursor)
            # The pragma frees one page per step, and cursor.execute() steps a statement without result
            # rows just once (one page freed, even with fetchall()); executescript() runs it to the end.
            sqlite_connection = cast(sqlite3.Connection, raw.driver_connection)
            sqlite_connection.executescript('PRAGMA incremental_vacuum;')
            # Copy the WAL back so the file itself shrinks; PASSIVE never waits for other connections.
            cursor.execute('PRAGMA wal_checkpoint(PASSIVE)').fetchall()
            return before - _sqlite_size(cursor)
        finally:
            raw.close()

    def checkpoint_in_background(self, every: float = CHECKPOINT_EVERY) -> None:
        """SQLite file: copy the WAL back into the database from a thread of its own every `every`
        seconds, instead of in whichever commit takes the WAL past 1000 pages. That copy ends in
        fsyncs, and the commit waits for them: on this machine's disk it stalled the event loop that
        wrote (bench/webhook_bench.py, embedded, concurrency 8: about 390 calls/s with SQLite's rule,
        480 with this thread). The thread releases the GIL while it copies and syncs. For
        long-running processes; dispose() stops it, and connections checkpoint by themselves again."""
        if not self.is_sqlite or self._checkpointer is not None or self.url.database in (None, '', ':memory:'):
            return
        self._checkpointer = _Checkpointer(self.engine, every)
        self._checkpointer.start()

    def _auto_checkpoint_pages(self) -> int:
        return 0 if self._checkpointer is not None else _AUTO_CHECKPOINT_PAGES

    def dispose(self) -> None:
        """Stop background checkpoints and close every pooled connection; the Database can still be
        used afterwards (it reconnects)."""
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()
        self.engine.dispose()


class _Checkpointer:
    """The thread of Database.checkpoint_in_background."""

    def __init__(self, engine: Engine, every: float) -> None:
        self._engine = engine
        self._every = every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name='knotwork-wal-checkpoint', daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)
        self.checkpoint()  # what was written since the last round

    def _run(self) -> None:
        while not self._stopping.wait(self._every):
            self.checkpoint()

    def checkpoint(self) -> None:
        """Copy the WAL back without stopping writers (PASSIVE), then the frames added meanwhile while
        holding them off for a moment (RESTART: so that the next commit starts the WAL afresh; under
        steady load a PASSIVE checkpoint alone never lets it, and the file grows without end). Its
        wait for readers is kept short: a long read (an export) must not hold every writer."""
        try:
            raw = self._engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute('PRAGMA wal_checkpoint(PASSIVE)').fetchall()
                cursor.execute(f'PRAGMA busy_timeout={_RESTART_WAIT_MS}')
                try:
                    cursor.execute('PRAGMA wal_checkpoint(RESTART)').fetchall()
                finally:
                    cursor.execute(f'PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}')
            finally:
                raw.close()
        except Exception:  # a locked or vanished file: the next round tries again
            log.warning('WAL checkpoint failed', exc_info=True)


def _sqlite_size(cursor: Any) -> int:
    (page_count,) = cursor.execute('PRAGMA page_count').fetchone()
    (page_size,) = cursor.execute('PRAGMA page_size').fetchone()
    return int(page_count) * int(page_size)


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (readers never block the writer, so UI and workers share it).

    WAL is stored in the file, so this is a read except on a new file. There the switch needs the
    file to itself and fails at once, without the busy timeout, when another process is opening the
    same new file; it is retried for up to 5 s.
    """
    if cursor.execute('PRAGMA journal_mode').fetchone()[0] == 'wal':
        return
    deadline = time.monotonic() + 5
    while True:
        try:
            (mode,) = cursor.execute('PRAGMA journal_mode=WAL').fetchone()
            break
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    if mode not in ('wal', 'memory'):  # in-memory databases cannot use WAL, and need not
        log.warning('SQLite stays in journal mode %s instead of WAL', mode)


def _tune_sqlite(engine: Engine, auto_checkpoint_pages: Callable[[], int]) -> None:
    """Install the SQLite connection events: auto-vacuum mode, pragmas, the automatic checkpoint
    rule (`auto_checkpoint_pages()`, 0 while a background thread checkpoints) and SQLAlchemy-issued
    BEGIN."""

    @event.listens_for(engine, 'first_connect')
    def set_auto_vacuum(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # auto_vacuum is stored in the file header and can change only while the file has no tables
        # (afterwards only a full VACUUM switches it). first_connect runs once per engine, before the
        # first connection can create anything, which is exactly when a new file is still empty.
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA auto_vacuum=INCREMENTAL')
        (mode,) = cursor.execute('PRAGMA auto_vacuum').fetchone()
        if mode != 2:
            log.warning('%s was created without incremental auto-vacuum: pruned executions free space '
                        'only after a manual VACUUM', engine.url.database)
        cursor.close()

    @event.listens_for(engine, 'connect')
    def set_pragmas(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Stop the sqlite3 module from issuing BEGIN on its own (and COMMIT before DDL); begin() below
        # issues it instead, DEFERRED or IMMEDIATE as the session asks.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        _use_wal(cursor)
        cursor.close()

    @event.listens_for(engine, 'checkout')
    def set_auto_checkpoint(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        pages = auto_checkpoint_pages()
        if record.info.get('wal_autocheckpoint') != pages:
            dbapi_connection.execute(f'PRAGMA wal_autocheckpoint={pages}').fetchall()
            record.info['wal_autocheckpoint'] = pages

    @event.listens_for(engine, 'begin')
    def begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get('sqlite_begin', 'DEFERRED')
        connection.exec_driver_sql(f'BEGIN {mode}')


_DRIVER_STATEMENTS = 64


class DriverResult:
    """What the hot-path repository functions read from a statement's result."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self.rowcount: int = cursor.rowcount

    def _one(self) -> Any:
        row = self._cursor.fetchone()
        if row is not None:
            self._cursor.fetchall()  # run the statement to its end before the commit
        return row

    def first(self) -> Any:
        row = self._one()
        if row is None:
            return None
        return SimpleNamespace(**dict(zip((d[0] for d in self._cursor.description), row, strict=True)))

    def scalar(self) -> Any:
        row = self._one()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        row = self._one()
        if row is None:
            raise LookupError('the statement returned no row')
        return row[0]


class DriverConnection:
    """Runs prebuilt Core statements on a DBAPI cursor: the SQL in the driver's parameter style and
    SQLAlchemy's own bind processors (so values are stored exactly as through a Connection) are
    computed once per statement and dialect."""

    _compiled: dict[tuple[int, str], tuple[Any, str, tuple[str, ...] | None, Any]] = {}

    def __init__(self, cursor: Any, raw: Any, dialect: Any) -> None:
        self._cursor = cursor
        self._raw = raw
        self._dialect = dialect

    def execute(self, statement: Any, parameters: dict[str, Any]) -> DriverResult:
        key = (id(statement), self._dialect.name)
        entry = DriverConnection._compiled.get(key)
        if entry is None or entry[0] is not statement:
            compiled = statement.compile(dialect=self._dialect)
            positional = tuple(compiled.positiontup) if compiled.positional else None
            entry = (statement, compiled.string, positional, compiled)
            if len(DriverConnection._compiled) < _DRIVER_STATEMENTS:  # meant for a few prebuilt ones
                DriverConnection._compiled[key] = entry
        _, sql, positional, compiled = entry
        values = compiled.construct_params(parameters)  # fills the statement's own literal values
        processors = compiled._bind_processors
        for name, process in processors.items():
            if name in values and values[name] is not None:
                values[name] = process(values[name])
        self._cursor.execute(sql, [values[name] for name in positional] if positional is not None else values)
        return DriverResult(self._cursor)

    def rollback(self) -> None:
        self._raw.rollback()
        if self._dialect.name == 'sqlite':  # keep the block's transaction open for its commit
            self._cursor.execute('BEGIN')
