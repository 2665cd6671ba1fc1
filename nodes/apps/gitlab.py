"""GitLab (n8n `gitlab` v1): issues, notes, repository issue lists and releases through the REST API
v4 of gitlab.com or a self-managed server (the credential's Server), signed with `PRIVATE-TOKEN`.

A project is addressed as n8n does, by its URL-encoded path `owner%2Frepository`. Lists page by the
`X-Next-Page` header (empty on the last page). Not here: OAuth2 (n8n's gitlabOAuth2Api derives its
URLs from the server by expression). Edit's State (n8n's closed/open) is sent as GitLab's
`state_event` (close/reopen), which GitLab acts on."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from nodes.http.spec import RequestSpec

from .framework import (
    App,
    Args,
    Auth,
    CredentialTest,
    CredentialType,
    HeaderAuth,
    Operation,
    Option,
    Parameter,
    Resource,
    default_error,
)
from .pagination import Page

GITLAB_API = CredentialType(
    name="gitlabApi",
    display_name="GitLab API",
    fields=(
        Parameter("server", "Gitlab Server", "string", default="https://gitlab.com"),
        Parameter("accessToken", "Access Token", "string", default="", required=True,
                  type_options={"password": True}),
    ),
    authenticate=HeaderAuth(name="PRIVATE-TOKEN", value="{accessToken}"),
    test=CredentialTest(url="{server}/api/v4/personal_access_tokens/self"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/gitlab/",
)


class NextPageHeader:
    """GitLab's offset pagination: the next page number is in `X-Next-Page` (empty when done)."""

    size_param = "per_page"
    max_size = 100

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        number = page.response.headers.get("x-next-page", "").strip()
        return replace(spec, query={**spec.query, "page": number}) if number and page.items else None


def read_error(response: httpx.Response, body: Any) -> str | None:
    """GitLab's `message` (a text, or field → problems for validation errors), `error_description`."""
    if response.status_code >= 400 and isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, dict):
            return "; ".join(f"{field}: {', '.join(map(str, problems)) if isinstance(problems, list) else problems}"
                             for field, problems in message.items())
        if isinstance(message, list):
            return "; ".join(map(str, message))
        if body.get("error_description"):
            return str(body["error_description"])
    return default_error(response, body)


_OWNER = Parameter("owner", "Project Owner", "string", default="", required=True, placeholder="n8n-io",
                   description="User, group or namespace of the project")
_REPOSITORY = Parameter("repository", "Project Name", "string", default="", required=True, placeholder="n8n-docs")
_ISSUE = Parameter("issueNumber", "Issue Number", "number", default=0, required=True,
                   description="The number (iid) of the issue")
_PROJECT = "/projects/{owner}%2F{repository}"
_ISSUE_PATH = _PROJECT + "/issues/{issueNumber}"
_LABELS = Parameter("labels", "Labels", "collection", default=[], multiple=True,
                    fields=(Parameter("label", "Label", "string", default=""),))
_ASSIGNEES = Parameter("assignee_ids", "Assignees", "collection", default=[], multiple=True,
                       fields=(Parameter("assignee", "Assignee", "number", default=0,
                                         description="User ID to assign the issue to"),))


def _values(entries: Any, key: str) -> list[Any]:
    return [entry[key] for entry in entries or [] if isinstance(entry, dict) and entry.get(key) not in (None, "")]


def _labels(entries: Any) -> str:
    return ",".join(str(label) for label in _values(entries, "label"))


def _create_body(args: Args) -> dict[str, Any]:
    return {"title": args["title"], "description": args["body"], "due_date": args["due_date"],
            "labels": _labels(args["labels"]), "assignee_ids": _values(args["assignee_ids"], "assignee")}


def _edit_body(args: Args) -> dict[str, Any]:
    fields = dict(args.get("editFields") or {})
    if "labels" in fields:
        fields["labels"] = _labels(fields["labels"])
    if "assignee_ids" in fields:
        fields["assignee_ids"] = _values(fields["assignee_ids"], "assignee")
    if "state" in fields:  # GitLab changes the state by an event (n8n sends `state`, which GitLab ignores)
        fields["state_event"] = {"closed": "close", "open": "reopen"}.get(fields.pop("state"))
    return fields


