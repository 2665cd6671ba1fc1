"""Date & Time (n8n `dateTime`): v1 formats/calculates with moment-style formats, v2 offers one
Luxon-based operation per node (see date_time_v1 / date_time_v2)."""

from __future__ import annotations

from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .date_time_v1 import execute_v1
from .date_time_v2 import execute_v2

V1 = {"@version": (1.0,)}
V2 = (2.0,)


def _v2(operation: str | tuple[str, ...], **extra: tuple[object, ...]) -> dict[str, tuple[object, ...]]:
    operations = (operation,) if isinstance(operation, str) else operation
    return {"operation": operations, "@version": V2, **extra}


_MOMENT_FORMATS = (
    Option("MM/DD/YYYY", "MM/DD/YYYY", "Example: 09/04/1986"),
    Option("YYYY/MM/DD", "YYYY/MM/DD", "Example: 1986/04/09"),
    Option("MMMM DD YYYY", "MMMM DD YYYY", "Example: April 09 1986"),
    Option("MM-DD-YYYY", "MM-DD-YYYY", "Example: 09-04-1986"),
    Option("YYYY-MM-DD", "YYYY-MM-DD", "Example: 1986-04-09"),
    Option("Unix Timestamp", "X", "Example: 513388800.879"),
    Option("Unix Ms Timestamp", "x", "Example: 513388800"),
)
_UNITS_V1 = tuple(Option(u.capitalize(), u) for u in
                  ("quarters", "years", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds"))
_FROM_FORMAT_V1 = Parameter("fromFormat", "From Format", "string", default="",
                            description="In case the input format is not recognized you can provide the format")

V1_PARAMETERS = (
    Parameter("action", "Action", "options", default="format", show=V1, options=(
        Option("Calculate a Date", "calculate", "Add or subtract time from a date"),
        Option("Format a Date", "format", "Convert a date to a different format"))),
    Parameter("value", "Value", "string", default="", required=True, show=V1,
              description="The value that should be converted"),
    Parameter("dataPropertyName", "Property Name", "string", default="data", required=True, show=V1,
              description="Name of the property to which to write the converted date"),
    Parameter("custom", "Custom Format", "boolean", default=False, show={"action": ("format",), **V1},
              description="Whether a predefined format should be selected or custom format entered"),
    Parameter("toFormat", "To Format", "options", default="MM/DD/YYYY", options=_MOMENT_FORMATS,
              show={"action": ("format",), "custom": (False,), **V1}, description="The format to convert the date to"),
    Parameter("toFormat", "To Format", "string", default="", placeholder="YYYY-MM-DD",
              show={"action": ("format",), "custom": (True,), **V1}, description="The format to convert the date to"),
    Parameter("options", "Options", "collection", default={}, show={"action": ("format",), **V1}, fields=(
        _FROM_FORMAT_V1,
        Parameter("fromTimezone", "From Timezone", "string", default="UTC", placeholder="America/New_York",
                  description="The timezone to convert from"),
        Parameter("toTimezone", "To Timezone", "string", default="UTC", placeholder="Europe/Berlin",
                  description="The timezone to convert to"))),
    Parameter("operation", "Operation", "options", default="add", show={"action": ("calculate",), **V1}, options=(
        Option("Add", "add", "Add time to Date Value"),
        Option("Subtract", "subtract", "Subtract time from Date Value"))),
    Parameter("duration", "Duration", "number", default=0, required=True, type_options={"min": 0},
              show={"action": ("calculate",), **V1}, description="E.g. enter “10” then select “Days” to add 10 days"),
    Parameter("timeUnit", "Time Unit", "options", default="days", options=_UNITS_V1, required=True,
              show={"action": ("calculate",), **V1}, description="Time unit for Duration parameter above"),
    Parameter("options", "Options", "collection", default={}, show={"action": ("calculate",), **V1},
              fields=(_FROM_FORMAT_V1,)),
)

_INCLUDE_INPUT = Parameter("includeInputFields", "Include Input Fields", "boolean", default=False,
                           description="Whether to include all fields of the input item in the output item")
_UNITS_V2 = tuple(Option(u.capitalize(), u) for u in
                  ("years", "quarters", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds"))
_PARTS = tuple(Option(p.capitalize(), p) for p in ("year", "month", "week", "day", "hour", "minute", "second"))
_ROUND_UNITS = tuple(Option(p.capitalize(), p) for p in ("year", "month", "week", "day", "hour", "minute", "second"))
_LUXON_FORMATS = (
    Option("Custom Format", "custom"),
    Option("MM/DD/YYYY", "MM/dd/yyyy", "Example: 09/04/1986"),
    Option("YYYY/MM/DD", "yyyy/MM/dd", "Example: 1986/04/09"),
    Option("MMMM DD YYYY", "MMMM dd yyyy", "Example: April 09 1986"),
    Option("MM-DD-YYYY", "MM-dd-yyyy", "Example: 09-04-1986"),
    Option("YYYY-MM-DD", "yyyy-MM-dd", "Example: 1986-04-09"),
    Option("Unix Timestamp", "X", "Example: 1672531200"),
    Option("Unix Ms Timestamp", "x", "Example: 1674691200000"),
)


def _output_field(default: str, operations: str | tuple[str, ...]) -> Parameter:
    return Parameter("outputFieldName", "Output Field Name", "string", default=default, show=_v2(operations),
                     description="Name of the field to put the output in")


def _options(operations: str | tuple[str, ...], *fields: Parameter) -> Parameter:
    return Parameter("options", "Options", "collection", default={}, show=_v2(operations),
                     fields=(_INCLUDE_INPUT, *fields))


V2_PARAMETERS = (
    Parameter("operation", "Operation", "options", default="getCurrentDate", show={"@version": V2}, options=(
        Option("Add to a Date", "addToDate"), Option("Extract Part of a Date", "extractDate"),
        Option("Format a Date", "formatDate"), Option("Get Current Date", "getCurrentDate"),
        Option("Get Time Between Dates", "getTimeBetweenDates"), Option("Round a Date", "roundDate"),
        Option("Subtract From a Date", "subtractFromDate"))),
    # getCurrentDate
    Parameter("includeTime", "Include Current Time", "boolean", default=True, show=_v2("getCurrentDate"),
              description="When deactivated, the time will be set to midnight"),
    _output_field("currentDate", "getCurrentDate"),
    _options("getCurrentDate", Parameter("timezone", "Timezone", "string", default="", placeholder="America/New_York",
                                         description="The timezone to use (the workflow's when empty)")),
    # addToDate / subtractFromDate
    Parameter("magnitude", "Date", "string", default="", required=True, show=_v2(("addToDate", "subtractFromDate")),
              description="The date that you want to change"),
    Parameter("timeUnit", "Time Unit to Add", "options", default="days", options=_UNITS_V2, required=True,
              show=_v2("addToDate")),
    Parameter("timeUnit", "Time Unit to Subtract", "options", default="days", options=_UNITS_V2, required=True,
              show=_v2("subtractFromDate")),
    Parameter("duration", "Duration", "number", default=0, required=True, show=_v2(("addToDate", "subtractFromDate")),
              description="The number of time units to add to / subtract from the date"),
    _output_field("newDate", ("addToDate", "subtractFromDate")),
    _options(("addToDate", "subtractFromDate")),
    # formatDate / roundDate / extractDate
    Parameter("date", "Date", "string", default="", show=_v2(("formatDate", "roundDate", "extractDate")),
              description="The date that you want to use"),
    Parameter("format", "Format", "options", default="MM/dd/yyyy", options=_LUXON_FORMATS, show=_v2("formatDate"),
              description="The format to convert the date to"),
    Parameter("customFormat", "Custom Format", "string", default="", placeholder="yyyy-MM-dd",
              show=_v2("formatDate", format=("custom",)),
              description="Luxon tokens (yyyy MM dd HH mm ss ...); text in single quotes is kept as is"),
    _output_field("formattedDate", "formatDate"),
    _options("formatDate",
             Parameter("fromFormat", "From Date Format", "string", default="", placeholder="e.g. yyyyMMdd",
                       description="The format in which the input date is (Luxon tokens, case sensitive)"),
             Parameter("timezone", "Use Workflow Timezone", "boolean", default=False,
                       description="Whether to use the workflow's timezone instead of the input's")),
    Parameter("mode", "Mode", "options", default="roundDown", show=_v2("roundDate"), options=(
        Option("Round Down", "roundDown"), Option("Round Up", "roundUp"))),
    Parameter("toNearest", "To Nearest", "options", default="month", options=_ROUND_UNITS,
              show=_v2("roundDate", mode=("roundDown",))),
    Parameter("to", "To", "options", default="month", options=_ROUND_UNITS, show=_v2("roundDate", mode=("roundUp",))),
    _output_field("roundedDate", "roundDate"),
    _options("roundDate"),
    # getTimeBetweenDates
    Parameter("startDate", "Start Date", "string", default="", show=_v2("getTimeBetweenDates")),
    Parameter("endDate", "End Date", "string", default="", show=_v2("getTimeBetweenDates")),
    Parameter("units", "Units", "multiOptions", default=["day"], show=_v2("getTimeBetweenDates"),
              options=_PARTS[:4] + (Option("Hour", "hour"), Option("Minute", "minute"), Option("Second", "second"),
                                    Option("Millisecond", "millisecond"))),
    _output_field("timeDifference", "getTimeBetweenDates"),
    _options("getTimeBetweenDates", Parameter("isoString", "Output as ISO String", "boolean", default=False,
                                              description="Whether to output the duration as an ISO 8601 string")),
    # extractDate
    Parameter("part", "Part", "options", default="month", options=_PARTS, show=_v2("extractDate")),
    _output_field("datePart", "extractDate"),
    _options("extractDate"),
)


class DateTimeNode(NodeType):
    description = NodeDescription(
        name="knotwork.dateTime",
        display_name="Date & Time",
        group="transform",
        description="Manipulate date and time values",
        versions=(1.0, 2.0),
        default_version=2.0,
        parameters=V1_PARAMETERS + V2_PARAMETERS,
        aliases=("n8n-nodes-base.dateTime",),
        search_aliases=("date", "time", "format", "timezone", "calculate", "round", "luxon", "moment"),
        categories=("Core Nodes", "Data Transformation"),
        icon="fa:clock",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if ctx.type_version < 2:
            return await execute_v1(ctx)
        return await execute_v2(ctx)
