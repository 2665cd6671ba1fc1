"""Failure notifications: when an execution fails, tell people without an error workflow.

Targets are `kind:address` strings, instance-wide in KNOTWORK_NOTIFY_ON_FAILURE and per workflow in
`settings.failureNotifications` (a list, or one comma-separated string). Kinds: `email` (through
KNOTWORK_SMTP_*), `slack`, `mattermost`, `discord`, `teams` (their incoming-webhook URLs) and
`webhook` (a JSON POST of the whole report). Every message names the workflow, the error, the node
and links to the execution (KNOTWORK_PUBLIC_URL based).

Rate limit: at most one notification per workflow per KNOTWORK_NOTIFY_INTERVAL_MINUTES; failures in
between are counted and the next notification says how many. In queue mode the window and the count
live in Redis, so every worker shares them. Never for manual runs (the user is looking at it).
Sending happens on a background thread, so a slow target never holds an execution thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from .mailer import MailError, mail_configured, send_mail
from .settings import Settings, SettingsError

log = logging.getLogger(__name__)

KINDS = ("email", "slack", "mattermost", "discord", "teams", "webhook")
SILENT_MODES = frozenset({"manual"})
TIMEOUT_SECONDS = 10
_TEXT_LIMIT = 1900  # Discord refuses content over 2000 characters


class NotificationTargetError(ValueError):
    """A target is not `kind:address` with a known kind; the message names it."""


@dataclass(frozen=True)
class Target:
    kind: str
    address: str


def parse_targets(raw: str | Iterable[str] | None) -> list[Target]:
    """`email:a@b.c, slack:https://…` (or a list of such strings) as Targets; raises NotificationTargetError."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw or [])
    targets = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        kind, _, address = text.partition(":")
        kind, address = kind.strip().lower(), address.strip()
        if kind not in KINDS or not address:
            raise NotificationTargetError(
                f"Notification target '{text[:80]}' is not kind:address with a kind among {', '.join(KINDS)}")
        if kind != "email" and not address.startswith(("http://", "https://")):
            raise NotificationTargetError(f"Notification target '{text[:80]}' needs an http(s) URL after '{kind}:'")
        targets.append(Target(kind, address))
    return targets


@dataclass(frozen=True)
class FailureReport:
    workflow_id: str
    workflow_name: str
    execution_id: int
    execution_url: str
    mode: str
    error: str
    node: str | None
    suppressed: int  # failures of this workflow not notified since the previous notification
    interval_minutes: int

    def text(self) -> str:
        where = f" in node '{self.node}'" if self.node else ""
        lines = [f"Workflow '{self.workflow_name}' failed{where}: {self.error or 'unknown error'}",
                 f"Execution {self.execution_id} ({self.mode}): {self.execution_url}"]
        if self.suppressed:
            lines.append(f"{self.suppressed} more failure(s) of this workflow in the last "
                         f"{self.interval_minutes} minutes were not notified.")
        text = "\n".join(lines)
        return text if len(text) <= _TEXT_LIMIT else text[:_TEXT_LIMIT - 1] + "…"

    def document(self) -> dict[str, Any]:
        """The body of a `webhook:` target."""
        return {
            "event": "execution.failed",
            "workflow": {"id": self.workflow_id, "name": self.workflow_name},
            "execution": {"id": str(self.execution_id), "url": self.execution_url, "mode": self.mode,
                          "error": {"message": self.error}, "lastNodeExecuted": self.node},
            "suppressed": self.suppressed,
            "message": self.text(),
        }


class RateLimiter(Protocol):
    def admit(self, key: str) -> int | None:
        """None while `key` is inside its window (the failure is counted); else the count of failures
        held back since the last admitted one, and a new window starts."""


class MemoryRateLimiter:
    """Embedded mode: windows in this process."""

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, int]] = {}  # key -> (window ends, failures held back)

    def admit(self, key: str) -> int | None:
        now = self._clock()
        with self._lock:
            ends, held = self._state.get(key, (0.0, 0))
            if now < ends:
                self._state[key] = (ends, held + 1)
                return None
            self._state[key] = (now + self._window, 0)
            return held


