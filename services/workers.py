"""Worker health: which processes run executions, what each runs now, and what waits in the queue.

Queue mode: every worker.py process renews a presence key in Redis (services.housekeeping.WorkerPresence)
whose value is `worker_info()`; a key that expired is a stopped worker. Embedded mode: the web process
is the only worker. Running executions come from the database (`execution.worker_id`), so an execution
that claims a worker no longer present shows up as an orphan (it becomes `crashed` within seconds).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select

from models.executions import Execution
from models.types import utcnow
from models.workflows import Workflow

from .housekeeping import PRESENCE_PREFIX
from .version import knotwork_version

if TYPE_CHECKING:
    from .runtime import Runtime

PROCESS_STARTED = utcnow()
RUNNING_SHOWN = 500


def worker_info(worker_id: str, concurrency: int) -> str:
    """The presence value of this process: who it is, since when, how many runs at once."""
    return json.dumps({"id": worker_id, "host": socket.gethostname(), "pid": os.getpid(),
                       "started": PROCESS_STARTED.isoformat(), "concurrency": concurrency,
                       "version": knotwork_version()})


@dataclass(frozen=True)
class RunningExecution:
    id: int
    workflow_id: str
    workflow_name: str
    mode: str
    started_at: datetime | None


@dataclass
class WorkerStatus:
    id: str
    host: str = ""
    pid: int | None = None
    started: datetime | None = None
    concurrency: int | None = None
    version: str = ""
    running: list[RunningExecution] = field(default_factory=list)


@dataclass
class WorkersHealth:
    queue_mode: bool
    workers: list[WorkerStatus]
    queued: int  # executions `new`, waiting for a free worker thread
    oldest_queued: datetime | None
    waiting: int  # executions `waiting` (Wait node) until their time or call
    orphans: list[RunningExecution]  # `running` on a worker that is not present

    @property
    def capacity(self) -> int:
        return sum(worker.concurrency or 0 for worker in self.workers)


def workers_health(runtime: Runtime) -> WorkersHealth:
    """A snapshot of the workers and the queue. Reads Redis in queue mode; never writes."""
    if runtime.queue_mode:
        workers = _present_workers(runtime.settings.redis_url)
    else:
        workers = [_parse(runtime.worker_id, worker_info(runtime.worker_id, runtime.settings.worker_concurrency))]
    by_id = {worker.id: worker for worker in workers}
    orphans: list[RunningExecution] = []
    with runtime.db.session() as session:
        rows = session.exec(
            select(Execution.id, Execution.workflow_id, Workflow.name, Execution.mode, Execution.started_at,
                   Execution.worker_id)
            .join(Workflow, col(Workflow.id) == col(Execution.workflow_id))
            .where(col(Execution.status) == "running").order_by(col(Execution.id)).limit(RUNNING_SHOWN)
        ).all()
        queued, oldest = session.exec(
            select(func.count(), func.min(Execution.created_at)).where(col(Execution.status) == "new")).one()
        waiting = session.exec(select(func.count()).where(col(Execution.status) == "waiting")).one()
    for execution_id, workflow_id, name, mode, started_at, worker_id in rows:
        running = RunningExecution(int(execution_id), workflow_id, name, mode, started_at)
        owner = by_id.get(worker_id or "")
        (owner.running if owner is not None else orphans).append(running)
    return WorkersHealth(runtime.queue_mode, workers, int(queued), oldest, int(waiting), orphans)


def _present_workers(redis_url: str) -> list[WorkerStatus]:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = sorted(client.scan_iter(PRESENCE_PREFIX + "*"))
        values = client.mget(keys) if keys else []
    finally:
        client.close()
    workers = [_parse(key.decode()[len(PRESENCE_PREFIX):], value) for key, value in zip(keys, values, strict=True)
               if value is not None]  # expired between the scan and the read
    return sorted(workers, key=lambda worker: (worker.host, worker.id))


def _parse(worker_id: str, value: bytes | str) -> WorkerStatus:
    """A presence value; a worker of an older version stores "1" and shows only its id."""
    try:
        info: dict[str, Any] = json.loads(value)
    except ValueError:
        info = {}
    if not isinstance(info, dict):
        info = {}
    started = info.get("started")
    return WorkerStatus(
        id=worker_id, host=str(info.get("host") or worker_id.split(":")[0]),
        pid=info.get("pid") if isinstance(info.get("pid"), int) else None,
        started=datetime.fromisoformat(started) if isinstance(started, str) else None,
        concurrency=info.get("concurrency") if isinstance(info.get("concurrency"), int) else None,
        version=str(info.get("version") or ""),
    )
