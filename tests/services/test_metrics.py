"""Metrics: executions counted where they run, shown in Prometheus's text format with the gauges read
from the database; in queue mode every process's counts meet in Redis, so any process shows them all."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import redis

from models import Database
from services.housekeeping import PRESENCE_PREFIX
from services.metrics import REDIS_KEY, Metrics
from tests.engine.nodes_for_tests import connect, node, workflow
from tests.services.test_execution_runtime import TRIGGER, Harness, harness, harness_factory, simple

__all__ = ["harness", "harness_factory"]  # fixtures used by the tests below

REDIS_URL = "redis://127.0.0.1:6379/12"  # a logical database of this module's own


def samples(exposition: bytes) -> dict[str, float]:
    """`name{labels}` -> value of every sample line."""
    found = {}
    for line in exposition.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


def test_runs_are_counted_by_mode_and_status_with_durations(harness: Harness, database: Database) -> None:
    harness.runtime.metrics = Metrics(enabled=True, db=database)
    failing = workflow([TRIGGER, node("F", "fail", 200, 0, parameters={"message": "nope"})], connect(("T", "F")))
    harness.wait(harness.start(simple(), mode="webhook"))
    harness.wait(harness.start(simple(), mode="webhook"))
    harness.wait(harness.start(failing, mode="trigger"))

    shown = samples(harness.runtime.metrics.exposition())

    assert shown['knotwork_executions_started_total{mode="webhook"}'] == 2
    assert shown['knotwork_executions_started_total{mode="trigger"}'] == 1
    assert shown['knotwork_executions_finished_total{mode="webhook",status="success"}'] == 2
    assert shown['knotwork_executions_finished_total{mode="trigger",status="error"}'] == 1
    workflow_label = f'workflow_id="{harness.workflow_id}"'
    assert shown[f'knotwork_execution_duration_seconds_count{{{workflow_label}}}'] == 3
    assert shown[f'knotwork_execution_duration_seconds_bucket{{le="+Inf",{workflow_label}}}'] == 3
    assert 0 < shown[f'knotwork_execution_duration_seconds_sum{{{workflow_label}}}'] < 60
    assert shown["knotwork_queue_depth"] == 0 and shown["knotwork_executions_waiting"] == 0
    assert shown["knotwork_workers"] == 1


def test_queued_executions_show_as_queue_depth(harness_factory: object, database: Database) -> None:
    stopped = harness_factory()  # type: ignore[operator]  # its worker never starts: runs stay queued
    stopped.runtime.metrics = Metrics(enabled=True, db=database)
    for _ in range(3):
        stopped.start(simple())

    shown = samples(stopped.runtime.metrics.exposition())

    assert shown["knotwork_queue_depth"] == 3
    assert "knotwork_executions_started_total" not in " ".join(shown)


def test_disabled_metrics_record_nothing(harness: Harness) -> None:
    metrics = Metrics(enabled=False)
    metrics.execution_started("webhook")
    metrics.webhook_request("production", 200)

    assert metrics.totals() == {}


@pytest.fixture
def shared_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def test_queue_mode_processes_share_their_counts_through_redis(shared_redis: redis.Redis) -> None:
    worker, web = Metrics(enabled=True, redis_url=REDIS_URL), Metrics(enabled=True, redis_url=REDIS_URL)
    try:
        worker.execution_started("trigger")
        worker.execution_finished("trigger", "success", "wf-1", 0.2)
        web.webhook_request("production", 404)
        worker.flush()  # the flusher thread does this every second

        totals = web.totals()
        shared_redis.set(PRESENCE_PREFIX + "host:1:abc", "1")
        shown = samples(web.exposition())
    finally:
        worker.close()
        web.close()

    assert shown['knotwork_executions_started_total{mode="trigger"}'] == 1
    assert shown['knotwork_webhook_requests_total{kind="production",status="404"}'] == 1
    assert shown['knotwork_execution_duration_seconds_bucket{le="0.25",workflow_id="wf-1"}'] == 1
    assert shown['knotwork_execution_duration_seconds_bucket{le="0.1",workflow_id="wf-1"}'] == 0
    assert shown["knotwork_workers"] == 1
    assert len(totals) == len(shared_redis.hgetall(REDIS_KEY))


def test_counts_survive_a_failed_flush() -> None:
    metrics = Metrics(enabled=True, redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        metrics.execution_started("manual")
        metrics.flush()
        with metrics._lock:
            kept = dict(metrics._counts)
    finally:
        metrics._redis = None  # nothing to close or flush
        metrics._stop.set()

    assert [value for key, value in kept.items() if re.search(r'"manual"', key)] == [1.0]
