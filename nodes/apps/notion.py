"""Notion (n8n `notion` v2): database pages, pages and blocks through the Notion API with an
internal integration secret; every request carries the `Notion-Version` header n8n sends.

Database queries are POSTs that page with `start_cursor` in the JSON body (`next_cursor` and
`has_more` in the answer); block children page the same way in the query. With `simple` (n8n's
default) a page becomes `{id, name, url, property_<snake_name>: value}` as n8n simplifies it.

Deviations: the page title is set as a `title` property in `propertiesUi` (n8n's v2 top-level
`title` needs the database's schema first); query filters are n8n's JSON filter (`filterType:
"json"`), not the manual filter builder."""

from __future__ import annotations

import json
import re
from typing import Any

from engine.errors import NodeOperationError
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
)

NOTION_VERSION = "2022-02-22"

NOTION_API = bearer_token("notionApi", "Notion API", "apiKey", "Internal Integration Secret",
                          "https://api.notion.com/v1/users/me", "notion", {"Notion-Version": NOTION_VERSION})


def _text(content: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": str(content)}}]


def _plain(rich: Any) -> str:
    return "".join(part.get("plain_text", "") for part in rich or [] if isinstance(part, dict))


def _ids(value: Any) -> list[dict[str, str]]:
    found = value.split(",") if isinstance(value, str) else value or []
    return [{"id": str(one).strip()} for one in found if str(one).strip()]


def _property(entry: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """One of n8n's `propertiesUi.propertyValues` (`key` is "Name|type") as a Notion property value."""
    name, _, kind = str(entry.get("key", "")).rpartition("|")
    kind = kind or entry.get("type", "")
    values: dict[str, Any] = {
        "title": lambda: _text(entry.get("title", "")),
        "rich_text": lambda: _text(entry.get("textContent", "")),
        "number": lambda: entry.get("numberValue"),
        "checkbox": lambda: bool(entry.get("checkboxValue", False)),
        "select": lambda: {"name": entry.get("selectValue")},
        "status": lambda: {"name": entry.get("statusValue")},
        "multi_select": lambda: [{"name": n} for n in _names(entry.get("multiSelectValue"))],
        "date": lambda: {"start": entry.get("date") or entry.get("dateStart"),
                         **({"end": entry["dateEnd"]} if entry.get("dateEnd") else {})},
        "url": lambda: entry.get("urlValue"),
        "email": lambda: entry.get("emailValue"),
        "phone_number": lambda: entry.get("phoneValue"),
        "relation": lambda: _ids(entry.get("relationValue")),
        "people": lambda: _ids(entry.get("peopleValue")),
    }
    if kind not in values:
        raise NodeOperationError(f"Notion property '{name or entry.get('key')}' has an unsupported type '{kind}'",
                                 parameter="propertiesUi")
    return name or str(entry.get("key")), {kind: values[kind]()}


def _names(value: Any) -> list[str]:
    return [n.strip() for n in value.split(",")] if isinstance(value, str) else list(value or [])


def _blocks(args: Args) -> list[dict[str, Any]]:
    """n8n's `blockUi.blockValues` [{type, textContent, checked}] as Notion block objects."""
    blocks = []
    for entry in (args.get("blockUi") or {}).get("blockValues") or []:
        kind = entry.get("type", "paragraph")
        content: dict[str, Any] = {"rich_text": _text(entry.get("textContent", ""))}
        if kind == "to_do":
            content["checked"] = bool(entry.get("checked", False))
        blocks.append({"object": "block", "type": kind, kind: content})
    return blocks


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _simple_value(value: dict[str, Any]) -> Any:
    kind = value.get("type", "")
    data = value.get(kind)
    if kind in ("title", "rich_text"):
        return _plain(data)
    if kind in ("select", "status"):
        return data.get("name") if isinstance(data, dict) else None
    if kind == "multi_select":
        return [option.get("name") for option in data or []]
    if kind in ("people", "relation"):
        return [entry.get("id") for entry in data or []]
    if kind == "formula" and isinstance(data, dict):
        return data.get(data.get("type", ""))
    if kind == "files":
        return [(f.get("file") or f.get("external") or {}).get("url") for f in data or []]
    return data  # number, checkbox, url, email, phone_number, date, created_time, ...


def simplify(page: Any) -> Any:
    """A page as n8n's simple output: `{id, name, url, property_<snake_name>: value}`."""
    if not isinstance(page, dict) or page.get("object") != "page":
        return page
    properties = page.get("properties") or {}
    title = next((_plain(p.get("title")) for p in properties.values() if p.get("type") == "title"), "")
    simple = {"id": page.get("id"), "name": title, "url": page.get("url")}
    simple.update({f"property_{_snake(name)}": _simple_value(value) for name, value in properties.items()})
    return simple


def _pages(path: str | None) -> Any:
    def read(body: Any, args: Args) -> Any:
        found = body.get(path, []) if path and isinstance(body, dict) else body
        if not args.get("simple", True):
            return found
        return [simplify(page) for page in found] if isinstance(found, list) else simplify(found)
    return read


def _page_create(args: Args) -> dict[str, Any]:
    entries = (args.get("propertiesUi") or {}).get("propertyValues") or []
    properties = dict(_property(entry) for entry in entries)
    return {"parent": {"database_id": args["databaseId"]}, "properties": properties, "children": _blocks(args),
            **_icon(args)}


def _query_body(args: Args) -> dict[str, Any]:
    body: dict[str, Any] = {"page_size": 100 if args.get("returnAll") else min(int(args.get("limit") or 50), 100)}
    if args.get("filterType") == "json" and args.get("filterJson"):
        raw = args["filterJson"]
        try:
            body["filter"] = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise NodeOperationError("Filters (JSON) is not valid JSON", parameter="filterJson") from None
    sorts = []
    for rule in ((args.get("options") or {}).get("sort") or {}).get("sortValue") or []:
        key = str(rule.get("key", "")).rpartition("|")[0] or rule.get("key")
        field = "timestamp" if rule.get("timestamp") else "property"
        sorts.append({field: key, "direction": rule.get("direction", "descending")})
    if sorts:
        body["sorts"] = sorts
    return body


_SIMPLE = Parameter("simple", "Simplify", "boolean", default=True,
                    description="Whether to return a simplified version of the response instead of the raw data")
_DATABASE = Parameter("databaseId", "Database", "string", default="", required=True,
                      description="The Notion database's ID (or its URL's ID part)")
_PAGE = Parameter("pageId", "Page", "string", default="", required=True, description="The Notion page's ID")
_BLOCK = Parameter("blockId", "Block", "string", default="", required=True,
                   description="The block's (or page's) ID whose children are read or appended to")
_BLOCK_UI = Parameter("blockUi", "Blocks", "fixedCollection", default={}, multiple=True, groups=(
    Group("blockValues", "Block", (
        Parameter("type", "Type", "options", default="paragraph", options=tuple(
            Option(label, value) for label, value in (
                ("Paragraph", "paragraph"), ("Heading 1", "heading_1"), ("Heading 2", "heading_2"),
                ("Heading 3", "heading_3"), ("Bulleted List Item", "bulleted_list_item"),
                ("Numbered List Item", "numbered_list_item"), ("To Do", "to_do"), ("Toggle", "toggle"),
                ("Quote", "quote")))),
        Parameter("textContent", "Text", "string", default=""),
        Parameter("checked", "Checked", "boolean", default=False, show={"type": ("to_do",)}))),))
_PROPERTY_FIELDS = (
    Parameter("key", "Key", "string", default="", description="The property as \"Name|type\", e.g. \"Status|select\""),
    Parameter("title", "Title", "string", default=""), Parameter("textContent", "Text", "string", default=""),
    Parameter("numberValue", "Number", "number", default=0),
    Parameter("checkboxValue", "Checked", "boolean", default=False),
    Parameter("selectValue", "Option", "string", default=""), Parameter("statusValue", "Status", "string", default=""),
    Parameter("multiSelectValue", "Option Names", "string", default=""),
    Parameter("date", "Date", "dateTime", default=""), Parameter("urlValue", "URL", "string", default=""),
    Parameter("emailValue", "Email", "string", default=""), Parameter("phoneValue", "Phone", "string", default=""),
    Parameter("relationValue", "Relation IDs", "string", default=""),
    Parameter("peopleValue", "People IDs", "string", default=""),
)

PAGE_CREATE = Operation(
    "create", "Create", "POST", "/pages", description="Create a page in a database",
    parameters=(_DATABASE, Parameter("propertiesUi", "Properties", "fixedCollection", default={}, multiple=True,
                                     groups=(Group("propertyValues", "Property", _PROPERTY_FIELDS),)),
                _BLOCK_UI, Parameter("options", "Options", "collection", default={}, fields=(
                    Parameter("icon", "Icon", "string", default="", description="An emoji or an image URL"),))),
    body=_page_create,
)

PAGE_GET = Operation("get", "Get", "GET", "/pages/{pageId}", description="Get a page in a database",
                     parameters=(_PAGE, _SIMPLE), items=_pages(None))

DATABASE_QUERY = Operation(
    "getAll", "Get Many", "POST", "/databases/{databaseId}/query", description="Get many pages in a database",
    parameters=(
        _DATABASE, _SIMPLE,
        Parameter("filterType", "Filter", "options", default="none",
                  options=(Option("None", "none"), Option("Using JSON", "json"))),
        Parameter("filterJson", "Filters (JSON)", "json", default="", show={"filterType": ("json",)},
                  description="A Notion database filter object"),
        Parameter("options", "Options", "collection", default={}, fields=(
            Parameter("sort", "Sort", "fixedCollection", default={}, multiple=True, groups=(
                Group("sortValue", "Sort", (
                    Parameter("timestamp", "Timestamp", "boolean", default=False,
                              description="Whether to sort by created_time/last_edited_time"),
                    Parameter("key", "Key", "string", default="", description="\"Name|type\" or a timestamp"),
                    Parameter("direction", "Direction", "options", default="descending",
                              options=(Option("Ascending", "ascending"), Option("Descending", "descending"))))),)),)),
    ),
    body=_query_body, items=_pages("results"),
    pagination=Cursor("next_cursor", "start_cursor", in_body=True),
)

def _icon(args: Args) -> dict[str, Any]:
    icon = (args.get("options") or {}).get("icon")
    if not icon:
        return {}
    return {"icon": {"type": "external", "external": {"url": icon}} if "://" in icon else {"type": "emoji",
                                                                                          "emoji": icon}}


PAGE_CREATE_IN_PAGE = Operation(
    "create", "Create", "POST", "/pages", description="Create a page under a parent page",
    parameters=(Parameter("pageId", "Parent Page", "string", default="", required=True,
                          description="The parent page's ID"),
                Parameter("title", "Title", "string", default="", required=True),
                _BLOCK_UI, Parameter("options", "Options", "collection", default={}, fields=(
                    Parameter("icon", "Icon", "string", default="", description="An emoji or an image URL"),))),
    body=lambda args: {"parent": {"page_id": args["pageId"]},
                       "properties": {"title": [{"text": {"content": args["title"]}}]},
                       "children": _blocks(args), **_icon(args)},
)

PAGE_ARCHIVE = Operation("archive", "Archive", "PATCH", "/pages/{pageId}", description="Archive a page",
                         parameters=(_PAGE, _SIMPLE), body=lambda args: {"archived": True}, items=_pages(None))

BLOCK_APPEND = Operation("append", "Append After", "PATCH", "/blocks/{blockId}/children",
                         description="Append a block", parameters=(_BLOCK, _BLOCK_UI),
                         body=lambda args: {"children": _blocks(args)})

BLOCK_GET_ALL = Operation(
    "getAll", "Get Child Blocks", "GET", "/blocks/{blockId}/children", description="Get many child blocks",
    parameters=(_BLOCK,), items="results",
    pagination=Cursor("next_cursor", "start_cursor", size_param="page_size", max_size=100),
)

APP = App(
    name="notion",
    display_name="Notion",
    description="Consume Notion API",
    base_url="https://api.notion.com/v1",
    auth=(Auth(NOTION_API, "apiKey", "API Key"),),
    resources=(
        Resource("page", "Page", (PAGE_CREATE_IN_PAGE, PAGE_ARCHIVE)),  # n8n's default resource and operation
        Resource("block", "Block", (BLOCK_APPEND, BLOCK_GET_ALL)),
        Resource("databasePage", "Database Page", (PAGE_CREATE, PAGE_GET, DATABASE_QUERY)),
    ),
    aliases=("n8n-nodes-base.notion",),
    versions=(2.0, 2.1, 2.2),
    headers={"Notion-Version": NOTION_VERSION},
    icon="description",
    categories=("Productivity",),
    search_aliases=("notes", "wiki"),
    documentation_url="https://developers.notion.com/reference/intro",
)
