"""The editor form of the v2 SQL nodes (PostgreSQL 2–2.6, MySQL 2–2.5, SQLite), built per database.

`schema` and `table` hold n8n resource locators or plain names; `columns` holds n8n's resource
mapper value (`{"mappingMode", "value", "matchingColumns"}`), edited as JSON here.
"""

from __future__ import annotations

from typing import Any

from engine.node_api import Group, Option, Parameter

OPERATIONS = (
    Option("Delete", "deleteTable", "Delete an entire table or rows in a table"),
    Option("Execute Query", "executeQuery", "Execute an SQL query"),
    Option("Insert", "insert", "Insert rows in a table"),
    Option("Insert or Update", "upsert", "Insert or update rows in a table"),
    Option("Select", "select", "Select rows from a table"),
    Option("Update", "update", "Update rows in a table"),
)
CONDITION_OPTIONS = tuple(Option(label, value) for label, value in (
    ("Equal", "equal"), ("Not Equal", "!="), ("Like", "LIKE"), ("Greater Than", ">"), ("Less Than", "<"),
    ("Greater Than Or Equal", ">="), ("Less Than Or Equal", "<="), ("Is Null", "IS NULL"),
    ("Is Not Null", "IS NOT NULL")))


def _on(*operations: str, **more: tuple[Any, ...]) -> dict[str, tuple[Any, ...]]:
    return {"operation": operations, **more}


def _where(show: dict[str, tuple[Any, ...]]) -> tuple[Parameter, ...]:
    condition = (
        Parameter("column", "Column", "string", default=""),
        Parameter("condition", "Operator", "options", default="equal", options=CONDITION_OPTIONS),
        Parameter("value", "Value", "string", default=""),
    )
    return (
        Parameter("where", "Select Rows", "fixedCollection", default={}, show=show, multiple=True,
                  groups=(Group("values", "Values", condition),),
                  description="If not set, all rows are selected (for Delete: only with the Delete command)"),
        Parameter("combineConditions", "Combine Conditions", "options", default="AND", show=show,
                  options=(Option("AND", "AND"), Option("OR", "OR"))),
    )


def _columns(mapper_versions: tuple[float, ...], old_versions: tuple[float, ...]) -> tuple[Parameter, ...]:
    writes = ("insert", "update", "upsert")
    return (
        Parameter("columns", "Columns", "json", default={"mappingMode": "defineBelow", "value": {}},
                  show=_on(*writes, **{"@version": mapper_versions}),
                  description='Resource mapper: {"mappingMode": "autoMapInputData" | "defineBelow", "value": '
                              '{column: value}, "matchingColumns": [column]}'),
        Parameter("dataMode", "Data Mode", "options", default="autoMapInputData",
                  show=_on(*writes, **{"@version": old_versions}), options=(
                      Option("Auto-Map Input Data to Columns", "autoMapInputData"),
                      Option("Map Each Column Below", "defineBelow"))),
        Parameter("valuesToSend", "Values to Send", "fixedCollection", default={}, multiple=True,
                  show=_on(*writes, dataMode=("defineBelow",), **{"@version": old_versions}),
                  groups=(Group("values", "Values", (Parameter("column", "Column", "string", default=""),
                                                     Parameter("value", "Value", "string", default=""))),)),
        Parameter("columnToMatchOn", "Column to Match On", "string", default="",
                  show=_on("update", "upsert", **{"@version": old_versions})),
        Parameter("valueToMatchOn", "Value of Column to Match On", "string", default="",
                  show=_on("update", "upsert", dataMode=("defineBelow",), **{"@version": old_versions})),
    )


