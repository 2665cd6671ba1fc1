"""Real-browser tests: the app runs as `make run` runs it (main.py in a subprocess, SQLite, embedded
worker) on a free loopback port, and headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright's Python client; no browser download) opens it at 1280×720.

Screenshots of key states go to test-artifacts/screenshots/ (kept after the run, ignored by git).
Every page's console errors are collected and a test fails on any of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.test_app import ROOT, running_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
# Chromium on this machine: no sandbox as root, no network besides loopback (stack-notes, env notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Users and a team project, made directly through the services in the app's database.
SEED = """
import json, sys
from services.settings import load_settings
from services.runtime import build_runtime
from services.users import create_user
from services.access import Actor
from services.projects import create_project, add_members

runtime = build_runtime(load_settings())
people = {}
for name, role in (("owner", "owner"), ("editor", "member"), ("viewer", "member")):
    people[name] = create_user(runtime.db, f"{name}@example.com", sys.argv[1], role=role, first_name=name)
owner = Actor(people["owner"].id, "owner", "owner@example.com")
project = create_project(runtime.db, owner, "Acme")
add_members(runtime.db, owner, project.id, [(people["editor"].id, "editor"), (people["viewer"].id, "viewer")])
runtime.close()
print(json.dumps({"project": project.id, **{name: user.id for name, user in people.items()}}))
"""


@dataclass
class App:
    base_url: str
    ids: dict[str, str]
    data_dir: Path
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    folder = tmp_path_factory.mktemp("browser-app")
    data_dir = folder / "data"
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("KNOTWORK_", "PYTEST_"))}
    environ["KNOTWORK_DATA_DIR"] = str(data_dir)
    seeded = subprocess.run([sys.executable, "-c", SEED, PASSWORD], cwd=ROOT, env=environ, capture_output=True,
                            text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr
    ids = json.loads(seeded.stdout.strip().splitlines()[-1])
    with running_app(data_dir, folder / "main.log") as base_url:
        yield App(base_url, ids, data_dir)


# Module scope, not session: Playwright's sync API keeps an event loop running in the main thread
# while it is open, which would break the async tests that run after the browser tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page_for(app: App, browser: object) -> Iterator[object]:
    """`page_for("editor")`: a new browser context signed in as that person (None: signed out)."""
    contexts = []

    def open_as(name: str | None) -> object:
        context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=app.base_url)  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: app.console_errors.append(f"{message.type}: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: app.console_errors.append(f"pageerror: {error}"))
        if name is not None:
            page.goto("/signin")
            page.fill("input[name=email]", f"{name}@example.com")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/signin" not in url)
        return page

    app.console_errors.clear()
    yield open_as
    for context in contexts:
        context.close()
    assert app.console_errors == [], "the browser console reported errors"


def shot(page: object, name: str) -> Path:
    """Save a screenshot of the page as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)  # type: ignore[attr-defined]
    return path
