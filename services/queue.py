"""The Dramatiq side: one broker per process, the execution actor, and the embedded worker.

Embedded mode (no KNOTWORK_REDIS_URL): a StubBroker and a Dramatiq Worker in the web process.
Queue mode: a RedisBroker; `worker.py` processes consume, web processes only enqueue.
Execution state lives in the database, never only in the broker: a lost message is recovered
from the `new` rows (see services.executions.ExecutionRuntime.recover).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

log = logging.getLogger(__name__)

QUEUE = "executions"
ACTOR = "run_execution"
# Executions enforce their own timeout; the broker's limit only stops a thread that hangs for a day.
ACTOR_TIME_LIMIT_MS = 24 * 3600 * 1000
# Dramatiq prefetches 2 messages per thread and, when its prefetch is full, its consumer sleeps
# with a backoff up to the worker timeout before acking finished ones: with runs of a few
# milliseconds that caps a worker far below what it can do. Measured in bench/queue_bench.py.
PREFETCH_PER_THREAD = 8
CONSUMER_TIMEOUT_MS = 20


def make_worker(broker: dramatiq.Broker, threads: int) -> dramatiq.Worker:
    """A Dramatiq worker tuned for many short executions."""
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=CONSUMER_TIMEOUT_MS)
    worker.queue_prefetch = threads * PREFETCH_PER_THREAD
    return worker


def make_broker(redis_url: str) -> dramatiq.Broker:
    """A RedisBroker for queue mode, or an in-memory StubBroker for embedded mode."""
    if redis_url:
        return RedisBroker(url=redis_url, namespace="knotwork")
    return StubBroker()


def declare_execution_actor(broker: dramatiq.Broker, run: Callable[[int], Any]) -> dramatiq.Actor:
    """The one actor: run an execution by id. No broker retries: a failed execution is recorded,
    and a crashed one is recovered from the database, never silently run again."""

    def run_execution(execution_id: int) -> None:
        run(int(execution_id))

    return dramatiq.actor(
        run_execution,
        actor_name=ACTOR,
        queue_name=QUEUE,
        broker=broker,
        max_retries=0,
        time_limit=ACTOR_TIME_LIMIT_MS,
    )


class EmbeddedWorker:
    """A Dramatiq worker inside the current process (embedded mode)."""

    def __init__(self, broker: dramatiq.Broker, threads: int) -> None:
        self._broker = broker
        self._threads = threads
        self._worker: dramatiq.Worker | None = None

    def start(self) -> None:
        # The Dramatiq CLI emits process_boot; without it the TimeLimit watchdog never starts.
        self._broker.emit_after("process_boot")
        self._worker = make_worker(self._broker, self._threads)
        self._worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        self._broker.close()
