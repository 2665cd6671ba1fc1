"""Background upkeep threads: worker presence (queue mode) and pruning of old executions."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from models.db import Database
from models.repositories import prune_executions
from models.types import utcnow

from .auth import prune_sessions

if TYPE_CHECKING:
    from .executions import ExecutionRuntime

log = logging.getLogger(__name__)

PRESENCE_PREFIX = "knotwork:worker:"


class _Periodic:
    """A daemon thread calling `tick` every `interval` seconds until stopped."""

    def __init__(self, name: str, interval: float) -> None:
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("%s failed", self._thread.name)
            self._stop.wait(self._interval)

    def tick(self) -> None:
        raise NotImplementedError


class WorkerPresence(_Periodic):
    """Queue mode: this worker's heartbeat key in Redis, and crash detection for the others.

    Every few seconds it renews `knotwork:worker:<id>` (expiring after `ttl`), marks `running`
    executions of workers whose key expired as `crashed`, and enqueues `new` ones older than
    `requeue_after` again (KNOTWORK_REQUEUE_AFTER_SECONDS: their message may have been lost with a
    web process or a killed worker's prefetch; a duplicate delivery is harmless because only one
    run can leave `new`).

    When its own key was gone at renewal, Redis lost the keys (a restart without persistence, a
    failover) or this thread stalled past the TTL; either way the other keys may be missing for the
    same reason, so it judges no worker until each has had a TTL to renew its key.
    """

    def __init__(self, redis_url: str, worker_id: str, executions: ExecutionRuntime, *,
                 requeue_after: timedelta = timedelta(minutes=2),
                 interval: float = 2.0, ttl: float = 10.0, info: str = "1") -> None:
        super().__init__("knotwork-presence", interval)
        self._info = info  # the key's value: what the workers page shows (services.workers)
        import redis

        self._redis = redis.Redis.from_url(redis_url)
        self._key = PRESENCE_PREFIX + worker_id
        self._ttl_ms = int(ttl * 1000)
        self._executions = executions
        self._requeue_after = requeue_after
        self._judge_after = 0.0  # time.monotonic() from which missing keys mean stopped workers
        self._redis.set(self._key, self._info, px=self._ttl_ms)  # present before the first message

    def tick(self) -> None:
        if not self._renew():
            self._judge_after = time.monotonic() + self._ttl_ms / 1000
            log.warning("presence: this worker's key had vanished from Redis; crash detection waits %s s",
                        self._ttl_ms / 1000)
        crashed = 0
        if time.monotonic() >= self._judge_after:
            alive = {key.decode()[len(PRESENCE_PREFIX):] for key in self._redis.scan_iter(PRESENCE_PREFIX + "*")}
            crashed = self._executions.crash_orphans(alive)
        requeued, _ = self._executions.recover(crash_running=False, requeue_older_than=self._requeue_after)
        if crashed or requeued:
            log.info("presence: %s executions of stopped workers crashed, %s stale ones queued again",
                     crashed, requeued)

    def _renew(self) -> bool:
        """Set this worker's key again; returns whether it was still there."""
        pipeline = self._redis.pipeline(transaction=False)
        pipeline.exists(self._key)
        pipeline.set(self._key, self._info, px=self._ttl_ms)
        existed, _ = pipeline.execute()
        return bool(existed)

    def stop(self) -> None:
        super().stop()
        try:
            self._redis.delete(self._key)
        finally:
            self._redis.close()


class Housekeeper(_Periodic):
    """Prunes old executions and gives SQLite's freed pages back, hourly. With a Redis URL only
    one process of the deployment does it per hour (a lock key)."""

    def __init__(self, db: Database, *, max_age_hours: int, max_count: int, redis_url: str = "",
                 interval: float = 3600.0) -> None:
        super().__init__("knotwork-housekeeper", interval)
        self._db = db
        self._max_age_hours = max_age_hours
        self._max_count = max_count
        self._redis_url = redis_url

    def tick(self) -> None:
        if self._redis_url and not self._take_lock():
            return
        # IMMEDIATE on SQLite: a read that later turns into a write would fail at once ("database is
        # locked") when another connection wrote in between, instead of waiting its turn.
        with self._db.session(immediate=True) as session:
            pruned = prune_executions(session, self._max_age_hours, self._max_count, utcnow())
        if pruned:
            freed = self._db.reclaim_space()
            log.info("pruned %s executions, freed %s bytes", pruned, freed)
        prune_sessions(self._db)  # expired sign-ins no longer open anything; their rows go too

    def _take_lock(self) -> bool:
        import redis

        client = redis.Redis.from_url(self._redis_url)
        try:
            return bool(client.set("knotwork:housekeeper", "1", nx=True, ex=int(self._interval * 0.9) or 1))
        finally:
            client.close()
