"""Listener triggers run by the scheduler with the real runtime: a Redis Trigger workflow starts one
persisted execution per message while active, follows edits, stops when deactivated, survives a
dropped connection (Redis and PostgreSQL); a manual run waits for the first message."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from sqlmodel import col, select

import services.scheduler as scheduler_module
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription
from models import Database, Execution, Workflow
from models.repositories import load_execution_data
from nodes.schedule.listener import Emit, ListenerTrigger
from services import workflow_access
from services.access import Actor
from services.credentials import create_credential
from services.runtime import Runtime
from services.scheduler import Scheduler
from services.users import create_user
from services.workflow_json import workflow_to_json

from .runtimes import KEY, make_runtime
from .test_webhooks import chain, node


def eventually(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def rd() -> Iterator[redis.Redis]:
    client = redis.Redis(host="127.0.0.1", port=6379, decode_responses=True, socket_connect_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        pytest.skip(f"Redis at 127.0.0.1:6379 does not answer: {error}")
    yield client
    client.close()


@pytest.fixture
def pg() -> Iterator[psycopg.Connection[Any]]:
    try:
        connection = psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres",
                                     connect_timeout=2, autocommit=True)
    except psycopg.Error as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 does not answer: {error}")
    with connection:
        yield connection


def credential(runtime: Runtime, owner: Actor, type_name: str, data: dict[str, Any]) -> dict[str, Any]:
    project_id = workflow_access.create_workflow(runtime, owner, chain("Probe", mark())).workflow.project_id
    stored = create_credential(runtime.db, KEY, project_id=project_id, name=type_name, type=type_name, data=data)
    return {type_name: {"id": stored.id, "name": type_name}}


def redis_listener(runtime: Runtime, owner: Actor, channel: str) -> dict[str, Any]:
    credentials = credential(runtime, owner, "redis", {"host": "127.0.0.1", "port": 6379, "database": 0})
    return node("Listen", "n8n-nodes-base.redisTrigger", {"channels": channel}, 1, credentials=credentials)


def mark() -> dict[str, Any]:
    return node("Mark", "n8n-nodes-base.set", {"assignments": {"assignments": [
        {"id": "1", "name": "heard", "value": "={{ $json.message }}", "type": "string"}]},
        "includeOtherFields": True}, 3.4)


def rows(runtime: Runtime, workflow_id: str) -> list[Execution]:
    with runtime.db.session() as session:
        return list(session.exec(select(Execution).where(col(Execution.workflow_id) == workflow_id)
                                 .order_by(col(Execution.id))))


def succeeded(runtime: Runtime, workflow_id: str, count: int) -> list[Execution] | None:
    done = [row for row in rows(runtime, workflow_id) if row.status == "success"]
    return done if len(done) >= count else None


def marked(runtime: Runtime, execution_id: int) -> Any:
    with runtime.db.session() as session:
        loaded = load_execution_data(session, execution_id)
    assert loaded is not None
    return loaded[1]["runData"]["Mark"][0]["data"]["main"][0][0]["json"]


def publish_until_heard(rd: redis.Redis, channel: str, message: str) -> None:
    """PUBLISH answers how many subscribers got it: repeat until one did."""
    eventually(lambda: rd.publish(channel, message), f"a subscriber on {channel}")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_an_active_redis_trigger_starts_a_run_per_message_until_deactivated(runtime: Runtime, owner: Actor,
                                                                             rd: redis.Redis) -> None:
    channel = unique("kw-orders")
    view = workflow_access.create_workflow(runtime, owner, chain("Orders", redis_listener(runtime, owner, channel),
                                                                 mark()))
    workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    # When a message is published, Then a trigger-mode run is persisted with it
    publish_until_heard(rd, channel, "order 1")
    [first] = eventually(lambda: succeeded(runtime, view.workflow.id, 1), "the first run")
    assert first.mode == "trigger"
    assert marked(runtime, first.id) == {"message": "order 1", "channel": channel, "heard": "order 1"}

    # When the server drops the subscriber's connection, a later message still arrives
    for client in rd.client_list(_type="pubsub"):
        if client.get("name") == "knotwork-redis-trigger":
            rd.client_kill_filter(_id=client["id"])
    publish_until_heard(rd, channel, "order 2")
    runs = eventually(lambda: succeeded(runtime, view.workflow.id, 2), "a run after the reconnect")
    assert marked(runtime, runs[1].id)["heard"] == "order 2"

    # When the node is edited, the listener starts over on the new channel
    moved = unique("kw-moved")
    document = workflow_to_json(workflow_access.get_workflow(runtime.db, owner, view.workflow.id).workflow)
    document["nodes"][0]["parameters"]["channels"] = moved
    workflow_access.update_workflow(runtime, owner, view.workflow.id, document)
    publish_until_heard(rd, moved, "order 3")
    eventually(lambda: rd.publish(channel, "lost") == 0, "the old channel to be left")
    runs = eventually(lambda: succeeded(runtime, view.workflow.id, 3), "a run on the new channel")
    assert marked(runtime, runs[2].id)["heard"] == "order 3"

    # When the workflow is deactivated, nobody listens any more and no run starts
    workflow_access.deactivate_workflow(runtime.db, owner, view.workflow.id)
    eventually(lambda: rd.publish(moved, "ignored") == 0, "the subscription to end")
    assert len(rows(runtime, view.workflow.id)) == 3


def test_a_manual_run_waits_for_the_first_message(runtime: Runtime, owner: Actor, rd: redis.Redis) -> None:
    channel = unique("kw-manual")
    document = chain("By hand", redis_listener(runtime, owner, channel), mark())
    view = workflow_access.create_workflow(runtime, owner, document)
    execution_id = runtime.executions.start(document, workflow_id=view.workflow.id,
                                            project_id=view.workflow.project_id, mode="manual")
    publish_until_heard(rd, channel, "hello")
    eventually(lambda: succeeded(runtime, view.workflow.id, 1), "the manual run to finish")
    assert marked(runtime, execution_id) == {"message": "hello", "channel": channel, "heard": "hello"}


def listener_pid(pg: psycopg.Connection[Any], channel: str, other_than: int = 0) -> int:
    def found() -> int:
        row = pg.execute("SELECT pid FROM pg_stat_activity WHERE query = %s AND pid <> %s",
                         (f'LISTEN "{channel}"', other_than)).fetchone()
        return int(row[0]) if row else 0

    return eventually(found, f"a backend listening on {channel}")


def test_a_postgres_listener_is_restarted_after_its_backend_is_terminated(runtime: Runtime, owner: Actor,
                                                                          pg: psycopg.Connection[Any]) -> None:
    channel = unique("kw_events")
    credentials = credential(runtime, owner, "postgres", {"host": "127.0.0.1", "port": 5432, "database": "test",
                                                          "user": "postgres", "password": "", "ssl": "disable"})
    listen = node("Listen", "n8n-nodes-base.postgresTrigger", {"triggerMode": "listenTrigger", "channelName": channel},
                  1, credentials=credentials)
    view = workflow_access.create_workflow(runtime, owner, chain("Events", listen, mark()))
    workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    first = listener_pid(pg, channel)
    # When the server ends the listening backend (as a restart would)
    pg.execute("SELECT pg_terminate_backend(%s)", (first,))
    # Then the scheduler listens again, and a notification sent then starts a run
    listener_pid(pg, channel, other_than=first)
    pg.execute("SELECT pg_notify(%s, %s)", (channel, '{"id": 1}'))
    [run] = eventually(lambda: succeeded(runtime, view.workflow.id, 1), "a run after the reconnect")
    assert marked(runtime, run.id)["payload"] == {"id": 1}
    workflow_access.deactivate_workflow(runtime.db, owner, view.workflow.id)
    eventually(lambda: not pg.execute("SELECT 1 FROM pg_stat_activity WHERE query = %s",
                                      (f'LISTEN "{channel}"',)).fetchone(), "the listener to stop")


# --- the scheduler's side, with a listener node made for the tests --------------------------------

class Ticker(ListenerTrigger):
    """Per `mode`: `fail` raises at once; `emit` keeps a count in static data and emits it, then
    holds; `hold` only holds. Counts its calls and its ends."""

    description = NodeDescription(name="test.ticker", display_name="Ticker", group="trigger", description="test",
                                  versions=(1.0,), default_version=1.0, inputs=0, trigger=True)
    calls = 0
    ended = 0

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        type(self).calls += 1
        try:
            if ctx.param("mode") == "fail":
                raise RuntimeError("connection refused (test)")
            if ctx.param("mode") == "emit":
                state = ctx.static_data("node")
                state["count"] = int(state.get("count", 0)) + 1
                await emit([Item({"count": state["count"]})])
            await asyncio.get_running_loop().create_future()
        finally:
            type(self).ended += 1


@pytest.fixture
def ticker() -> Iterator[type[Ticker]]:
    Ticker.calls = Ticker.ended = 0
    yield Ticker


def ticking(runtime: Runtime, owner: Actor, mode: str) -> str:
    runtime.registry.add(Ticker)
    view = workflow_access.create_workflow(runtime, owner, chain("Ticks", node("Tick", "test.ticker", {"mode": mode}),
                                                                 mark()))
    workflow_access.activate_workflow(runtime, owner, view.workflow.id)
    return view.workflow.id


def test_emit_persists_a_run_and_the_static_data_the_listener_changed(runtime: Runtime, owner: Actor,
                                                                      ticker: type[Ticker]) -> None:
    workflow_id = ticking(runtime, owner, "emit")
    [run] = eventually(lambda: succeeded(runtime, workflow_id, 1), "the emitted run")
    assert run.mode == "trigger" and marked(runtime, run.id) == {"count": 1, "heard": None}
    with runtime.db.session() as session:
        assert session.get(Workflow, workflow_id).static_data == {"node:Tick": {"count": 1}}  # type: ignore[union-attr]


def test_a_failing_listener_is_called_again_with_a_growing_back_off(runtime: Runtime, owner: Actor,
                                                                    ticker: type[Ticker],
                                                                    caplog: pytest.LogCaptureFixture,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.WARNING, "services.scheduler")
    # Activation would refuse a listener that fails at once (test_trigger_failures): as if it began failing later
    monkeypatch.setattr(scheduler_module, "probe_listeners", lambda *args, **kwargs: None)
    workflow_id = ticking(runtime, owner, "fail")
    eventually(lambda: ticker.calls >= 3, "two retries")
    warnings = [r.getMessage() for r in caplog.records if r.name == "services.scheduler"]
    assert warnings[:2] == [
        f"listener 'Tick' of workflow {workflow_id}: RuntimeError: connection refused (test); listening again in 0.5 s",
        f"listener 'Tick' of workflow {workflow_id}: RuntimeError: connection refused (test); listening again in 1.0 s"]


def test_listeners_stop_when_the_lead_is_lost_and_when_the_scheduler_stops(database: Database, tmp_path: Path,
                                                                            ticker: type[Ticker],
                                                                            rd: redis.Redis,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler_module, "LEADER_KEY", unique("knotwork:test:leader"))  # not the real lock
    runtime = make_runtime(database, tmp_path)
    user = create_user(runtime.db, "lead@example.com", "long enough password", role="owner")
    ticking(runtime, Actor(user.id, "owner", user.email), "hold")
    scheduler = Scheduler(runtime, redis_url="redis://127.0.0.1:6379/0", tick=0.1)
    try:
        scheduler.start()
        eventually(lambda: ticker.calls == 1, "the listener to start")
        # When another process takes the lead, the listener is cancelled (and closes)
        rd.set(scheduler_module.LEADER_KEY, "another process", px=60_000)
        eventually(lambda: ticker.ended == 1 and not scheduler.leading, "the listener to stop")
        # When the lead comes back, it listens again
        rd.delete(scheduler_module.LEADER_KEY)
        eventually(lambda: ticker.calls == 2, "the listener to start again")
        # When the scheduler stops, the listener ends before stop returns
        scheduler.stop()
        assert ticker.ended == 2
    finally:
        scheduler.stop()
        rd.delete(scheduler_module.LEADER_KEY)
        runtime.close()
