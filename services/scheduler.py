"""The scheduler: time, polling and listener triggers of active workflows, and waits that are over.

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

The leader also keeps one task per listener node (`async listen(ctx, emit)`, nodes.schedule.listener)
of every active workflow: the task holds the node's connection open and each `emit(items)` starts an
execution. It is cancelled when the workflow is deactivated or edited (then started again), and when
the process stops or loses the lead. A listener that fails is called again after a back-off (0.5 s
doubling to 30 s; a connection that lived a minute starts the back-off over).

Node types take part by duck typing: `schedule(node, seed, timezone) -> Schedule` (nodes.schedule),
for polling triggers `async poll(ctx) -> list[Item] | None`, for listeners `async listen(ctx, emit)`.
All of it runs on one event loop in the scheduler's thread; blocking work goes to threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from engine.errors import NodeError
from engine.items import Item
from engine.ports import Services
from engine.registry import NodeRegistry
from engine.runner import resolve_timezone, standalone_context
from engine.workflow import parse_workflow
from models import Workflow
from models.repositories import save_activation_error, save_static_data
from models.types import utcnow

from .credentials import DatabaseCredentials
from .variables import variables_for_project
from .waiting import resume_due
from .webhook_routes import unregister_routes
from .workflow_json import workflow_to_json

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger(__name__)

LEADER_KEY = "knotwork:scheduler:leader"
FIRE_KEY = "knotwork:scheduler:fired:"
BACKOFF_FIRST, BACKOFF_MAX, BACKOFF_RESET = 0.5, 30.0, 60.0  # listener reconnects, in seconds
LISTENER_HEALTHY = 5.0  # a listener connected this long has recovered (its recorded failure goes)
LISTENER_PROBE = 1.0  # activation tries a listener this long: a connection refused shows at once


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
    """One time, polling or listener trigger node of an active workflow (a listener has no schedule)."""

    workflow_id: str
    project_id: str
    node_name: str
    node_type: Any
    schedule: Any
    timezone: str
    document: dict[str, Any] = field(repr=False)
    polls: bool = False
    listens: bool = False
    next_at: datetime | None = None
    rules: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.workflow_id}:{self.node_name}"

    @property
    def version(self) -> str:
        """Changes when the workflow is saved or the node edited: a listener then starts over."""
        raw: dict[str, Any] = next((n for n in self.document.get("nodes") or [] if n.get("name") == self.node_name), {})
        return f"{self.document.get('versionId')}:{json.dumps(raw, sort_keys=True, default=str)}"

    def advance(self, after: datetime) -> None:
        self.next_at, self.rules = self.schedule.next_fire(after)


def workflow_triggers(registry: NodeRegistry, default_timezone: str, document: dict[str, Any],
                      project_id: str = "") -> list[Trigger]:
    """The time, polling and listener triggers of a workflow JSON. Raises NodeError (ScheduleError)
    for a trigger that cannot run, naming the node: activation refuses such a workflow."""
    workflow_id = str(document.get("id") or "")
    timezone = resolve_timezone((document.get("settings") or {}).get("timezone"), default_timezone)
    workflow = None
    found = []
    for raw in document.get("nodes") or []:
        node_type = registry.resolve(str(raw.get("type", "")))
        listens = hasattr(node_type, "listen")
        if node_type is None or raw.get("disabled") or not (listens or hasattr(node_type, "schedule")):
            continue
        workflow = workflow or parse_workflow(document, registry)
        node = workflow.node(str(raw["name"]))
        schedule = None  # a listener has none, and is not asked for one
        if not listens and hasattr(node_type, "schedule"):
            schedule = node_type.schedule(node, f"{workflow_id}:{node.name}", timezone)
        found.append(Trigger(workflow_id, project_id, node.name, node_type, schedule, timezone.key, document,
                             polls=not listens and hasattr(node_type, "poll"), listens=listens))
    return found


def trigger_services(runtime: Runtime, project_id: str, workflow_id: str) -> Services:
    """What a poll or a listener reaches: the workflow's credentials, variables and files folder."""
    credentials = DatabaseCredentials(runtime.db, runtime.executions.encryption_key, project_id,
                                      workflow_id=workflow_id)
    variables = {**runtime.executions.policy.variables, **variables_for_project(runtime.db, project_id)}
    return Services(credentials=credentials, default_timezone=runtime.settings.timezone, variables=variables,
                    files=runtime.executions.policy.files)


