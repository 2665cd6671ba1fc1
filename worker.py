"""Knotwork queue-mode worker: runs executions that web processes enqueue to Redis.

    python worker.py                 one process, KNOTWORK_WORKER_CONCURRENCY threads
    dramatiq worker:broker -p 2      the Dramatiq command line form (its own process flags)

Both need KNOTWORK_REDIS_URL (and, with several machines, a shared KNOTWORK_DATABASE_URL).
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from services.logs import configure_logging
from services.queue import make_worker
from services.runtime import Runtime, build_runtime
from services.settings import SettingsError, load_settings
from services.vault import VaultError

_runtime: Runtime | None = None


def _queue_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        settings = load_settings()
        configure_logging(settings)
        if not settings.redis_url:
            raise SystemExit("knotwork worker: set KNOTWORK_REDIS_URL; embedded mode (make run) needs no worker")
        _runtime = build_runtime(settings)
        _runtime.start_queue_worker()
    return _runtime


def __getattr__(name: str) -> Any:
    """`dramatiq worker:broker` imports this module and reads `broker`."""
    if name == "broker":
        return _queue_runtime().broker
    raise AttributeError(name)


def main() -> int:
    try:
        runtime = _queue_runtime()
    except (SettingsError, VaultError) as error:
        print(f"knotwork worker: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    runtime.broker.emit_after("process_boot")
    worker = make_worker(runtime.broker, runtime.settings.worker_concurrency)
    worker.start()
    print(f"knotwork worker {runtime.worker_id}: consuming executions", flush=True)
    stop.wait()
    worker.stop()
    runtime.broker.close()
    runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
