"""Compression (n8n `compression` v1, v1.1): zip or gzip binary fields, or unpack them.

decompress: each listed binary field (zip or gzip, recognised by content, else by extension) is
unpacked into `<outputPrefix>0`, `<outputPrefix>1`...; limits from Services.files guard against
zip bombs. compress: the listed fields go into one zip (`binaryPropertyOutput`), or each into its
own gzip (v1: `<outputPrefix><n>` named `<name>.gzip`; v1.1: `<binaryPropertyOutput><n or "">`
named `<fileName or name>.<ext>.gz`).
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .archive import ArchiveError, Limits, detect, gunzip, make_gzip, make_zip, unzip
from .binary import binary_entry, entry_bytes, extension_for, mime_type_for, require_binary
from .common import per_item

_COMPRESS = ("compress",)
_FORMATS = (Option("Gzip", "gzip"), Option("Zip", "zip"))

PARAMETERS = (
    Parameter(
        "operation",
        "Operation",
        "options",
        default="decompress",
        options=(
            Option("Compress", "compress", "Compress files into a zip or gzip archive"),
            Option("Decompress", "decompress", "Decompress zip or gzip archives"),
        ),
    ),
    Parameter(
        "binaryPropertyName",
        "Input Binary Field(s)",
        "string",
        default="data",
        required=True,
        placeholder="e.g. data,data2,data3",
        description="The input binary field(s) holding the file(s); separate several names with commas",
    ),
    Parameter("outputFormat", "Output Format", "options", default="zip", options=_FORMATS,
              show={"operation": _COMPRESS, "@version": (1.0,)}),
    Parameter("outputFormat", "Output Format", "options", default="zip", options=_FORMATS,
              show={"operation": _COMPRESS}, hide={"@version": (1.0,)}),
    Parameter("fileName", "File Name", "string", default="", required=True, placeholder="e.g. data.zip",
              description="Name of the output file", show={"operation": _COMPRESS, "outputFormat": ("zip",)}),
    Parameter("binaryPropertyOutput", "Put Output File in Field", "string", default="data",
              description="The output binary field to put the file in",
              show={"operation": _COMPRESS, "outputFormat": ("zip",)}),
    Parameter("fileName", "File Name", "string", default="", placeholder="e.g. data.txt",
              description="Name of the output file (default: the input file's name)",
              show={"operation": _COMPRESS, "outputFormat": ("gzip",)}, hide={"@version": (1.0,)}),
    Parameter("binaryPropertyOutput", "Put Output File in Field", "string", default="data",
              description="The output binary field to put the file in (the 2nd file gets a 1 appended...)",
              show={"operation": _COMPRESS, "outputFormat": ("gzip",)}, hide={"@version": (1.0,)}),
    Parameter("outputPrefix", "Output File Prefix", "string", default="data", required=True,
              description="Prefix of the output binary fields (data0, data1...)",
              show={"operation": _COMPRESS, "outputFormat": ("gzip",), "@version": (1.0,)}),
    Parameter("outputPrefix", "Output Prefix", "string", default="file_", required=True,
              description="Prefix of the output binary fields (file_0, file_1...)",
              show={"operation": ("decompress",)}),
)


def _names(ctx: ExecuteContext, index: int) -> list[str]:
    raw = str(ctx.param("binaryPropertyName", index, "data") or "")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names:
        raise NodeOperationError("The parameter 'binaryPropertyName' is empty: name at least one binary field")
    return names


def archive_limits(ctx: ExecuteContext) -> Limits:
    """The unpack limits of this execution (Services.files), n8n-sized defaults without them."""
    files = getattr(ctx.services, "files", None)
    return Limits(
        max_bytes=int(getattr(files, "max_decompressed_bytes", 512 * 2**20)),
        max_entries=int(getattr(files, "max_decompressed_entries", 10_000)),
    )


def _stem(entry: dict[str, Any], fallback: str) -> str:
    """n8n's `fileName.split('.')[0]`."""
    return str(entry.get("fileName") or fallback).split(".")[0]


