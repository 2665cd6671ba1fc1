"""The parameters of Extract from File (n8n `extractFromFile` v1), one block per operation."""

from __future__ import annotations

from engine.node_api import Option, Parameter

from .encodings import ENCODING_OPTIONS

SHEETS = ("csv", "html", "rtf", "ods", "xls", "xlsx")
WORKBOOKS = ("ods", "xls", "xlsx")
MOVE_TO = ("binaryToPropery", "fromJson", "text", "xml", "fromIcs")

OPERATIONS = (
    Option("Extract From CSV", "csv"),
    Option("Extract From HTML", "html"),
    Option("Extract From ICS", "fromIcs"),
    Option("Extract From JSON", "fromJson"),
    Option("Extract From ODS", "ods"),
    Option("Extract From PDF", "pdf"),
    Option("Extract From RTF", "rtf"),
    Option("Extract From Text File", "text"),
    Option("Extract From XML", "xml"),
    Option("Extract From XLS", "xls"),
    Option("Extract From XLSX", "xlsx"),
    Option("Move File to Base64 String", "binaryToPropery"),
)

_HEADER = Parameter("headerRow", "Header Row", "boolean", default=True,
                    description="Whether the first row of the file contains the header names")
_EMPTY = Parameter("includeEmptyCells", "Include Empty Cells", "boolean", default=False,
                   description="Whether to include empty cells, filled with an empty string")
_RAW = Parameter("rawData", "RAW Data", "boolean", default=False,
                 description="Whether to return raw values: cell text as written (HTML, RTF), "
                             "Excel date serial numbers (XLSX)")
_AS_STRING = Parameter("readAsString", "Read As String", "boolean", default=False,
                       description="Read the file as text first (kept for n8n compatibility; no effect here)")
_KEEP = Parameter("keepSource", "Keep Source", "options", default="json",
                  options=(Option("JSON", "json"), Option("Binary", "binary"), Option("Both", "both")),
                  description="What of the input item to keep next to the extracted data")

CSV_OPTIONS = Parameter(
    "options",
    "Options",
    "collection",
    default={},
    show={"operation": ("csv",)},
    fields=(
        Parameter("delimiter", "Delimiter", "string", default=",", placeholder="e.g. ,",
                  description="The field delimiter, usually a comma"),
        Parameter("encoding", "Encoding", "options", default="utf-8",
                  options=(Option("utf-8", "utf-8"),) + ENCODING_OPTIONS, description="The character set of the file"),
        Parameter("enableBOM", "Exclude Byte Order Mark (BOM)", "boolean", default=False,
                  description="Whether to drop a byte order mark at the start of the file"),
        _HEADER,
        _EMPTY,
        Parameter("maxRowCount", "Max Number of Rows to Load", "number", default=-1,
                  description="Stop after this many rows; -1 loads all rows"),
        Parameter("relaxQuotes", "Preserve Quotes", "boolean", default=False,
                  description="Whether quotes inside unquoted fields are kept as part of the field"),
        Parameter("fromLine", "Starting Line", "number", default=0,
                  description="Start reading at this line number (1 is the first line)"),
    ),
)

TABLE_OPTIONS = Parameter(
    "options", "Options", "collection", default={}, show={"operation": ("html", "rtf")},
    fields=(_HEADER, _EMPTY, _RAW, _AS_STRING),
)

WORKBOOK_OPTIONS = Parameter(
    "options",
    "Options",
    "collection",
    default={},
    show={"operation": WORKBOOKS},
    fields=(
        _HEADER,
        _EMPTY,
        Parameter("range", "Range", "string", default="",
                  description="A row number to start at (0 is the first row), or an A1-style range such as A1:D20"),
        _RAW,
        _AS_STRING,
        Parameter("sheetName", "Sheet Name", "string", default="Sheet", placeholder="e.g. mySheet",
                  description="Name of the sheet to read from (default: the first one)"),
    ),
)

MOVE_TO_OPTIONS = Parameter(
    "options",
    "Options",
    "collection",
    default={},
    show={"operation": MOVE_TO},
    fields=(
        Parameter("encoding", "File Encoding", "options", default="utf8", options=ENCODING_OPTIONS,
                  description="The character set of the file (not used when moving to base64)"),
        Parameter("stripBOM", "Strip BOM", "boolean", default=True, show={"encoding": ("utf8", "cesu8", "ucs2")},
                  description="Whether to drop a byte order mark at the start of the file"),
        _KEEP,
    ),
)

PDF_OPTIONS = Parameter(
    "options",
    "Options",
    "collection",
    default={},
    show={"operation": ("pdf",)},
    fields=(
        Parameter("password", "Password", "string", default="", type_options={"password": True},
                  description="Password, if the PDF is encrypted"),
        Parameter("joinPages", "Join Pages", "boolean", default=True,
                  description="Whether to join the text of all pages or return a list with each page's text"),
        Parameter("maxPages", "Max Pages", "number", default=0, description="Most pages to read; 0 reads all"),
        _KEEP,
    ),
)

PARAMETERS = (
    Parameter("operation", "Operation", "options", default="csv", options=OPERATIONS),
    Parameter("binaryPropertyName", "Input Binary Field", "string", default="data", required=True,
              description="The name of the input binary field holding the file"),
    Parameter("destinationKey", "Destination Output Field", "string", default="data", required=True,
              description="The json field to write the extracted data to (dot-notation for deep fields)",
              show={"operation": MOVE_TO}),
    CSV_OPTIONS,
    TABLE_OPTIONS,
    WORKBOOK_OPTIONS,
    MOVE_TO_OPTIONS,
    PDF_OPTIONS,
)
