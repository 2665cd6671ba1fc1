"""The file nodes as the registry and the engine see them: descriptions, aliases, a real run."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from engine.node_api import Parameter
from engine.ports import FileAccess, Services
from engine.registry import NodeRegistry, validate_description
from engine.runner import execute_workflow
from engine.workflow import parse_workflow
from nodes.files import NODE_TYPES

REGISTRY = NodeRegistry.from_entry_points()
ALIASES = {
    "n8n-nodes-base.convertToFile": (1.0, 1.1),
    "n8n-nodes-base.extractFromFile": (1.0,),
    "n8n-nodes-base.compression": (1.0, 1.1),
    "n8n-nodes-base.readWriteFile": (1.0,),
    "n8n-nodes-base.readBinaryFile": (1.0,),
    "n8n-nodes-base.readBinaryFiles": (1.0,),
    "n8n-nodes-base.writeBinaryFile": (1.0,),
}


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_every_n8n_type_resolves_with_all_its_versions(alias: str) -> None:
    node_type = REGISTRY.resolve(alias)
    assert node_type is not None
    description = node_type.description
    validate_description(description)
    assert description.versions == ALIASES[alias] and description.default_version == max(ALIASES[alias])


def _visible(parameters: tuple[Parameter, ...], values: dict[str, object], version: float) -> set[str]:
    return {p.name for p in parameters if p.visible(values, version)}


def test_operations_show_their_own_parameters() -> None:
    convert = next(t for t in NODE_TYPES if t.description.name == "knotwork.convertToFile").description
    shown = _visible(convert.parameters, {"operation": "toText"}, 1.1)
    assert {"sourceProperty", "binaryPropertyName", "options"} <= shown and "mode" not in shown
    options = [p for p in convert.parameters if p.name == "options" and p.visible({"operation": "csv"}, 1.1)]
    assert [f.name for f in options[0].fields] == ["delimiter", "fileName", "headerRow"]
    compression = next(t for t in NODE_TYPES if t.description.name == "knotwork.compression").description
    v1 = [p for p in compression.parameters if p.visible({"operation": "compress", "outputFormat": "gzip"}, 1.0)]
    v11 = [p for p in compression.parameters if p.visible({"operation": "compress", "outputFormat": "gzip"}, 1.1)]
    assert "outputPrefix" in {p.name for p in v1} and "outputPrefix" not in {p.name for p in v11}
    assert "fileName" in {p.name for p in v11} and "fileName" not in {p.name for p in v1}


async def test_a_workflow_converts_writes_reads_and_extracts(tmp_path: Path) -> None:
    # Given items → CSV file → written to disk → read back → extracted, run by the engine
    def node(name: str, kind: str, parameters: dict, version: float = 1) -> dict:
        return {"name": name, "type": f"n8n-nodes-base.{kind}", "typeVersion": version,
                "parameters": parameters, "position": [0, 0]}

    nodes = [
        node("Start", "manualTrigger", {}),
        node("Rows", "set", {"mode": "raw", "jsonOutput": '{"a": 1, "b": "x"}'}, 3.4),
        node("To CSV", "convertToFile", {"operation": "csv"}, 1.1),
        node("Save", "readWriteFile", {"operation": "write", "fileName": "out/rows.csv"}),
        node("Load", "readWriteFile", {"fileSelector": "out/*.csv"}),
        node("Parse", "extractFromFile", {"operation": "csv", "options": {"enableBOM": True}}),
    ]
    order = [n["name"] for n in nodes]
    connections = {a: {"main": [[{"node": b, "type": "main", "index": 0}]]} for a, b in pairwise(order)}
    workflow = parse_workflow({"nodes": nodes, "connections": connections}, REGISTRY)
    services = Services(files=FileAccess(folder=tmp_path))
    # When it runs
    result = await execute_workflow(workflow, REGISTRY, services=services)
    # Then the file is on disk and the rows come back as strings
    assert result.status == "success", result.error
    assert (tmp_path / "out" / "rows.csv").read_bytes() == "\ufeffa,b\n1,x".encode()
    [items] = result.run_data["Parse"][0].outputs
    assert [item.json for item in items] == [{"a": "1", "b": "x"}]


async def test_without_a_files_folder_the_disk_nodes_fail_the_run() -> None:
    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "parameters": {}, "position": [0, 0]},
        {"name": "Load", "type": "n8n-nodes-base.readWriteFile", "typeVersion": 1,
         "parameters": {"fileSelector": "/etc/passwd"}, "position": [0, 0]},
    ]
    connections = {"Start": {"main": [[{"node": "Load", "type": "main", "index": 0}]]}}
    result = await execute_workflow(parse_workflow({"nodes": nodes, "connections": connections}, REGISTRY), REGISTRY)
    assert result.status == "error" and "KNOTWORK_FILES_DIR" in result.error["message"]


def test_settings_give_the_files_folder_and_unpack_limits(tmp_path: Path) -> None:
    from services.engine_setup import build_services, file_access
    from services.runtime import run_policy
    from services.settings import load_settings

    defaults = file_access(load_settings({"KNOTWORK_DATA_DIR": str(tmp_path)}))
    assert defaults == FileAccess(folder=tmp_path / "files", max_decompressed_bytes=512 * 2**20,
                                  max_decompressed_entries=10_000)
    settings = load_settings({"KNOTWORK_FILES_DIR": str(tmp_path / "shared"), "KNOTWORK_MAX_DECOMPRESSED_MB": "2",
                              "KNOTWORK_MAX_DECOMPRESSED_ENTRIES": "3"})
    assert build_services(settings).files == FileAccess(tmp_path / "shared", 2 * 2**20, 3)
    assert run_policy(settings).files == build_services(settings).files
