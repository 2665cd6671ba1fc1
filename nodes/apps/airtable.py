"""Airtable (n8n `airtable` v2): records of a base's table through the REST API with a personal
access token.

Records read back flattened as n8n v2 does (`{id, createdTime, ...fields}`); create returns
Airtable's own record. Columns come from n8n's resource mapper (`columns.value`); update matches
on `id` (n8n's default matching column) through Airtable's batch PATCH. Search pages with
`offset` from the answer; sorting goes as `sort[0][field]`."""

from __future__ import annotations

from typing import Any

import httpx

from engine.node_api import Group

from .credentials import bearer_token
from .framework import (
    App,
    Args,
    Auth,
    Cursor,
    Operation,
    Option,
    Parameter,
    Resource,
    default_error,
)

AIRTABLE_TOKEN_API = bearer_token("airtableTokenApi", "Airtable Personal Access Token API", "accessToken",
                                  "Access Token", "https://api.airtable.com/v0/meta/whoami", "airtable")



def read_error(response: httpx.Response, body: Any) -> str | None:
    """Airtable's `{error: {type, message}}`, `{error: "NOT_FOUND"}` or `{errors: [{error, message}]}`."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if response.status_code >= 400 and isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or errors[0].get("error"))
    return default_error(response, body)


_BASE = Parameter("base", "Base", "string", default="", required=True,
                  description="The Airtable base's ID (appXXXXXXXXXXXXXX)")
_TABLE = Parameter("table", "Table", "string", default="", required=True,
                   description="The table's ID (tblXXXXXXXXXXXXXX) or name")
_ID = Parameter("id", "Record ID", "string", default="", required=True, placeholder="e.g. recf7EaZp707CEc8g",
                description="ID of the record")
_COLUMNS = Parameter("columns", "Columns", "json", default={"mappingMode": "defineBelow", "value": {}},
                     description="n8n's column mapping: {mappingMode, value: {column: value}}")
_OPTIONS = Parameter("options", "Options", "collection", default={}, fields=(
    Parameter("typecast", "Typecast", "boolean", default=False,
              description="Whether Airtable converts text values to the field's type (e.g. new select options)"),
    Parameter("ignoreFields", "Ignore Fields", "string", default="",
              description="Comma-separated list of fields to leave out of the request")))
_RECORD_PATH = "/{base}/{table}"


def flatten(record: Any) -> Any:
    """Airtable's `{id, createdTime, fields: {...}}` as n8n v2's `{id, createdTime, ...fields}`."""
    if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
        return record
    rest = {key: value for key, value in record.items() if key != "fields"}
    return {**rest, **record["fields"]}


def _fields(args: Args, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    columns = args.get("columns") or {}
    values = dict(columns.get("value") or {}) if isinstance(columns, dict) else {}
    ignored = {name.strip() for name in str((args.get("options") or {}).get("ignoreFields") or "").split(",")}
    return {name: value for name, value in values.items() if name not in ignored and name not in drop}


def _typecast(args: Args) -> dict[str, Any]:
    return {"typecast": True} if (args.get("options") or {}).get("typecast") else {}


def _update_body(args: Args) -> dict[str, Any]:
    columns = (args.get("columns") or {}).get("value") or {}
    record_id = columns.get("id") or args.get("id")
    return {"records": [{"id": record_id, "fields": _fields(args, drop=("id",))}], **_typecast(args)}


def _search_query(args: Args) -> dict[str, Any]:
    options = args.get("options") or {}
    query: dict[str, Any] = {"filterByFormula": args.get("filterByFormula")}
    fields = options.get("fields")
    query["fields"] = [f.strip() for f in fields.split(",")] if isinstance(fields, str) and fields else fields
    query["view"] = options.get("view", {}).get("value") if isinstance(options.get("view"), dict) else options.get("view")
    for index, rule in enumerate((args.get("sort") or {}).get("property") or []):
        query[f"sort[{index}][field]"] = rule.get("field")
        query[f"sort[{index}][direction]"] = rule.get("direction", "asc")
    return query


RECORD_CREATE = Operation(
    "create", "Create", "POST", _RECORD_PATH, description="Create a new record in a table",
    parameters=(_BASE, _TABLE, _COLUMNS, _OPTIONS),
    body=lambda args: {"fields": _fields(args), **_typecast(args)},
)

RECORD_DELETE = Operation("deleteRecord", "Delete", "DELETE", _RECORD_PATH + "/{id}",
                          description="Delete a record from a table", parameters=(_BASE, _TABLE, _ID))

RECORD_GET = Operation("get", "Get", "GET", _RECORD_PATH + "/{id}", description="Retrieve a record from a table",
                       parameters=(_BASE, _TABLE, _ID), items=lambda body, args: flatten(body))

RECORD_SEARCH = Operation(
    "search", "Search", "GET", _RECORD_PATH, description="Search for specific records or list all",
    parameters=(
        _BASE, _TABLE,
        Parameter("filterByFormula", "Filter By Formula", "string", default="", placeholder="e.g. NOT({Name} = 'Admin')",
                  description="The formula is evaluated for each record; if empty, all records are returned"),
        Parameter("options", "Options", "collection", default={}, fields=(
            Parameter("fields", "Output Fields", "string", default="",
                      description="Comma-separated fields to return (all when empty)"),
            Parameter("view", "View", "string", default="",
                      description="Only the records of this view, in its order"))),
        Parameter("sort", "Sort", "fixedCollection", default={}, multiple=True, groups=(
            Group("property", "Property", (
                Parameter("field", "Field", "string", default=""),
                Parameter("direction", "Direction", "options", default="asc",
                          options=(Option("ASC", "asc"), Option("DESC", "desc"))))),)),
    ),
    query=_search_query, items=lambda body, args: [flatten(r) for r in (body or {}).get("records", [])],
    pagination=Cursor("offset", "offset", size_param="pageSize", max_size=100),
)

RECORD_UPDATE = Operation(
    "update", "Update", "PATCH", _RECORD_PATH, description="Update a record in a table (matched on its id)",
    parameters=(_BASE, _TABLE, _COLUMNS, _OPTIONS), body=_update_body,
    items=lambda body, args: [flatten(r) for r in (body or {}).get("records", [])],
)

APP = App(
    name="airtable",
    display_name="Airtable",
    description="Read, update, write and delete data from Airtable",
    base_url="https://api.airtable.com/v0",
    auth=(Auth(AIRTABLE_TOKEN_API, "airtableTokenApi", "Access Token"),),
    resources=(Resource("record", "Record", (RECORD_CREATE, RECORD_DELETE, RECORD_GET, RECORD_SEARCH,
                                             RECORD_UPDATE)),),
    aliases=("n8n-nodes-base.airtable",),
    versions=(2.0, 2.1),
    error=read_error,
    icon="table_chart",
    categories=("Data & Storage",),
    search_aliases=("spreadsheet", "database"),
    documentation_url="https://airtable.com/developers/web/api/introduction",
)
