"""GitHub (n8n `github` v1/1.1): issues, comments, repository issue lists, releases through the
REST API of github.com or a GitHub Enterprise server (the credential's Server). Lists page by the
`Link: <…>; rel="next"` header."""

from __future__ import annotations

from typing import Any

from .framework import (
    App,
    Args,
    Auth,
    CredentialTest,
    CredentialType,
    HeaderAuth,
    LinkHeader,
    Operation,
    Option,
    Parameter,
    Resource,
)

GITHUB_API = CredentialType(
    name="githubApi",
    display_name="GitHub API",
    fields=(
        Parameter("server", "Github Server", "string", default="https://api.github.com",
                  description="The server to connect to. Only has to be set if Github Enterprise is used."),
        Parameter("user", "User", "string", default=""),
        Parameter("accessToken", "Access Token", "string", default="", required=True,
                  type_options={"password": True}),
    ),
    authenticate=HeaderAuth(name="Authorization", value="token {accessToken}"),
    test=CredentialTest(url="{server}/user"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/github/",
)

# OAuth2 through the generic oAuth2Api flow, its URLs fixed to github.com's.
GITHUB_OAUTH2_API = CredentialType(
    name="githubOAuth2Api",
    display_name="GitHub OAuth2 API",
    extends=("oAuth2Api",),
    fields=(
        GITHUB_API.fields[0],
        Parameter("grantType", "Grant Type", "hidden", default="authorizationCode"),
        Parameter("authUrl", "Authorization URL", "hidden", default="https://github.com/login/oauth/authorize"),
        Parameter("accessTokenUrl", "Access Token URL", "hidden",
                  default="https://github.com/login/oauth/access_token"),
        Parameter("scope", "Scope", "hidden", default="repo,admin:repo_hook,admin:org,admin:org_hook,gist,"
                  "notifications,user,write:packages,read:packages,delete:packages,workflow"),
        Parameter("authQueryParameters", "Auth URI Query Parameters", "hidden", default=""),
        Parameter("authentication", "Authentication", "hidden", default="header"),
    ),
    test=CredentialTest(url="{server}/user"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/github/",
)

_OWNER = Parameter("owner", "Repository Owner", "string", default="", required=True, placeholder="n8n-io")
_REPOSITORY = Parameter("repository", "Repository Name", "string", default="", required=True, placeholder="n8n")
_ISSUE = Parameter("issueNumber", "Issue Number", "number", default=0, required=True,
                   description="The number of the issue")
_LABELS = Parameter("labels", "Labels", "collection", default=[], multiple=True,
                    fields=(Parameter("label", "Label", "string", default=""),))
_ASSIGNEES = Parameter("assignees", "Assignees", "collection", default=[], multiple=True,
                       fields=(Parameter("assignee", "Assignee", "string", default=""),))
_STATE = Parameter("state", "State", "options", default="open",
                   options=(Option("Closed", "closed"), Option("Open", "open")))
_ISSUE_PATH = "/repos/{owner}/{repository}/issues/{issueNumber}"


def _values(entries: Any, key: str) -> list[Any]:
    """n8n's multiple-values collection `[{"label": "bug"}]` as the list GitHub wants."""
    return [entry[key] for entry in entries or [] if isinstance(entry, dict) and entry.get(key) not in (None, "")]


def _create_body(args: Args) -> dict[str, Any]:
    return {"title": args["title"], "body": args["body"], "labels": _values(args["labels"], "label"),
            "assignees": _values(args["assignees"], "assignee")}


def _edit_body(args: Args) -> dict[str, Any]:
    fields = dict(args.get("editFields") or {})
    if "labels" in fields:
        fields["labels"] = _values(fields["labels"], "label")
    if "assignees" in fields:
        fields["assignees"] = _values(fields["assignees"], "assignee")
    return fields


ISSUE_CREATE = Operation(
    "create", "Create", "POST", "/repos/{owner}/{repository}/issues", description="Create a new issue",
    parameters=(_OWNER, _REPOSITORY, Parameter("title", "Title", "string", default="", required=True),
                Parameter("body", "Body", "string", default="", type_options={"rows": 5}), _LABELS, _ASSIGNEES),
    body=_create_body,
)

ISSUE_GET = Operation(
    "get", "Get", "GET", _ISSUE_PATH, description="Get the data of a single issue",
    parameters=(_OWNER, _REPOSITORY, _ISSUE),
)

ISSUE_EDIT = Operation(
    "edit", "Edit", "PATCH", _ISSUE_PATH, description="Edit an issue",
    parameters=(_OWNER, _REPOSITORY, _ISSUE, Parameter("editFields", "Edit Fields", "collection", default={}, fields=(
        _ASSIGNEES, Parameter("body", "Body", "string", default="", type_options={"rows": 5}), _LABELS, _STATE,
        Parameter("state_reason", "State Reason", "options", default="completed", options=(
            Option("Completed", "completed"), Option("Not Planned", "not_planned"), Option("Reopened", "reopened"))),
        Parameter("title", "Title", "string", default=""),
    ))),
    body=_edit_body,
)

ISSUE_COMMENT = Operation(
    "createComment", "Create Comment", "POST", _ISSUE_PATH + "/comments",
    description="Create a new comment on an issue",
    parameters=(_OWNER, _REPOSITORY, _ISSUE, Parameter("body", "Body", "string", default="", type_options={"rows": 5})),
    body={"body": "body"},
)

REPOSITORY_ISSUES = Operation(
    "getIssues", "Get Issues", "GET", "/repos/{owner}/{repository}/issues",
    description="Returns issues of a repository",
    parameters=(_OWNER, _REPOSITORY, Parameter("getRepositoryIssuesFilters", "Filters", "collection", default={},
                                               fields=(
        Parameter("assignee", "Assignee", "string", default=""),
        Parameter("creator", "Creator", "string", default=""),
        Parameter("mentioned", "Mentioned", "string", default=""),
        Parameter("labels", "Labels", "string", default="", description="Comma-separated label names"),
        Parameter("since", "Updated Since", "dateTime", default=""),
        Parameter("state", "State", "options", default="open", options=(
            Option("All", "all"), Option("Closed", "closed"), Option("Open", "open"))),
        Parameter("sort", "Sort", "options", default="created", options=(
            Option("Created", "created"), Option("Updated", "updated"), Option("Comments", "comments"))),
        Parameter("direction", "Direction", "options", default="desc",
                  options=(Option("Ascending", "asc"), Option("Descending", "desc"))),
    ))),
    query={"*": "getRepositoryIssuesFilters"},
    pagination=LinkHeader(size_param="per_page", max_size=100),
)

RELEASE_CREATE = Operation(
    "create", "Create", "POST", "/repos/{owner}/{repository}/releases", description="Creates a new release",
    parameters=(_OWNER, _REPOSITORY, Parameter("releaseTag", "Tag", "string", default="", required=True),
                Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
                    Parameter("name", "Name", "string", default=""),
                    Parameter("body", "Body", "string", default="", type_options={"rows": 5}),
                    Parameter("draft", "Draft", "boolean", default=False),
                    Parameter("prerelease", "Prerelease", "boolean", default=False),
                    Parameter("target_commitish", "Target Commitish", "string", default=""),
                ))),
    body={"tag_name": "releaseTag", "*": "additionalFields"},
)

APP = App(
    name="github",
    display_name="GitHub",
    description="Consume GitHub API",
    base_url="{server}",
    auth=(Auth(GITHUB_API, "accessToken", "Access Token"), Auth(GITHUB_OAUTH2_API, "oAuth2", "OAuth2")),
    resources=(
        Resource("issue", "Issue", (ISSUE_CREATE, ISSUE_COMMENT, ISSUE_EDIT, ISSUE_GET)),
        Resource("repository", "Repository", (REPOSITORY_ISSUES,)),
        Resource("release", "Release", (RELEASE_CREATE,)),
    ),
    aliases=("n8n-nodes-base.github",),
    versions=(1.0, 1.1),
    headers={"Accept": "application/vnd.github+json"},
    icon="code",
    categories=("Development",),
    search_aliases=("git", "issue", "repository"),
    documentation_url="https://docs.github.com/en/rest",
)
