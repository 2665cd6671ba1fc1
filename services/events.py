"""The event bus: live execution events (node started/finished, execution finished) and control
messages (cancel). In-process in embedded mode, Redis pub/sub in queue mode; subscribers are plain
callbacks, called from the bus's own thread, so they must be quick and must not raise."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import orjson

log = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], None]

EXECUTIONS = "executions"  # node and execution progress, for the UI and waiting webhooks
CONTROL = "control"  # cancel requests, for the workers


class EventBus(Protocol):
    def publish(self, channel: str, event: Mapping[str, Any]) -> None: ...

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        """Call handler(channel, event) for every event; returns a function that unsubscribes."""
        ...

    def close(self) -> None: ...


class LocalEventBus:
    """One process: publish calls the subscribers directly."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.Lock()

    def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        with self._lock:
            handlers = list(self._handlers.get(channel, ()))
        for handler in handlers:
            _deliver(handler, channel, dict(event))

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        with self._lock:
            self._handlers.setdefault(channel, []).append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers.get(channel, []):
                    self._handlers[channel].remove(handler)

        return unsubscribe

    def close(self) -> None:
        with self._lock:
            self._handlers.clear()


class RedisEventBus:
    """Many processes: events travel over Redis pub/sub; one listener thread per process.

    The listener outlives a lost connection (a Redis restart): it keeps reading, and redis-py
    reconnects and subscribes again. Events published while the connection is down are lost.
    """

    RETRY_AFTER = 0.5  # seconds between reads while Redis cannot be reached
    WARN_EVERY = 30.0  # seconds between warnings about it

    def __init__(self, url: str, prefix: str = "knotwork:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._local = LocalEventBus()
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._channels: set[str] = set()
        self._lock = threading.Lock()
        self._thread: Any = None
        self._warned_at = float("-inf")
        self._outbox: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._sender = threading.Thread(target=self._send_forever, name="knotwork-events", daemon=True)
        self._sender.start()

    def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Queue the event for the sender thread: a run never waits for Redis."""
        self._outbox.put((self._prefix + channel, orjson.dumps(dict(event), default=str)))

    def _send_forever(self) -> None:
        """Send queued events, as many per round trip as have piled up."""
        while True:
            first = self._outbox.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < 500:
                try:
                    following = self._outbox.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    self._outbox.put(None)
                    break
                batch.append(following)
            try:
                pipeline = self._redis.pipeline(transaction=False)
                for channel, payload in batch:
                    pipeline.publish(channel, payload)
                pipeline.execute()
            except Exception:  # events are best effort: a lost progress event must not fail a run
                log.warning("could not publish %s events", len(batch), exc_info=True)

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        unsubscribe = self._local.subscribe(channel, handler)
        with self._lock:
            if channel not in self._channels:
                self._channels.add(channel)
                self._pubsub.subscribe(**{self._prefix + channel: self._on_message})
            if self._thread is None:
                self._thread = self._pubsub.run_in_thread(
                    sleep_time=0.05, daemon=True, exception_handler=self._on_listener_error)
        return unsubscribe

    def _on_message(self, message: dict[str, Any]) -> None:
        channel = message["channel"].decode()[len(self._prefix):]
        try:
            event = orjson.loads(message["data"])
        except orjson.JSONDecodeError:
            return
        self._local.publish(channel, event)

    def _on_listener_error(self, error: BaseException, pubsub: Any, thread: Any) -> None:
        """Called by the listener thread instead of letting it die; its loop then reads again."""
        if not isinstance(error, Exception):
            raise error
        now = time.monotonic()
        if now - self._warned_at >= self.WARN_EVERY:
            self._warned_at = now
            log.warning("event bus listener: %s; reconnecting", error)
        time.sleep(self.RETRY_AFTER)

    def close(self) -> None:
        self._outbox.put(None)
        self._sender.join(timeout=5)
        if self._thread is not None:
            self._thread.stop()
            self._thread.join(timeout=2)
            self._thread = None
        self._pubsub.close()
        self._redis.close()


def _deliver(handler: Handler, channel: str, event: dict[str, Any]) -> None:
    try:
        handler(channel, event)
    except Exception:
        log.exception("an event handler failed on %s", channel)


class BusEventSink:
    """The engine's EventSink, publishing every engine event with the execution's id."""

    def __init__(self, bus: EventBus, execution_id: int, workflow_id: str) -> None:
        self._bus = bus
        self._ids = {"executionId": execution_id, "workflowId": workflow_id}

    def emit(self, event: str, payload: Mapping[str, Any]) -> None:
        self._bus.publish(EXECUTIONS, {**payload, **self._ids, "event": event})
