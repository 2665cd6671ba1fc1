"""Pipedrive (n8n `pipedrive` v1): deals, persons and activities through the v1 REST API with the
API token as the `api_token` query parameter.

Answers are `{"success": true, "data": ...}`: the items are `data`. Lists page with `start`/`limit`
and `additional_data.pagination.next_start` (present while `more_items_in_collection`). Errors are
`{"success": false, "error": "..."}`."""

from __future__ import annotations

from typing import Any

from .framework import (
    App,
    Args,
    Auth,
    CredentialTest,
    CredentialType,
    Cursor,
    Operation,
    Option,
    Parameter,
    QueryAuth,
    Resource,
)

PIPEDRIVE_API = CredentialType(
    name="pipedriveApi",
    display_name="Pipedrive API",
    fields=(Parameter("apiToken", "API Token", "string", default="", required=True,
                      type_options={"password": True}),),
    authenticate=QueryAuth(name="api_token", value="{apiToken}"),
    test=CredentialTest(url="https://api.pipedrive.com/v1/users/me"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/pipedrive/",
)

_VISIBLE_TO = Parameter("visible_to", "Visible To", "options", default="3", options=(
    Option("Owner & Followers (Private)", "1"), Option("Entire Company (Shared)", "3")))
_STATUS = Parameter("status", "Status", "options", default="open", options=(
    Option("Open", "open"), Option("Won", "won"), Option("Lost", "lost"), Option("Deleted", "deleted")))
_DEAL_FIELDS = (
    Parameter("currency", "Currency", "string", default="USD", description="Currency of the deal value"),
    Parameter("org_id", "Organization ID", "number", default=0),
    Parameter("person_id", "Person ID", "number", default=0),
    Parameter("stage_id", "Stage ID", "number", default=0),
    _STATUS,
    Parameter("title", "Title", "string", default=""),
    Parameter("user_id", "User ID", "number", default=0, description="ID of the user who will own the deal"),
    Parameter("value", "Value", "number", default=0, description="Value of the deal"),
    _VISIBLE_TO,
)
_DEAL_ID = Parameter("dealId", "Deal ID", "number", default=0, required=True, description="ID of the deal")


def _custom(fields: dict[str, Any]) -> dict[str, Any]:
    """n8n's `customProperties.property` [{name, value}] merged in as Pipedrive's own keys."""
    entries = (fields.pop("customProperties", None) or {}).get("property") or []
    return {**fields, **{entry["name"]: entry.get("value") for entry in entries if entry.get("name")}}


def _deal_create(args: Args) -> dict[str, Any]:
    extra = _custom(dict(args["additionalFields"] or {}))
    return {"title": args["title"], **extra}


def _person_create(args: Args) -> dict[str, Any]:
    extra = _custom(dict(args["additionalFields"] or {}))
    for key in ("email", "phone"):  # n8n's multiple-value strings are lists
        if isinstance(extra.get(key), str):
            extra[key] = [extra[key]]
    return {"name": args["name"], **extra}


DEAL_CREATE = Operation(
    "create", "Create", "POST", "/deals", description="Create a deal",
    parameters=(Parameter("title", "Title", "string", default="", required=True, description="The title of the deal"),
                Parameter("additionalFields", "Additional Fields", "collection", default={},
                          fields=tuple(f for f in _DEAL_FIELDS if f.name != "title"))),
    body=_deal_create, items="data",
)

DEAL_GET = Operation("get", "Get", "GET", "/deals/{dealId}", description="Get data of a deal",
                     parameters=(_DEAL_ID,), items="data")

DEAL_UPDATE = Operation(
    "update", "Update", "PUT", "/deals/{dealId}", description="Update a deal",
    parameters=(_DEAL_ID, Parameter("updateFields", "Update Fields", "collection", default={}, fields=_DEAL_FIELDS)),
    body=lambda args: _custom(dict(args["updateFields"] or {})), items="data",
)

DEAL_GET_ALL = Operation(
    "getAll", "Get Many", "GET", "/deals", description="Get data of many deals",
    parameters=(Parameter("filters", "Filters", "collection", default={}, fields=(
        Parameter("filter_id", "Filter ID", "number", default=0, description="Predefined filter to apply"),
        Parameter("stage_id", "Stage ID", "number", default=0),
        Parameter("status", "Status", "options", default="all_not_deleted", options=(
            Option("Open", "open"), Option("Won", "won"), Option("Lost", "lost"), Option("Deleted", "deleted"),
            Option("All Not Deleted", "all_not_deleted"))),
        Parameter("user_id", "User ID", "number", default=0))),),
    query={"*": "filters"}, items="data",
    pagination=Cursor("additional_data.pagination.next_start", "start", size_param="limit", max_size=500),
    limit_default=100,
)

PERSON_CREATE = Operation(
    "create", "Create", "POST", "/persons", description="Create a person",
    parameters=(Parameter("name", "Name", "string", default="", required=True, description="The name of the person"),
                Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
                    Parameter("email", "Email", "string", default="", type_options={"multipleValues": True}),
                    Parameter("org_id", "Organization ID", "number", default=0),
                    Parameter("owner_id", "Owner ID", "number", default=0),
                    Parameter("phone", "Phone", "string", default="", type_options={"multipleValues": True}),
                    _VISIBLE_TO))),
    body=_person_create, items="data",
)

PERSON_GET = Operation("get", "Get", "GET", "/persons/{personId}", description="Get data of a person",
                       parameters=(Parameter("personId", "Person ID", "number", default=0, required=True),),
                       items="data")

ACTIVITY_CREATE = Operation(
    "create", "Create", "POST", "/activities", description="Create an activity",
    parameters=(
        Parameter("subject", "Subject", "string", default="", required=True, description="The subject of the activity"),
        Parameter("done", "Done", "options", default="0",
                  options=(Option("Not Done", "0"), Option("Done", "1"))),
        Parameter("type", "Type", "string", default="", required=True, placeholder="call",
                  description="Type of the activity like call, meeting, etc"),
        Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
            Parameter("deal_id", "Deal ID", "number", default=0),
            Parameter("due_date", "Due Date", "dateTime", default=""),
            Parameter("note", "Note", "string", default="", type_options={"rows": 5}),
            Parameter("org_id", "Organization ID", "number", default=0),
            Parameter("person_id", "Person ID", "number", default=0),
            Parameter("user_id", "User ID", "number", default=0))),
    ),
    body=lambda args: {"subject": args["subject"], "done": args["done"], "type": args["type"],
                       **dict(args["additionalFields"] or {})},
    items="data",
)

APP = App(
    name="pipedrive",
    display_name="Pipedrive",
    description="Create and edit data in Pipedrive",
    base_url="https://api.pipedrive.com/v1",
    auth=(Auth(PIPEDRIVE_API, "apiToken", "API Token"),),
    resources=(
        Resource("deal", "Deal", (DEAL_CREATE, DEAL_GET, DEAL_GET_ALL, DEAL_UPDATE)),  # n8n's default
        Resource("activity", "Activity", (ACTIVITY_CREATE,)),
        Resource("person", "Person", (PERSON_CREATE, PERSON_GET)),
    ),
    aliases=("n8n-nodes-base.pipedrive",),
    versions=(1.0,),
    icon="handshake",
    categories=("Sales",),
    search_aliases=("crm",),
    documentation_url="https://developers.pipedrive.com/docs/api/v1",
)
