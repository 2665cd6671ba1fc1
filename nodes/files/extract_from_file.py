"""Extract from File (n8n `extractFromFile` v1): a file in a binary field into json.

Spreadsheet formats (csv, html, rtf, ods, xls, xlsx) give one item per row; text, xml, fromJson,
fromIcs and binaryToPropery (base64) put the file's content into `destinationKey`; pdf gives the
text and metadata. Items without the binary field are skipped by the moving operations (as n8n
does) and fail the others.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType

from .archive import ArchiveError, Limits, check_zip_size
from .binary import entry_bytes, require_binary
from .common import per_item, set_path
from .compression import archive_limits
from .encodings import decode_text
from .extract_params import MOVE_TO, PARAMETERS, SHEETS
from .ical import parse_calendar
from .pdf_text import read_pdf
from .sheet_read import read_csv, read_workbook, select_range, sheet_records


def sheet_rows(file_format: str, content: bytes, options: dict[str, Any], limits: Limits) -> list[Any]:
    """The records of a spreadsheet file, per the node's options. Zipped formats (xlsx, ods) are
    refused when they would unpack past `limits`."""
    header_row = options.get("headerRow", True) is not False
    if file_format in ("xlsx", "ods"):
        try:
            check_zip_size(content, limits)
        except ArchiveError as error:
            raise NodeOperationError(str(error)) from None
    if file_format == "csv":
        text = decode_text(content, options.get("encoding") or "utf-8", strip_bom=False)
        return read_csv(text, options)
    sheets = read_workbook(file_format, content, bool(options.get("rawData")))
    if not sheets:
        raise NodeOperationError("Spreadsheet does not have any sheets!")
    name = next(iter(sheets))
    if options.get("sheetName"):
        name = str(options["sheetName"])
        if name not in sheets:
            raise NodeOperationError(f'Spreadsheet does not contain sheet called "{name}"!')
    rows = select_range(sheets[name], options.get("range"))
    return sheet_records(rows, header_row, bool(options.get("includeEmptyCells")))


async def extract_sheet(ctx: ExecuteContext, index: int, item: Item, file_format: str) -> list[Item]:
    options = ctx.param("options", index, {}) or {}
    name = str(ctx.param("binaryPropertyName", index, "data") or "data")
    entry = require_binary(item, name, index)
    try:
        rows = sheet_rows(file_format, await entry_bytes(ctx.services, entry), options, archive_limits(ctx))
    except NodeOperationError as error:
        extension = str(entry.get("fileExtension") or "").lower()
        if extension and extension != file_format:
            raise NodeOperationError(
                f"The file selected in 'Input Binary Field' is not in {file_format} format",
                description=f"Try to change the operation or select a {file_format} file in 'Input Binary Field' "
                f"({error.message})",
                item_index=index,
            ) from None
        raise
    if options.get("headerRow", True) is False:
        return [Item({"row": row}, paired=(index, 0)) for row in rows]
    return [Item(row, paired=(index, 0)) for row in rows]


def _kept_binary(item: Item, name: str, keep: Any) -> dict[str, Any] | None:
    if keep in ("binary", "both"):
        return item.binary
    rest = {key: value for key, value in (item.binary or {}).items() if key != name}
    return rest or None


def _moved_value(operation: str, content: bytes, options: dict[str, Any]) -> Any:
    if operation == "binaryToPropery":
        return base64.b64encode(content).decode("ascii")
    text = decode_text(content, options.get("encoding") or "utf8", options.get("stripBOM") is not False)
    if operation == "fromJson":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise NodeOperationError(f"The file is not valid JSON: {error}") from None
    if operation == "fromIcs":
        return parse_calendar(text)
    return text


async def move_to_json(ctx: ExecuteContext, index: int, item: Item, operation: str) -> list[Item]:
    options = ctx.param("options", index, {}) or {}
    name = str(ctx.param("binaryPropertyName", index, "data") or "data")
    if not (item.binary or {}).get(name):
        return []  # n8n passes over items without the file
    content = await entry_bytes(ctx.services, require_binary(item, name, index))
    keep = options.get("keepSource")
    json_out: dict[str, Any] = copy.deepcopy(item.json) if keep in ("json", "both") else {}
    set_path(json_out, str(ctx.param("destinationKey", index, "data") or "data"), _moved_value(operation, content, options))
    return [Item(json_out, _kept_binary(item, name, keep), (index, 0))]


async def extract_pdf(ctx: ExecuteContext, index: int, item: Item) -> list[Item]:
    options = ctx.param("options", index, {}) or {}
    name = str(ctx.param("binaryPropertyName", index, "data") or "data")
    content = await entry_bytes(ctx.services, require_binary(item, name, index))
    data = read_pdf(content, options.get("password") or None, int(options.get("maxPages") or 0),
                    options.get("joinPages") is not False)
    keep = options.get("keepSource")
    json_out = {**copy.deepcopy(item.json), **data} if keep in ("json", "both") else data
    return [Item(json_out, _kept_binary(item, name, keep), (index, 0))]


class ExtractFromFile(NodeType):
    description = NodeDescription(
        name="knotwork.extractFromFile",
        display_name="Extract from File",
        group="input",
        description="Convert a file (CSV, Excel, PDF, JSON, text, iCal...) to JSON data",
        versions=(1.0,),
        default_version=1.0,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.extractFromFile",),
        search_aliases=("csv", "xlsx", "excel", "spreadsheet", "pdf", "json", "html", "ods", "rtf", "ics",
                        "xml", "text", "base64", "import", "parse"),
        categories=("Core Nodes", "Files"),
        icon="file_open",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        operation = str(ctx.param("operation", 0, "csv"))
        if operation in SHEETS:
            return [await per_item(ctx, lambda index, item: extract_sheet(ctx, index, item, operation))]
        if operation in MOVE_TO:
            return [await per_item(ctx, lambda index, item: move_to_json(ctx, index, item, operation))]
        if operation == "pdf":
            return [await per_item(ctx, lambda index, item: extract_pdf(ctx, index, item))]
        raise NodeOperationError(f"The operation '{operation}' is not supported", node=ctx.node.name)
