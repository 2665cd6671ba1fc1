"""Convert to File (n8n `convertToFile` v1, v1.1): items' json into a file in a binary field.

Spreadsheet formats (csv, html, rtf, ods, xls, xlsx) turn all items into one file (one row per
item); toJson writes all items to one file or each to its own; toText and toBinary (base64) turn
one field of each item into a file; iCal builds one event file per item.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType
from nodes.core.set_convert import js_string

from . import sheet_write
from .binary import binary_entry
from .common import MISSING, all_items, get_path, per_item
from .convert_params import PARAMETERS, SHEETS
from .encodings import encode_text
from .ical import create_event

_DATA_URI = re.compile(r"^data:(.*?);base64,(.*)$", re.DOTALL)
_BASE64 = re.compile(r"^[A-Za-z0-9+/=_-]+$")


def spreadsheet_bytes(items: list[Item], file_format: str, options: dict[str, Any]) -> bytes:
    """The items as a spreadsheet file of `file_format` (one row per item)."""
    rows = sheet_write.table([sheet_write.flatten(item.json) for item in items], options.get("headerRow") is not False)
    sheet_name = str(options.get("sheetName") or "Sheet")
    if file_format == "csv":
        return sheet_write.write_csv(rows, str(options.get("delimiter") or ","))
    if file_format == "html":
        return sheet_write.write_html(rows)
    if file_format == "rtf":
        return sheet_write.write_rtf(rows)
    if file_format == "ods":
        return sheet_write.write_ods(rows, sheet_name, bool(options.get("compression")))
    if file_format == "xlsx":
        return sheet_write.write_xlsx(rows, sheet_name)
    if file_format == "xls":
        from .xls import write_xls

        return write_xls(rows, sheet_name)
    raise NodeOperationError(f"Unknown file format '{file_format}'")


async def convert_sheet(ctx: ExecuteContext, file_format: str) -> list[Item]:
    async def build() -> Item:
        options = ctx.param("options", 0, {}) or {}
        name = str(ctx.param("binaryPropertyName", 0, "data") or "data")
        file_name = options.get("fileName") or f"File.{file_format}"
        content = spreadsheet_bytes(ctx.input_items, file_format, options)
        return Item({}, {name: binary_entry(content, file_name)})

    return await all_items(ctx, build)


def json_text(value: Any, pretty: bool) -> str:
    """JSON.stringify(value) or JSON.stringify(value, null, 2)."""
    if pretty:
        return json.dumps(value, ensure_ascii=False, indent=2)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _file_entry(content: bytes, file_name: str | None, mime_type: str | None) -> dict[str, Any]:
    """An entry named `file_name`, else "file.<extension>" (n8n's createBinaryFromJson)."""
    entry = binary_entry(content, file_name or None, mime_type or None)
    if not entry.get("fileName"):
        extension = entry.get("fileExtension")
        entry["fileName"] = f"file.{extension}" if extension else "file"
    return entry


async def convert_json(ctx: ExecuteContext) -> list[Item]:
    pretty_allowed = ctx.type_version >= 1.1

    def encoded(value: Any, options: dict[str, Any]) -> dict[str, Any]:
        text = json_text(value, pretty_allowed and bool(options.get("format")))
        content = encode_text(text, options.get("encoding"), bool(options.get("addBOM")))
        return _file_entry(content, options.get("fileName"), "application/json")

    if ctx.param("mode", 0, "once") == "each":
        async def each(index: int, item: Item) -> list[Item]:
            options = ctx.param("options", index, {}) or {}
            name = str(ctx.param("binaryPropertyName", index, "data") or "data")
            return [Item({}, {name: encoded(item.json, options)}, (index, 0))]

        return await per_item(ctx, each)

    async def once() -> Item:
        options = ctx.param("options", 0, {}) or {}
        name = str(ctx.param("binaryPropertyName", 0, "data") or "data")
        return Item({}, {name: encoded([item.json for item in ctx.input_items], options)})

    return await all_items(ctx, once)


def _source(ctx: ExecuteContext, index: int, item: Item) -> tuple[str, Any]:
    source = str(ctx.param("sourceProperty", index, "") or "")
    value = get_path(item.json, source) if source else item.json
    if value is MISSING:
        raise NodeOperationError(f'The value in "{source}" is not set', item_index=index)
    return source, value


async def convert_text(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    options = ctx.param("options", index, {}) or {}
    name = str(ctx.param("binaryPropertyName", index, "data") or "data")
    _, value = _source(ctx, index, item)
    mime_type = "text/plain"
    if isinstance(value, dict | list):
        mime_type, value = "application/json", json_text(value, False)
    content = encode_text(js_string(value), options.get("encoding"), bool(options.get("addBOM")))
    return [Item({}, {name: _file_entry(content, options.get("fileName") or "file.txt", mime_type)}, (index, 0))]


def decode_base64(value: Any, index: int) -> tuple[bytes, str | None]:
    """Bytes of a base64 string or data: URI, and the URI's media type. Raises NodeOperationError
    for text that is not base64."""
    text = value if isinstance(value, str) else js_string(value)
    media_type = None
    match = _DATA_URI.match(text.strip())
    if match:
        media_type = match.group(1).split(";")[0].strip() or None
        text = match.group(2)
    cleaned = re.sub(r"\s+", "", text)
    if cleaned and not _BASE64.match(cleaned):
        raise NodeOperationError(
            "The provided string is not valid base64 data. If you are trying to write plain text to a file, "
            'use the "Convert to Text File" operation instead.',
            item_index=index,
        )
    cleaned = cleaned.replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4)), media_type
    except (binascii.Error, ValueError) as error:
        raise NodeOperationError(f"The provided string is not valid base64 data: {error}", item_index=index) from None


