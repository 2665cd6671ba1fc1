"""Items to spreadsheet files: CSV, HTML table, RTF table, ODS and XLSX, as n8n (SheetJS) writes them.

Each item's json is flattened ({"a": {"b": 1}} -> {"a.b": 1}); the columns are the keys in order of
first appearance; the first row holds their names unless `header_row` is False.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import math
import zipfile
from typing import Any
from xml.sax.saxutils import escape, quoteattr

Row = list[Any]


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """n8n's flattenObject: nested objects and arrays become dotted keys ("a.b", "list.0")."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict | list) and value is not None:
            children = value if isinstance(value, dict) else {str(i): v for i, v in enumerate(value)}
            for child_key, child_value in flatten(children).items():
                flat[f"{key}.{child_key}"] = child_value
        else:
            flat[key] = value
    return flat


def table(records: list[dict[str, Any]], header_row: bool = True) -> list[Row]:
    """The rows of a sheet built from flattened records (missing values are None)."""
    columns: list[str] = []
    for record in records:
        columns.extend(key for key in record if key not in columns)
    rows: list[Row] = [list(columns)] if header_row else []
    rows.extend([record.get(column) for column in columns] for record in records)
    return rows


def js_number(value: float | int) -> str:
    """A number as JavaScript prints it (1, 0.5, 1e+21)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        text = repr(value)
        if "e" in text:  # Python writes 1e-07 where JavaScript writes 1e-7
            mantissa, exponent = text.split("e")
            power = int(exponent)
            return f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"
        return text
    return str(value)


def cell_text(value: Any) -> str:
    """How a cell shows as text: booleans TRUE/FALSE, numbers as JavaScript prints them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return js_number(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def write_csv(rows: list[Row], delimiter: str = ",") -> bytes:
    """CSV with a UTF-8 BOM (SheetJS writes one into buffers); fields quoted when needed."""
    delimiter = delimiter or ","

    def field(value: Any) -> str:
        text = cell_text(value)
        if any(mark in text for mark in (delimiter, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [delimiter.join(field(value) for value in row) for row in rows]
    return ("\ufeff" + "\n".join(lines)).encode("utf-8")


def write_html(rows: list[Row]) -> bytes:
    """An HTML page holding one table; typed cells keep their type in data-t/data-v."""
    body = []
    for row in rows:
        cells = []
        for value in row:
            kind = "b" if isinstance(value, bool) else "n" if isinstance(value, int | float) else "s"
            if value is None:
                cells.append("<td></td>")
                continue
            text = html.escape(cell_text(value))
            cells.append(f'<td data-t="{kind}" data-v="{text}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    page = (
        '<html><head><meta charset="utf-8"/><title>Knotwork Table Export</title></head>'
        "<body><table>" + "".join(body) + "</table></body></html>"
    )
    return page.encode("utf-8")


def _rtf_text(text: str) -> str:
    out = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\line ")
        elif ord(char) > 127:
            code = ord(char)
            if code > 0xFFFF:  # RTF \u takes UTF-16 code units
                encoded = char.encode("utf-16-le")
                units = [int.from_bytes(encoded[i : i + 2], "little") for i in (0, 2)]
            else:
                units = [code]
            out.extend(f"\\u{unit if unit < 32768 else unit - 65536}?" for unit in units)
        else:
            out.append(char)
    return "".join(out)


def write_rtf(rows: list[Row]) -> bytes:
    """An RTF document holding one table (\\trowd ... \\cell ... \\row)."""
    lines = ["{\\rtf1\\ansi"]
    for row in rows:
        widths = "".join(f"\\cellx{1000 * (i + 1)}" for i in range(len(row)))
        cells = "".join(f"\\pard\\intbl\\ql {_rtf_text(cell_text(value))}\\cell" for value in row)
        lines.append(f"\\trowd{widths}\n{cells}\\row")
    lines.append("}")
    return "\n".join(lines).encode("ascii")


def write_xlsx(rows: list[Row], sheet_name: str) -> bytes:
    """An XLSX workbook with one sheet (openpyxl); nested values are written as JSON text and
    text starting with "=" stays text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (sheet_name or "Sheet")[:31]
    for row_number, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            if value is None:
                continue
            if isinstance(value, dict | list):
                value = cell_text(value)
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row_number, column, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def _ods_cell(value: Any) -> str:
    if value is None:
        return "<table:table-cell/>"
    text = escape(cell_text(value))
    if isinstance(value, bool):
        attrs = f'office:value-type="boolean" office:boolean-value="{"true" if value else "false"}"'
    elif isinstance(value, int | float):
        attrs = f'office:value-type="float" office:value={quoteattr(js_number(value))}'
    else:
        attrs = 'office:value-type="string"'
    return f"<table:table-cell {attrs}><text:p>{text}</text:p></table:table-cell>"


def write_ods(rows: list[Row], sheet_name: str, compression: bool = False) -> bytes:
    """An ODS document with one table (a zip of the mimetype, manifest and content.xml)."""
    body = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet><table:table table:name={quoteattr(sheet_name or 'Sheet')}>"
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIME}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    method = zipfile.ZIP_DEFLATED if compression else zipfile.ZIP_STORED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", _ODS_MIME, zipfile.ZIP_STORED)  # must come first, uncompressed
        archive.writestr("META-INF/manifest.xml", manifest, method)
        archive.writestr("content.xml", content, method)
    return buffer.getvalue()
