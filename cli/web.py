"""`knotwork web` (the web process, exactly `python main.py`) and `knotwork migrate` (bring the database
schema up to date and stop: the Kubernetes migration job). Container roles are these commands."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(commands: Any) -> None:
    web = commands.add_parser(
        "web", help="serve the web app (embedded mode runs executions too; queue mode enqueues them)")
    web.set_defaults(handler=run_web)
    migrate = commands.add_parser("migrate", help="upgrade the database schema to the newest version and exit")
    migrate.set_defaults(handler=run_migrate)


def run_web(args: argparse.Namespace) -> int:
    import main  # the composition root of the web process; imported only for this command

    main.main()
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    from models.db import Database, database_url
    from services.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"knotwork: {error}", file=sys.stderr)
        return 2
    database = Database(database_url(settings))
    try:
        database.upgrade()
    finally:
        database.dispose()
    print("knotwork migrate: the database schema is up to date", flush=True)
    return 0