def probe_listeners(runtime: Runtime, document: dict[str, Any], project_id: str,
                    seconds: float = LISTENER_PROBE) -> None:
    """Before activation, run each listener trigger of the workflow for a moment: one that fails
    at once (connection refused, wrong password, unknown queue) raises NodeError naming its node,
    so activation is refused with the reason, as n8n refuses a trigger that does not start. What
    arrives meanwhile is not taken: `emit` never returns, so a broker redelivers it."""
    listeners = [t for t in workflow_triggers(runtime.registry, runtime.settings.timezone, document, project_id)
                 if t.listens]
    if not listeners:
        return
    workflow = parse_workflow(document, runtime.registry)
    services = trigger_services(runtime, project_id, str(document.get("id") or ""))

    async def probe(trigger: Trigger) -> None:
        async def hold(items: list[Item]) -> None:
            await asyncio.get_running_loop().create_future()

        ctx = standalone_context(workflow, runtime.registry, services, trigger.node_name)
        task = asyncio.ensure_future(trigger.node_type.listen(ctx, hold))
        done, _ = await asyncio.wait({task}, timeout=seconds)
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        if not done or task.cancelled():
            return  # still listening after the probe: it starts
        error = task.exception()
        if isinstance(error, NodeError):
            raise NodeError(error.message, node=error.node or trigger.node_name)
        message = f"{type(error).__name__}: {error}" if error else "it stopped listening at once"
        raise NodeError(f"The trigger cannot listen: {message}", node=trigger.node_name)

    async def probe_all() -> None:
        await asyncio.gather(*(probe(trigger) for trigger in listeners))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # the caller may be inside an event loop
        pool.submit(asyncio.run, probe_all()).result()


