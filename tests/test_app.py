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
def test_app_serves_health_setup_sign_in_and_sign_out(tmp_path: Path) -> None:
    # Given no .nicegui folder in the repository (a developer may have one from elsewhere)
    nicegui_dir_before = (ROOT / '.nicegui').exists()
    data_dir = tmp_path / 'data'

    with running_app(data_dir, tmp_path / 'main.log') as base_url, \
            httpx.Client(base_url=base_url, timeout=10.0) as browser:
        # A fresh instance sends every page to the setup page; health and the APIs stay reachable
        assert browser.get('/healthz').json() == {'status': 'ok'}
        first = browser.get('/')
        assert (first.status_code, first.headers['location']) == (303, '/setup')
        setup_page = browser.get('/setup')
        assert 'Create the owner account' in setup_page.text and '"name":"email"' in setup_page.text
        assert browser.get('/api/v1/openapi.json').status_code == 200
        assert browser.get('/api/v1/docs').status_code == 200
        assert browser.get('/api/v1/workflows').json()['code'] == 'unauthorized'
        assert browser.get('/rest/me').json()['code'] == 'unauthorized'

        # The setup form creates the owner and signs them in with an HttpOnly cookie
        created = browser.post('/rest/setup', data={'email': 'Owner@Example.com', 'password': 'long enough',
                                                    'firstName': 'Olive'})
        assert (created.status_code, created.headers['location']) == (303, '/')
        assert 'HttpOnly' in created.headers['set-cookie']
        home = browser.get('/')
        assert (home.status_code, home.headers['location']) == (303, '/workflows')
        workflows = browser.get('/workflows')
        assert workflows.status_code == 200 and 'owner@example.com (owner)' in workflows.text
        assert '<title>Workflows · Knotwork</title>' in workflows.text
        cookie = browser.cookies['knotwork_session']

        # Signing out ends the session: the old cookie no longer opens a page or /rest/me
        form = {'content-type': 'application/x-www-form-urlencoded'}  # what a browser sends for an empty form
        assert browser.post('/rest/logout', content=b'', headers=form).status_code == 303
        stale = httpx.get(f'{base_url}/rest/me', cookies={'knotwork_session': cookie}, timeout=10.0)
        assert stale.status_code == 401
        page = httpx.get(f'{base_url}/', cookies={'knotwork_session': cookie}, timeout=10.0)
        assert (page.status_code, page.headers['location']) == (303, '/signin?redirect_to=/')

        # The sign-in form brings the user back where they were going
        signed_in = browser.post('/rest/login', data={'email': 'owner@example.com', 'password': 'long enough',
                                                     'redirect_to': '/'})
        assert (signed_in.status_code, signed_in.headers['location']) == (303, '/')
        wrong = browser.post('/rest/login', data={'email': 'owner@example.com', 'password': 'wrong one!',
                                                 'redirect_to': 'https://evil.example/'})
        assert wrong.status_code == 303
        assert wrong.headers['location'].startswith('/signin?redirect_to=/&error=Wrong%20email')

    assert (data_dir / 'nicegui').is_dir(), 'NiceGUI storage should live in the data folder'
    if not nicegui_dir_before:
        assert not (ROOT / '.nicegui').exists(), 'the app wrote a .nicegui folder into the repository'
