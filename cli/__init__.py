"""The `knotwork` command line: execute, validate, import, export, web, worker, webhook, migrate, config, user,
apikey."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import api_keys, config, execute, users, web, webhook, worker, workflows


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="knotwork", description="Knotwork workflow automation")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    execute.register(commands)
    workflows.register(commands)
    web.register(commands)
    worker.register(commands)
    webhook.register(commands)
    users.register(commands)
    api_keys.register(commands)
    config.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
