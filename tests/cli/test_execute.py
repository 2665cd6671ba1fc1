"""`knotwork execute` / `knotwork validate` as a user runs them: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TRIGGER = {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0], "parameters": {}}


def set_node(name: str, value: str) -> dict:
    assignments = {"assignments": [{"id": "1", "name": "out", "value": value, "type": "string"}]}
    return {"name": name, "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 0],
            "parameters": {"assignments": assignments, "includeOtherFields": True}}


def knotwork(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOTWORK_")}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_execute_prints_the_result_document_and_exits_0(tmp_path: Path) -> None:
    workflow = {"nodes": [TRIGGER, set_node("Set", "={{ $json.name }}!")],
                "connections": {"Start": {"main": [[{"node": "Set", "type": "main", "index": 0}]]}},
                "settings": {"executionOrder": "v1"}}
    items = write(tmp_path, "items.json", [{"json": {"name": "ada"}}, {"name": "bob"}])
    done = knotwork("execute", "--file", str(write(tmp_path, "wf.json", workflow)), "--input", str(items), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == {"status", "mode", "startedAt", "stoppedAt", "lastNodeExecuted", "error", "runData"}
    assert document["status"] == "success" and document["mode"] == "cli"
    assert [i["json"]["out"] for i in document["runData"]["Set"][0]["data"]["main"][0]] == ["ada!", "bob!"]


def test_a_failing_workflow_exits_1_with_the_error_in_the_document(tmp_path: Path) -> None:
    stop = {"name": "Stop", "type": "n8n-nodes-base.stopAndError", "typeVersion": 1, "position": [200, 0],
            "parameters": {"errorMessage": "no way"}}
    workflow = {"nodes": [TRIGGER, stop], "connections": {"Start": {"main": [[{"node": "Stop", "type": "main", "index": 0}]]}}}
    done = knotwork("execute", "--file", str(write(tmp_path, "wf.json", workflow)), "--mode", "manual", cwd=tmp_path)
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert document["status"] == "error" and document["mode"] == "manual"
    assert document["error"]["message"] == "no way" and document["lastNodeExecuted"] == "Stop"


def test_invalid_input_exits_2_with_the_problems_on_stderr(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.json", {"nodes": [{"name": "A", "type": "n8n-nodes-base.sett"}]})
    done = knotwork("execute", "--file", str(bad), cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "unknown node type 'n8n-nodes-base.sett'; did you mean 'n8n-nodes-base.set'?" in done.stderr
    assert "Traceback" not in done.stderr
    broken = knotwork("execute", "--file", str(write(tmp_path, "broken.json", "{nodes")), cwd=tmp_path)
    assert broken.returncode == 2 and "Workflow JSON is not valid" in broken.stderr
    missing = knotwork("execute", "--file", str(tmp_path / "nope.json"), cwd=tmp_path)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_validate_only_checks(tmp_path: Path) -> None:
    good = knotwork("validate", "--file", str(write(tmp_path, "wf.json", {"nodes": [TRIGGER]})), cwd=tmp_path)
    assert good.returncode == 0 and "valid workflow" in good.stdout
    bad = knotwork("validate", "--file", str(write(tmp_path, "bad.json", {"nodes": 3})), cwd=tmp_path)
    assert bad.returncode == 2 and "'nodes' must be a list" in bad.stderr
