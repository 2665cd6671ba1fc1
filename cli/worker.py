"""`knotwork worker`: a queue-mode worker process (the same as `python worker.py`)."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "worker", help="run executions from the Redis queue (queue mode; needs KNOTWORK_REDIS_URL)"
    )
    parser.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    import worker  # the composition root of a worker process; imported only for this command

    return worker.main()