async def convert_base64(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    options = ctx.param("options", index, {}) or {}
    name = str(ctx.param("binaryPropertyName", index, "data") or "data")
    _, value = _source(ctx, index, item)
    mime_type = options.get("mimeType") or None
    if options.get("dataIsBase64") is False:
        if isinstance(value, dict | list):
            mime_type, value = "application/json", json_text(value, False)
        content = encode_text(js_string(value), options.get("encoding"), bool(options.get("addBOM")))
    else:
        content, media_type = decode_base64(value, index)
        mime_type = mime_type or media_type
    return [Item({}, {name: _file_entry(content, options.get("fileName"), mime_type)}, (index, 0))]


async def convert_ical(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    parameters = {key: ctx.param(key, index, default) for key, default in
                  (("title", ""), ("start", ""), ("end", ""), ("allDay", False), ("additionalFields", {}))}
    name = str(ctx.param("binaryPropertyName", index, "data") or "data")
    timezone = getattr(ctx, "timezone", None) or dt.UTC
    now = ctx.services.clock.now() if getattr(ctx.services, "clock", None) else dt.datetime.now(dt.UTC)
    content = create_event(parameters, timezone, now)
    file_name = (parameters["additionalFields"] or {}).get("fileName") or "event.ics"
    return [Item({}, {name: binary_entry(content, file_name, "text/calendar")}, (index, 0))]


_PER_ITEM = {"toText": convert_text, "toBinary": convert_base64, "iCal": convert_ical}


class ConvertToFile(NodeType):
    description = NodeDescription(
        name="knotwork.convertToFile",
        display_name="Convert to File",
        group="input",
        description="Convert JSON data to a file (CSV, Excel, JSON, text, iCal...)",
        versions=(1.0, 1.1),
        default_version=1.1,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.convertToFile",),
        search_aliases=("csv", "xlsx", "excel", "spreadsheet", "json", "html", "ods", "rtf", "ics", "text",
                        "base64", "binary", "file", "export"),
        categories=("Core Nodes", "Files"),
        icon="note_add",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        operation = str(ctx.param("operation", 0, "csv"))
        if operation in SHEETS:
            return [await convert_sheet(ctx, operation)]
        if operation == "toJson":
            return [await convert_json(ctx)]
        handler = _PER_ITEM.get(operation)
        if handler is None:
            raise NodeOperationError(f"The operation '{operation}' is not supported", node=ctx.node.name)
        return [await per_item(ctx, lambda index, item: handler(ctx, index, item))]
