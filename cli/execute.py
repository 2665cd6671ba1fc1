"""`knotwork execute` and `knotwork validate`: run or check a workflow file with the same
executor the server uses. Exit codes: 0 success, 1 error or canceled, 2 invalid input."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import orjson

from engine.errors import WorkflowValidationError
from engine.items import items_from_json
from engine.registry import RegistryError
from engine.runner import execute_workflow
from engine.workflow import load_workflow_text
from services.engine_setup import build_registry, build_sandbox, build_services
from services.settings import SettingsError, load_settings

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


class InvalidInput(Exception):
    """Bad command-line input: printed on stderr, exit code 2."""


def register(commands: Any) -> None:
    run = commands.add_parser("execute", help="run a workflow file and print the result as JSON")
    run.add_argument("--file", required=True, type=Path, help="workflow JSON (n8n's format)")
    run.add_argument("--mode", choices=("manual", "cli"), default="cli", help="execution mode (default: cli)")
    run.add_argument("--input", type=Path, help="JSON file with the items to start with (a list)")
    run.add_argument("--pretty", action="store_true", help="indent the JSON output")
    run.set_defaults(handler=run_execute)
    check = commands.add_parser("validate", help="check a workflow file without running it")
    check.add_argument("--file", required=True, type=Path, help="workflow JSON (n8n's format)")
    check.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        workflow = load_workflow_text(_read(args.file), build_registry(settings))
    except (InvalidInput, WorkflowValidationError, SettingsError, RegistryError) as error:
        return _invalid(args.file, error)
    print(f"{args.file}: valid workflow '{workflow.name}' with {len(workflow.nodes)} node(s)")
    return EXIT_OK


def run_execute(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        registry = build_registry(settings)
        workflow = load_workflow_text(_read(args.file), registry)
        start_items = _read_items(args.input) if args.input else None
    except (InvalidInput, WorkflowValidationError, SettingsError, RegistryError) as error:
        return _invalid(args.file, error)
    result = asyncio.run(_execute(workflow, registry, settings, args.mode, start_items))
    options = orjson.OPT_INDENT_2 if args.pretty else 0
    sys.stdout.buffer.write(orjson.dumps(result, default=str, option=options | orjson.OPT_NON_STR_KEYS) + b"\n")
    return EXIT_OK if result["status"] == "success" else EXIT_FAILED


async def _execute(workflow: Any, registry: Any, settings: Any, mode: str, start_items: Any) -> dict[str, Any]:
    sandbox = build_sandbox(settings)
    try:
        services = build_services(settings, sandbox)
        timeout = settings.executions_timeout if settings.executions_timeout > 0 else None
        result = await execute_workflow(
            workflow, registry, services=services, mode=mode, start_items=start_items, timeout=timeout
        )
        return result.to_json()
    finally:
        await sandbox.close()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}") from None


def _read_items(path: Path) -> list[Any]:
    try:
        data = json.loads(_read(path))
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path} is not valid JSON: {error.msg} at line {error.lineno}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InvalidInput(f"{path} must hold a list of items (or one object)")
    try:
        return items_from_json(data)
    except TypeError as error:
        raise InvalidInput(f"{path}: {error}") from None


def _invalid(path: Path, error: Exception) -> int:
    problems = error.problems if isinstance(error, WorkflowValidationError) else [str(error)]
    print(f"knotwork: {path}: invalid input", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return EXIT_INVALID
