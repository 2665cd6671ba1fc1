"""Knotwork queue-mode worker: not available yet.

In queue mode (KNOTWORK_REDIS_URL set) web processes will enqueue executions to Redis and any number
of `python worker.py` processes will run them as Dramatiq workers. That wiring, the Dramatiq actors
and the broker arrive with the runtime issue. Until then this entry point says so and exits with
status 2 rather than pretending to consume a queue. Embedded mode (`make run`) needs no worker.
"""

from __future__ import annotations

import sys


def main() -> int:
    print('knotwork worker: queue mode is not available yet (it arrives with the runtime issue); '
          'run `make run` for embedded mode, which needs no worker.', file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
