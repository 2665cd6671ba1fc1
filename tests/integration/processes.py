"""Processes the integration tests start and stop: `python worker.py` children (and everything they
start, found by a tag in their environment) and the Redis server itself."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
TAG = "INTEGRATION_TEST_TAG"  # marks every process a worker starts (sandboxes too), to find leftovers
READY = re.compile(r"knotwork worker (\S+): consuming executions")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
               "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def wait_until(condition: Callable[[], Any], seconds: float, what: Callable[[], str] | str) -> Any:
    """Poll `condition` until it returns something truthy; fail naming `what` at the deadline."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"after {seconds:g} s: {what() if callable(what) else what}")
        time.sleep(0.05)
    return result


def tagged_processes(tag: str, min_cpu_seconds: float = 0.0) -> dict[int, str]:
    """Live (non-zombie) processes whose environment holds TAG=<tag...> and that used at least
    `min_cpu_seconds` of CPU, as pid -> command line. Orphans keep their environment, so this
    finds processes that a killed worker left to init as well."""
    wanted = f"{TAG}={tag}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if wanted not in (entry / "environ").read_bytes():
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        cpu_seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
        if fields[0] != "Z" and cpu_seconds >= min_cpu_seconds:
            found[int(entry.name)] = command[:200]
    return found


class WorkerProcess:
    """One `python worker.py` child (or `command`, e.g. `knotwork worker`); its output goes to a file the
    test reads."""

    def __init__(self, env: dict[str, str], log_path: Path, command: list[str] | None = None) -> None:
        self.tag = env[TAG]
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(command or [sys.executable, "worker.py"], cwd=ROOT, env=env,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.worker_id = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, seconds: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"worker exited with {self.process.returncode}:\n{self.log()}")
            match = READY.search(self.log())
            self.worker_id = match.group(1) if match else ""
            return bool(match)

        wait_until(ready, seconds, lambda: f"worker {self.process.pid} never consumed:\n{self.log()}")

    def terminate(self) -> None:
        """Ask for a graceful stop (SIGTERM)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, seconds: float = 20) -> None:
        """Wait for the process to end; SIGKILL it after `seconds`."""
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


class Workers:
    """Starts worker processes and, at the end, stops them and proves nothing they started is left."""

    def __init__(self, env: dict[str, str], folder: Path, command: list[str] | None = None) -> None:
        self.env = env
        self.folder = folder
        self.command = command
        self.tag = secrets.token_hex(4)
        self.started: list[WorkerProcess] = []

    def start(self, count: int = 2, **settings: str) -> list[WorkerProcess]:
        """`count` workers with extra KNOTWORK_* settings, each ready (it logged that it consumes)."""
        made = []
        for _ in range(count):
            env = {**self.env, **settings, TAG: f"{self.tag}-{len(self.started)}"}
            made.append(WorkerProcess(env, self.folder / f"worker-{len(self.started)}.log", self.command))
            self.started.append(made[-1])
        for worker in made:
            worker.wait_ready()
        return made

    def spinning(self, tag: str = "") -> set[int]:
        """Processes under the workers (tagged `tag`, default: any of them) that have burnt a second
        of CPU: sandboxes running the endless Code node. The workers themselves are left out."""
        busy = set(tagged_processes(tag or self.tag, min_cpu_seconds=1))
        return busy - {worker.process.pid for worker in self.started}

    def assert_gone(self, tag: str, seconds: float = 10) -> None:
        wait_until(lambda: not tagged_processes(tag), seconds,
                   lambda: f"processes left behind: {tagged_processes(tag)}")

    def close(self) -> None:
        for worker in self.started:
            worker.terminate()
        for worker in self.started:
            worker.wait_stopped()
        self.assert_gone(self.tag)


def restart_redis() -> None:
    """Stop the Redis server (keeping no data) and start it again with CI's command line. Whatever
    fails, a Redis server runs again afterwards, for the next test and the other users of this one."""
    try:
        # The server drops the connection as it stops, so the command's exit status says nothing.
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
                       capture_output=True, timeout=30)
        wait_until(lambda: not redis_answers(), 15, "Redis did not stop")
    finally:
        if not redis_answers():
            Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
            Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
            subprocess.run(REDIS_START, check=True, capture_output=True, timeout=30)
            wait_until(redis_answers, 15, "Redis does not answer PING after its start")


def redis_answers() -> bool:
    client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()
