"""Trello (n8n `trello` v1, v2): cards, a list's cards and boards through the REST API at
api.trello.com/1, signed with the API key and token as `key`/`token` query parameters.

As n8n, every field goes in the query string (Trello reads them there, also for POST/PUT). A
list's cards come in one answer (Trello does not page them): `limit` is sent and cut to, as n8n."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote

from nodes.http.spec import RequestSpec

from .framework import (
    App,
    Auth,
    CredentialTest,
    CredentialType,
    Operation,
    Parameter,
    Resource,
    TemplateAuth,
)
from .pagination import Page

TRELLO_API = CredentialType(
    name="trelloApi",
    display_name="Trello API",
    fields=(
        Parameter("apiKey", "API Key", "string", default="", required=True),
        Parameter("apiToken", "API Token", "string", default="", required=True, type_options={"password": True}),
        Parameter("oauthSecret", "OAuth Secret", "string", default="", type_options={"password": True},
                  description="For Trello Trigger: checks that webhook calls come from Trello"),
    ),
    authenticate=TemplateAuth(query={"key": "{apiKey}", "token": "{apiToken}"}),
    test=CredentialTest(url="https://api.trello.com/1/tokens/{apiToken}/member",
                        query={"key": "{apiKey}", "token": "{apiToken}"}),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/trello/",
)


@dataclass(frozen=True)
class OnePage:
    """An API that answers a list in one go: returnAll/limit only cut the answer (and `size_param`,
    if any, asks for that many)."""

    size_param: str = ""
    max_size: int = 1000

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        return None


def _id(display_name: str, description: str = "") -> Parameter:
    return Parameter("id", display_name, "string", default="", required=True, description=description)


_CARD_FIELDS = (
    Parameter("closed", "Closed", "boolean", default=False, description="Whether the card is archived"),
    Parameter("desc", "Description", "string", default=""),
    Parameter("due", "Due Date", "dateTime", default=""),
    Parameter("dueComplete", "Due Complete", "boolean", default=False),
    Parameter("idLabels", "Label IDs", "string", default="", description="Comma-separated label IDs"),
    Parameter("idList", "List ID", "string", default="", description="Move the card to this list"),
    Parameter("idMembers", "Member IDs", "string", default="", description="Comma-separated member IDs"),
    Parameter("name", "Name", "string", default=""),
    Parameter("pos", "Position", "string", default="", description="top, bottom or a positive number"),
    Parameter("urlSource", "URL Source", "string", default=""),
)
_FIELDS_OPTION = Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
    Parameter("fields", "Fields", "string", default="all", description="Comma-separated fields to return"),
))

CARD_CREATE = Operation(
    "create", "Create", "POST", "/cards", description="Create a card",
    parameters=(
        Parameter("listId", "List ID", "string", default="", required=True,
                  description="The ID of the list to create the card in"),
        Parameter("name", "Name", "string", default="", required=True),
        Parameter("description", "Description", "string", default="", type_options={"rows": 4}),
        Parameter("additionalFields", "Additional Fields", "collection", default={},
                  fields=tuple(f for f in _CARD_FIELDS if f.name not in ("closed", "desc", "idList", "name"))),
    ),
    query={"idList": "listId", "name": "name", "desc": "description", "*": "additionalFields"},
)

CARD_DELETE = Operation("delete", "Delete", "DELETE", "/cards/{id}", description="Delete a card",
                        parameters=(_id("Card ID"),))

CARD_GET = Operation("get", "Get", "GET", "/cards/{id}", description="Get the data of a card",
                     parameters=(_id("Card ID"), _FIELDS_OPTION), query={"*": "additionalFields"})

CARD_UPDATE = Operation(
    "update", "Update", "PUT", "/cards/{id}", description="Update a card",
    parameters=(_id("Card ID"), Parameter("updateFields", "Update Fields", "collection", default={},
                                          fields=_CARD_FIELDS)),
    query={"*": "updateFields"},
)

LIST_CARDS = Operation(
    "getCards", "Get Cards", "GET", "/lists/{id}/cards", description="Get all the cards in a list",
    parameters=(_id("List ID"), _FIELDS_OPTION), query={"*": "additionalFields"},
    pagination=OnePage(size_param="limit"),  # as n8n; Trello gives at most 1000 cards
)

# n8n v2 names the board `boardId` (a resource locator); v1 named it `id`.
BOARD_GET = Operation(
    "get", "Get", "GET", lambda args: "/boards/" + quote(str(args["boardId"] or args["id"]), safe=""),
    description="Get the data of a board",
    parameters=(Parameter("boardId", "Board", "string", default="", required=True, show={"@version": (2.0,)},
                          description="The ID of the board"),
                replace(_id("Board ID"), show={"@version": (1.0,)}), _FIELDS_OPTION),
    query={"*": "additionalFields"},
)

APP = App(
    name="trello",
    display_name="Trello",
    description="Create, change and delete boards and cards",
    base_url="https://api.trello.com/1",
    auth=(Auth(TRELLO_API, "apiKey", "API Key"),),
    resources=(
        # Card first: it is n8n's default resource (workflows that leave it out mean Card).
        Resource("card", "Card", (CARD_CREATE, CARD_DELETE, CARD_GET, CARD_UPDATE)),
        Resource("board", "Board", (BOARD_GET,)),
        Resource("list", "List", (LIST_CARDS,)),
    ),
    aliases=("n8n-nodes-base.trello",),
    versions=(1.0, 2.0),
    icon="view_kanban",
    categories=("Productivity",),
    search_aliases=("kanban", "card", "board"),
    documentation_url="https://developer.atlassian.com/cloud/trello/rest/",
)
