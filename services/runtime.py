"""Building a process's runtime from settings: database, registry, event bus, broker, the
execution runtime, and (by role) the embedded worker or the queue worker's presence and upkeep.

Composition roots (main.py, worker.py, the CLI) call `build_runtime` once and `close` at exit.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import dramatiq

from engine.registry import NodeRegistry
from models.db import Database, database_url

from .credentials import check_key
from .engine_setup import build_registry, file_access
from .events import EventBus, LocalEventBus, RedisEventBus
from .executions import ExecutionRuntime, RunPolicy
from .housekeeping import Housekeeper, WorkerPresence
from .mailer import public_url
from .metrics import Metrics
from .notifications import FailureNotifications
from .queue import EmbeddedWorker, declare_execution_actor, make_broker
from .scheduler import Scheduler
from .settings import Settings
from .vault import load_encryption_key
from .workers import worker_info

log = logging.getLogger(__name__)

# Seconds runs in the web server's loop get to end at shutdown before they are canceled; within the
# grace period process managers allow (10 s for `docker stop`).
RUNS_IN_LOOP_GRACE = 5.0


@dataclass
class Runtime:
    settings: Settings
    db: Database
    registry: NodeRegistry
    bus: EventBus
    broker: dramatiq.Broker
    executions: ExecutionRuntime
    worker_id: str
    scheduler: Scheduler | None = None
    _stoppers: list[Any] = field(default_factory=list)

    @property
    def metrics(self) -> Metrics:
        return self.executions.metrics

    @property
    def queue_mode(self) -> bool:
        return bool(self.settings.redis_url)

    def start_embedded(self) -> None:
        """Embedded mode: run executions in this process; recover what a previous run left."""
        worker = EmbeddedWorker(self.broker, self.settings.worker_concurrency)
        worker.start()
        self._stoppers.append(worker.stop)
        self.executions.here_limit = self.settings.webhook_runs_in_loop
        self.db.checkpoint_in_background()
        requeued, crashed = self.executions.recover(crash_running=True)
        if requeued or crashed:
            log.info("recovered executions: %s queued again, %s marked crashed", requeued, crashed)
        self._start_housekeeper(leader_lock=False)
        self.start_scheduler()

    async def stop_runs_in_loop(self) -> None:
        """At shutdown, in the web server's loop: end the webhook runs it took (start_here)."""
        await self.executions.stop_runs_here(timeout=RUNS_IN_LOOP_GRACE)

    def start_scheduler(self) -> Scheduler:
        """Run the scheduler here (schedules, polls, waits that are over). In queue mode any number
        of processes may: a Redis lock lets one of them lead (services.scheduler)."""
        scheduler = Scheduler(self, redis_url=self.settings.redis_url)
        scheduler.start()
        self._stoppers.append(scheduler.stop)
        self.scheduler = scheduler
        return scheduler

    def start_queue_worker(self) -> None:
        """Queue mode, worker process: announce this worker and keep crashed runs visible."""
        presence = WorkerPresence(self.settings.redis_url, self.worker_id, self.executions,
                                  requeue_after=timedelta(seconds=self.settings.requeue_after_seconds),
                                  info=worker_info(self.worker_id, self.settings.worker_concurrency))
        presence.start()
        self._stoppers.append(presence.stop)
        self._start_housekeeper(leader_lock=True)

    def _start_housekeeper(self, leader_lock: bool) -> None:
        housekeeper = Housekeeper(
            self.db,
            max_age_hours=self.settings.executions_max_age_hours,
            max_count=self.settings.executions_max_count,
            redis_url=self.settings.redis_url if leader_lock else "",
        )
        housekeeper.start()
        self._stoppers.append(housekeeper.stop)

    def close(self) -> None:
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:
                log.exception("error while stopping %s", stop)
        self._stoppers.clear()
        if self.executions.notifications is not None:
            self.executions.notifications.close()
        self.executions.metrics.close()
        self.executions.close()
        self.bus.close()
        self.db.dispose()


def run_policy(settings: Settings) -> RunPolicy:
    timeout = settings.executions_timeout
    return RunPolicy(
        save_success=settings.executions_save_on_success,
        save_error=settings.executions_save_on_error,
        save_manual=settings.executions_save_manual,
        save_progress=settings.executions_save_progress,
        timeout=float(timeout) if timeout > 0 else None,
        timezone=settings.timezone,
        expression_timeout=settings.expression_timeout,
        code_workers=settings.code_workers,
        code_memory_mb=settings.code_memory_mb,
        code_timeout=settings.code_timeout,
        public_url=public_url(settings, ""),
        files=file_access(settings),
        execute_command=settings.enable_execute_command,
    )


def build_runtime(settings: Settings, *, upgrade: bool = True) -> Runtime:
    db = Database(database_url(settings))
    if upgrade:
        db.upgrade()
    encryption_key = load_encryption_key(settings)
    check_key(db, encryption_key)  # a wrong key stops the process here, with a clear message
    registry = build_registry(settings)
    bus: EventBus = RedisEventBus(settings.redis_url) if settings.redis_url else LocalEventBus()
    broker = make_broker(settings.redis_url)
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    actor_holder: list[dramatiq.Actor] = []
    executions = ExecutionRuntime(
        db, registry, bus, run_policy(settings), worker_id,
        enqueue=lambda execution_id: actor_holder[0].send(execution_id), encryption_key=encryption_key,
    )
    actor_holder.append(declare_execution_actor(broker, executions.run))
    executions.metrics = Metrics(enabled=settings.metrics, redis_url=settings.redis_url, db=db)
    executions.notifications = FailureNotifications(settings, public_url(settings, ""))
    return Runtime(settings, db, registry, bus, broker, executions, worker_id)


