"""Running n8n's node-test workflow files the way n8n's NodeTestHarness does (INDEX.md there).

Per file: `pinData` is the expectation (node -> output 0 of exactly one run, pairedItem ignored,
binary only when the test asserts it), `trigger` gives the mode and start item, requirements.json
supplies mocks, fixtures and expectations kept in TypeScript upstream, and the run must succeed.

Each file gets one Outcome: `pass`, `fail` (first difference), `needs-node` (node types not in
the registry) or `needs-fixture` (e.g. MariaDB is down); `needs-javascript` is left from before
the JavaScript engine and no longer happens. Files run as an n8n import does: expressions in
JavaScript (`settings.expressionLanguage`), JavaScript Code nodes run for real in V8.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import WorkflowValidationError
from engine.registry import NodeRegistry
from engine.run_data import ExecutionResult
from engine.runner import execute_workflow
from engine.workflow import parse_workflow

from . import mysql_fixture
from .environment import Environment, environment, expected_from_requirements, prepare
from .harness import FixtureUnavailable, comparable_item, first_difference, reduce_json_error

JS_CODE_TYPES = {"n8n-nodes-base.code", "n8n-nodes-base.function", "n8n-nodes-base.functionItem"}
# Node types n8n ships for its own tests and training (fake data, no real service behind them).
N8N_TEST_ONLY_TYPES = frozenset({"n8n-nodes-base.debugHelper", "n8n-nodes-base.n8nTrainingCustomerDatastore",
                                 "n8n-nodes-base.n8nTrainingCustomerMessenger"})
STATUSES = ("pass", "fail", "needs-javascript", "needs-node", "needs-fixture")
RUN_TIMEOUT = 60.0  # seconds for one file; the slowest take well under one


@dataclass
class Outcome:
    relative: str
    status: str
    detail: str = ""
    substituted: list[str] = field(default_factory=list)  # JS Code nodes replaced by derived output

    def line(self, width: int = 0) -> str:
        """One report line: status, file, detail (cut to `width` characters when given)."""
        note = f" [JS Code -> _derived: {', '.join(self.substituted)}]" if self.substituted else ""
        text = f"{self.status:<17} {self.relative}  {self.detail}{note}".rstrip()
        return text if not width or len(text) <= width else text[: width - 1] + "…"


def discover(root: Path) -> list[str]:
    """The workflow files under `root` (relative paths, sorted), skipping `_*` folders and fixtures."""
    found = []
    for path in sorted(root.rglob("*.json")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("_") or "/test" not in f"/{relative}":
            continue
        try:
            data = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(data, dict) and "nodes" in data:
            found.append(relative)
    return found


@dataclass
class Plan:
    """A file read and checked, before anything runs."""

    workflow: dict[str, Any]
    expected: dict[str, Any]
    trigger: dict[str, Any]
    pinned: dict[str, list[Any]]
    javascript: list[Any]  # unused since expressions run as JavaScript
    unknown_variables: list[Any]


def plan_file(root: Path, relative: str, registry: NodeRegistry) -> Plan | Outcome:
    """Read the file and decide what stops it from running here (an Outcome), if anything."""
    workflow = json.loads((root / relative).read_text())
    if "pinData" not in workflow:
        return Outcome(relative, "fail", "the file has no pinData (n8n's harness rejects it)")
    expected = workflow.pop("pinData") or {}
    trigger = workflow.pop("trigger", None) or {}
    workflow["settings"] = {**(workflow.get("settings") or {}), "expressionLanguage": "javascript"}
    missing = sorted({n["type"] for n in workflow["nodes"] if registry.resolve(n["type"]) is None})
    if missing:
        where = "n8n's test-only node types" if set(missing) <= N8N_TEST_ONLY_TYPES else "issue 7/8"
        return Outcome(relative, "needs-node", f"needs node {', '.join(missing)} ({where})")
    return Plan(workflow, expected, trigger, {}, [], [])


async def run_file(root: Path, relative: str, registry: NodeRegistry) -> Outcome:
    """Run one file with n8n's harness rules and classify the result. Never raises for the
    file's own problems (they become the Outcome)."""
    plan = plan_file(root, relative, registry)
    if isinstance(plan, Outcome):
        return plan
    try:
        with environment(root, relative, plan.workflow) as env:
            detail = await _run_in(env, plan, registry)
    except FixtureUnavailable as missing:
        return Outcome(relative, "needs-fixture", str(missing), list(plan.pinned))
    except Exception as error:  # a crash (ours or the engine's) is this file's failure, not the report's
        return Outcome(relative, "fail", f"crashed: {type(error).__name__}: {error}", list(plan.pinned))
    if detail is None:
        return Outcome(relative, "pass", "", list(plan.pinned))
    return Outcome(relative, "fail", detail, list(plan.pinned))


