"""Google Sheets (n8n `googleSheets` v4): rows of a sheet through the Sheets v4 values API, and
spreadsheet creation. Signs in with OAuth2 (`googleSheetsOAuth2Api`, the generic connect flow) or a
service account (`googleApi`, google_service_account.py).

Every sheet operation first reads the spreadsheet's sheet list, so the sheet may be given by title
or by ID (n8n's list/ID modes store the `gid`). Read turns the first row into keys and adds
`row_number`; append reads the header row and writes the item's fields (or the mapped columns) in
its order; update reads the sheet and writes the mapped columns into every row whose matching
column equals the value. Deviations: extra input fields not in the header row are left out;
clear supports the whole sheet (optionally keeping the first row) or an A1 range."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from engine.errors import NodeOperationError
from engine.node_api import Group

from .framework import (
    App,
    Args,
    Auth,
    CredentialTest,
    CredentialType,
    Operation,
    Option,
    Parameter,
    Resource,
)
from .google_service_account import GOOGLE_API

GOOGLE_SHEETS_OAUTH2_API = CredentialType(
    name="googleSheetsOAuth2Api",
    display_name="Google Sheets OAuth2 API",
    extends=("oAuth2Api",),
    fields=(
        Parameter("grantType", "Grant Type", "hidden", default="authorizationCode"),
        Parameter("authUrl", "Authorization URL", "hidden", default="https://accounts.google.com/o/oauth2/v2/auth"),
        Parameter("accessTokenUrl", "Access Token URL", "hidden", default="https://oauth2.googleapis.com/token"),
        Parameter("scope", "Scope", "hidden", default="https://www.googleapis.com/auth/drive.file "
                  "https://www.googleapis.com/auth/spreadsheets"),
        # Google gives a refresh token only with offline access and a consent prompt.
        Parameter("authQueryParameters", "Auth URI Query Parameters", "hidden",
                  default="access_type=offline&prompt=consent"),
        Parameter("authentication", "Authentication", "hidden", default="body"),
    ),
    test=CredentialTest(url="https://www.googleapis.com/drive/v3/about?fields=user"),  # drive.file allows it
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/google/",
)

_DOC_URL = re.compile(r"/spreadsheets/d/([a-zA-Z0-9_-]+)")
_GID = re.compile(r"^(?:gid=)?(\d+)$")
_ALL_ROWS = 10_000_000  # "to the end of the sheet" in A1 notation


def document_id(args: Args) -> str:
    """The spreadsheet ID from an ID or a spreadsheet URL (n8n's `url` mode)."""
    value = str(args.get("documentId") or "").strip()
    found = _DOC_URL.search(value)
    if not value:
        raise NodeOperationError("Parameter 'Document' is required", parameter="documentId")
    return found.group(1) if found else value


def sheet_title(args: Args) -> str:
    """The sheet's title: `sheetName` is a title, or a sheet ID (`gid`) looked up in the sheet list."""
    wanted = str(args.get("sheetName") or "").strip()
    sheets = [s.get("properties", {}) for s in (args.get("sheets") or {}).get("sheets", [])]
    if any(props.get("title") == wanted for props in sheets):
        return wanted
    gid = _GID.match(wanted) or re.search(r"[#&?]gid=(\d+)", wanted)
    by_id = next((p.get("title") for p in sheets if gid and str(p.get("sheetId")) == gid.group(1)), None)
    if by_id is None:
        titles = ", ".join(repr(p.get("title")) for p in sheets)
        raise NodeOperationError(f"Sheet '{wanted}' is not in the spreadsheet (sheets: {titles})",
                                 parameter="sheetName")
    return by_id


def _a1(title: str, cells: str = "") -> str:
    quoted = "'" + title.replace("'", "''") + "'"
    return f"{quoted}!{cells}" if cells else quoted


def _values_path(args: Args, cells: str = "", action: str = "") -> str:
    return f"/spreadsheets/{quote(document_id(args), safe='')}/values/{quote(_a1(sheet_title(args), cells), safe='')}{action}"


def _column(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _options(args: Args) -> dict[str, Any]:
    return dict(args.get("options") or {})


def _header_row(args: Args) -> int:
    location = (_options(args).get("locationDefine") or {}).get("values") or {}
    return int(location.get("headerRow") or 1)


def _columns(args: Args) -> dict[str, Any]:
    """The values to write: the item's fields (n8n's autoMapInputData) or the mapped columns."""
    columns = args.get("columns") or {}
    if isinstance(columns, dict) and columns.get("mappingMode") == "defineBelow":
        return dict(columns.get("value") or {})
    return {key: value for key, value in dict(args.get("$json") or {}).items() if key != "row_number"}


def _cell(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


_SHEETS = Operation("sheets", "Sheets", "GET", lambda args: f"/spreadsheets/{quote(document_id(args), safe='')}",
                    query=lambda args: {"fields": "sheets.properties"})
_HEADER = Operation("header", "Header", "GET", lambda args: _values_path(args, f"{_header_row(args)}:{_header_row(args)}"))
_VALUES = Operation("values", "Values", "GET", lambda args: _values_path(args))


def _read_rows(body: Any, args: Args) -> list[dict[str, Any]]:
    location = (_options(args).get("dataLocationOnSheet") or {}).get("values") or {}
    header_row = int(location.get("headerRow") or 1)
    first_data = int(location.get("firstDataRow") or header_row + 1)
    rows = (body or {}).get("values") or []
    if len(rows) < header_row:
        return []
    headers = [str(h) for h in rows[header_row - 1]]
    filters = [f for f in (args.get("filtersUI") or {}).get("values") or [] if f.get("lookupColumn")]
    found = []
    for number, row in enumerate(rows[first_data - 1:], start=first_data):
        item = {"row_number": number, **{h: row[i] if i < len(row) else "" for i, h in enumerate(headers) if h}}
        if all(str(item.get(f["lookupColumn"], "")) == str(f.get("lookupValue", "")) for f in filters):
            found.append(item)
    return found


def _render_query(args: Args) -> dict[str, Any]:
    formatting = (_options(args).get("outputFormatting") or {}).get("values") or {}
    return {"valueRenderOption": formatting.get("general", "UNFORMATTED_VALUE"),
            "dateTimeRenderOption": formatting.get("date", "FORMATTED_STRING")}


def _input_option(args: Args) -> str:
    return _options(args).get("cellFormat") or "USER_ENTERED"


def _append_body(args: Args) -> dict[str, Any]:
    values = _columns(args)
    headers = [str(h) for h in ((args.get("header") or {}).get("values") or [[]])[0]]
    if not any(headers):  # an empty sheet: its header row is written first, as n8n does
        return {"values": [list(values), [_cell(v) for v in values.values()]]}
    return {"values": [[_cell(values.get(h, "")) for h in headers]]}


def _update_body(args: Args) -> dict[str, Any]:
    values = _columns(args)
    matching = (args.get("columns") or {}).get("matchingColumns") or [""]
    match = str(args.get("columnToMatchOn") or matching[0])
    rows = (args.get("values") or {}).get("values") or []
    headers = [str(h) for h in rows[0]] if rows else []
    if match not in headers:
        raise NodeOperationError(f"Column to match on '{match}' is not in the header row", parameter="columnToMatchOn")
    key, title = headers.index(match), sheet_title(args)
    wanted = str(values.get(match, args.get("valueToMatchOn", "")))
    data = []
    for number, row in enumerate(rows[1:], start=2):
        if key < len(row) and str(row[key]) == wanted:
            data.extend({"range": _a1(title, f"{_column(headers.index(name))}{number}"), "values": [[_cell(value)]]}
                        for name, value in values.items() if name in headers and name != match)
    return {"valueInputOption": _input_option(args), "data": data}


def _clear_path(args: Args) -> str:
    if args.get("clear") == "specificRange":
        return _values_path(args, str(args.get("range") or ""), ":clear")
    return _values_path(args, f"2:{_ALL_ROWS}" if args.get("keepFirstRow") else "", ":clear")


_DOCUMENT = Parameter("documentId", "Document", "string", default="", required=True,
                      description="The spreadsheet's ID or URL")
_SHEET = Parameter("sheetName", "Sheet", "string", default="", required=True,
                   description="The sheet's title, or its ID (the `gid` in its URL)")
_COLUMNS = Parameter("columns", "Columns", "json", default={"mappingMode": "autoMapInputData", "value": {}},
                     description="n8n's column mapping: autoMapInputData writes the item's fields; "
                                 "defineBelow writes `value`")
_WRITE_OPTIONS = Parameter("options", "Options", "collection", default={}, fields=(
    Parameter("cellFormat", "Cell Format", "options", default="USER_ENTERED", options=(
        Option("Let Google Sheets format", "USER_ENTERED"), Option("Let n8n format", "RAW"))),
    Parameter("locationDefine", "Data Location on Sheet", "fixedCollection", default={}, groups=(
        Group("values", "Values", (Parameter("headerRow", "Header Row", "number", default=1,
                                             description="The row holding the column names"),)),))))

SHEET_APPEND = Operation(
    "append", "Append Row", "POST", lambda args: _values_path(args, "A:A", ":append"),
    description="Create a new row in a sheet", parameters=(_DOCUMENT, _SHEET, _COLUMNS, _WRITE_OPTIONS),
    lookups=(_SHEETS, _HEADER), query=lambda args: {"valueInputOption": _input_option(args)}, body=_append_body,
    items=lambda body, args: _columns(args),
)

SHEET_CLEAR = Operation(
    "clear", "Clear", "POST", _clear_path, description="Delete all the contents or a part of a sheet",
    parameters=(_DOCUMENT, _SHEET,
                Parameter("clear", "Clear", "options", default="wholeSheet", options=(
                    Option("Whole Sheet", "wholeSheet"), Option("Specific Range", "specificRange"))),
                Parameter("keepFirstRow", "Keep First Row", "boolean", default=False,
                          show={"clear": ("wholeSheet",)}),
                Parameter("range", "Range", "string", default="A1:F2", show={"clear": ("specificRange",)},
                          description="The table range to clear, in A1 notation")),
    lookups=(_SHEETS,),
)

SHEET_READ = Operation(
    "read", "Get Row(s)", "GET", lambda args: _values_path(args), description="Retrieve one or more rows from a sheet",
    parameters=(_DOCUMENT, _SHEET,
                Parameter("filtersUI", "Filters", "fixedCollection", default={}, multiple=True,
                          description="Only rows whose column has this value (all rows when empty)",
                          groups=(Group("values", "Filter", (
                              Parameter("lookupColumn", "Column", "string", default=""),
                              Parameter("lookupValue", "Value", "string", default=""))),)),
                Parameter("options", "Options", "collection", default={}, fields=(
                    Parameter("dataLocationOnSheet", "Data Location on Sheet", "fixedCollection", default={},
                              groups=(Group("values", "Values", (
                                  Parameter("headerRow", "Header Row", "number", default=1),
                                  Parameter("firstDataRow", "First Data Row", "number", default=2))),)),
                    Parameter("outputFormatting", "Output Formatting", "fixedCollection", default={},
                              groups=(Group("values", "Values", (
                                  Parameter("general", "General Formatting", "options", default="UNFORMATTED_VALUE",
                                            options=(Option("Values (unformatted)", "UNFORMATTED_VALUE"),
                                                     Option("Values (formatted)", "FORMATTED_VALUE"),
                                                     Option("Formulas", "FORMULA"))),
                                  Parameter("date", "Date Formatting", "options", default="FORMATTED_STRING",
                                            options=(Option("Formatted Text", "FORMATTED_STRING"),
                                                     Option("Serial Number", "SERIAL_NUMBER"))))),)),
                ))),
    lookups=(_SHEETS,), query=_render_query, items=_read_rows,
)

SHEET_UPDATE = Operation(
    "update", "Update Row", "POST",
    lambda args: f"/spreadsheets/{quote(document_id(args), safe='')}/values:batchUpdate",
    description="Update an existing row in a sheet",
    parameters=(_DOCUMENT, _SHEET,
                Parameter("columnToMatchOn", "Column to Match On", "string", default="",
                          description="The column whose value finds the rows to update (else the mapping's "
                                      "first matching column)"),
                Parameter("valueToMatchOn", "Value of Column to Match On", "string", default="",
                          description="Used when the columns written do not hold the match column"),
                _COLUMNS, _WRITE_OPTIONS),
    lookups=(_SHEETS, _VALUES), body=_update_body, items=lambda body, args: _columns(args),
)


def _create_body(args: Args) -> dict[str, Any]:
    options = _options(args)
    properties = {"title": args["title"], "locale": options.get("locale"), "autoRecalc": options.get("autoRecalc")}
    sheets = [{"properties": {"title": s.get("title", ""), "hidden": bool(s.get("hidden", False))}}
              for s in (args.get("sheetsUi") or {}).get("sheetValues") or []]
    return {"properties": {k: v for k, v in properties.items() if v}, "sheets": sheets}


SPREADSHEET_CREATE = Operation(
    "create", "Create", "POST", "/spreadsheets", description="Create a spreadsheet",
    parameters=(Parameter("title", "Title", "string", default="", required=True,
                          description="The title of the spreadsheet"),
                Parameter("sheetsUi", "Sheets", "fixedCollection", default={}, multiple=True,
                          groups=(Group("sheetValues", "Sheet", (
                              Parameter("title", "Title", "string", default=""),
                              Parameter("hidden", "Hidden", "boolean", default=False))),)),
                Parameter("options", "Options", "collection", default={}, fields=(
                    Parameter("locale", "Locale", "string", default="", placeholder="en_US"),
                    Parameter("autoRecalc", "Recalculation Interval", "options", default="", options=(
                        Option("Default", ""), Option("On Change", "ON_CHANGE"), Option("Minute", "MINUTE"),
                        Option("Hour", "HOUR")))))),
    body=_create_body,
)

APP = App(
    name="googleSheets",
    display_name="Google Sheets",
    description="Read, update and write data to Google Sheets",
    base_url="https://sheets.googleapis.com/v4",
    auth=(Auth(GOOGLE_SHEETS_OAUTH2_API, "oAuth2", "OAuth2 (recommended)"),
          Auth(GOOGLE_API, "serviceAccount", "Service Account")),
    resources=(
        # n8n's default sheet operation is "read".
        Resource("sheet", "Sheet Within Document", (SHEET_READ, SHEET_APPEND, SHEET_CLEAR, SHEET_UPDATE)),
        Resource("spreadsheet", "Document", (SPREADSHEET_CREATE,)),
    ),
    aliases=("n8n-nodes-base.googleSheets",),
    versions=(4.0, 4.1, 4.2, 4.3, 4.4, 4.5),
    icon="grid_on",
    categories=("Data & Storage", "Productivity"),
    search_aliases=("spreadsheet", "csv", "excel"),
    documentation_url="https://developers.google.com/sheets/api/reference/rest",
)
