"""The parameters of Convert to File (n8n `convertToFile` v1, v1.1), one block per operation."""

from __future__ import annotations

from engine.node_api import Group, Option, Parameter

from .encodings import BOM_ENCODINGS, ENCODING_OPTIONS

SHEETS = ("csv", "html", "rtf", "ods", "xls", "xlsx")

OPERATIONS = (
    Option("Convert to CSV", "csv", "Transform input data into a CSV file"),
    Option("Convert to HTML", "html", "Transform input data into a table in an HTML file"),
    Option("Convert to ICS", "iCal", "Converts each input item to an ICS event file"),
    Option("Convert to JSON", "toJson", "Transform input data into a single or multiple JSON files"),
    Option("Convert to ODS", "ods", "Transform input data into an ODS file"),
    Option("Convert to RTF", "rtf", "Transform input data into a table in an RTF file"),
    Option("Convert to Text File", "toText", "Transform input data string into a file"),
    Option("Convert to XLS", "xls", "Transform input data into an Excel file"),
    Option("Convert to XLSX", "xlsx", "Transform input data into an Excel file"),
    Option("Move Base64 String to File", "toBinary", "Convert a base64-encoded string into its original file format"),
)


def _output_field(operations: tuple[str, ...]) -> Parameter:
    return Parameter(
        "binaryPropertyName",
        "Put Output File in Field",
        "string",
        default="data",
        required=True,
        placeholder="e.g data",
        description="The name of the output binary field to put the file in",
        show={"operation": operations},
    )


def _encoding(description: str) -> Parameter:
    return Parameter("encoding", "Encoding", "options", default="utf8", options=ENCODING_OPTIONS, description=description)


def _add_bom() -> Parameter:
    return Parameter(
        "addBOM",
        "Add Byte Order Mark (BOM)",
        "boolean",
        default=False,
        description="Whether to start the file with a byte order mark",
        show={"encoding": BOM_ENCODINGS},
    )


def _file_name(placeholder: str) -> Parameter:
    return Parameter("fileName", "File Name", "string", default="", placeholder=placeholder, description="Name of the output file")


def _sheet_options(operations: tuple[str, ...], *extra: Parameter) -> Parameter:
    """The options of some spreadsheet formats (n8n shows them by operation from inside the
    collection; here each group of formats has its own collection)."""
    header = Parameter("headerRow", "Header Row", "boolean", default=True,
                       description="Whether the first row of the file contains the header names")
    fields = tuple(sorted((*extra, _file_name("e.g. myFile"), header), key=lambda field: field.display_name))
    return Parameter("options", "Options", "collection", default={}, show={"operation": operations}, fields=fields)


_SHEET_NAME = Parameter("sheetName", "Sheet Name", "string", default="Sheet", placeholder="e.g. mySheet",
                        description="Name of the sheet to create in the spreadsheet")
_COMPRESSION = Parameter("compression", "Compression", "boolean", default=False,
                         description="Whether to reduce the output file size")

SHEET_PARAMETERS = (
    _output_field(SHEETS),
    _sheet_options(("csv",), Parameter("delimiter", "Delimiter", "string", default=",",
                                       description="The character to use to separate fields")),
    _sheet_options(("html", "rtf")),
    _sheet_options(("ods", "xlsx"), _COMPRESSION, _SHEET_NAME),
    _sheet_options(("xls",), _SHEET_NAME),
)

TO_BINARY_PARAMETERS = (
    Parameter("sourceProperty", "Base64 Input Field", "string", default="", required=True, placeholder="e.g data",
              description="The input field holding the base64 string; dot-notation for deep fields (a.b.c)",
              show={"operation": ("toBinary",)}),
    _output_field(("toBinary",)),
    Parameter(
        "options",
        "Options",
        "collection",
        default={},
        show={"operation": ("toBinary",)},
        fields=(
            Parameter("dataIsBase64", "Data Is Base64", "boolean", default=True,
                      description="Whether the data is already base64 encoded"),
            _encoding("Set the encoding of the data stream"),
            _add_bom(),
            _file_name("e.g. myFile"),
            Parameter("mimeType", "MIME Type", "string", default="", placeholder="e.g text/plain",
                      description="The MIME type of the output file"),
        ),
    ),
)

