"""What one conformance file runs in: `_harness/requirements.json` applied with our own fixtures.

n8n's `.test.ts` files patch paths, mock the network, the database and the clock; here that becomes
a temporary copy of the file's test folder (the file nodes' only folder, so nothing is ever written
under ../shared), local HTTP servers for the recorded mocks, the real MariaDB for MySQL, a frozen
clock (the time requirements.json gives) and TZ=UTC.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import fnmatch
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from engine import ports
from engine.ports import FrozenClock, InMemoryCredentials, Services

from . import mysql_fixture
from .harness import FixtureUnavailable  # noqa: F401 - raised by the fixtures, re-exported
from .mock_http import MockServers

# The only fixed time requirements.json gives (the Wait test's fake timers); every file runs at it.
FROZEN_AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
_WINDOWS_TEST_PATH = re.compile(r"^C:[\\/]Test[\\/](.*)$", re.DOTALL)
_BASE64_OF = re.compile(r"<base64 of ([^,>]+)(?:, \d+ bytes)?>")
_ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")
FILE_READER_PATHS = {  # node type suffix -> its path parameter (for the "any file reads 'test'" mock)
    "readBinaryFiles": "fileSelector",
    "readBinaryFile": "filePath",
    "readWriteFile": "fileSelector",
}


def requirements_for(root: Path, relative: str) -> dict[str, Any]:
    """The requirements.json entries whose key is this file or a glob matching it, merged."""
    path = root / "_harness" / "requirements.json"
    if not path.is_file():
        return {}
    merged: dict[str, Any] = {}
    for key, entry in json.loads(path.read_text()).get("requirements", {}).items():
        if key == relative or fnmatch.fnmatchcase(relative, key):
            merged.update(entry)
    return merged


@dataclass
class Environment:
    """Fixtures of one run. `workflow` and `expected` are rewritten in place by `prepare`."""

    root: Path
    relative: str
    requirements: dict[str, Any]
    temp: Path
    clock: FrozenClock
    servers: MockServers | None = None
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    mysql: mysql_fixture.Database | None = None
    cleanup: ExitStack = field(default_factory=ExitStack)  # undone when the environment closes

    @property
    def folder(self) -> Path:
        """The temporary copy of the file's test folder."""
        return self.temp / PurePosixPath(self.relative).parent

    @property
    def tmpdir(self) -> Path:
        return self.temp / "tmp"

    def services(self) -> Services:
        options: dict[str, Any] = {"clock": self.clock, "default_timezone": "UTC",
                                   "credentials": InMemoryCredentials(dict(self.credentials))}
        fields = {f.name for f in dataclasses.fields(Services)}
        file_access = getattr(ports, "FileAccess", None)  # the file nodes' only folder
        if file_access is not None and "files" in fields:
            options["files"] = file_access(folder=self.temp)
        if "execute_command_enabled" in fields:  # n8n's test runs its `echo` for real; so do we
            options["execute_command_enabled"] = True
        return Services(**options)

    def placeholders(self, text: str) -> str:
        """requirements.json's `<abs>`, `<abs path>`, `<tmpdir>` and `<base64 of x>` resolved."""
        text = _BASE64_OF.sub(lambda m: base64.b64encode((self.folder / m.group(1)).read_bytes()).decode(), text)
        return text.replace("<abs path>", str(self.temp)).replace("<abs>", str(self.temp)).replace(
            "<tmpdir>", str(self.tmpdir))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.placeholders(value)
        if isinstance(value, list):
            return [self.resolve(inner) for inner in value]
        if isinstance(value, dict):
            return {key: self.resolve(inner) for key, inner in value.items()}
        return value


@contextmanager
def environment(root: Path, relative: str, workflow: dict[str, Any]) -> Iterator[Environment]:
    """Set up the fixtures the file needs; everything is torn down on exit (temp dir, servers,
    TZ, database tables). Raises FixtureUnavailable."""
    requirements = requirements_for(root, relative)
    with ExitStack() as stack:
        temp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="knotwork-conformance-")))
        env = Environment(root, relative, requirements, temp, FrozenClock(_frozen_time(requirements)))
        stack.enter_context(env.cleanup)
        shutil.copytree(root / PurePosixPath(relative).parent, env.folder, dirs_exist_ok=True)
        env.tmpdir.mkdir()
        stack.enter_context(_timezone({"TZ": "UTC", **requirements.get("env", {})}))
        if requirements.get("clock"):
            stack.enter_context(_fake_timers(env.clock))
        if requirements.get("mocks"):
            env.servers = stack.enter_context(MockServers(requirements["mocks"], root / "_harness"))
        if requirements.get("dbMock") and _uses(workflow, "mySql"):
            env.mysql = stack.enter_context(mysql_fixture.database_for(relative))
            for credential_id in _credential_ids(workflow, "mySql"):
                env.credentials[credential_id] = env.mysql.credential()
        yield env


