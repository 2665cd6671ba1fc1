"""HTML's convertToHtmlTable: every input item becomes a row of one table, the union of their
keys the header (first-seen order). Values are written as n8n writes them (JavaScript string
conversion, no escaping: the table is meant for e-mails built from trusted data); booleans
become checkboxes."""

from __future__ import annotations

from typing import Any

from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.core.set_convert import js_string

TABLE_STYLE = "style='border-spacing:0; font-family:helvetica,arial,sans-serif'"
HEADER_STYLE = ("style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee; text-align:left; "
                "color:#888; font-weight:normal'")
CELL_STYLE = "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee'"
_ABSENT = object()


def capitalize_header(header: str, capitalize: bool) -> str:
    """"first_name" -> "First Name" when asked to capitalize."""
    if not capitalize:
        return header
    return " ".join(word[0].upper() + word[1:] for word in header.split("_") if word)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return '<input type="checkbox" ' + ('checked="checked"' if value else "") + "/>"
    return "undefined" if value is _ABSENT else js_string(value)


def html_table(ctx: ExecuteContext, items: list[Item]) -> Item:
    """The one output item `{table}` paired with every input item."""
    options = ctx.param("options", 0, {}) or {}
    custom = bool(options.get("customStyling"))
    table_style, header_style, cell_style = ("", "", "") if custom else (TABLE_STYLE, HEADER_STYLE, CELL_STYLE)
    headers: list[str] = []
    for item in items:
        headers.extend(key for key in item.json if key not in headers)
    parts = [f"<table {table_style} {options.get('tableAttributes') or ''}>"]
    if options.get("caption"):
        parts.append(f"<caption>{options['caption']}</caption>")
    parts.append(f"<thead {header_style} {options.get('headerAttributes') or ''}><tr>")
    parts.extend(f"<th>{capitalize_header(h, bool(options.get('capitalize')))}</th>" for h in headers)
    parts.append("</tr></thead><tbody>")
    for index, item in enumerate(items):
        row_attributes = ctx.param("options.rowAttributes", index, "") or ""
        cell_attributes = ctx.param("options.cellAttributes", index, "") or ""
        parts.append(f"<tr  {row_attributes}>")
        parts.extend(f"<td {cell_style} {cell_attributes}>{_cell(item.json.get(h, _ABSENT))}</td>" for h in headers)
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return Item({"table": "".join(parts)}, paired=[(index, 0) for index in range(len(items))])
