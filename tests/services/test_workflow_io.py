"""Import and export in n8n's format: round trips, folders, and imports that are all-or-nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from engine.registry import NodeRegistry
from models import Database, Project, Tag, Workflow, WorkflowVersion
from services import workflow_io
from services import workflows as service
from services.workflow_io import ExportRefused, ImportRefused, export_workflows, import_workflows
from services.workflows import ProjectNotFound, WorkflowNotFound
from tests.services.documents import flow, noop

# What an import does not carry over: a new version and new timestamps on every save.
FRESH = ("versionId", "createdAt", "updatedAt")


def write(folder: Path, name: str, content: Any) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def rows(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Workflow, WorkflowVersion, Tag, Project)}


def without(document: dict[str, Any], keys: tuple[str, ...] = FRESH) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in keys}


def test_exported_workflows_import_back_unchanged(database: Database, registry: NodeRegistry,
                                                  tmp_path: Path) -> None:
    # Given two workflows with tags, pinned and static data, one archived
    first = service.create_workflow(database, flow("One", noop(), pinData={"Start": [{"json": {"a": 1}}]},
                                                   staticData={"global": {"n": 2}}, tags=["x", "y"]),
                                    registry=registry)
    second = service.create_workflow(database, flow("Two", meta={"templateId": "7"}), registry=registry)
    service.archive_workflow(database, second.id)
    before = {w.id: service.workflow_to_json(w, t)
              for w, t in [(w, service.workflow_tags(database, [w.id])[w.id])
                           for w in service.list_workflows(database, include_archived=True)]}

    # When they are exported, deleted, and the export imported again
    exported = export_workflows(database, tmp_path / "all.json", all=True)
    for workflow in exported:
        service.delete_workflow(database, workflow.id)
    imported = import_workflows(database, registry, tmp_path / "all.json")

    # Then the same ids come back with the same content, as new saves
    assert sorted(w.id for w in imported) == sorted([first.id, second.id])
    for workflow in imported:
        tags = service.workflow_tags(database, [workflow.id])[workflow.id]
        assert without(service.workflow_to_json(workflow, tags)) == without(before[workflow.id])
        assert len(service.list_versions(database, workflow.id)) == 1


def test_export_writes_an_array_or_one_object_per_file(database: Database, registry: NodeRegistry,
                                                       tmp_path: Path) -> None:
    one = service.create_workflow(database, flow("One"), registry=registry)
    two = service.create_workflow(database, flow("Two"), registry=registry)

    export_workflows(database, tmp_path / "one.json", workflow_id=one.id, pretty=False)
    export_workflows(database, tmp_path / "each", all=True, separate=True)

    single = json.loads((tmp_path / "one.json").read_text())
    assert isinstance(single, list) and [w["id"] for w in single] == [one.id]
    assert sorted(path.name for path in (tmp_path / "each").iterdir()) == sorted([f"{one.id}.json", f"{two.id}.json"])
    assert json.loads((tmp_path / "each" / f"{two.id}.json").read_text())["name"] == "Two"
    with pytest.raises(WorkflowNotFound):
        export_workflows(database, tmp_path / "x.json", workflow_id="missing")
    with pytest.raises(ExportRefused, match="is a folder"):
        export_workflows(database, tmp_path / "each", all=True)
    with pytest.raises(ValueError):
        export_workflows(database, tmp_path / "x.json")


def test_a_folder_imports_every_json_file_in_name_order(database: Database, registry: NodeRegistry,
                                                        tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "b.json", [flow("B1"), flow("B2")])
    write(folder, "a.json", flow("A"))
    write(folder, "notes.txt", "not looked at")

    imported = import_workflows(database, registry, folder)

    assert [w.name for w in imported] == ["A", "B1", "B2"]


def test_one_bad_workflow_refuses_the_whole_import(database: Database, registry: NodeRegistry,
                                                   tmp_path: Path) -> None:
    # Given a folder with a good file, a mixed array, a file that is not JSON and one that is no workflow
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "1-good.json", flow("Good"))
    mixed = write(folder, "2-mixed.json", [flow("Fine"), flow("Broken", noop("Ghost", type="n8n-nodes-base.ghost"))])
    garbage = write(folder, "3-garbage.json", "{not json")
    other = write(folder, "4-other.json", {"hello": "world"})

    # When it is imported
    with pytest.raises(ImportRefused) as refused:
        import_workflows(database, registry, folder)

    # Then every problem is named, with its file, workflow and node, and nothing was written
    unknown, *others = refused.value.problems
    assert unknown.startswith(f"{mixed}: workflow #2 'Broken': Node 'Ghost' has unknown node type "
                              "'n8n-nodes-base.ghost'")
    assert others == [
        f"{garbage}: is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2",
        f"{other}: is not a workflow: expected an object with a 'nodes' list",
    ]
    assert rows(database) == {"Workflow": 0, "WorkflowVersion": 0, "Tag": 0, "Project": 0}


def test_a_failure_while_writing_leaves_nothing_behind(database: Database, registry: NodeRegistry,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an import whose second write fails after the first succeeded
    path = write(tmp_path, "all.json", [flow("One", tags=["t"]), flow("Two"), flow("Three")])
    calls: list[str] = []

    def failing_create(session: Any, data: dict[str, Any], *args: Any, **kwargs: Any) -> Workflow:
        calls.append(data["name"])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return service.create_workflow(session, data, *args, **kwargs)

    monkeypatch.setattr(workflow_io, "create_workflow", failing_create)

    with pytest.raises(RuntimeError):
        import_workflows(database, registry, path)

    assert calls == ["One", "Two"]
    assert rows(database) == {"Workflow": 0, "WorkflowVersion": 0, "Tag": 0, "Project": 0}


def test_unusable_inputs_are_refused(database: Database, registry: NodeRegistry, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ImportRefused, match="holds no .json files"):
        import_workflows(database, registry, empty)
    with pytest.raises(ImportRefused, match="no such file"):
        import_workflows(database, registry, tmp_path / "missing.json")
    with pytest.raises(ImportRefused, match="is not a workflow export"):
        import_workflows(database, registry, write(tmp_path, "number.json", "3"))
    with pytest.raises(ProjectNotFound):
        import_workflows(database, registry, write(tmp_path, "ok.json", flow()), project_id="missing")
    assert rows(database)["Workflow"] == 0


def test_ids_repeated_in_one_import_are_kept_once(database: Database, registry: NodeRegistry,
                                                  tmp_path: Path) -> None:
    path = write(tmp_path, "twice.json", [flow("A", id="dupId"), flow("B", id="dupId")])
    first, second = import_workflows(database, registry, path)
    assert first.id == "dupId" and second.id != "dupId"
    assert all(not w.active for w in (first, second))