class RedisRateLimiter:
    """Queue mode: one window per workflow for all workers (SET NX with expiry, a counter beside it)."""

    def __init__(self, redis_url: str, window_seconds: float) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url)
        self._window_ms = max(1, int(window_seconds * 1000))

    def admit(self, key: str) -> int | None:
        window, held = f"knotwork:notify:{key}", f"knotwork:notify:{key}:held"
        if not self._redis.set(window, "1", nx=True, px=self._window_ms):
            self._redis.incr(held)
            self._redis.pexpire(held, self._window_ms * 4)
            return None
        count = self._redis.getdel(held)
        return int(count or 0)

    def close(self) -> None:
        self._redis.close()


class FailureNotifications:
    """Sends the failure notifications of one process's ExecutionRuntime."""

    def __init__(self, settings: Settings, base_url: str, limiter: RateLimiter | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        try:
            self.instance_targets = parse_targets(settings.notify_on_failure)
        except NotificationTargetError as error:  # stops the process at start, with the variable named
            raise SettingsError(f"KNOTWORK_NOTIFY_ON_FAILURE is invalid: {error}") from None
        window = settings.notify_interval_minutes * 60
        self.limiter = limiter or (RedisRateLimiter(settings.redis_url, window) if settings.redis_url
                                   else MemoryRateLimiter(window))
        self._client = httpx.Client(timeout=TIMEOUT_SECONDS, transport=transport, follow_redirects=False)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="knotwork-notify")

    def after_failure(self, execution: Any, workflow: Mapping[str, Any], error: Mapping[str, Any],
                      last_node: str | None) -> bool:
        """Queue a notification of a failed execution; returns whether one was queued (False: nothing
        to notify, a manual run, or inside the rate limit). Never raises: problems are logged."""
        if execution.mode in SILENT_MODES:
            return False
        try:
            targets = self.targets_of(workflow)
            if not targets:
                return False
            held = self.limiter.admit(str(execution.workflow_id))
            if held is None:
                return False
            report = FailureReport(
                workflow_id=str(execution.workflow_id), workflow_name=str(workflow.get("name") or ""),
                execution_id=execution.id, execution_url=f"{self.base_url}/execution/{execution.id}",
                mode=execution.mode, error=str(error.get("message") or ""), node=last_node,
                suppressed=held, interval_minutes=self.settings.notify_interval_minutes)
            self._pool.submit(self._send_all, targets, report)
            return True
        except Exception:
            log.exception("could not notify the failure of execution %s", execution.id)
            return False

    def targets_of(self, workflow: Mapping[str, Any]) -> list[Target]:
        """Instance-wide targets plus the workflow's own; a workflow's bad target is logged and skipped."""
        own = (workflow.get("settings") or {}).get("failureNotifications")
        try:
            extra = parse_targets(own)
        except NotificationTargetError as refusal:
            log.warning("workflow %s: %s", workflow.get("id") or workflow.get("name"), refusal)
            extra = []
        return list(dict.fromkeys([*self.instance_targets, *extra]))

    def _send_all(self, targets: list[Target], report: FailureReport) -> None:
        for target in targets:
            try:
                self.send(target, report)
            except Exception as problem:  # one dead target must not silence the others
                log.warning("failure notification to %s:%s for execution %s failed: %s",
                            target.kind, target.address[:60], report.execution_id, problem)

    def send(self, target: Target, report: FailureReport) -> None:
        """Deliver one report to one target now; raises MailError or httpx errors."""
        if target.kind == "email":
            if not mail_configured(self.settings):
                raise MailError("KNOTWORK_SMTP_HOST is not set")
            send_mail(self.settings, target.address, f"Knotwork: workflow '{report.workflow_name}' failed",
                      report.text())
            return
        body = {"discord": {"content": report.text()}, "webhook": report.document()}.get(
            target.kind, {"text": report.text()})  # Slack, Mattermost and Teams read `text`
        response = self._client.post(target.address, json=body)
        response.raise_for_status()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()
        if isinstance(self.limiter, RedisRateLimiter):
            self.limiter.close()
