"""`knotwork webhook`: the webhook-only process of queue mode (api.webhook_app under uvicorn)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "webhook", help="answer webhook calls only, in several processes (queue mode; needs KNOTWORK_REDIS_URL)")
    parser.add_argument("--port", type=int, help="port to listen on (default KNOTWORK_WEBHOOK_PORT)")
    parser.add_argument("--processes", type=int, help="uvicorn worker processes (default KNOTWORK_WEBHOOK_PROCESSES)")
    parser.set_defaults(handler=run_webhook)


def run_webhook(args: argparse.Namespace) -> int:
    import uvicorn

    from services.logs import configure_logging
    from services.runtime import build_runtime
    from services.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"knotwork: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    if not settings.redis_url:
        print("knotwork webhook: needs queue mode; set KNOTWORK_REDIS_URL (and KNOTWORK_DATABASE_URL to a "
              "PostgreSQL database) so workers run what the calls start", file=sys.stderr)
        return 2
    build_runtime(settings).close()  # migrate once here, not in every worker process
    processes = args.processes or settings.webhook_processes
    print(f"knotwork webhook: {processes} process(es) on http://{settings.host}:{args.port or settings.webhook_port}",
          flush=True)
    uvicorn.run("api.webhook_app:create_app", factory=True, host=settings.host,
                port=args.port or settings.webhook_port, workers=processes, log_level="warning",
                proxy_headers=True, log_config=None)
    return 0
