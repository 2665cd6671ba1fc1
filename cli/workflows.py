"""`knotwork import` and `knotwork export`: workflows into and out of the database in n8n's export format.
Exit codes: 0 done, 2 invalid input (the problems on stderr; nothing imported).

The database stack is imported when a command runs: it costs ~0.4 s, which `knotwork execute` should not pay.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import WorkflowValidationError
from engine.registry import RegistryError
from services.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from models.db import Database

EXIT_OK, EXIT_INVALID = 0, 2


def register(commands: Any) -> None:
    load = commands.add_parser("import", help="import workflows from an n8n export (a file or a folder)")
    load.add_argument("--input", required=True, type=Path,
                      help="JSON file holding one workflow or an array of them, or a folder of .json files")
    load.add_argument("--separate", action="store_true",
                      help="the input is a folder of files, one workflow each (folders are read without it too)")
    load.add_argument("--project", "--projectId", dest="project", metavar="ID",
                      help="project to import into (default: the Default project)")
    load.set_defaults(handler=run_import)
    save = commands.add_parser("export", help="export workflows in n8n's format")
    which = save.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every workflow, archived ones too")
    which.add_argument("--id", metavar="ID", help="one workflow")
    save.add_argument("--output", required=True, type=Path,
                      help="file to write (an array), or a folder (one <id>.json each, as with --separate)")
    save.add_argument("--separate", action="store_true", help="one file per workflow")
    save.add_argument("--pretty", action="store_true", help="indent the JSON")
    save.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    from services.engine_setup import build_registry
    from services.workflow_io import import_workflows

    def work(settings: Settings, database: Database) -> int:
        if args.separate and not args.input.is_dir():
            raise WorkflowValidationError([f"{args.input}: --separate needs a folder"])
        workflows = import_workflows(database, build_registry(settings), args.input, args.project)
        print(f"Imported {len(workflows)} workflow(s) from {args.input}")
        for workflow in workflows:
            print(f"  {workflow.id}  {workflow.name}")
        return EXIT_OK

    return _run("import", work)


def run_export(args: argparse.Namespace) -> int:
    from services.workflow_io import export_workflows

    def work(settings: Settings, database: Database) -> int:
        # An existing folder (or a path ending in "/") means one file per workflow in it.
        separate = args.separate or args.output.is_dir() or str(args.output).endswith("/")
        workflows = export_workflows(database, args.output, workflow_id=args.id, all=args.all,
                                     separate=separate, pretty=args.pretty)
        print(f"Exported {len(workflows)} workflow(s) to {args.output}")
        for workflow in workflows:
            print(f"  {workflow.id}  {workflow.name}")
        return EXIT_OK

    return _run("export", work)


def _run(command: str, work: Callable[[Settings, Database], int]) -> int:
    """Open the database, do the work, and turn refusals into exit code 2 with the reasons on stderr."""
    from services.workflows import WorkflowError

    try:
        settings = load_settings()
        with _database(settings) as database:
            return work(settings, database)
    except WorkflowValidationError as error:
        return _refused(command, error.problems)
    except (WorkflowError, SettingsError, RegistryError) as error:
        return _refused(command, [str(error)])
    except OSError as error:
        return _refused(command, [f"{error.filename or ''}: {error.strerror or error}"])


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    from models.db import Database, database_url

    database = Database(database_url(settings))
    try:
        database.upgrade()
        yield database
    finally:
        database.dispose()


def _refused(command: str, problems: list[str]) -> int:
    print(f"knotwork {command}: refused, nothing was {command}ed", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return EXIT_INVALID