class Scheduler:
    """Runs in a daemon thread with its own event loop; `start` and `stop` from the owner."""

    def __init__(self, runtime: Runtime, *, redis_url: str = "", tick: float = 0.5) -> None:
        self._runtime = runtime
        self._tick = tick
        self._lock = LeaderLock(redis_url, runtime.worker_id) if redis_url else None
        self._triggers: dict[str, Trigger] | None = None
        self._stamp: Any = None
        self._stop = threading.Event()
        self._wake = asyncio.Event()  # set (from stop) to end the wait between ticks at once
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: dict[str, tuple[str, asyncio.Task[None]]] = {}  # key -> (version, task)
        self._closing: set[asyncio.Task[None]] = set()  # cancelled, still closing their connection
        self._thread = threading.Thread(target=self._main, name="knotwork-scheduler", daemon=True)
        self.fired = 0  # fires started by this process (for tests and metrics)

    @property
    def leading(self) -> bool:
        return self._triggers is not None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed already
                self._loop.call_soon_threadsafe(self._wake.set)
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if self._lock is not None:
            self._lock.release()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._run())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _run(self) -> None:
        """Tick until stopped; listener tasks run on this same loop between ticks."""
        try:
            while not self._stop.is_set():
                try:
                    await self.tick()
                except Exception:
                    log.exception("scheduler tick failed")
                self._sync_listeners()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._tick)
        finally:
            self._triggers = None
            self._sync_listeners()
            tasks = [task for _, task in self._listeners.values()] + list(self._closing)
            if tasks:
                await asyncio.wait(tasks, timeout=5)

    async def tick(self) -> None:
        if self._lock is not None and not await asyncio.to_thread(self._lock.hold):
            self._triggers, self._stamp = None, None  # not leading: forget, recount from now if we lead again
            return
        now = utcnow()
        await asyncio.to_thread(self._reload_if_changed, now)
        for trigger in list((self._triggers or {}).values()):
            if trigger.next_at is not None and trigger.next_at <= now:
                moment, rules = trigger.next_at, trigger.rules
                trigger.advance(max(moment, now - timedelta(seconds=1)))  # never replays missed moments
                await self._fire(trigger, moment, rules)
        await asyncio.to_thread(resume_due, self._runtime.executions)

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
                self._deactivate(document, project_id, error)
                continue
            for trigger in found:
                kept = previous.get(trigger.key)
                if trigger.listens:
                    pass  # runs as a task (_sync_listeners), not on a schedule
                elif kept is not None and kept.document.get("versionId") == document.get("versionId"):
                    trigger.schedule, trigger.next_at, trigger.rules = kept.schedule, kept.next_at, kept.rules
                else:
                    trigger.schedule.started = now.astimezone(trigger.schedule.timezone)
                    trigger.advance(now)
                triggers[trigger.key] = trigger
        self._triggers, self._stamp = triggers, stamp

    def _deactivate(self, document: dict[str, Any], project_id: str, error: Exception) -> None:
        """An active workflow whose triggers cannot even be set up (a cron that became invalid, a
        node type gone): n8n leaves it inactive, shows why, and runs its error workflow."""
        node = error.node if isinstance(error, NodeError) else None
        message = error.message if isinstance(error, NodeError) else f"{type(error).__name__}: {error}"
        reason = f"Node '{node}': {message}" if node else message
        log.warning("workflow %s is active but its triggers cannot run, deactivating it: %s", document.get("id"),
                    reason)
        with self._runtime.db.session() as session:
            unregister_routes(session, str(document["id"]))
            save_activation_error(session, str(document["id"]), reason, deactivate=True)
        self._runtime.executions.error_workflows.after_trigger_failure(document, project_id, message, node)

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
        ctx = standalone_context(workflow, runtime.registry, await asyncio.to_thread(self._services, trigger),
                                 trigger.node_name)
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

    def _services(self, trigger: Trigger) -> Services:
        return trigger_services(self._runtime, trigger.project_id, trigger.workflow_id)

    def _save_static(self, workflow_id: str, static_data: dict[str, Any]) -> None:
        with self._runtime.db.session() as session:
            save_static_data(session, workflow_id, static_data)

    # ---- listeners ---------------------------------------------------------------------------------
    def _sync_listeners(self) -> None:
        """Start a task per listener of the current triggers; cancel those no longer wanted."""
        wanted = {t.key: t for t in (self._triggers or {}).values() if t.listens}
        for key, (version, task) in list(self._listeners.items()):
            trigger = wanted.get(key)
            if trigger is None or trigger.version != version or task.done():
                task.cancel()
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
                del self._listeners[key]
        for key, trigger in wanted.items():
            if key not in self._listeners:
                task = asyncio.get_running_loop().create_task(self._keep_listening(trigger), name=f"listen {key}")
                self._listeners[key] = (trigger.version, task)

    async def _keep_listening(self, trigger: Trigger) -> None:
        """Call the node's `listen` again and again, with a back-off, until cancelled. The first
        failure of a series is recorded on the workflow (shown in the list) and runs its error
        workflow, as n8n does for a trigger that fails; the record goes once a listener has held
        its connection for LISTENER_HEALTHY seconds. The workflow stays active: a broker that
        restarts, or comes up after Knotwork, is picked up again without anyone's help."""
        delay = BACKOFF_FIRST
        failing = False
        while True:
            began = time.monotonic()
            healthy = (asyncio.get_running_loop().call_later(LISTENER_HEALTHY, self._recovered, trigger)
                       if failing else None)
            try:
                await self._listen(trigger)
                problem = "it stopped listening"
            except NodeError as error:
                problem = error.message
            except Exception as error:
                problem = f"{type(error).__name__}: {error}"
            finally:
                if healthy is not None:
                    healthy.cancel()
            lived = time.monotonic() - began
            if lived > BACKOFF_RESET:
                delay = BACKOFF_FIRST
            if lived > LISTENER_HEALTHY:
                failing = False
            log.warning("listener '%s' of workflow %s: %s; listening again in %.1f s", trigger.node_name,
                        trigger.workflow_id, problem, delay)
            if not failing:
                failing = True
                await asyncio.to_thread(self._listener_failed, trigger, problem)
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    def _listener_failed(self, trigger: Trigger, problem: str) -> None:
        reason = f"Node '{trigger.node_name}': {problem} (retrying)"
        with self._runtime.db.session() as session:
            save_activation_error(session, trigger.workflow_id, reason)
        self._runtime.executions.error_workflows.after_trigger_failure(trigger.document, trigger.project_id,
                                                                       problem, trigger.node_name)

    def _recovered(self, trigger: Trigger) -> None:
        """The listener has held its connection a while: its recorded failure goes."""
        def clear() -> None:
            with self._runtime.db.session() as session:
                save_activation_error(session, trigger.workflow_id, None)

        task = asyncio.ensure_future(asyncio.to_thread(clear))
        self._closing.add(task)  # kept referenced until done
        task.add_done_callback(self._closing.discard)

    async def _listen(self, trigger: Trigger) -> None:
        fresh = await asyncio.to_thread(self._fresh, trigger)
        if fresh is None:  # deactivated since the reload: the next sync cancels this task
            await asyncio.get_running_loop().create_future()
            return
        document, saved = fresh
        workflow = parse_workflow(document, self._runtime.registry)
        ctx = standalone_context(workflow, self._runtime.registry, await asyncio.to_thread(self._services, trigger),
                                 trigger.node_name)

        async def emit(items: list[Item]) -> None:
            nonlocal saved
            changed = None
            if workflow.static_data != saved:
                changed = copy.deepcopy(dict(workflow.static_data))
            await asyncio.to_thread(self._start_listened, trigger, items, changed)
            if changed is not None:
                saved = changed

        await trigger.node_type.listen(ctx, emit)

    def _start_listened(self, trigger: Trigger, items: list[Item], static_data: dict[str, Any] | None) -> None:
        """Persist an execution of what a listener received. Raises when the workflow went inactive,
        so a broker's message is not acknowledged."""
        fresh = self._fresh(trigger)
        if fresh is None:
            raise RuntimeError(f"workflow {trigger.workflow_id} is no longer active")
        document = fresh[0]
        if static_data is not None:
            self._save_static(trigger.workflow_id, static_data)
            document["staticData"] = static_data
        self._runtime.executions.start(
            document, workflow_id=trigger.workflow_id, project_id=trigger.project_id, mode="trigger",
            start_items=[item.to_dict(include_paired=False) for item in items], start_node=trigger.node_name)
        self.fired += 1
