"""Jira Software Cloud (n8n `jira` v1): issues and comments through the REST API of the site in the
credential (`{domain}/rest/api/2`, comments `api/3`), signed with email + API token (basic).

Issue search is Jira Cloud's `POST /api/2/search/jql` (what n8n uses since Atlassian retired
`/search` and its startAt paging): pages follow `nextPageToken` in the request body. Errors are
`{"errorMessages": [...], "errors": {"field": "problem"}}`. Not here: the Jira Server credentials
(n8n's `jiraVersion` server/serverPat), Update's status transition, custom fields, Get's
simplifyOutput, and n8n's check that a parent key goes only with a sub-task type."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from engine.credential_types import CredentialDataError
from engine.errors import NodeOperationError

from .framework import (
    App,
    Args,
    Auth,
    BasicAuth,
    CredentialTest,
    CredentialType,
    Cursor,
    Operation,
    Parameter,
    Resource,
    default_error,
)

JIRA_CLOUD_API = CredentialType(
    name="jiraSoftwareCloudApi",
    display_name="Jira SW Cloud API",
    fields=(
        Parameter("email", "Email", "string", default="", required=True, placeholder="name@email.com"),
        Parameter("apiToken", "API Token", "string", default="", required=True, type_options={"password": True}),
        Parameter("domain", "Domain", "string", default="", required=True,
                  placeholder="https://example.atlassian.net"),
    ),
    authenticate=BasicAuth(user="{email}", password="{apiToken}"),
    test=CredentialTest(url="{domain}/rest/api/2/myself"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/jira/",
)


def base_url(data: Mapping[str, Any]) -> str:
    domain = str(data.get("domain") or "").rstrip("/")
    if not domain:
        raise CredentialDataError("field 'domain' has no value")
    return f"{domain}/rest"


def read_error(response: httpx.Response, body: Any) -> str | None:
    """Jira's `errorMessages` and per-field `errors`, joined."""
    if response.status_code >= 400 and isinstance(body, dict):
        parts = [str(message) for message in body.get("errorMessages") or []]
        errors = body.get("errors")
        if isinstance(errors, dict):
            parts += [f"{field}: {problem}" for field, problem in errors.items()]
        if parts:
            return "; ".join(parts)
    return default_error(response, body)


_ISSUE_KEY = Parameter("issueKey", "Issue Key", "string", default="", required=True, placeholder="PROJ-123")
_FIELDS = (
    Parameter("assignee", "Assignee", "string", default="", description="The account ID of the assignee"),
    Parameter("description", "Description", "string", default="", type_options={"rows": 5}),
    Parameter("labels", "Labels", "string", default="", description="Comma-separated labels"),
    Parameter("parentIssueKey", "Parent Issue Key", "string", default="", description="For a sub-task"),
    Parameter("priority", "Priority Name or ID", "string", default=""),
    Parameter("reporter", "Reporter", "string", default="", description="The account ID of the reporter"),
    Parameter("summary", "Summary", "string", default=""),
)


def _fields(given: Mapping[str, Any]) -> dict[str, Any]:
    """n8n's flat field values as Jira's `fields` object."""
    fields: dict[str, Any] = {}
    for name, value in given.items():
        if value in (None, ""):
            continue
        if name in ("assignee", "reporter"):
            fields[name] = {"id": value}
        elif name == "priority":
            fields[name] = {"id": str(value)}
        elif name == "parentIssueKey":
            fields["parent"] = {"key": str(value).upper()}
        elif name == "labels":
            labels = value if isinstance(value, list) else str(value).split(",")
            fields[name] = [label.strip() for label in labels if str(label).strip()]
        else:
            fields[name] = value
    return fields


def _create_body(args: Args) -> dict[str, Any]:
    return {"fields": {"project": {"id": str(args["project"])}, "issuetype": {"id": str(args["issueType"])},
                       "summary": args["summary"], **_fields(args.get("additionalFields") or {})}}


def _update_body(args: Args) -> dict[str, Any]:
    fields = _fields(args.get("updateFields") or {})
    return {"fields": fields} if fields else {}


ISSUE_CREATE = Operation(
    "create", "Create", "POST", "/api/2/issue", description="Create a new issue",
    parameters=(
        Parameter("project", "Project Name or ID", "string", default="", required=True),
        Parameter("issueType", "Issue Type Name or ID", "string", default="", required=True),
        Parameter("summary", "Summary", "string", default="", required=True),
        Parameter("additionalFields", "Additional Fields", "collection", default={},
                  fields=tuple(p for p in _FIELDS if p.name != "summary")),
    ),
    body=_create_body,
)

ISSUE_DELETE = Operation(
    "delete", "Delete", "DELETE", "/api/2/issue/{issueKey}", description="Delete an issue",
    parameters=(_ISSUE_KEY, Parameter("deleteSubtasks", "Delete Subtasks", "boolean", default=False)),
    query={"deleteSubtasks": "deleteSubtasks"},
)