ISSUE_CREATE = Operation(
    "create", "Create", "POST", _PROJECT + "/issues", description="Create a new issue",
    parameters=(_OWNER, _REPOSITORY, Parameter("title", "Title", "string", default="", required=True),
                Parameter("body", "Body", "string", default="", type_options={"rows": 5}),
                Parameter("due_date", "Due Date", "dateTime", default=""), _LABELS, _ASSIGNEES),
    body=_create_body,
)

ISSUE_COMMENT = Operation(
    "createComment", "Create Comment", "POST", _ISSUE_PATH + "/notes",
    description="Create a new comment (note) on an issue",
    parameters=(_OWNER, _REPOSITORY, _ISSUE, Parameter("body", "Body", "string", default="", required=True,
                                                       type_options={"rows": 5})),
    body={"body": "body"},
)

ISSUE_EDIT = Operation(
    "edit", "Edit", "PUT", _ISSUE_PATH, description="Edit an issue",
    parameters=(_OWNER, _REPOSITORY, _ISSUE, Parameter("editFields", "Edit Fields", "collection", default={}, fields=(
        Parameter("title", "Title", "string", default=""),
        Parameter("description", "Description", "string", default="", type_options={"rows": 5}),
        _LABELS, _ASSIGNEES,
        Parameter("state", "State", "options", default="open", description="The state to set",
                  options=(Option("Closed", "closed"), Option("Open", "open"))),
        Parameter("due_date", "Due Date", "dateTime", default=""),
    ))),
    body=_edit_body,
)

ISSUE_GET = Operation("get", "Get", "GET", _ISSUE_PATH, description="Get the data of a single issue",
                      parameters=(_OWNER, _REPOSITORY, _ISSUE))

REPOSITORY_ISSUES = Operation(
    "getIssues", "Get Issues", "GET", _PROJECT + "/issues", description="Returns issues of a project",
    parameters=(_OWNER, _REPOSITORY, Parameter("getRepositoryIssuesFilters", "Filters", "collection", default={},
                                               fields=(
        Parameter("assignee_username", "Assignee", "string", default=""),
        Parameter("author_username", "Creator", "string", default=""),
        Parameter("search", "Search", "string", default="", description="In titles and descriptions"),
        Parameter("labels", "Labels", "string", default="", description="Comma-separated label names"),
        Parameter("updated_after", "Updated After", "dateTime", default=""),
        Parameter("state", "State", "options", default="opened", options=(
            Option("All", ""), Option("Closed", "closed"), Option("Open", "opened"))),
        Parameter("order_by", "Sort", "options", default="created_at", options=(
            Option("Created At", "created_at"), Option("Updated At", "updated_at"), Option("Priority", "priority"))),
        Parameter("sort", "Direction", "options", default="desc",
                  options=(Option("Ascending", "asc"), Option("Descending", "desc"))),
    ))),
    query={"*": "getRepositoryIssuesFilters"},
    pagination=NextPageHeader(),
    limit_default=20,
)

RELEASE_CREATE = Operation(
    "create", "Create", "POST", _PROJECT + "/releases", description="Create a new release",
    parameters=(_OWNER, _REPOSITORY, Parameter("releaseTag", "Tag", "string", default="", required=True),
                Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
                    Parameter("name", "Name", "string", default=""),
                    Parameter("description", "Description", "string", default="", type_options={"rows": 5}),
                    Parameter("ref", "Ref", "string", default="",
                              description="Commit SHA, tag or branch to create the tag from, if it does not exist"),
                ))),
    body={"tag_name": "releaseTag", "*": "additionalFields"},
)

APP = App(
    name="gitlab",
    display_name="GitLab",
    description="Retrieve data from GitLab API",
    base_url=lambda data: str(data.get("server") or "https://gitlab.com").rstrip("/") + "/api/v4",
    auth=(Auth(GITLAB_API, "accessToken", "Access Token"),),
    resources=(
        Resource("issue", "Issue", (ISSUE_CREATE, ISSUE_COMMENT, ISSUE_EDIT, ISSUE_GET)),
        Resource("repository", "Repository", (REPOSITORY_ISSUES,)),
        Resource("release", "Release", (RELEASE_CREATE,)),
    ),
    aliases=("n8n-nodes-base.gitlab",),
    versions=(1.0,),
    error=read_error,
    icon="code",
    categories=("Development",),
    search_aliases=("git", "issue", "merge request"),
    documentation_url="https://docs.gitlab.com/ee/api/rest/",
)
