"""Read/Write Files from Disk (n8n `readWriteFile` v1), limited to the files folder.

read: every file matching the `fileSelector` glob becomes an item whose binary holds the file and
whose json holds its metadata. write: the item's binary field is written (or appended) to
`fileName`; the item passes through with `fileName` set. Paths outside KNOTWORK_FILES_DIR fail.
"""

from __future__ import annotations

from typing import Any

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .binary import binary_entry, read_binary
from .common import per_item
from .disk import glob_files, read_bytes, resolve_path, write_bytes

_READ = {"operation": ("read",)}
_WRITE = {"operation": ("write",)}

PARAMETERS = (
    Parameter(
        "operation",
        "Operation",
        "options",
        default="read",
        options=(
            Option("Read File(s) From Disk", "read", "Retrieve one or more files from the files folder"),
            Option("Write File to Disk", "write", "Create a binary file in the files folder"),
        ),
    ),
    Parameter(
        "fileSelector",
        "File(s) Selector",
        "string",
        default="",
        required=True,
        placeholder="e.g. reports/**/*.csv",
        description="A path or glob pattern (*, ?, [abc], **); relative paths start at the files folder",
        show=_READ,
    ),
    Parameter(
        "options",
        "Options",
        "collection",
        default={},
        show=_READ,
        fields=(
            Parameter("fileExtension", "File Extension", "string", default="", description="Extension to set in the output"),
            Parameter("fileName", "File Name", "string", default="", description="File name to set in the output"),
            Parameter("mimeType", "MIME Type", "string", default="", description="MIME type to set in the output"),
            Parameter(
                "dataPropertyName",
                "Put Output File in Field",
                "string",
                default="data",
                description="The name of the output binary field to put the file in",
            ),
        ),
    ),
    Parameter(
        "fileName",
        "File Path and Name",
        "string",
        default="",
        required=True,
        placeholder="e.g. exports/report.pdf",
        description="Path and name of the file to write; relative paths start at the files folder",
        show=_WRITE,
    ),
    Parameter(
        "dataPropertyName",
        "Input Binary Field",
        "string",
        default="data",
        required=True,
        description="The name of the input binary field holding the file to write",
        show=_WRITE,
    ),
    Parameter(
        "options",
        "Options",
        "collection",
        default={},
        show=_WRITE,
        fields=(
            Parameter("append", "Append", "boolean", default=False, description="Whether to append to an existing file"),
        ),
    ),
)


def metadata(entry: dict[str, Any]) -> dict[str, Any]:
    """A binary entry without its data and folder: the json n8n outputs next to a read file."""
    return {key: value for key, value in entry.items() if key not in ("data", "directory", "id")}


async def read_files(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    pattern = str(ctx.param("fileSelector", index, ""))
    options = ctx.param("options", index, {}) or {}
    property_name = options.get("dataPropertyName") or "data"
    output = []
    for path in glob_files(ctx, pattern, "fileSelector"):
        entry = binary_entry(read_bytes(ctx, path, str(path)), str(path))
        for key in ("fileName", "fileExtension", "mimeType"):
            if options.get(key):
                entry[key] = options[key]
        output.append(Item(metadata(entry), {property_name: entry}, (index, 0)))
    return output


async def write_file(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    file_name = str(ctx.param("fileName", index, ""))
    property_name = str(ctx.param("dataPropertyName", index, "data") or "data")
    append = bool((ctx.param("options", index, {}) or {}).get("append"))
    path = resolve_path(ctx, file_name, "fileName")
    content = await read_binary(ctx, item, property_name, index)
    write_bytes(ctx, path, content, file_name, append)
    return [Item({**item.json, "fileName": file_name}, item.binary, (index, 0))]


class ReadWriteFile(NodeType):
    description = NodeDescription(
        name="knotwork.readWriteFile",
        display_name="Read/Write Files from Disk",
        group="input",
        description="Read or write files in the files folder (KNOTWORK_FILES_DIR)",
        versions=(1.0,),
        default_version=1.0,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.readWriteFile",),
        search_aliases=("file", "disk", "read", "write", "save", "open", "glob"),
        categories=("Core Nodes", "Files"),
        icon="save",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        operation = ctx.param("operation", 0, "read")
        handler = write_file if operation == "write" else read_files
        return [await per_item(ctx, lambda index, item: handler(ctx, index, item))]