def prepare(env: Environment, workflow: dict[str, Any], registry: Any = None) -> None:
    """Rewrite the workflow for this environment: `C:\\Test\\x` paths, parameter overrides, the
    file-read mock and the mocked hosts' URLs (for node types without a `transport` seam: those
    get the mock servers' transport until the environment closes)."""
    for node in workflow.get("nodes", []):
        node["parameters"] = _rewrite_test_paths(node.get("parameters") or {}, env.folder)
    for target, value in (env.requirements.get("overrideParams") or {}).items():
        _override(workflow, target, env.placeholders(str(value)))
    if "'test'" in str(env.requirements.get("fsMock", "")):
        _mock_file_reads(workflow, env)
    if env.servers is not None:
        rewritten = False
        for node in workflow.get("nodes", []):
            node_type = registry.resolve(node.get("type", "")) if registry is not None else None
            if node_type is not None and hasattr(node_type, "transport"):
                _use_transport(env, node_type)
            else:
                parameters = node.get("parameters") or {}
                node["parameters"] = env.servers.rewrite_value(parameters)
                rewritten = rewritten or node["parameters"] != parameters
        env.servers.rewrite_responses = rewritten


def _use_transport(env: Environment, node_type: Any) -> None:
    """Give the node type (a registry instance) the mock transport, restored when env closes."""
    if "transport" in vars(node_type) or env.servers is None:
        return  # already given (several nodes of one type)
    node_type.transport = env.servers.transport()
    env.cleanup.callback(vars(node_type).pop, "transport", None)


def expected_from_requirements(env: Environment) -> dict[str, list[Any]]:
    """`expectedFromTs` (node -> list of runs) as pinData-style expectations (node -> items)."""
    expected: dict[str, list[Any]] = {}
    for name, runs in (env.requirements.get("expectedFromTs") or {}).items():
        if len(runs) != 1:
            raise ValueError(f"{name}: expectations of {len(runs)} runs are not supported")
        expected[name] = env.resolve(runs[0])
    return expected


def _frozen_time(requirements: dict[str, Any]) -> dt.datetime:
    found = _ISO_MOMENT.search(str(requirements.get("clock", "")))
    if not found:
        return FROZEN_AT
    return dt.datetime.fromisoformat(found.group(0).replace("Z", "+00:00"))


@contextmanager
def _timezone(env: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    time.tzset()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        time.tzset()


@contextmanager
def _fake_timers(clock: FrozenClock) -> Iterator[None]:
    """Jest's auto-advancing fake timers: `asyncio.sleep(n)` moves the frozen clock n seconds on
    and returns at once (so the Wait node's 42 s pass instantly, and `$now` after it is 42 s on)."""
    real_sleep = asyncio.sleep

    async def sleep(delay: float, result: Any = None) -> Any:
        if delay > 0:
            clock.advance(delay)
        return await real_sleep(0, result)

    asyncio.sleep = sleep
    try:
        yield
    finally:
        asyncio.sleep = real_sleep


def _rewrite_test_paths(value: Any, folder: Path) -> Any:
    """n8n's harness turns `C:\\Test\\<x>` into the test folder; so do we (to its temp copy)."""
    if isinstance(value, str):
        match = _WINDOWS_TEST_PATH.match(value)
        return str(folder / match.group(1).replace("\\", "/")) if match else value
    if isinstance(value, list):
        return [_rewrite_test_paths(inner, folder) for inner in value]
    if isinstance(value, dict):
        return {key: _rewrite_test_paths(inner, folder) for key, inner in value.items()}
    return value


def _override(workflow: dict[str, Any], target: str, value: str) -> None:
    """Set `Node name.param.path` (the longest node name that prefixes `target` wins)."""
    names = sorted((n["name"] for n in workflow["nodes"] if target.startswith(n["name"] + ".")), key=len)
    if not names:
        raise ValueError(f"overrideParams names no node of the workflow: {target}")
    node = next(n for n in workflow["nodes"] if n["name"] == names[-1])
    parameters = node.setdefault("parameters", {})
    *parents, leaf = target[len(names[-1]) + 1:].split(".")
    for part in parents:
        parameters = parameters.setdefault(part, {})
    parameters[leaf] = value


def _mock_file_reads(workflow: dict[str, Any], env: Environment) -> None:
    """The Crypto test mocks `fs` so that any path reads as the 4 bytes `test`: a real file in the
    temp folder with that content stands in, and the reading nodes point at it."""
    for node in workflow["nodes"]:
        suffix = str(node.get("type", "")).rsplit(".", 1)[-1]
        parameter = FILE_READER_PATHS.get(suffix)
        if parameter is None or node.get("disabled"):
            continue
        original = str((node.get("parameters") or {}).get(parameter) or "data")
        stand_in = env.folder / (PurePosixPath(original.replace("\\", "/")).name or "data")
        stand_in.write_bytes(b"test")
        node["parameters"][parameter] = str(stand_in)


def _uses(workflow: dict[str, Any], type_suffix: str) -> bool:
    return any(str(n.get("type", "")).endswith(f".{type_suffix}") for n in workflow.get("nodes", []))


def _credential_ids(workflow: dict[str, Any], credential_type: str) -> list[str]:
    ids = []
    for node in workflow.get("nodes", []):
        reference = (node.get("credentials") or {}).get(credential_type) or {}
        ids.append(str(reference.get("id") or reference.get("name") or ""))
    return [i for i in ids if i]