async def _run_in(env: Environment, plan: Plan, registry: NodeRegistry) -> str | None:
    """Run the prepared workflow; the first difference from the expectation, or None."""
    workflow = plan.workflow
    prepare(env, workflow, registry)
    expected = {**plan.expected, **expected_from_requirements(env)}
    workflow["pinData"] = plan.pinned
    mode = "manual" if plan.pinned else plan.trigger.get("mode", "manual")
    start = [plan.trigger["input"]] if plan.trigger.get("input") else None
    try:
        parsed = parse_workflow(workflow, registry)
    except WorkflowValidationError as error:
        return f"does not load: {error}"
    services = env.services()
    result = await execute_workflow(parsed, registry, services=services, mode=mode, start_items=start,
                                    timeout=RUN_TIMEOUT)
    result = await _resume_waits(result, env, parsed, registry, services, mode)
    problem = _run_problem(result, env)
    if problem is None:
        # A real database returns BOOLEAN as 1/0 where the upstream driver mock returned true/false.
        problem = await _first_mismatch(result, expected, services, bool(env.requirements.get("assertBinaryData")),
                                        bool_as_int=env.mysql is not None)
    if problem is None and env.mysql is not None:
        problem = _check_sql(env)
    return problem


async def _resume_waits(result: ExecutionResult, env: Environment, parsed: Any, registry: NodeRegistry,
                        services: Any, mode: str) -> ExecutionResult:
    """n8n's test uses fake timers that run on by themselves: a run waiting until a time resumes
    at that time on our frozen clock (a few times at most)."""
    for _ in range(5):
        wait_till = getattr(result, "wait_till", None)
        if result.status != "waiting" or wait_till is None or result.state is None:
            break
        env.clock.at = max(env.clock.at, wait_till)
        result = await execute_workflow(parsed, registry, services=services, mode=mode, resume=result.state,
                                        timeout=RUN_TIMEOUT)
    return result


def _run_problem(result: ExecutionResult, env: Environment) -> str | None:
    unmatched = env.servers.unmatched if env.servers is not None else []
    if result.status not in ("success", "waiting"):
        error = result.error or {}
        node = error.get("node") or result.last_node_executed
        message = " ".join(str(error.get("message") or error or "no error recorded").split())
        hint = f"; unmocked requests: {', '.join(unmatched[:2])}" if unmatched else ""
        return f"run ended '{result.status}' at '{node}': {message}{hint}"
    return None


async def _first_mismatch(result: ExecutionResult, expected: dict[str, Any], services: Any,
                          keep_binary: bool, bool_as_int: bool = False) -> str | None:
    problems = []
    for name, items in expected.items():
        runs = result.run_data.get(name)
        if not runs:
            problems.append(f"'{name}' did not run")
            continue
        if len(runs) != 1:
            problems.append(f"'{name}' ran {len(runs)} times (one run expected)")
            continue
        output = runs[0].output(0)
        actual = [reduce_json_error(comparable_item(await _inline_binary(item.to_dict(), services),
                                                    keep_binary=keep_binary)) for item in output]
        wanted = [comparable_item(item, keep_binary=keep_binary) for item in items]
        difference = first_difference(wanted, actual, name, bool_as_int)
        if difference:
            problems.append(difference)
    if not problems:
        return None
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more


async def _inline_binary(item: dict[str, Any], services: Any) -> dict[str, Any]:
    """Binary kept in the binary store (an `id`, no `data`) read back, so it compares as n8n's
    in-memory base64 form."""
    binary = item.get("binary")
    if not binary:
        return item
    inlined = {}
    for key, entry in binary.items():
        if isinstance(entry, dict) and "data" not in entry and entry.get("id"):
            content = await services.binary.get(entry["id"])
            entry = {k: v for k, v in entry.items() if k != "id"} | {"data": base64.b64encode(content).decode()}
        inlined[key] = entry
    return {**item, "binary": inlined}


def _check_sql(env: Environment) -> str | None:
    """requirements.json's extra MySQL assertion: the exact SQL, sent exactly once."""
    wanted = mysql_fixture.expected_sql(env.requirements)
    if wanted is None or env.mysql is None:
        return None
    normal = wanted.strip().rstrip(";").strip()
    statements = env.mysql.statements(normal.split(" where ")[0])
    if statements is None:
        return None  # the server would not log statements: the SQL cannot be checked here
    sent = [s.strip().rstrip(";").strip() for s in statements]
    if sent.count(normal) != 1 or len(sent) != 1:
        return f"SQL sent {sent!r}, expected exactly once: {wanted!r}"
    return None