def _options(database: str, versions: tuple[float, ...]) -> Parameter:
    fields = [
        Parameter("queryBatching", "Query Batching", "options", default="single", options=(
            Option("Single Query", "single", "A single query for all incoming items"),
            Option("Independently", "independently", "Execute one query per incoming item of the run"),
            Option("Transaction", "transaction", "Execute all queries in a transaction; a failure rolls "
                                                 "all changes back"))),
        Parameter("queryReplacement", "Query Parameters", "string", default="",
                  description="Comma-separated values (or a list) to use as $1, $2... in the query"),
        Parameter("outputColumns", "Output Columns", "string", default="",
                  description="Comma-separated columns to output (all when empty); select, insert, update, upsert"),
        Parameter("largeNumbersOutput", "Output Large-Format Numbers As", "options", default="text", options=(
            Option("Numbers", "numbers", "Use this if you expect numbers not to exceed 2^53"),
            Option("Text", "text", "BIGINT and NUMERIC/DECIMAL values as text, exact"))),
        Parameter("connectionTimeout", "Connection Timeout", "number", default=30,
                  description="Seconds to wait for the connection"),
        Parameter("replaceEmptyStrings", "Replace Empty Strings with NULL", "boolean", default=False),
        Parameter("skipOnConflict", "Skip on Conflict", "boolean", default=False,
                  description="Skip rows that conflict with existing ones (IGNORE for MySQL)"),
    ]
    if database == "postgres":
        fields += [
            Parameter("cascade", "Cascade", "boolean", default=False,
                      description="Also drop or truncate the objects that depend on the table"),
            Parameter("restartSequences", "Restart Sequences", "boolean", default=False,
                      description="Reset the table's identity columns (truncate only)"),
        ]
    if database == "mysql":
        fields.append(Parameter("detailedOutput", "Output Query Execution Details", "boolean", default=False,
                                description="Whether writes output the affected rows and new id instead of "
                                            "only a confirmation of success"))
        fields.append(Parameter("priority", "Priority", "options", default="", options=(
            Option("Default", ""), Option("Low Priority", "LOW_PRIORITY"), Option("High Priority", "HIGH_PRIORITY"))))
    return Parameter("options", "Options", "collection", default={}, fields=tuple(fields),
                     show={"@version": versions})


def v2_parameters(database: str, versions: tuple[float, ...], mapper_versions: tuple[float, ...]
                  ) -> tuple[Parameter, ...]:
    """The v2 form for `database` ('postgres', 'mysql' or 'sqlite'), shown for `versions`."""
    old = tuple(v for v in versions if v not in mapper_versions)
    v2 = {"@version": versions}
    table_ops = ("deleteTable", "insert", "select", "update", "upsert")
    params: list[Parameter] = [
        Parameter("operation", "Operation", "options", default="insert", options=OPERATIONS, show=v2),
    ]
    if database == "postgres":
        params.append(Parameter("schema", "Schema", "string", default={"__rl": True, "mode": "list", "value": "public"},
                                required=True, show=_on(*table_ops, **v2), description="Schema name or locator"))
    params += [
        Parameter("table", "Table", "string", default="", required=True, show=_on(*table_ops, **v2),
                  description="Table name or resource locator"),
        Parameter("query", "Query", "code", default="", required=True, show=_on("executeQuery", **v2),
                  type_options={"language": "sql", "rows": 5},
                  description="The SQL query; use $1, $2... for the query parameters in the options"),
        Parameter("deleteCommand", "Command", "options", default="truncate", show=_on("deleteTable", **v2), options=(
            Option("Truncate", "truncate", "Only removes the table's data and preserves the table's structure"),
            Option("Delete", "delete", "Delete the rows that match the conditions below"),
            Option("Drop", "drop", "Delete the table's data and structure permanently"))),
        Parameter("returnAll", "Return All", "boolean", default=False, show=_on("select", **v2)),
        Parameter("limit", "Limit", "number", default=50, show=_on("select", returnAll=(False,), **v2),
                  type_options={"minValue": 1}),
        *_where(_on("select", "deleteTable", **v2)),
        Parameter("sort", "Sort", "fixedCollection", default={}, multiple=True, show=_on("select", **v2),
                  groups=(Group("values", "Values", (
                      Parameter("column", "Column", "string", default=""),
                      Parameter("direction", "Direction", "options", default="ASC",
                                options=(Option("ASC", "ASC"), Option("DESC", "DESC"))))),)),
        *_columns(mapper_versions, old),
        _options(database, versions),
    ]
    return tuple(params)
