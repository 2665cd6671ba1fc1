"""`knotwork import` / `knotwork export` as a user runs them: a real subprocess on a SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TRIGGER = {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
           "parameters": {}}


def flow(name: str, node_type: str = "n8n-nodes-base.noOp", **fields: Any) -> dict[str, Any]:
    step = {"name": "Step", "type": node_type, "typeVersion": 1, "position": [200, 0], "parameters": {}}
    return {"name": name, "nodes": [TRIGGER, step],
            "connections": {"Start": {"main": [[{"node": "Step", "type": "main", "index": 0}]]}}, **fields}


def knotwork(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KNOTWORK_")}
    env["KNOTWORK_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


def write(folder: Path, name: str, content: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def stored_names(tmp_path: Path) -> list[str]:
    database = tmp_path / "data" / "knotwork.db"
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM workflow ORDER BY name")]


def assert_refused(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert "refused, nothing was" in done.stderr
    for text in expected:
        assert text in done.stderr


def test_import_one_workflow_an_array_and_a_folder(tmp_path: Path) -> None:
    one = knotwork(tmp_path, "import", "--input", str(write(tmp_path, "one.json", flow("One", id="keepThisId0001"))))
    assert one.returncode == 0, one.stderr
    assert "Imported 1 workflow(s)" in one.stdout and "keepThisId0001  One" in one.stdout

    array = knotwork(tmp_path, "import", "--input", str(write(tmp_path, "two.json", [flow("Two"), flow("Three")])))
    assert array.returncode == 0 and "Imported 2 workflow(s)" in array.stdout

    folder = tmp_path / "many"
    write(folder, "a.json", flow("Four"))
    write(folder, "b.json", [flow("Five")])
    many = knotwork(tmp_path, "import", "--input", str(folder), "--separate")
    assert many.returncode == 0 and "Imported 2 workflow(s)" in many.stdout

    assert stored_names(tmp_path) == ["Five", "Four", "One", "Three", "Two"]


def test_export_all_separately_and_one_by_id(tmp_path: Path) -> None:
    # Given two imported workflows
    source = write(tmp_path, "in.json", [flow("A", id="workflowAAAAAAAA", tags=[{"name": "t"}]),
                                         flow("B", id="workflowBBBBBBBB")])
    assert knotwork(tmp_path, "import", "--input", str(source)).returncode == 0

    # When they are exported all at once, one file each, and one of them by id
    each = knotwork(tmp_path, "export", "--all", "--output", str(tmp_path / "out"), "--separate")
    single = knotwork(tmp_path, "export", "--id", "workflowAAAAAAAA", "--output", str(tmp_path / "a.json"),
                      "--pretty")

    # Then each file holds its workflow in n8n's shape, and --id writes an array of one
    assert each.returncode == 0 and "Exported 2 workflow(s)" in each.stdout
    files = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert files == ["workflowAAAAAAAA.json", "workflowBBBBBBBB.json"]
    exported = json.loads((tmp_path / "out" / "workflowAAAAAAAA.json").read_text())
    assert exported["name"] == "A" and exported["nodes"] == flow("A")["nodes"]
    assert [tag["name"] for tag in exported["tags"]] == ["t"]
    assert single.returncode == 0, single.stderr
    text = (tmp_path / "a.json").read_text()
    assert text.startswith("[\n  {") and [w["id"] for w in json.loads(text)] == ["workflowAAAAAAAA"]

    # And the export imports again (as new workflows, the ids being taken)
    again = knotwork(tmp_path, "import", "--input", str(tmp_path / "out"))
    assert again.returncode == 0 and stored_names(tmp_path) == ["A", "A", "B", "B"]


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", '{"name": "x", "nodes": [')
    assert_refused(knotwork(tmp_path, "import", "--input", str(path)), f"{path}: is not valid JSON")
    assert stored_names(tmp_path) == []


def test_json_that_is_not_a_workflow_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "other.json", {"credentials": []})
    assert_refused(knotwork(tmp_path, "import", "--input", str(path)), f"{path}: is not a workflow")
    assert stored_names(tmp_path) == []


def test_an_unknown_node_type_is_refused_naming_the_file_and_the_node(tmp_path: Path) -> None:
    path = write(tmp_path, "ghost.json", flow("Haunted", node_type="n8n-nodes-base.ghost"))
    assert_refused(knotwork(tmp_path, "import", "--input", str(path)),
                   f"{path}: workflow 'Haunted': Node 'Step' has unknown node type 'n8n-nodes-base.ghost'")
    assert stored_names(tmp_path) == []


def test_a_mixed_array_imports_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.json", [flow("Good"), flow("Bad", node_type="n8n-nodes-base.sett")])
    done = knotwork(tmp_path, "import", "--input", str(path))
    assert_refused(done, f"{path}: workflow #2 'Bad': Node 'Step' has unknown node type 'n8n-nodes-base.sett'")
    assert "'Good'" not in done.stderr
    assert stored_names(tmp_path) == []


def test_export_refusals_exit_2(tmp_path: Path) -> None:
    assert_refused(knotwork(tmp_path, "export", "--id", "nope", "--output", str(tmp_path / "x.json")),
                   "No workflow with id 'nope'")
    (tmp_path / "folder").mkdir()
    into_folder = knotwork(tmp_path, "export", "--all", "--output", str(tmp_path / "folder"))
    assert into_folder.returncode == 0, into_folder.stderr  # a folder means one file per workflow
    (tmp_path / "file.json").write_text("[]")
    assert_refused(knotwork(tmp_path, "export", "--all", "--separate", "--output", str(tmp_path / "file.json")),
                   "is a file")
    usage = knotwork(tmp_path, "export", "--output", str(tmp_path / "x.json"))
    assert usage.returncode == 2 and "one of the arguments --all --id is required" in usage.stderr
