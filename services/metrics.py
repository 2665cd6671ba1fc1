"""Prometheus metrics (KNOTWORK_METRICS=true), the same on every web and webhook process.

Counters are recorded where things happen (executions start and finish on workers, webhook calls on
web and webhook processes) and must be seen from the process Prometheus scrapes. In embedded mode
that is one process: the counts stay in memory. In queue mode each process adds its counts to one
Redis hash (`knotwork:metrics`), batched once a second by a background thread, so any process's
/metrics shows the cluster's totals; a process killed with -9 loses at most its last second.
Gauges (queue depth, waiting and running executions, live workers) are read from the database and
Redis at scrape time. Because every process reports the same cluster-wide numbers, scrape one of
them (or a Service in front of them), never sum over replicas.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import text

from models.db import Database

log = logging.getLogger(__name__)

REDIS_KEY = "knotwork:metrics"
FLUSH_EVERY = 1.0  # seconds between a queue-mode process's batches to Redis
# Upper bounds (seconds) of the execution duration histogram's buckets.
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)

STARTED = "executions_started"
FINISHED = "executions_finished"
WEBHOOKS = "webhook_requests"
DURATION = "execution_duration"


def _field(name: str, **labels: str) -> str:
    return orjson.dumps([name, labels], option=orjson.OPT_SORT_KEYS).decode()


class Metrics:
    """What processes record. Disabled (KNOTWORK_METRICS=false), every method does nothing."""

    def __init__(self, *, enabled: bool = False, redis_url: str = "", db: Database | None = None) -> None:
        self.enabled = enabled
        self.db = db
        self._counts: dict[str, float] = {}  # embedded: the totals; queue mode: not yet sent to Redis
        self._lock = threading.Lock()
        self._redis: Any = None
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        if enabled and redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
            self._flusher = threading.Thread(target=self._flush_forever, name="knotwork-metrics", daemon=True)
            self._flusher.start()

    # ---- recording -----------------------------------------------------------------------------
    def execution_started(self, mode: str) -> None:
        if not self.enabled:  # the labels cost more than the count: not made when nobody reads them
            return
        self._add({_field(STARTED, mode=mode): 1})

    def execution_finished(self, mode: str, status: str, workflow_id: str, seconds: float) -> None:
        if not self.enabled:
            return
        deltas = {_field(FINISHED, mode=mode, status=status): 1.0,
                  _field(DURATION + "_sum", workflow_id=workflow_id): seconds,
                  _field(DURATION + "_count", workflow_id=workflow_id): 1.0}
        for bound in DURATION_BUCKETS:
            if seconds <= bound:
                deltas[_field(DURATION + "_bucket", workflow_id=workflow_id, le=repr(bound))] = 1.0
        self._add(deltas)

    def webhook_request(self, kind: str, status: int) -> None:
        if not self.enabled:
            return
        self._add({_field(WEBHOOKS, kind=kind, status=str(status)): 1})

    def _add(self, deltas: Mapping[str, float]) -> None:
        if not self.enabled:
            return
        with self._lock:
            for key, value in deltas.items():
                self._counts[key] = self._counts.get(key, 0.0) + value

    # ---- sharing (queue mode) ------------------------------------------------------------------
    def flush(self) -> None:
        """Queue mode: add what this process counted since the last flush to the Redis hash."""
        if self._redis is None:
            return
        with self._lock:
            pending, self._counts = self._counts, {}
        if not pending:
            return
        try:
            pipeline = self._redis.pipeline(transaction=False)
            for key, value in pending.items():
                pipeline.hincrbyfloat(REDIS_KEY, key, value)
            pipeline.execute()
        except Exception as error:  # keep the counts for the next try; metrics never fail a run
            log.warning("could not send metrics to Redis: %s", error)
            self._add(pending)

    def _flush_forever(self) -> None:
        while not self._stop.wait(FLUSH_EVERY):
            self.flush()

    def totals(self) -> dict[str, float]:
        """Every counter of the installation: this process's in embedded mode, Redis's in queue mode."""
        if self._redis is None:
            with self._lock:
                return dict(self._counts)
        self.flush()
        return {key.decode(): float(value) for key, value in self._redis.hgetall(REDIS_KEY).items()}

    def close(self) -> None:
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
            self.flush()
            self._redis.close()

    # ---- gauges, read at scrape time -------------------------------------------------------------
    def execution_counts(self) -> dict[str, int]:
        """Executions new (queued, not yet claimed), running and waiting, from the database."""
        counts = {"new": 0, "running": 0, "waiting": 0}
        if self.db is None:
            return counts
        with self.db.connection() as connection:
            rows = connection.execute(text(
                "SELECT status, COUNT(*) FROM execution WHERE status IN ('new', 'running', 'waiting') "
                "GROUP BY status")).all()
        counts.update({str(status): int(count) for status, count in rows})
        return counts

    def worker_count(self) -> int:
        """Live queue-mode workers (their presence keys in Redis); 1 in embedded mode, the process itself."""
        if self._redis is None:
            return 1
        # Imported here: housekeeping imports the executions runtime, which imports this module.
        from .housekeeping import PRESENCE_PREFIX

        return sum(1 for _ in self._redis.scan_iter(PRESENCE_PREFIX + "*", count=1000))

    def exposition(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        from prometheus_client import generate_latest

        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(self))
        return generate_latest(registry)


class _Collector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Any]:
        parsed = [(orjson.loads(key), value) for key, value in self.metrics.totals().items()]
        started = CounterMetricFamily("knotwork_executions_started", "Executions that began running, by mode.",
                                      labels=["mode"])
        finished = CounterMetricFamily("knotwork_executions_finished",
                                       "Executions that stopped running, by mode and final status "
                                       "(waiting: paused by a Wait node).", labels=["mode", "status"])
        webhooks = CounterMetricFamily("knotwork_webhook_requests",
                                       "Webhook calls answered, by kind (production, test, waiting) and HTTP status.",
                                       labels=["kind", "status"])
        families = {STARTED: (started, ["mode"]), FINISHED: (finished, ["mode", "status"]),
                    WEBHOOKS: (webhooks, ["kind", "status"])}
        durations: dict[str, dict[str, Any]] = {}
        for (name, labels), value in sorted(parsed, key=lambda entry: str(entry[0])):
            if name in families:
                family, names = families[name]
                family.add_metric([labels[label] for label in names], value)
            elif name.startswith(DURATION):
                entry = durations.setdefault(labels["workflow_id"], {"buckets": {}, "sum": 0.0, "count": 0.0})
                if name.endswith("_bucket"):
                    entry["buckets"][labels["le"]] = value
                else:
                    entry[name.rsplit("_", 1)[1]] = value
        yield from (started, finished, webhooks)
        histogram = HistogramMetricFamily("knotwork_execution_duration_seconds",
                                          "Run time of finished executions, per workflow.", labels=["workflow_id"])
        for workflow_id, entry in sorted(durations.items()):
            buckets = [(repr(bound), entry["buckets"].get(repr(bound), 0.0)) for bound in DURATION_BUCKETS]
            histogram.add_metric([workflow_id], [*buckets, ("+Inf", entry["count"])], entry["sum"])
        yield histogram
        counts = self.metrics.execution_counts()
        yield GaugeMetricFamily("knotwork_queue_depth", "Executions queued and not yet picked up by a worker.",
                                value=counts["new"])
        yield GaugeMetricFamily("knotwork_executions_running", "Executions running now.", value=counts["running"])
        yield GaugeMetricFamily("knotwork_executions_waiting", "Executions paused by a Wait node.",
                                value=counts["waiting"])
        yield GaugeMetricFamily("knotwork_workers", "Live worker processes (1 in embedded mode).",
                                value=self.metrics.worker_count())
