"""Editor benchmarks (run by `make bench`; needs Debian's chromium). Prints medians.

(a) Open a 100-node workflow in the editor: time from navigation until all 100 nodes are drawn on the
    canvas. Target: <= 2 s.
(b) Server memory per open editor tab: the web process's RSS growth with 20 editor tabs open on that
    workflow, divided by 20. Target: <= 5 MB.
(c) Typing in a parameter form: one keystroke in the node panel's text field, as Playwright sees it
    (the browser updates the field itself; the server hears of it asynchronously and the form reports
    the change after a pause: no keystroke waits on the server or the database).

The app runs as `make run` runs it (main.py, SQLite, embedded worker) in a temporary data folder.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "benchmark password"
NODES = 100
TABS = 20
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SEED = """
import json, sys
from services.settings import load_settings
from services.runtime import build_runtime
from services.users import create_user
from services.access import Actor, personal_project_id
from services.workflows import create_workflow

runtime = build_runtime(load_settings())
user = create_user(runtime.db, "bench@example.com", sys.argv[1], role="owner")
nodes = [{"id": "n0", "name": "Start", "type": "knotwork.manualTrigger", "typeVersion": 1, "position": [0, 0],
          "parameters": {}}]
connections = {}
for index in range(1, int(sys.argv[2])):
    name, previous = f"Set {index}", nodes[-1]["name"]
    nodes.append({"id": f"n{index}", "name": name, "type": "n8n-nodes-base.set", "typeVersion": 3.4,
                  "position": [(index % 10) * 220, (index // 10) * 160],
                  "parameters": {"assignments": {"assignments": [
                      {"id": "a", "name": f"field{index}", "type": "string", "value": f"={{{{ $json.x }}}}-{index}"}]}}})
    connections[previous] = {"main": [[{"node": name, "type": "main", "index": 0}]]}
with runtime.db.session() as session:
    project = personal_project_id(session, user.id)
workflow = create_workflow(runtime.db, {"name": "Hundred nodes", "nodes": nodes, "connections": connections,
                                        "settings": {"executionOrder": "v1"}}, project, registry=runtime.registry)
runtime.close()
print(json.dumps({"workflow": workflow.id}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    if not Path(CHROMIUM).exists():
        print("bench_editor: skipped, /usr/bin/chromium is not installed")
        return
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        environ = {key: value for key, value in os.environ.items() if not key.startswith("KNOTWORK_")}
        environ.update({"KNOTWORK_DATA_DIR": folder, "KNOTWORK_PORT": str(free_port()), "PYTHONUNBUFFERED": "1"})
        seeded = subprocess.run([sys.executable, "-c", SEED, PASSWORD, str(NODES)], cwd=ROOT, env=environ,
                                capture_output=True, text=True, check=True)
        workflow_id = json.loads(seeded.stdout.strip().splitlines()[-1])["workflow"]
        base = f"http://127.0.0.1:{environ['KNOTWORK_PORT']}"
        server = subprocess.Popen([sys.executable, "main.py"], cwd=ROOT, env=environ, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            _wait_for(base)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=base)
                page = context.new_page()
                page.goto("/signin")
                page.fill("input[name=email]", "bench@example.com")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(lambda url: "/signin" not in url)

                opens = []
                for _ in range(7):
                    started = time.perf_counter()
                    page.goto(f"/workflow/{workflow_id}")
                    page.wait_for_function(f"document.querySelectorAll('.vue-flow__node').length >= {NODES}")
                    opens.append(time.perf_counter() - started)
                print(f"(a) open a {NODES}-node workflow: median {statistics.median(opens):.2f} s "
                      f"(min {min(opens):.2f}, max {max(opens):.2f}; target <= 2 s)")

                page.goto("/workflows")  # one tab stays, on a light page
                before = rss_mb(server.pid)
                tabs = [context.new_page() for _ in range(TABS)]
                for tab in tabs:
                    tab.goto(f"/workflow/{workflow_id}")
                    tab.wait_for_function(f"document.querySelectorAll('.vue-flow__node').length >= {NODES}")
                time.sleep(1.0)  # let the server settle after the last page; RSS is then read once
                after = rss_mb(server.pid)
                print(f"(b) server memory per open editor tab ({TABS} tabs of the {NODES}-node workflow): "
                      f"{(after - before) / TABS:.2f} MB (RSS {before:.0f} -> {after:.0f} MB; target <= 5 MB)")
                for tab in tabs:
                    tab.close()

                editor = context.new_page()
                editor.goto(f"/workflow/{workflow_id}")
                editor.wait_for_function(f"document.querySelectorAll('.vue-flow__node').length >= {NODES}")
                editor.locator(".vue-flow__node", has_text="Set 1").first.dblclick()
                field = editor.locator(".q-dialog input[type=text]").first
                field.wait_for()
                field.click()
                keystrokes = []
                for character in "typing-latency":
                    started = time.perf_counter()
                    field.press(character)
                    keystrokes.append((time.perf_counter() - started) * 1000)
                print(f"(c) keystroke in a parameter field: median {statistics.median(keystrokes):.1f} ms "
                      f"(max {max(keystrokes):.1f} ms; no database access until the pause)")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=15)


def _wait_for(base: str) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("bench_editor: the app did not start within 60 s")


if __name__ == "__main__":
    main()