TO_TEXT_PARAMETERS = (
    Parameter("sourceProperty", "Text Input Field", "string", default="", required=True, placeholder="e.g data",
              description="The input field holding the text; dot-notation for deep fields (a.b.c)",
              show={"operation": ("toText",)}),
    _output_field(("toText",)),
    Parameter(
        "options",
        "Options",
        "collection",
        default={},
        show={"operation": ("toText",)},
        fields=(_add_bom(), _encoding("Choose the character set to use to encode the data"), _file_name("e.g. myFile")),
    ),
)

TO_JSON_PARAMETERS = (
    Parameter("mode", "Mode", "options", default="once",
              options=(Option("All Items to One File", "once"), Option("Each Item to Separate File", "each")),
              show={"operation": ("toJson",)}),
    _output_field(("toJson",)),
    Parameter(
        "options",
        "Options",
        "collection",
        default={},
        show={"operation": ("toJson",)},
        fields=(
            _add_bom(),
            _encoding("Set the encoding of the data stream"),
            _file_name("e.g. myFile.json"),
            Parameter("format", "Format", "boolean", default=False,
                      description="Whether to format the JSON data for easier reading", show={"@version": (1.1,)}),
        ),
    ),
)

_PERSON = (
    Parameter("name", "Name", "string", default="", required=True),
    Parameter("email", "Email", "string", default="", required=True, placeholder="e.g. name@email.com"),
)
_ICAL = {"operation": ("iCal",)}

ICAL_PARAMETERS = (
    Parameter("title", "Event Title", "string", default="", show=_ICAL),
    Parameter("start", "Start", "dateTime", default="", required=True, show=_ICAL,
              description="When the event begins (for all-day events the time is ignored)"),
    Parameter("end", "End", "dateTime", default="", required=True, show=_ICAL,
              description="When the event ends (for all-day events the time is ignored)"),
    Parameter("allDay", "All Day", "boolean", default=False, show=_ICAL, description="Whether the event lasts all day"),
    Parameter("binaryPropertyName", "Put Output File in Field", "string", default="data", required=True, show=_ICAL,
              description="The output binary field to put the iCalendar file in"),
    Parameter(
        "additionalFields",
        "Options",
        "collection",
        default={},
        show=_ICAL,
        fields=(
            Parameter("attendeesUi", "Attendees", "fixedCollection", default={}, multiple=True,
                      groups=(Group("attendeeValues", "Attendees", _PERSON + (
                          Parameter("rsvp", "RSVP", "boolean", default=False,
                                    description="Whether the attendee has to confirm attendance"),)),)),
            Parameter("busyStatus", "Busy Status", "options", default="BUSY",
                      options=(Option("Busy", "BUSY"), Option("Tentative", "TENTATIVE"))),
            Parameter("calName", "Calendar Name", "string", default="", description="The calendar (not event) name"),
            Parameter("description", "Description", "string", default=""),
            Parameter("fileName", "File Name", "string", default="", placeholder="e.g. event.ics",
                      description="The name of the file to be generated (default: event.ics)"),
            Parameter("geolocationUi", "Geolocation", "fixedCollection", default={},
                      groups=(Group("geolocationValues", "Geolocation", (
                          Parameter("lat", "Latitude", "string", default=""),
                          Parameter("lon", "Longitude", "string", default=""))),)),
            Parameter("location", "Location", "string", default="", description="The intended venue"),
            Parameter("recurrenceRule", "Recurrence Rule", "string", default="",
                      description="The repeat pattern of the event (RRULE), e.g. FREQ=WEEKLY;COUNT=4"),
            Parameter("organizerUi", "Organizer", "fixedCollection", default={},
                      groups=(Group("organizerValues", "Organizer", _PERSON),)),
            Parameter("sequence", "Sequence", "number", default=0,
                      description="Revision sequence number when sending an update of an event (same uid)"),
            Parameter("status", "Status", "options", default="CONFIRMED",
                      options=(Option("Confirmed", "CONFIRMED"), Option("Cancelled", "CANCELLED"),
                               Option("Tentative", "TENTATIVE"))),
            Parameter("uid", "UID", "string", default="", description="Unique ID of the event (generated when empty)"),
            Parameter("url", "URL", "string", default="", description="URL associated with the event"),
        ),
    ),
)

PARAMETERS = (
    (Parameter("operation", "Operation", "options", default="csv", options=OPERATIONS),)
    + SHEET_PARAMETERS
    + TO_BINARY_PARAMETERS
    + TO_TEXT_PARAMETERS
    + TO_JSON_PARAMETERS
    + ICAL_PARAMETERS
)
