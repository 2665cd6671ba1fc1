"""Local File Trigger (n8n `localFileTrigger` v1): one execution per change in a watched file or
folder, each item `{event, path}` with chokidar's event names (add, change, unlink, addDir, unlinkDir).

The watched path must lie inside the files folder (KNOTWORK_FILES_DIR), like every file node's; a
change reached through a link that leads outside it is not reported. Watching uses watchfiles
(inotify, or polling when asked), in a thread of its own that stops when the workflow stops listening.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import threading
from pathlib import Path
from typing import Any

from watchfiles import Change, awatch

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, Option, Parameter
from nodes.files.disk import files_folder, resolve_path
from nodes.schedule.listener import Emit, ListenerTrigger

EVENTS = (
    Option("File Added", "add", "Triggers whenever a new file was added"),
    Option("File Changed", "change", "Triggers whenever a file was changed"),
    Option("File Deleted", "unlink", "Triggers whenever a file was deleted"),
    Option("Folder Added", "addDir", "Triggers whenever a new folder was added"),
    Option("Folder Deleted", "unlinkDir", "Triggers whenever a folder was deleted"),
)
DEPTHS = (*(Option(f"{n} Levels Down", n) for n in range(1, 6)), Option("Top Folder Only", 0),
          Option("Unlimited", -1))
WRITE_SETTLED = 2.0  # chokidar's awaitWriteFinish: the size must stay the same this long (seconds)

PARAMETERS = (
    Parameter("triggerOn", "Trigger On", "options", default="file", required=True, options=(
        Option("Changes to a Specific File", "file"), Option("Changes Involving a Specific Folder", "folder"))),
    Parameter("path", "File to Watch", "string", default="", show={"triggerOn": ("file",)},
              placeholder="/data/invoices/1.pdf"),
    Parameter("path", "Folder to Watch", "string", default="", show={"triggerOn": ("folder",)},
              placeholder="/data/invoices"),
    Parameter("events", "Watch for", "multiOptions", default=[], required=True, show={"triggerOn": ("folder",)},
              options=EVENTS, description="The events to listen to"),
    Parameter("options", "Options", "collection", default={}, fields=(
        Parameter("awaitWriteFinish", "Await Write Finish", "boolean", default=False,
                  description="Whether to wait until files finished writing to avoid partially read"),
        Parameter("followSymlinks", "Include Linked Files/Folders", "boolean", default=True,
                  description="Whether linked files/folders will also be watched"),
        Parameter("ignored", "Ignore", "string", default="", placeholder="**/*.txt or ignore-me/subfolder",
                  description="Files or paths to ignore. The whole path is tested, not just the file name."),
        Parameter("ignoreInitial", "Ignore Existing Files/Folders", "boolean", default=True,
                  description="Whether to ignore existing files/folders to not trigger an event"),
        Parameter("depth", "Max Folder Depth", "options", default=-1, options=DEPTHS,
                  description="How deep into the folder structure to watch for changes"),
        Parameter("usePolling", "Use Polling", "boolean", default=False,
                  description="Whether to poll the disk (needed for some network drives)"),
        Parameter("ignoreMode", "Ignore Mode", "options", default="match", options=(
            Option("Match", "match", "Ignore files matching a glob pattern (e.g. **/*.txt)"),
            Option("Contain", "contain", "Ignore files whose path contains the value"))),
    )),
)


class Watch:
    """What one listener watches, and the chokidar event of each change watchfiles reports."""

    def __init__(self, ctx: ExecuteContext) -> None:
        options = ctx.param("options", 0, {}) or {}
        self.node = ctx.node.name
        self.folder = files_folder(ctx)
        self.file_mode = ctx.param("triggerOn", 0, "") == "file"
        self.target = resolve_path(ctx, str(ctx.param("path", 0, "") or ""), "path")
        self.root = self.target.parent if self.file_mode else self.target
        self.events = {"change"} if self.file_mode else set(ctx.param("events", 0, []) or [])
        self.ignored = str(options.get("ignored") or "")
        self.contain = options.get("ignoreMode") == "contain"
        self.depth = int(options.get("depth", -1) if options.get("depth") is not None else -1)
        self.follow = options.get("followSymlinks", True) is not False
        self.initial = options.get("ignoreInitial", True) is False
        self.settle = bool(options.get("awaitWriteFinish"))
        self.polling = bool(options.get("usePolling"))
        if not self.root.is_dir():
            raise NodeOperationError(f"The folder to watch '{self.root}' does not exist", node=self.node,
                                     parameter="path")
        self.folders: set[Path] = set()
        self.exists = self.target.exists()

    def scan(self) -> None:
        """Note the folders there are, to tell a deleted folder from a deleted file (blocking)."""
        if not self.file_mode:
            self.folders = {self.root} | {p for p in self.root.rglob("*") if p.is_dir()}

    def wanted(self, path: Path) -> bool:
        if self.file_mode and path != self.target:
            return False
        if not self.file_mode and path != self.root:
            level = len(path.relative_to(self.root).parts) - 1
            if self.depth >= 0 and level > self.depth:
                return False
        text = str(path)
        if self.ignored and (self.ignored in text if self.contain else fnmatch.fnmatch(text, self.ignored)):
            return False
        if not Path(os.path.realpath(text)).is_relative_to(self.folder):
            return False  # a link out of the files folder
        # without followSymlinks, what lies inside a linked folder is not reported (the link itself is)
        return self.follow or os.path.realpath(path.parent) == str(path.parent)

    def event(self, change: Change, path: Path) -> str | None:
        """The chokidar event name of a change, keeping track of the folders that exist."""
        if self.file_mode and path != self.target:
            return None
        if change == Change.added:
            if path.is_dir():
                self.folders.add(path)
                return "addDir"
            if self.file_mode:  # a file put in place of the watched one (an editor's atomic save)
                known, self.exists = self.exists, True
                return "change" if known else None
            return "add"
        if change == Change.deleted:
            if path in self.folders:
                self.folders = {f for f in self.folders if not f.is_relative_to(path)}
                return "unlinkDir"
            self.exists = self.exists and path != self.target
            return "unlink"
        return None if path in self.folders or path.is_dir() else "change"

    def existing(self) -> list[dict[str, str]]:
        """`add`/`addDir` for what is there already (when existing files are not ignored)."""
        found = [self.target] if self.file_mode and self.target.exists() else sorted(self.root.rglob("*"))
        items = [{"event": "addDir" if path.is_dir() else "add", "path": str(path)} for path in found]
        return [item for item in items if item["event"] in self.events and self.wanted(Path(item["path"]))]


async def settled(path: Path) -> None:
    """Wait until a file stopped growing (awaitWriteFinish)."""
    last: Any = None
    stable_since = asyncio.get_running_loop().time()
    while True:
        try:
            stat = path.stat()
            current: Any = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            return
        now = asyncio.get_running_loop().time()
        if current != last:
            last, stable_since = current, now
        elif now - stable_since >= WRITE_SETTLED:
            return
        await asyncio.sleep(0.1)


class LocalFileTrigger(ListenerTrigger):
    description = NodeDescription(
        name="knotwork.localFileTrigger",
        display_name="Local File Trigger",
        group="trigger",
        description="Triggers a workflow on file system changes",
        versions=(1.0,),
        default_version=1.0,
        inputs=0,
        trigger=True,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.localFileTrigger",),
        categories=("Core Nodes", "Files"),
        search_aliases=("watch", "folder", "file system"),
        icon="folder-open",
    )

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        watch = Watch(ctx)
        if not watch.events:
            raise NodeOperationError("Choose at least one event to watch for", node=ctx.node.name, parameter="events")
        changes: asyncio.Queue[set[tuple[Change, str]]] = asyncio.Queue()
        stop = threading.Event()  # watchfiles' thread checks it; cancelling alone would wait for its timeout

        async def watching() -> None:
            async for batch in awatch(watch.root, watch_filter=None, stop_event=stop, recursive=not watch.file_mode,
                                      force_polling=watch.polling or None, debounce=400, step=30):
                await changes.put(batch)

        task = asyncio.ensure_future(watching())
        try:
            await asyncio.to_thread(watch.scan)
            if watch.initial:
                for json in await asyncio.to_thread(watch.existing):
                    await emit([Item(json)])
            while True:
                batch = await next_batch(changes, task)
                for change, path in in_order(batch):
                    name = watch.event(change, path)
                    if name in watch.events and watch.wanted(path):
                        if watch.settle and name in ("add", "change"):
                            await settled(path)
                        await emit([Item({"event": name, "path": str(path)})])
        finally:
            stop.set()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def next_batch(changes: asyncio.Queue[set[tuple[Change, str]]], task: asyncio.Future[None]) -> set[Any]:
    """The next changes; raises what stopped the watcher (a removed folder, a lost mount)."""
    getting = asyncio.ensure_future(changes.get())
    try:
        waiting: set[asyncio.Future[Any]] = {getting, task}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not getting.done():
            getting.cancel()
    if getting.done() and not getting.cancelled():
        return getting.result()
    task.result()
    raise NodeOperationError("The watched folder is no longer watched (was it removed?)")


def in_order(batch: set[tuple[Change, str]]) -> list[tuple[Change, Path]]:
    """Deletions first, deepest first (a folder's files before the folder, as chokidar reports
    them), then additions and changes, parents before their contents."""
    deleted = sorted((Path(raw) for change, raw in batch if change == Change.deleted), reverse=True)
    others = sorted((Path(raw), change.value) for change, raw in batch if change != Change.deleted)
    return [(Change.deleted, path) for path in deleted] + [(Change(value), path) for path, value in others]
