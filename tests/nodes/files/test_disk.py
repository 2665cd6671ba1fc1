"""Read/Write Files from Disk and the legacy Read/Write Binary File nodes, inside a tmp files folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.files.legacy_disk import ReadBinaryFile, ReadBinaryFiles, WriteBinaryFile
from nodes.files.read_write import ReadWriteFile

from .helpers import content_of, file_item, run

NODE = ReadWriteFile()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "files"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "a.csv").write_text("x,y\n1,2\n")
    (root / "reports" / "b.csv").write_text("x,y\n3,4\n")
    (root / "notes.txt").write_text("hello")
    return root


async def test_read_glob_gives_one_item_per_file_with_metadata(folder: Path) -> None:
    # Given a relative glob, when the node reads, then each match is an item with its metadata as json
    out = await run(NODE, {"operation": "read", "fileSelector": "reports/*.csv"}, folder=folder)
    assert [item.json["fileName"] for item in out] == ["a.csv", "b.csv"]
    assert out[0].json == {"mimeType": "text/csv", "fileType": "text", "fileName": "a.csv",
                           "fileExtension": "csv", "fileSize": "8 B"}
    assert content_of(out[1]) == b"x,y\n3,4\n"
    assert out[0].binary["data"]["directory"] == str(folder / "reports")
    assert [item.paired for item in out] == [(0, 0), (0, 0)]


async def test_read_recursive_glob_and_absolute_path(folder: Path) -> None:
    out = await run(NODE, {"fileSelector": "**/*.csv"}, folder=folder)
    assert len(out) == 2
    out = await run(NODE, {"fileSelector": str(folder / "notes.txt")}, folder=folder)
    assert content_of(out[0]) == b"hello"


async def test_read_options_override_name_extension_type_and_field(folder: Path) -> None:
    options = {"fileName": "n.md", "fileExtension": "md", "mimeType": "text/markdown", "dataPropertyName": "doc"}
    [item] = await run(NODE, {"fileSelector": "notes.txt", "options": options}, folder=folder)
    entry = item.binary["doc"]
    assert (entry["fileName"], entry["fileExtension"], entry["mimeType"]) == ("n.md", "md", "text/markdown")
    assert item.json["fileName"] == "n.md"


async def test_read_runs_per_input_item_and_no_match_gives_nothing(folder: Path) -> None:
    out = await run(NODE, {"fileSelector": "notes.txt"}, [Item({}), Item({})], folder=folder)
    assert [item.paired for item in out] == [(0, 0), (1, 0)]
    assert await run(NODE, {"fileSelector": "*.nothing"}, folder=folder) == []


@pytest.mark.parametrize("selector", ["../outside.txt", "/etc/passwd", "reports/../../outside.txt", "../*.txt"])
async def test_paths_outside_the_folder_are_refused(folder: Path, selector: str) -> None:
    (folder.parent / "outside.txt").write_text("secret")
    with pytest.raises(NodeOperationError) as raised:
        await run(NODE, {"fileSelector": selector}, folder=folder)
    assert "outside the files folder" in raised.value.message
    assert "KNOTWORK_FILES_DIR" in (raised.value.description or "")
    assert raised.value.node == "Node" and raised.value.item_index == 0


async def test_a_symlink_pointing_outside_is_refused(folder: Path) -> None:
    (folder.parent / "outside.txt").write_text("secret")
    os.symlink(folder.parent / "outside.txt", folder / "link.txt")
    with pytest.raises(NodeOperationError, match="outside the files folder"):
        await run(NODE, {"fileSelector": "link.txt"}, folder=folder)
    with pytest.raises(NodeOperationError, match="outside the files folder"):
        await run(NODE, {"fileSelector": "*.txt"}, folder=folder)
    out = await run(NODE, {"fileSelector": "link.txt"}, folder=folder, continue_on_fail=True)
    assert "outside the files folder" in out[0].json["error"] and out[0].paired == (0, 0)


async def test_no_files_folder_means_no_disk_access(folder: Path) -> None:
    with pytest.raises(NodeOperationError, match="no files folder is configured"):
        await run(NODE, {"fileSelector": "notes.txt"})


async def test_write_creates_folders_and_passes_the_item_through(folder: Path) -> None:
    item = file_item(b"abc", "x.txt", json={"keep": 1})
    params = {"operation": "write", "fileName": "out/new.txt"}
    [out] = await run(NODE, params, [item], folder=folder)
    assert (folder / "out" / "new.txt").read_bytes() == b"abc"
    assert out.json == {"keep": 1, "fileName": "out/new.txt"} and out.binary == item.binary


async def test_write_append_and_custom_field(folder: Path) -> None:
    item = file_item(b"!", "x.txt", name="file")
    params = {"operation": "write", "fileName": "notes.txt", "dataPropertyName": "file", "options": {"append": True}}
    await run(NODE, params, [item], folder=folder)
    assert (folder / "notes.txt").read_text() == "hello!"


async def test_write_outside_or_without_binary_fails_clearly(folder: Path) -> None:
    with pytest.raises(NodeOperationError, match="outside the files folder"):
        await run(NODE, {"operation": "write", "fileName": "../evil.txt"}, [file_item(b"x")], folder=folder)
    assert not (folder.parent / "evil.txt").exists()
    with pytest.raises(NodeOperationError, match="binary file 'data'"):
        await run(NODE, {"operation": "write", "fileName": "a.txt"}, [Item({})], folder=folder)


async def test_read_missing_file_and_folder_errors(folder: Path) -> None:
    with pytest.raises(NodeOperationError, match="could not be found"):
        await run(ReadBinaryFile(), {"filePath": "missing.txt"}, folder=folder)
    with pytest.raises(NodeOperationError, match="is a folder"):
        await run(ReadBinaryFile(), {"filePath": "reports"}, folder=folder)


async def test_legacy_read_binary_file_keeps_json_and_other_binaries(folder: Path) -> None:
    item = file_item(b"old", "old.txt", name="old", json={"a": 1})
    [out] = await run(ReadBinaryFile(), {"filePath": "notes.txt", "dataPropertyName": "new"}, [item], folder=folder)
    assert out.json == {"a": 1} and set(out.binary) == {"old", "new"}
    assert content_of(out, "new") == b"hello" and out.binary["new"]["fileName"] == "notes.txt"
    with pytest.raises(NodeOperationError, match="outside"):
        await run(ReadBinaryFile(), {"filePath": "../x"}, folder=folder)


async def test_legacy_read_binary_files_reads_the_pattern_once(folder: Path) -> None:
    out = await run(ReadBinaryFiles(), {"fileSelector": "reports/*.csv"}, [Item({}), Item({})], folder=folder)
    assert [item.binary["data"]["fileName"] for item in out] == ["a.csv", "b.csv"]
    assert all(item.json == {} and item.paired == (0, 0) for item in out)
    (folder.parent / "outside.txt").write_text("secret")
    out = await run(ReadBinaryFiles(), {"fileSelector": "../*"}, folder=folder, continue_on_fail=True)
    assert "outside" in out[0].json["error"]
    with pytest.raises(NodeOperationError, match="outside"):
        await run(ReadBinaryFiles(), {"fileSelector": "../*"}, folder=folder)


async def test_legacy_write_binary_file(folder: Path) -> None:
    params = {"fileName": "w.bin", "options": {"append": True}}
    await run(WriteBinaryFile(), params, [file_item(b"12")], folder=folder)
    [out] = await run(WriteBinaryFile(), params, [file_item(b"34")], folder=folder)
    assert (folder / "w.bin").read_bytes() == b"1234" and out.json == {"fileName": "w.bin"}
    with pytest.raises(NodeOperationError, match="outside"):
        await run(WriteBinaryFile(), {"fileName": "/tmp/escape.bin"}, [file_item(b"x")], folder=folder)
