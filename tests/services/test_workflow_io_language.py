"""Import sets the expression language: n8n files (none named) get JavaScript; Knotwork's exports name
theirs, so a Python workflow comes back as Python."""

from __future__ import annotations

import json
from pathlib import Path

from engine.registry import NodeRegistry
from models import Database
from services import workflows as service
from services.workflow_io import export_workflows, import_workflows, with_import_language
from tests.services.documents import flow, noop


def test_n8n_documents_get_javascript_and_named_languages_are_kept() -> None:
    assert with_import_language({"nodes": [], "settings": {"executionOrder": "v1"}})["settings"] == {
        "executionOrder": "v1", "expressionLanguage": "javascript"}
    assert with_import_language({"nodes": []})["settings"] == {"expressionLanguage": "javascript"}
    assert with_import_language({"nodes": [], "settings": {"expressionLanguage": "python"}})["settings"] == {}
    kept = {"nodes": [], "settings": {"expressionLanguage": "javascript"}}
    assert with_import_language(kept) is kept


def test_an_n8n_file_imports_as_javascript_and_a_python_export_comes_back_python(
        database: Database, registry: NodeRegistry, tmp_path: Path) -> None:
    n8n_file = tmp_path / "n8n.json"
    n8n_file.write_text(json.dumps(flow("From n8n", noop())))
    [imported] = import_workflows(database, registry, n8n_file)
    assert imported.settings["expressionLanguage"] == "javascript"

    native = service.create_workflow(database, flow("Native", noop()), registry=registry)
    export_workflows(database, tmp_path / "native.json", workflow_id=native.id)
    assert json.loads((tmp_path / "native.json").read_text())[0]["settings"]["expressionLanguage"] == "python"
    service.delete_workflow(database, native.id)
    [back] = import_workflows(database, registry, tmp_path / "native.json")
    assert "expressionLanguage" not in back.settings