ISSUE_GET = Operation(
    "get", "Get", "GET", "/api/2/issue/{issueKey}", description="Get an issue",
    parameters=(_ISSUE_KEY, Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
        Parameter("expand", "Expand", "string", default="", description="E.g. renderedFields,changelog"),
        Parameter("fields", "Fields", "string", default="", description="Comma-separated fields to return"),
        Parameter("fieldsByKey", "Fields By Key", "boolean", default=False),
        Parameter("properties", "Properties", "string", default=""),
        Parameter("updateHistory", "Update History", "boolean", default=False),
    ))),
    query={"*": "additionalFields"},
)

def _search_body(args: Args) -> dict[str, Any]:
    options = args.get("options") or {}
    fields = options.get("fields") or "*navigable"  # the endpoint returns only ids without fields
    return {
        # An unbounded JQL query is refused; n8n asks for everything this way.
        "jql": options.get("jql") or 'created >= "1970-01-01"',
        "fields": fields if isinstance(fields, list) else [f.strip() for f in str(fields).split(",") if f.strip()],
        "expand": options.get("expand"),
        "fieldsByKeys": options.get("fieldsByKeys"),
        "maxResults": 100 if args.get("returnAll") else args.get("limit"),
    }


ISSUE_GET_ALL = Operation(
    "getAll", "Get Many", "POST", "/api/2/search/jql", description="Get many issues (a JQL search)",
    parameters=(Parameter("options", "Options", "collection", default={}, fields=(
        Parameter("expand", "Expand", "string", default="", description="E.g. renderedFields,names"),
        Parameter("fields", "Fields", "string", default="*navigable", description="Comma-separated fields to return"),
        Parameter("fieldsByKeys", "Fields By Key", "boolean", default=False),
        Parameter("jql", "JQL", "string", default="", placeholder="project = PROJ AND status = Open"),
    )),),
    body=_search_body,
    items="issues",
    pagination=Cursor("nextPageToken", "nextPageToken", in_body=True),
)

ISSUE_UPDATE = Operation(
    "update", "Update", "PUT", "/api/2/issue/{issueKey}", description="Update an issue",
    parameters=(_ISSUE_KEY, Parameter("updateFields", "Update Fields", "collection", default={}, fields=_FIELDS)),
    body=_update_body,
)

def _comment_path(args: Args) -> str:
    # Cloud comments are API v3 documents; Wiki Markup text goes to API v2, as n8n.
    version = "2" if (args.get("options") or {}).get("wikiMarkup") else "3"
    return f"/api/{version}/issue/{quote(str(args['issueKey']), safe='')}/comment"


def _comment_body(args: Args) -> dict[str, Any]:
    if args.get("jsonParameters"):
        document = args.get("commentJson")
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                raise NodeOperationError("Document Format must be a valid JSON", parameter="commentJson") from None
        return {"body": document}
    if (args.get("options") or {}).get("wikiMarkup"):
        return {"body": args["comment"]}
    return {"body": {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": args["comment"]}]}]}}


_TEXT_COMMENT = {"jsonParameters": (False,)}
COMMENT_ADD = Operation(
    "add", "Add", "POST", _comment_path, description="Add a comment to an issue",
    parameters=(
        _ISSUE_KEY,
        Parameter("jsonParameters", "JSON Parameters", "boolean", default=False),
        Parameter("comment", "Comment", "string", default="", required=True, type_options={"rows": 4},
                  show=_TEXT_COMMENT),
        Parameter("commentJson", "Document Format (JSON)", "json", default="", required=True,
                  show={"jsonParameters": (True,)},
                  description="The comment as an Atlassian Document Format document"),
        Parameter("options", "Options", "collection", default={}, fields=(
            Parameter("expand", "Expand", "string", default="", description="E.g. renderedBody"),
            Parameter("wikiMarkup", "Wiki Markup", "boolean", default=False,
                      description="Send the comment as Wiki Markup text (API v2)"),
        )),
    ),
    query=lambda args: {"expand": (args.get("options") or {}).get("expand")},
    body=_comment_body,
)

APP = App(
    name="jira",
    display_name="Jira Software",
    description="Consume Jira Software API",
    base_url=base_url,
    auth=(Auth(JIRA_CLOUD_API, "cloud", "Cloud"),),
    resources=(
        Resource("issue", "Issue", (ISSUE_CREATE, ISSUE_DELETE, ISSUE_GET, ISSUE_GET_ALL, ISSUE_UPDATE)),
        Resource("issueComment", "Issue Comment", (COMMENT_ADD,)),
    ),
    aliases=("n8n-nodes-base.jira",),
    versions=(1.0,),
    error=read_error,
    icon="bug_report",
    categories=("Development", "Productivity"),
    search_aliases=("atlassian", "ticket", "issue"),
    documentation_url="https://developer.atlassian.com/cloud/jira/platform/rest/v2/",
)
