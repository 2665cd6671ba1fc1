"""The legacy disk nodes n8n still imports: Read Binary File, Read Binary Files, Write Binary File.

Hidden from the palette (Read/Write Files from Disk replaces them) and limited, like it, to the
files folder (KNOTWORK_FILES_DIR).
"""

from __future__ import annotations

from engine.errors import ExecutionCanceled
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter

from .binary import binary_entry, read_binary
from .common import error_item, failure, per_item
from .disk import glob_files, read_bytes, resolve_path, write_bytes

_PROPERTY = Parameter(
    "dataPropertyName",
    "Property Name",
    "string",
    default="data",
    required=True,
    description="Name of the binary property the file is read to or written from",
)


def _describe(name: str, display_name: str, description: str, parameters: tuple[Parameter, ...]) -> NodeDescription:
    return NodeDescription(
        name=f"knotwork.{name}",
        display_name=display_name,
        group="input",
        description=description,
        versions=(1.0,),
        default_version=1.0,
        parameters=parameters,
        aliases=(f"n8n-nodes-base.{name}",),
        categories=("Core Nodes", "Files"),
        icon="insert_drive_file",
        hidden=True,
    )


class ReadBinaryFile(NodeType):
    description = _describe(
        "readBinaryFile",
        "Read Binary File",
        "Read a file from the files folder into a binary field",
        (Parameter("filePath", "File Path", "string", default="", required=True, placeholder="/data/example.jpg"), _PROPERTY),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        async def read(index: int, item: Item) -> list[Item]:
            raw = str(ctx.param("filePath", index, ""))
            name = str(ctx.param("dataPropertyName", index, "data") or "data")
            entry = binary_entry(read_bytes(ctx, resolve_path(ctx, raw, "filePath"), raw), raw)
            return [Item(item.json, {**(item.binary or {}), name: entry}, (index, 0))]

        return [await per_item(ctx, read)]


class ReadBinaryFiles(NodeType):
    description = _describe(
        "readBinaryFiles",
        "Read Binary Files",
        "Read the files matching a glob pattern from the files folder",
        (Parameter("fileSelector", "File Selector", "string", default="", required=True, placeholder="*.jpg"), _PROPERTY),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        # n8n reads the pattern once, whatever the number of input items.
        try:
            pattern = str(ctx.param("fileSelector", 0, ""))
            name = str(ctx.param("dataPropertyName", 0, "data") or "data")
            paths = glob_files(ctx, pattern, "fileSelector")
            entries = [binary_entry(read_bytes(ctx, path, str(path)), str(path)) for path in paths]
        except ExecutionCanceled:
            raise
        except Exception as error:
            if not ctx.continue_on_fail:
                raise failure(ctx, error, 0) from None
            return [[error_item(ctx, error, 0, (0, 0))]]
        return [[Item({}, {name: entry}, (0, 0)) for entry in entries]]


class WriteBinaryFile(NodeType):
    description = _describe(
        "writeBinaryFile",
        "Write Binary File",
        "Write a binary field to a file in the files folder",
        (
            Parameter("fileName", "File Name", "string", default="", required=True, placeholder="/data/example.jpg"),
            _PROPERTY,
            Parameter(
                "options",
                "Options",
                "collection",
                default={},
                fields=(Parameter("append", "Append", "boolean", default=False, description="Whether to append to an existing file"),),
            ),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        async def write(index: int, item: Item) -> list[Item]:
            raw = str(ctx.param("fileName", index, ""))
            name = str(ctx.param("dataPropertyName", index, "data") or "data")
            append = bool((ctx.param("options", index, {}) or {}).get("append"))
            path = resolve_path(ctx, raw, "fileName")
            write_bytes(ctx, path, await read_binary(ctx, item, name, index), raw, append)
            return [Item({**item.json, "fileName": raw}, item.binary, (index, 0))]

        return [await per_item(ctx, write)]
