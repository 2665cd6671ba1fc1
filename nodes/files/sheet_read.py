"""Spreadsheet files to rows: CSV (csv-parse semantics) and workbooks (xlsx, ods, xls, HTML and
RTF tables) turned into records as SheetJS's sheet_to_json does.

A workbook is read into `{sheet name: rows}` where a row is a list of cell values (None: empty
cell; numbers, booleans, text; dates as ISO text).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any
from xml.etree import ElementTree

from engine.errors import NodeOperationError

from .rtf_table import read_rtf_table
from .sheet_write import cell_text

Sheets = dict[str, list[list[Any]]]
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


# --- CSV --------------------------------------------------------------------------------------------


def read_csv(text: str, options: dict[str, Any]) -> list[Any]:
    """Records of CSV text: dicts keyed by the header row, or lists when `headerRow` is False."""
    delimiter = str(options.get("delimiter") or ",")
    if options.get("enableBOM") and text.startswith("\ufeff"):
        text = text[1:]
    from_line = int(options.get("fromLine") or 1)
    if from_line > 1:
        text = "".join(io.StringIO(text, newline="").readlines()[from_line - 1 :])
    limit = int(options.get("maxRowCount", -1) if options.get("maxRowCount") is not None else -1)
    reader: Iterable[list[str]]
    if len(delimiter) == 1:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    else:
        reader = split_records(text, delimiter)
    header: list[str] | None = None
    records: list[Any] = []
    for fields in reader:
        if not fields or fields == [""]:
            continue  # empty lines hold no record
        if options.get("headerRow", True) is not False and header is None:
            header = fields
            continue
        if -1 < limit <= len(records):
            break
        records.append(dict(zip(header, fields, strict=False)) if header is not None else fields)
    if not options.get("includeEmptyCells"):
        records = [_drop_empty(record) for record in records]
    return records


def split_records(text: str, delimiter: str) -> Iterator[list[str]]:
    """CSV records for a delimiter of several characters (Python's csv takes one): fields may be
    quoted, "" is a quote inside quotes, and quoted fields may span lines."""
    row: list[str] = []
    field: list[str] = []
    quoted = False
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if quoted:
            if char == '"' and text.startswith('""', index):
                field.append('"')
                index += 2
                continue
            quoted = char != '"'
            if quoted:
                field.append(char)
            index += 1
        elif char == '"' and not field:
            quoted = True
            index += 1
        elif text.startswith(delimiter, index):
            row.append("".join(field))
            field = []
            index += len(delimiter)
        elif char in "\r\n":
            row.append("".join(field))
            yield row
            row, field = [], []
            index += 2 if text.startswith("\r\n", index) else 1
        else:
            field.append(char)
            index += 1
    if field or row:
        row.append("".join(field))
        yield row


def _drop_empty(record: Any) -> Any:
    # n8n filters Object.entries(record): a list record becomes an object keyed by position.
    entries = record.items() if isinstance(record, dict) else ((str(i), v) for i, v in enumerate(record))
    return {key: value for key, value in entries if value != ""}


# --- workbooks ----------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def read_xlsx(content: bytes, raw: bool = False) -> Sheets:
    """The sheets of an XLSX file. Dates (numbers with a date format in Excel) come as their Excel
    serial number when `raw`, else as ISO text (a date alone when the time is midnight)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise NodeOperationError(f"The file is not a valid XLSX file: {error}") from None
    try:
        return {
            sheet.title: [[_xlsx_value(value, raw) for value in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def _xlsx_value(value: Any, raw: bool) -> Any:
    if isinstance(value, dt.datetime | dt.date) and raw:
        from openpyxl.utils.datetime import to_excel

        return _plain(float(to_excel(value)))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return _plain(value)


_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
# Repeated empty rows/columns pad ODS sheets to the full grid; no real sheet repeats this often.
_MAX_REPEAT = 10_000
_MAX_CELLS = 10_000_000  # a sheet of repeated non-empty cells could otherwise fill the memory


def read_ods(content: bytes) -> Sheets:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            root = ElementTree.fromstring(archive.read("content.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as error:
        raise NodeOperationError(f"The file is not a valid ODS file: {error}") from None
    sheets: Sheets = {}
    for table in root.iter(f"{{{_TABLE}}}table"):
        rows: list[list[Any]] = []
        total = 0
        for row in table.iter(f"{{{_TABLE}}}table-row"):
            cells: list[Any] = []
            for cell in row:
                if cell.tag not in (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"):
                    continue
                repeat = min(int(cell.get(f"{{{_TABLE}}}number-columns-repeated", "1")), _MAX_REPEAT)
                cells.extend([_ods_value(cell)] * repeat)
            while cells and cells[-1] is None:
                cells.pop()
            repeat = min(int(row.get(f"{{{_TABLE}}}number-rows-repeated", "1")), _MAX_REPEAT)
            rows.extend([list(cells) for _ in range(repeat)] if cells else [[]] * repeat)
            total += len(cells) * repeat
            if total > _MAX_CELLS:
                raise NodeOperationError(f"The ODS sheet holds more than {_MAX_CELLS} cells")
        while rows and not rows[-1]:
            rows.pop()
        sheets[table.get(f"{{{_TABLE}}}name", f"Sheet{len(sheets) + 1}")] = rows
    return sheets


def _ods_text(cell: ElementTree.Element) -> str:
    return "\n".join(_inline(paragraph) for paragraph in cell.findall(f"{{{_TEXT}}}p"))


def _inline(node: ElementTree.Element) -> str:
    """The text of a paragraph: spans followed, <text:s/> as spaces, tabs and line breaks kept."""
    parts = [node.text or ""]
    for child in node:
        if child.tag == f"{{{_TEXT}}}s":
            parts.append(" " * int(child.get(f"{{{_TEXT}}}c", "1")))
        elif child.tag == f"{{{_TEXT}}}tab":
            parts.append("\t")
        elif child.tag == f"{{{_TEXT}}}line-break":
            parts.append("\n")
        else:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_value(cell: ElementTree.Element) -> Any:
    kind = cell.get(f"{{{_OFFICE}}}value-type")
    if kind in ("float", "percentage", "currency"):
        return _plain(float(cell.get(f"{{{_OFFICE}}}value", "0")))
    if kind == "boolean":
        return cell.get(f"{{{_OFFICE}}}boolean-value") == "true"
    if kind == "date":
        return cell.get(f"{{{_OFFICE}}}date-value")
    if kind == "time":
        return cell.get(f"{{{_OFFICE}}}time-value")
    text = _ods_text(cell)
    return text if kind or text else None


def infer(text: str, raw: bool = False) -> Any:
    """A cell's value from its text: numbers and TRUE/FALSE are typed unless `raw`."""
    if raw:
        return text
    stripped = text.strip()
    if _NUMBER.match(stripped):
        return _plain(float(stripped))
    if stripped.upper() in ("TRUE", "FALSE"):
        return stripped.upper() == "TRUE"
    return text


def read_html(content: bytes, raw: bool = False) -> Sheets:
    from .html_table import read_html_table

    text = content.decode("utf-8", errors="replace")
    rows = [[_html_value(cell, raw) for cell in row] for row in read_html_table(text)]
    return {"Sheet1": rows}


def _html_value(cell: tuple[str, dict[str, str]], raw: bool) -> Any:
    text, attributes = cell
    kind, value = attributes.get("data-t"), attributes.get("data-v", text)
    if not text and kind is None:
        return None
    if raw:
        return text
    if kind == "n" and _NUMBER.match(value.strip()):
        return _plain(float(value))
    if kind == "b":
        return value.strip().upper() in ("TRUE", "1")
    if kind == "s":
        return value
    return infer(text)


def read_rtf(content: bytes, raw: bool = False) -> Sheets:
    text = content.decode("latin-1")
    return {"Sheet1": [[None if cell == "" else infer(cell, raw) for cell in row] for row in read_rtf_table(text)]}


def read_workbook(file_format: str, content: bytes, raw: bool = False) -> Sheets:
    """The sheets of a workbook file. Raises NodeOperationError for a damaged file."""
    if file_format == "xlsx":
        return read_xlsx(content, raw)
    if file_format == "ods":
        return read_ods(content)
    if file_format == "xls":
        from .xls import read_xls

        return read_xls(content)
    if file_format == "html":
        return read_html(content, raw)
    if file_format == "rtf":
        return read_rtf(content, raw)
    raise NodeOperationError(f"Unknown spreadsheet format '{file_format}'")


# --- sheet_to_json ------------------------------------------------------------------------------------

_CELL = re.compile(r"^([A-Za-z]+)(\d+)$")


def _cell_index(reference: str) -> tuple[int, int]:
    match = _CELL.match(reference.strip().replace("$", ""))
    if not match:
        raise NodeOperationError(f"The range '{reference}' is not in A1 notation (e.g. A1:C10)")
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, column - 1


def select_range(rows: list[list[Any]], range_option: Any) -> list[list[Any]]:
    """The part of a sheet a range picks: a row number (0-based start row) or "A1:C10"."""
    if range_option in (None, ""):
        return _used(rows)
    text = str(range_option).strip()
    if text.isdigit():  # the first row to read (0-based), columns as used
        return _used(rows[int(text) :], cut_rows=False)
    start_text, _, end_text = text.partition(":")
    top, left = _cell_index(start_text)
    bottom, right = _cell_index(end_text) if end_text else (top, left)
    return [row[left : right + 1] for row in rows[top : bottom + 1]]


def _used_offset(rows: list[list[Any]]) -> int:
    return next((index for index, row in enumerate(rows) if any(v is not None for v in row)), 0)


def _used(rows: list[list[Any]], cut_rows: bool = True) -> list[list[Any]]:
    """The used range: leading empty rows and columns cut, as a sheet's !ref does."""
    if cut_rows:
        rows = rows[_used_offset(rows) :]
    columns = [next((i for i, v in enumerate(row) if v is not None), None) for row in rows]
    left = min((c for c in columns if c is not None), default=0)
    return [row[left:] for row in rows]


def sheet_records(rows: list[list[Any]], header_row: bool, include_empty: bool) -> list[Any]:
    """SheetJS sheet_to_json: objects keyed by the first row, or (no header) arrays of all rows."""
    default = "" if include_empty else None
    width = max((len(row) for row in rows), default=0)
    if not header_row:
        result = []
        for row in rows:
            values = list(row) + [None] * (width - len(row)) if include_empty else list(row)
            if not include_empty:
                while values and values[-1] is None:
                    values.pop()
            result.append([default if v is None else v for v in values])
        return result
    if not rows:
        return []
    keys = _header_keys(rows[0], width)
    records = []
    for row in rows[1:]:
        if all(value is None for value in row):
            continue
        record: dict[str, Any] = {}
        for index, key in enumerate(keys):
            value = row[index] if index < len(row) else None
            if value is not None:
                record[key] = value
            elif include_empty:
                record[key] = ""
        records.append(record)
    return records


def _header_keys(header: list[Any], width: int) -> list[str]:
    keys: list[str] = []
    counts: dict[str, int] = {}
    for index in range(width):
        value = header[index] if index < len(header) else None
        key = "__EMPTY" if value is None or cell_text(value) == "" else cell_text(value)
        if key in counts:
            counts[key] += 1
            key = f"{key}_{counts[key]}"
        else:
            counts[key] = 0
        keys.append(key)
    return keys
