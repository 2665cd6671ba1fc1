"""Binary entries on items: building them from bytes, and reading their bytes back.

An item's `binary` maps a property name ("data") to an entry in n8n's shape:
`{"data": base64, "mimeType", "fileType"?, "fileExtension"?, "fileName"?, "directory"?, "fileSize"}`.
An entry may instead hold an `id` of the execution's binary store (`Services.binary`).

Public API (other node packages may import it):
    binary_entry(content, file_name, mime_type)   -> a new entry (n8n's prepareBinaryData)
    require_binary(item, name, item_index)        -> the entry, or NodeOperationError
    entry_bytes(services, entry)                  -> the entry's bytes (async)
    read_binary(ctx, item, name, item_index)      -> require_binary + entry_bytes (async)
    human_size(size)                              -> "1.04 kB", as n8n shows sizes
    mime_type_for(file_name) / extension_for(mime_type) / file_type_for(mime_type)
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import posixpath
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext

# Extensions whose MIME type Python's table gets wrong or lacks (n8n uses the mime-types package).
_MIME_BY_EXTENSION = {
    "csv": "text/csv",
    "gz": "application/gzip",
    "gzip": "application/gzip",
    "ics": "text/calendar",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "json": "application/json",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "pdf": "application/pdf",
    "rtf": "application/rtf",
    "txt": "text/plain",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xml": "application/xml",
    "zip": "application/zip",
    "html": "text/html",
    "htm": "text/html",
}
_EXTENSION_BY_MIME = {
    "text/plain": "txt",
    "text/csv": "csv",
    "text/html": "html",
    "text/calendar": "ics",
    "application/json": "json",
    "application/gzip": "gz",
    "application/x-gzip": "gz",
    "application/zip": "zip",
    "application/pdf": "pdf",
    "application/rtf": "rtf",
    "application/xml": "xml",
    "text/xml": "xml",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "application/octet-stream": "bin",
}
# Leading bytes of formats worth recognising when a file arrives without a name or type.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF8", "image/gif", "gif"),
    (b"%PDF-", "application/pdf", "pdf"),
    (b"PK\x03\x04", "application/zip", "zip"),
    (b"\x1f\x8b", "application/gzip", "gz"),
)


def human_size(size: int) -> str:
    """pretty-bytes, as n8n shows sizes: "28 B", "1.04 kB", "12.3 MB"."""
    units = ("B", "kB", "MB", "GB", "TB")
    exponent = 0
    value = float(size)
    while value >= 1000 and exponent < len(units) - 1:
        value /= 1000
        exponent += 1
    return f"{float(f'{value:.3g}'):g} {units[exponent]}"


def mime_type_for(file_name: str) -> str | None:
    """The MIME type n8n guesses from a file name's extension, or None."""
    extension = posixpath.splitext(file_name)[1].lstrip(".").lower()
    if not extension:
        return None
    return _MIME_BY_EXTENSION.get(extension) or mimetypes.types_map.get(f".{extension}")


def extension_for(mime_type: str) -> str | None:
    """The usual extension (without a dot) of a MIME type, or None."""
    base = mime_type.split(";", 1)[0].strip().lower()
    if base in _EXTENSION_BY_MIME:
        return _EXTENSION_BY_MIME[base]
    guessed = mimetypes.guess_extension(base)
    return guessed.lstrip(".") if guessed else None


def file_type_for(mime_type: str) -> str | None:
    """n8n's coarse `fileType` of a MIME type (json, html, image, audio, video, text, pdf)."""
    prefixes = (
        ("application/json", "json"),
        ("text/html", "html"),
        ("image/", "image"),
        ("audio/", "audio"),
        ("video/", "video"),
        ("text/", "text"),
        ("application/javascript", "text"),
        ("application/pdf", "pdf"),
    )
    return next((kind for prefix, kind in prefixes if mime_type.startswith(prefix)), None)


def _sniff(content: bytes) -> tuple[str, str] | None:
    for signature, mime_type, extension in _SIGNATURES:
        if content.startswith(signature):
            return mime_type, extension
    return None


def binary_entry(
    content: bytes,
    file_name: str | None = None,
    mime_type: str | None = None,
) -> dict[str, Any]:
    """A binary entry holding `content`, as n8n's prepareBinaryData builds it.

    `file_name` may be a path: its folder goes to `directory`, its last part to `fileName`. The
    MIME type, when not given, is guessed from the name, then from the leading bytes, else
    text/plain; the extension comes from the name, else from the MIME type.
    """
    extension: str | None = None
    if not mime_type and file_name:
        mime_type = mime_type_for(file_name)
    if not mime_type:
        sniffed = _sniff(content)
        if sniffed:
            mime_type, extension = sniffed
    mime_type = mime_type or "text/plain"
    if not extension:
        extension = extension_for(mime_type)
    entry: dict[str, Any] = {"mimeType": mime_type}
    file_type = file_type_for(mime_type)
    if file_type:
        entry["fileType"] = file_type
    if file_name:
        directory, base = posixpath.split(file_name.replace("\\", "/"))
        if directory:
            entry["directory"] = directory
        entry["fileName"] = base
        extension = posixpath.splitext(base)[1].lstrip(".") or None
    if extension:
        entry["fileExtension"] = extension
    entry["fileSize"] = human_size(len(content))
    entry["data"] = base64.b64encode(content).decode("ascii")
    return entry


def require_binary(item: Item, property_name: str, item_index: int) -> dict[str, Any]:
    """The item's binary entry `property_name`. Raises NodeOperationError (n8n's wording)
    when the item has no such entry; never returns None."""
    entry = (item.binary or {}).get(property_name)
    if not isinstance(entry, dict):
        available = ", ".join(f"'{name}'" for name in (item.binary or {})) or "none"
        raise NodeOperationError(
            f"This operation expects the node's input data to contain a binary file "
            f"'{property_name}', but none was found [item {item_index}]",
            description=f"Make sure that the previous node outputs a binary file (binary fields on this item: {available})",
            item_index=item_index,
        )
    return entry


async def entry_bytes(services: Any, entry: dict[str, Any]) -> bytes:
    """The bytes of a binary entry: its base64 `data`, else its `id` read from `services.binary`.
    Raises NodeOperationError when the data is not valid base64 or the entry holds neither."""
    data = entry.get("data")
    if isinstance(data, str) and data and not (entry.get("id") and data == "filesystem-v2"):
        try:
            return base64.b64decode(data, validate=False)
        except (binascii.Error, ValueError) as error:
            raise NodeOperationError(f"The binary data is not valid base64: {error}") from None
    binary_id = entry.get("id")
    if binary_id and services is not None and getattr(services, "binary", None) is not None:
        return bytes(await services.binary.get(str(binary_id)))
    if data == "":
        return b""
    raise NodeOperationError("The binary entry holds no data and no stored data id")


async def read_binary(ctx: ExecuteContext, item: Item, property_name: str, item_index: int) -> bytes:
    """The bytes of the item's binary entry `property_name`; raises like `require_binary`."""
    entry = require_binary(item, property_name, item_index)
    return await entry_bytes(ctx.services, entry)
