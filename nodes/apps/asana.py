"""Asana (n8n `asana` v1): tasks, subtasks and projects through the REST API at app.asana.com/api/1.0
with a personal access token (or OAuth2).

Asana wraps requests and answers in `{"data": ...}`; lists page with `next_page.offset` → `offset`;
errors are `{"errors": [{"message": ...}]}`."""

from __future__ import annotations

from typing import Any

import httpx

from .credentials import bearer_token
from .framework import (
    App,
    Args,
    Auth,
    CredentialTest,
    CredentialType,
    Cursor,
    Operation,
    Parameter,
    Resource,
    default_error,
)

ASANA_API = bearer_token("asanaApi", "Asana API", "accessToken", "Access Token",
                         "https://app.asana.com/api/1.0/users/me", "asana")

ASANA_OAUTH2_API = CredentialType(
    name="asanaOAuth2Api",
    display_name="Asana OAuth2 API",
    extends=("oAuth2Api",),
    fields=(
        Parameter("grantType", "Grant Type", "hidden", default="authorizationCode"),
        Parameter("authUrl", "Authorization URL", "hidden", default="https://app.asana.com/-/oauth_authorize"),
        Parameter("accessTokenUrl", "Access Token URL", "hidden", default="https://app.asana.com/-/oauth_token"),
        Parameter("scope", "Scope", "hidden", default=""),
        Parameter("authQueryParameters", "Auth URI Query Parameters", "hidden", default=""),
        Parameter("authentication", "Authentication", "hidden", default="body"),
    ),
    test=CredentialTest(url="https://app.asana.com/api/1.0/users/me"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/asana/",
)


def read_error(response: httpx.Response, body: Any) -> str | None:
    """Asana's `errors[].message`, joined; else the default reading."""
    if response.status_code >= 400 and isinstance(body, dict) and isinstance(body.get("errors"), list):
        messages = [str(e.get("message")) for e in body["errors"] if isinstance(e, dict) and e.get("message")]
        if messages:
            return "; ".join(messages)
    return default_error(response, body)


_PAGES = Cursor("next_page.offset", "offset", size_param="limit", max_size=100)
_TASK_PROPERTIES = (
    Parameter("assignee", "Assignee", "string", default="", description="Gid of the user the task is assigned to"),
    Parameter("assignee_status", "Assignee Status", "string", default=""),
    Parameter("completed", "Completed", "boolean", default=False),
    Parameter("due_on", "Due On", "dateTime", default=""),
    Parameter("name", "Name", "string", default=""),
    Parameter("notes", "Notes", "string", default="", type_options={"rows": 5}),
    Parameter("liked", "Liked", "boolean", default=False),
    Parameter("projects", "Projects", "string", default="", description="Comma-separated project gids"),
)
_TASK_ID = Parameter("id", "Task ID", "string", default="", required=True, description="The ID of the task")


def _data(fields: dict[str, Any]) -> dict[str, Any]:
    """Asana's request envelope; `projects` given as comma-separated gids becomes a list."""
    fields = {key: value for key, value in fields.items() if value not in (None, "")}
    if isinstance(fields.get("projects"), str):
        fields["projects"] = [gid.strip() for gid in fields["projects"].split(",") if gid.strip()]
    return {"data": fields}


def _joined(fields: dict[str, Any], name: str) -> dict[str, Any]:
    """n8n's multi-option lists (opt_fields) as Asana's comma-separated values."""
    value = fields.get(name)
    return {**fields, name: ",".join(map(str, value))} if isinstance(value, list) else dict(fields)


def _projects_query(args: Args) -> dict[str, Any]:
    # As n8n: a team's projects replace the workspace's; `archived` only when asked for.
    extra = args.get("additionalFields") or {}
    where = {"team": extra["team"]} if extra.get("team") else {"workspace": args["workspace"]}
    return {**where, "archived": True if extra.get("archived") else None}


def _properties(args: Args, *names: str) -> dict[str, Any]:
    return {**{name: args[name] for name in names}, **(args.get("otherProperties") or {})}


TASK_CREATE = Operation(
    "create", "Create", "POST", "/tasks", description="Create a task",
    parameters=(
        Parameter("workspace", "Workspace Name or ID", "string", default="", required=True,
                  description="The workspace to create the task in"),
        Parameter("name", "Name", "string", default="", required=True, description="The name of the task"),
        Parameter("otherProperties", "Additional Fields", "collection", default={},
                  fields=tuple(p for p in _TASK_PROPERTIES if p.name != "name")),
    ),
    body=lambda args: _data(_properties(args, "workspace", "name")),
    items="data",
)

TASK_DELETE = Operation("delete", "Delete", "DELETE", "/tasks/{id}", description="Delete a task",
                        parameters=(_TASK_ID,), items="data")

TASK_GET = Operation("get", "Get", "GET", "/tasks/{id}", description="Get a task", parameters=(_TASK_ID,),
                     items="data")

TASK_GET_ALL = Operation(
    "getAll", "Get Many", "GET", "/tasks", description="Get many tasks",
    parameters=(Parameter("filters", "Filters", "collection", default={}, fields=(
        Parameter("assignee", "Assignee", "string", default="", description="Needs a workspace too"),
        Parameter("opt_fields", "Fields", "string", default="",
                  description="Fields to return (comma-separated, or n8n's list of field names)"),
        Parameter("workspace", "Workspace", "string", default=""),
        Parameter("completed_since", "Completed Since", "dateTime", default=""),
        Parameter("modified_since", "Modified Since", "dateTime", default=""),
        Parameter("project", "Project", "string", default=""),
        Parameter("section", "Section", "string", default=""),
    )),),
    query=lambda args: _joined(args.get("filters") or {}, "opt_fields"),
    items="data",
    pagination=_PAGES,
)

TASK_UPDATE = Operation(
    "update", "Update", "PUT", "/tasks/{id}", description="Update a task",
    parameters=(_TASK_ID, Parameter("otherProperties", "Update Fields", "collection", default={},
                                    fields=_TASK_PROPERTIES)),
    body=lambda args: _data(dict(args.get("otherProperties") or {})),
    items="data",
)

SUBTASK_CREATE = Operation(
    "create", "Create", "POST", "/tasks/{taskId}/subtasks", description="Create a subtask",
    parameters=(
        Parameter("taskId", "Parent Task ID", "string", default="", required=True),
        Parameter("name", "Name", "string", default="", required=True, description="The name of the subtask"),
        Parameter("otherProperties", "Additional Fields", "collection", default={},
                  fields=tuple(p for p in _TASK_PROPERTIES if p.name not in ("name", "projects"))),
    ),
    body=lambda args: _data(_properties(args, "name")),
    items="data",
)

PROJECT_GET_ALL = Operation(
    "getAll", "Get Many", "GET", "/projects", description="Get many projects of a workspace",
    parameters=(
        Parameter("workspace", "Workspace Name or ID", "string", default="", required=True),
        Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
            Parameter("archived", "Archived", "boolean", default=False,
                      description="Only archived projects (else all)"),
            Parameter("team", "Teams Name or ID", "string", default="",
                      description="The team's projects, instead of the workspace's"),
        )),
    ),
    query=_projects_query,
    items="data",
    pagination=_PAGES,
)

APP = App(
    name="asana",
    display_name="Asana",
    description="Consume Asana REST API",
    base_url="https://app.asana.com/api/1.0",
    auth=(Auth(ASANA_API, "accessToken", "Access Token"), Auth(ASANA_OAUTH2_API, "oAuth2", "OAuth2")),
    resources=(
        # Task first: n8n's default resource.
        Resource("task", "Task", (TASK_CREATE, TASK_DELETE, TASK_GET, TASK_GET_ALL, TASK_UPDATE)),
        Resource("subtask", "Subtask", (SUBTASK_CREATE,)),
        Resource("project", "Project", (PROJECT_GET_ALL,)),
    ),
    aliases=("n8n-nodes-base.asana",),
    versions=(1.0,),
    error=read_error,
    icon="task_alt",
    categories=("Productivity",),
    search_aliases=("task", "project management"),
    documentation_url="https://developers.asana.com/reference/rest-api-reference",
)
