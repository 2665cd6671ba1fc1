"""The real app: main.py starts as a subprocess, serves /healthz and /, and writes only into its data folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
STARTUP_DEADLINE = 60.0  # seconds; a cold start imports NiceGUI, FastAPI and uvicorn


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def app_environment(port: int, data_dir: Path) -> dict[str, str]:
    # PYTEST_CURRENT_TEST would make NiceGUI believe it runs under pytest and ignore the port we give it.
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(('KNOTWORK_', 'NICEGUI_', 'PYTEST_'))}
    environ.update({
        'KNOTWORK_HOST': '127.0.0.1',
        'KNOTWORK_PORT': str(port),
        'KNOTWORK_DATA_DIR': str(data_dir),
        'KNOTWORK_STORAGE_SECRET': 'test-only-secret',
        'PYTHONUNBUFFERED': '1',
    })
    return environ


def wait_for_health(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f'main.py exited with {process.returncode}:\n{log.read_text(errors="replace")}')
        try:
            if httpx.get(f'{base_url}/healthz', timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f'/healthz did not answer within {STARTUP_DEADLINE} s:\n{log.read_text(errors="replace")}')


@contextmanager
def running_app(data_dir: Path, log: Path) -> Iterator[str]:
    """Run main.py from the repository root, as `make run` does, until the block ends; yield its base URL."""
    port = free_loopback_port()
    with log.open('wb') as output:
        process = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], cwd=ROOT,
                                   env=app_environment(port, data_dir), stdin=subprocess.DEVNULL,
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        base_url = f'http://127.0.0.1:{port}'
        wait_for_health(process, base_url, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.mark.slow
def test_app_serves_health_and_home_page(tmp_path: Path) -> None:
    # Given no .nicegui folder in the repository (a developer may have one from elsewhere)
    nicegui_dir_before = (ROOT / '.nicegui').exists()
    data_dir = tmp_path / 'data'

    # When the app runs and is asked for /healthz and /
    with running_app(data_dir, tmp_path / 'main.log') as base_url:
        health = httpx.get(f'{base_url}/healthz', timeout=10.0)
        home = httpx.get(f'{base_url}/', timeout=10.0)

    # Then both answer, and NiceGUI's storage stayed in the data folder
    assert health.json() == {'status': 'ok'}
    assert home.status_code == 200
    assert 'Knotwork is running' in home.text
    assert '<title>Knotwork</title>' in home.text
    assert (data_dir / 'nicegui').is_dir(), 'NiceGUI storage should live in the data folder'
    if not nicegui_dir_before:
        assert not (ROOT / '.nicegui').exists(), 'the app wrote a .nicegui folder into the repository'
