"""Local File Trigger on a real temporary files folder: folder and file events with chokidar's names,
existing files, ignore patterns and depth, and paths confined to the files folder."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from watchfiles import Change

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import FileAccess, Services
from nodes.messaging.local_file_trigger import LocalFileTrigger, Watch
from tests.nodes.fake import FakeContext, make_node

NODE = LocalFileTrigger()
PROBE = ".probe-"


def context(parameters: dict[str, Any], folder: Path | None) -> FakeContext:
    node = make_node(NODE.description.name, 1, parameters, name="Watch")
    return FakeContext(node, [[]], mode="trigger", services=Services(files=FileAccess(folder=folder)))


class Listening:
    """`listen` running as a task; events on probe files (written to know it watches) are left out."""

    def __init__(self, parameters: dict[str, Any], folder: Path) -> None:
        self.received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.ensure_future(NODE.listen(context(parameters, folder), self.emit))
        self.probes = itertools.count()

    async def emit(self, items: list[Item]) -> None:
        for item in items:
            await self.received.put(item.json)

    async def watching(self, probe_folder: Path) -> None:
        """Write probe files until one is reported: from then on, changes are seen."""
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            assert not self.task.done(), self.task.exception()
            (probe_folder / f"{PROBE}{next(self.probes)}").write_text("x")
            try:
                event = await asyncio.wait_for(self.received.get(), 0.3)
            except TimeoutError:
                assert asyncio.get_running_loop().time() < deadline, "the watcher never reported"
                continue
            if PROBE in event["path"]:
                return

    async def next(self) -> dict[str, Any]:
        while True:
            event = await asyncio.wait_for(self.received.get(), 10)
            if PROBE not in event["path"]:
                return event

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def test_folder_events_with_chokidar_names(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    listening = Listening({"triggerOn": "folder", "path": "inbox",
                           "events": ["add", "change", "unlink", "addDir", "unlinkDir"]}, tmp_path)
    try:
        await listening.watching(inbox)
        (inbox / "a.csv").write_text("1")
        assert await listening.next() == {"event": "add", "path": str(inbox / "a.csv")}
        (inbox / "sub").mkdir()
        assert await listening.next() == {"event": "addDir", "path": str(inbox / "sub")}
        with (inbox / "a.csv").open("a") as file:
            file.write("2")
        assert await listening.next() == {"event": "change", "path": str(inbox / "a.csv")}
        (inbox / "a.csv").unlink()
        assert await listening.next() == {"event": "unlink", "path": str(inbox / "a.csv")}
        (inbox / "sub").rmdir()
        assert await listening.next() == {"event": "unlinkDir", "path": str(inbox / "sub")}
    finally:
        await listening.close()


async def test_only_chosen_events_ignored_paths_and_depth(tmp_path: Path) -> None:
    (tmp_path / "deep" / "deeper").mkdir(parents=True)
    listening = Listening({"triggerOn": "folder", "path": str(tmp_path), "events": ["add"],
                           "options": {"ignored": "**/*.tmp", "depth": 1}}, tmp_path)
    try:
        await listening.watching(tmp_path)
        (tmp_path / "skip.tmp").write_text("ignored")
        (tmp_path / "deep" / "deeper" / "too-deep.txt").write_text("below the depth")
        (tmp_path / "deep" / "kept.txt").write_text("one level down")
        assert await listening.next() == {"event": "add", "path": str(tmp_path / "deep" / "kept.txt")}
        (tmp_path / "top.txt").write_text("top")
        assert await listening.next() == {"event": "add", "path": str(tmp_path / "top.txt")}
    finally:
        await listening.close()


async def test_a_file_reports_its_changes_only(tmp_path: Path) -> None:
    watched = tmp_path / "report.txt"
    watched.write_text("v1")
    listening = Listening({"triggerOn": "file", "path": "report.txt"}, tmp_path)
    try:
        await asyncio.sleep(0)
        (tmp_path / "other.txt").write_text("not watched")
        deadline = asyncio.get_running_loop().time() + 10
        while listening.received.empty():  # rewrite until the watcher is in place
            assert asyncio.get_running_loop().time() < deadline
            watched.write_text("v2")
            await asyncio.sleep(0.1)
        assert await listening.next() == {"event": "change", "path": str(watched)}
    finally:
        await listening.close()


def test_a_watched_file_put_in_place_again_is_a_change(tmp_path: Path) -> None:
    watched = tmp_path / "report.txt"
    watched.write_text("v1")
    watch = Watch(context({"triggerOn": "file", "path": "report.txt"}, tmp_path))
    # an editor's atomic save (write aside, rename over) reports the file as added: a change
    assert watch.event(Change.added, watched) == "change"
    assert watch.event(Change.added, tmp_path / "other.txt") is None
    # deleted, then created anew: chokidar reports unlink and add, neither of which a file watch reports
    assert watch.event(Change.deleted, watched) == "unlink"
    assert watch.event(Change.added, watched) is None
    assert watch.event(Change.modified, watched) == "change"


async def test_existing_files_are_reported_when_not_ignored(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "1.txt").write_text("1")
    listening = Listening({"triggerOn": "folder", "path": ".", "events": ["add", "addDir"],
                           "options": {"ignoreInitial": False}}, tmp_path)
    try:
        assert [await listening.next(), await listening.next()] == [
            {"event": "addDir", "path": str(tmp_path / "old")}, {"event": "add", "path": str(tmp_path / "old" / "1.txt")}]
    finally:
        await listening.close()


async def test_paths_outside_the_files_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    parameters = {"triggerOn": "folder", "path": "../", "events": ["add"]}
    with pytest.raises(NodeOperationError, match="outside the files folder") as raised:
        await NODE.listen(context(parameters, tmp_path / "files"), Listening.emit)  # type: ignore[arg-type]
    assert "KNOTWORK_FILES_DIR" in (raised.value.description or "")
    with pytest.raises(NodeOperationError, match="no files folder is configured"):
        await NODE.listen(context(parameters, None), Listening.emit)  # type: ignore[arg-type]
    with pytest.raises(NodeOperationError, match="does not exist"):
        await NODE.listen(context({**parameters, "path": "missing"}, tmp_path), Listening.emit)  # type: ignore[arg-type]
    with pytest.raises(NodeOperationError, match="at least one event"):
        await NODE.listen(context({**parameters, "path": ".", "events": []}, tmp_path), Listening.emit)  # type: ignore[arg-type]


async def test_a_link_out_of_the_files_folder_is_not_followed(tmp_path: Path) -> None:
    files, outside = tmp_path / "files", tmp_path / "outside"
    files.mkdir()
    outside.mkdir()
    (files / "escape").symlink_to(outside, target_is_directory=True)
    listening = Listening({"triggerOn": "folder", "path": ".", "events": ["add"]}, files)
    try:
        await listening.watching(files)
        (outside / "secret.txt").write_text("outside")
        (files / "inside.txt").write_text("inside")
        assert await listening.next() == {"event": "add", "path": str(files / "inside.txt")}
    finally:
        await listening.close()
