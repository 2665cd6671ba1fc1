"""Legacy Excel (.xls, BIFF8) files: written with xlwt, read with xlrd.

Both packages are imported on first use, so a missing one only disables this format, with an
error saying which package to install.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from engine.errors import NodeOperationError

from .sheet_write import Row, cell_text


def _module(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        raise NodeOperationError(f"XLS files need the Python package '{name}', which is not installed") from None


def write_xls(rows: list[Row], sheet_name: str) -> bytes:
    """An .xls workbook with one sheet; nested values become JSON text."""
    xlwt = _module("xlwt")
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet((sheet_name or "Sheet")[:31])
    for row_number, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dict | list | dt.date):
                value = cell_text(value)
            sheet.write(row_number, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_xls(content: bytes) -> dict[str, list[list[Any]]]:
    """The sheets of an .xls file as `{name: rows}`; empty cells are None, dates ISO text."""
    xlrd = _module("xlrd")
    try:
        book = xlrd.open_workbook(file_contents=content)
    except Exception as error:  # xlrd raises XLRDError, CompDocError, struct.error... on bad input
        raise NodeOperationError(f"The file is not a valid XLS file: {error}") from None
    sheets: dict[str, list[list[Any]]] = {}
    for sheet in book.sheets():
        sheets[sheet.name] = [[_value(xlrd, cell, book.datemode) for cell in sheet.row(r)] for r in range(sheet.nrows)]
    return sheets


def _value(xlrd: Any, cell: Any, datemode: int) -> Any:
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(cell.value) if float(cell.value).is_integer() else cell.value
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(cell.value, datemode).isoformat()
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    return cell.value