async def decompress(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    prefix = str(ctx.param("outputPrefix", 0, "file_"))
    limits = archive_limits(ctx)
    binary: dict[str, Any] = {}
    zip_index = 0
    for position, name in enumerate(_names(ctx, 0)):
        entry = require_binary(item, name, index)
        content = await entry_bytes(ctx.services, entry)
        kind = detect(content, entry.get("fileExtension"))
        try:
            if kind == "zip":
                for file_name, data in unzip(content, limits):
                    binary[f"{prefix}{zip_index}"] = binary_entry(data, file_name)
                    zip_index += 1
            elif kind == "gzip":
                binary[f"{prefix}{position}"] = _gunzipped(gunzip(content, limits), entry, name)
            else:
                raise NodeOperationError(
                    f"The binary field '{name}' is neither a zip nor a gzip file", item_index=index
                )
        except ArchiveError as error:
            raise NodeOperationError(f"{error} (binary field '{name}')", item_index=index) from None
    if len(binary) > limits.max_entries:
        raise NodeOperationError(str(limits.too_many(len(binary))), item_index=index)
    return [Item(item.json, binary, (index, 0))]


def _gunzipped(data: bytes, source: dict[str, Any], name: str) -> dict[str, Any]:
    """The entry of a gunzipped file: "report.csv.gz" gives "report.csv" typed from its extension."""
    stem = _stem(source, name)
    original = str(source.get("fileName") or "")
    extension = None
    mime_type = None
    if original.endswith(".gz"):
        parts = original.replace(".gz", "").split(".")
        if len(parts) > 1:
            extension = parts[-1]
            mime_type = mime_type_for(f"x.{extension}")
    entry = binary_entry(data, None, mime_type)
    extension = extension or extension_for(entry["mimeType"]) or "bin"
    entry.update(fileName=f"{stem}.{extension}", fileExtension=extension)
    return entry


async def compress(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    version = ctx.type_version
    names = _names(ctx, index if version > 1 else 0)
    output_format = ctx.param("outputFormat", 0, "zip")
    if output_format not in ("zip", "gzip"):
        raise NodeOperationError("Choose an output format (zip or gzip) in the parameter 'outputFormat'")
    sources = [(name, require_binary(item, name, index)) for name in names]
    if output_format == "zip":
        options_index = index if version > 1 else 0
        files = {}
        for name, entry in sources:
            files[str(entry.get("fileName") or name)] = (await entry_bytes(ctx.services, entry), entry.get("fileExtension"))
        file_name = str(ctx.param("fileName", options_index, "") or "") or None
        output = str(ctx.param("binaryPropertyOutput", options_index, "data") or "data")
        zipped = binary_entry(make_zip(files), file_name, None if file_name else "application/zip")
        return [Item(item.json, {output: zipped}, (index, 0))]
    binary = {}
    for position, (name, entry) in enumerate(sources):
        property_name, path = _gzip_target(ctx, index, position, name, entry)
        binary[property_name] = binary_entry(make_gzip(await entry_bytes(ctx.services, entry)), path)
    return [Item(item.json, binary, (index, 0))]


def _gzip_target(ctx: ExecuteContext, index: int, position: int, name: str, entry: dict[str, Any]) -> tuple[str, str]:
    """(output field, file name) of one gzipped field, per version."""
    if ctx.type_version <= 1:
        prefix = str(ctx.param("outputPrefix", 0, "data"))
        return f"{prefix}{position}", f"{_stem(entry, name)}.gzip"
    prefix = str(ctx.param("binaryPropertyOutput", index, "data") or "data")
    chosen = str(ctx.param("fileName", index, "") or "")
    stem = chosen.replace(".gz", "").replace(".gzip", "") if chosen else _stem(entry, name)
    extension = f".{str(entry['fileExtension']).lower()}" if entry.get("fileExtension") else ""
    return f"{prefix}{position or ''}", f"{stem}{extension}.gz"


class Compression(NodeType):
    description = NodeDescription(
        name="knotwork.compression",
        display_name="Compression",
        group="transform",
        description="Compress and decompress files (zip, gzip)",
        versions=(1.0, 1.1),
        default_version=1.1,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.compression",),
        search_aliases=("zip", "unzip", "gzip", "archive", "compress", "decompress"),
        categories=("Core Nodes", "Files"),
        icon="folder_zip",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        operation = ctx.param("operation", 0, "decompress")
        handler = compress if operation == "compress" else decompress
        return [await per_item(ctx, lambda index, item: handler(ctx, index, item))]
