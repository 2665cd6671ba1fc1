"""The scheduler: time triggers and polling triggers of active workflows, and waits that are over.

Exactly one process of a deployment runs it at a time, the leader. In embedded mode that is the one
process; in queue mode every web process (and `knotwork webhook`/worker process that asks) runs a
Scheduler, and a Redis key held with renewal (`LeaderLock`) decides which one acts. A fire is also
claimed in Redis per (workflow, node, moment), so a hand-over in the middle of a tick cannot fire
twice.

Each tick the leader reloads the triggers when active workflows changed, fires every trigger whose
moment has come (a Schedule/Cron/Interval node starts an execution with its item; a polling node's
`poll` runs, and items it returns start one), and resumes waiting executions whose time is over.
Missed moments are not replayed: after downtime or a change of leader, each trigger's next moment
counts from now (a late catch-up burst of hourly reports helps nobody; the docs say so).

Node types take part by duck typing: `schedule(node, seed, timezone) -> Schedule` (nodes.schedule)
and, for polling triggers, `async poll(ctx) -> list[Item] | None`.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from engine.errors import NodeError
from engine.ports import Services
from engine.registry import NodeRegistry
from engine.runner import resolve_timezone, standalone_context
from engine.workflow import parse_workflow
from models import Workflow
from models.repositories import save_static_data
from models.types import utcnow

from .credentials import DatabaseCredentials
from .waiting import resume_due
from .workflow_json import workflow_to_json

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger(__name__)

LEADER_KEY = "knotwork:scheduler:leader"
FIRE_KEY = "knotwork:scheduler:fired:"


class LeaderLock:
    """A Redis key naming the leader; the holder renews it, others take it when it expires."""

    _RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, redis_url: str, holder: str, ttl: float = 10.0) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url)
        self.holder = holder
        self._ttl_ms = int(ttl * 1000)

    def hold(self) -> bool:
        """Take or keep the lead; False when another process holds it (or Redis is unreachable)."""
        try:
            if self._redis.eval(self._RENEW, 1, LEADER_KEY, self.holder, self._ttl_ms):
                return True
            return bool(self._redis.set(LEADER_KEY, self.holder, nx=True, px=self._ttl_ms))
        except Exception as error:  # a leader that cannot renew must stop acting
            log.warning("scheduler: cannot reach Redis (%s); not leading", error)
            return False

    def claim_fire(self, key: str) -> bool:
        """Whether this process is the first to fire this (workflow, node, moment)."""
        return bool(self._redis.set(FIRE_KEY + key, self.holder, nx=True, ex=3600))

    def release(self) -> None:
        try:
            self._redis.eval(self._RELEASE, 1, LEADER_KEY, self.holder)
        finally:
            self._redis.close()


@dataclass
class Trigger:
    """One time or polling trigger node of an active workflow."""

    workflow_id: str
    project_id: str
    node_name: str
    node_type: Any
    schedule: Any
    timezone: str
    document: dict[str, Any] = field(repr=False)
    polls: bool = False
    next_at: datetime | None = None
    rules: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.workflow_id}:{self.node_name}"

    def advance(self, after: datetime) -> None:
        self.next_at, self.rules = self.schedule.next_fire(after)


def workflow_triggers(registry: NodeRegistry, default_timezone: str, document: dict[str, Any],
                      project_id: str = "") -> list[Trigger]:
    """The time and polling triggers of a workflow JSON. Raises NodeError (ScheduleError) for a
    trigger that cannot run, naming the node: activation refuses such a workflow."""
    workflow_id = str(document.get("id") or "")
    timezone = resolve_timezone((document.get("settings") or {}).get("timezone"), default_timezone)
    workflow = None
    found = []
    for raw in document.get("nodes") or []:
        node_type = registry.resolve(str(raw.get("type", "")))
        if node_type is None or raw.get("disabled") or not hasattr(node_type, "schedule"):
            continue
        workflow = workflow or parse_workflow(document, registry)
        node = workflow.node(str(raw["name"]))
        schedule = node_type.schedule(node, f"{workflow_id}:{node.name}", timezone)
        found.append(Trigger(workflow_id, project_id, node.name, node_type, schedule, timezone.key, document,
                             polls=hasattr(node_type, "poll")))
    return found


class Scheduler:
    """Runs in a daemon thread with its own event loop; `start` and `stop` from the owner."""

    def __init__(self, runtime: Runtime, *, redis_url: str = "", tick: float = 0.5) -> None:
        self._runtime = runtime
        self._tick = tick
        self._lock = LeaderLock(redis_url, runtime.worker_id) if redis_url else None
        self._triggers: dict[str, Trigger] | None = None
        self._stamp: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="knotwork-scheduler", daemon=True)
        self.fired = 0  # fires started by this process (for tests and metrics)

    @property
    def leading(self) -> bool:
        return self._triggers is not None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if self._lock is not None:
            self._lock.release()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            while not self._stop.is_set():
                try:
                    loop.run_until_complete(self.tick())
                except Exception:
                    log.exception("scheduler tick failed")
                self._stop.wait(self._tick)
        finally:
            loop.close()

    async def tick(self) -> None:
        if self._lock is not None and not self._lock.hold():
            self._triggers, self._stamp = None, None  # not leading: forget, recount from now if we lead again
            return
        now = utcnow()
        self._reload_if_changed(now)
        for trigger in list((self._triggers or {}).values()):
            if trigger.next_at is not None and trigger.next_at <= now:
                moment, rules = trigger.next_at, trigger.rules
                trigger.advance(max(moment, now - timedelta(seconds=1)))  # never replays missed moments
                await self._fire(trigger, moment, rules)
        resume_due(self._runtime.executions)

    # ---- triggers of active workflows --------------------------------------------------------------
    def _reload_if_changed(self, now: datetime) -> None:
        with self._runtime.db.session() as session:
            rows = session.exec(select(Workflow.id, Workflow.updated_at)
                                .where(col(Workflow.active).is_(True)).order_by(col(Workflow.id))).all()
        stamp = tuple(rows)
        if stamp == self._stamp and self._triggers is not None:
            return
        previous = self._triggers or {}
        triggers: dict[str, Trigger] = {}
        with self._runtime.db.session() as session:
            workflows = session.exec(select(Workflow).where(col(Workflow.active).is_(True))).all()
            documents = [(workflow_to_json(w), w.project_id) for w in workflows]
        for document, project_id in documents:
            try:
                found = workflow_triggers(self._runtime.registry, self._runtime.settings.timezone, document,
                                          project_id)
            except Exception as error:
                log.warning("workflow %s is active but its triggers cannot run: %s", document.get("id"), error)
                continue
            for trigger in found:
                kept = previous.get(trigger.key)
                if kept is not None and kept.document.get("versionId") == document.get("versionId"):
                    trigger.schedule, trigger.next_at, trigger.rules = kept.schedule, kept.next_at, kept.rules
                else:
                    trigger.schedule.started = now.astimezone(trigger.schedule.timezone)
                    trigger.advance(now)
                triggers[trigger.key] = trigger
        self._triggers, self._stamp = triggers, stamp

    async def _fire(self, trigger: Trigger, moment: datetime, rules: list[int]) -> None:
        if self._lock is not None and not self._lock.claim_fire(f"{trigger.key}:{moment.timestamp()}"):
            return
        try:
            if trigger.polls:
                await self._poll(trigger)
            else:
                await asyncio.to_thread(self._start_scheduled, trigger, moment, rules)
        except Exception:
            log.exception("trigger %s of workflow %s failed", trigger.node_name, trigger.workflow_id)

    def _fresh(self, trigger: Trigger) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The workflow JSON as stored now (its static data moves between fires), and its static data."""
        with self._runtime.db.session() as session:
            workflow = session.get(Workflow, trigger.workflow_id)
            if workflow is None or not workflow.active:
                return None
            document = workflow_to_json(workflow)
        return document, copy.deepcopy(document.get("staticData") or {})

    def _start_scheduled(self, trigger: Trigger, moment: datetime, rules: list[int]) -> None:
        fresh = self._fresh(trigger)
        if fresh is None:
            return
        document, static_data = fresh
        node_data = static_data.setdefault(f"node:{trigger.node_name}", {})
        local = moment.astimezone(trigger.schedule.timezone)
        if not trigger.schedule.due(rules, local, node_data):
            return
        if static_data != (document.get("staticData") or {}):
            with self._runtime.db.session() as session:
                save_static_data(session, trigger.workflow_id, static_data)
            document["staticData"] = static_data
        items = trigger.node_type.fire_items(None, local, trigger.timezone)
        self._runtime.executions.start(document, workflow_id=trigger.workflow_id, project_id=trigger.project_id,
                                       mode="trigger", start_items=items, start_node=trigger.node_name)
        self.fired += 1

    async def _poll(self, trigger: Trigger) -> None:
        """Run the node's poll; items it returns start an execution, its static data is kept."""
        fresh = await asyncio.to_thread(self._fresh, trigger)
        if fresh is None:
            return
        document, before = fresh
        runtime = self._runtime
        workflow = parse_workflow(document, runtime.registry)
        credentials = DatabaseCredentials(runtime.db, runtime.executions.encryption_key, trigger.project_id,
                                          workflow_id=trigger.workflow_id)
        services = Services(credentials=credentials, default_timezone=runtime.settings.timezone,
                            variables=runtime.executions.policy.variables)
        ctx = standalone_context(workflow, runtime.registry, services, trigger.node_name)
        try:
            items = await trigger.node_type.poll(ctx)
        except NodeError as error:
            log.warning("poll of '%s' in workflow %s failed: %s", trigger.node_name, trigger.workflow_id, error.message)
            return
        if workflow.static_data != before:
            await asyncio.to_thread(self._save_static, trigger.workflow_id, dict(workflow.static_data))
            document["staticData"] = dict(workflow.static_data)
        if items:
            await asyncio.to_thread(
                runtime.executions.start, document, workflow_id=trigger.workflow_id, project_id=trigger.project_id,
                mode="trigger", start_items=[item.to_dict(include_paired=False) for item in items],
                start_node=trigger.node_name)
            self.fired += 1

    def _save_static(self, workflow_id: str, static_data: dict[str, Any]) -> None:
        with self._runtime.db.session() as session:
            save_static_data(session, workflow_id, static_data)
