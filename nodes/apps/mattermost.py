"""Mattermost (n8n `mattermost` v1): posts, channels and users through the REST API v4 of the
server in the credential (`{baseUrl}/api/v4`), with a personal access or bot token.

Lists page with `page` (from 0) and `per_page`. Not here: channel members' `resolveData` (n8n's
default: it then returns the members' user objects from a second call, `POST /users/ids`); this
node returns the membership objects, which carry the `user_id`s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.credential_types import CredentialDataError

from .framework import (
    App,
    Args,
    Auth,
    BearerAuth,
    CredentialTest,
    CredentialType,
    Operation,
    Option,
    PageNumber,
    Parameter,
    Resource,
)
from .trello import OnePage

MATTERMOST_API = CredentialType(
    name="mattermostApi",
    display_name="Mattermost API",
    fields=(
        Parameter("accessToken", "Access Token", "string", default="", required=True,
                  type_options={"password": True}),
        Parameter("baseUrl", "Base URL", "string", default="", required=True,
                  placeholder="https://mattermost.example.com"),
        Parameter("allowUnauthorizedCerts", "Ignore SSL Issues", "boolean", default=False,
                  description="Whether to connect even if SSL certificate validation is not possible"),
    ),
    authenticate=BearerAuth(token="{accessToken}"),
    test=CredentialTest(url="{baseUrl}/api/v4/users/me"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/mattermost/",
)


def base_url(data: Mapping[str, Any]) -> str:
    server = str(data.get("baseUrl") or "").rstrip("/")
    if not server:
        raise CredentialDataError("field 'baseUrl' has no value")
    return f"{server}/api/v4"


_PAGES = PageNumber("page", start=0, size_param="per_page", max_size=200)
_CHANNEL = Parameter("channelId", "Channel Name or ID", "string", default="", required=True,
                     description="The ID of the channel")
_TEAM = Parameter("teamId", "Team Name or ID", "string", default="", required=True,
                  description="The ID of the team")


def _post_body(args: Args) -> dict[str, Any]:
    attachments = [dict(entry) for entry in args.get("attachments") or [] if isinstance(entry, Mapping)]
    return {"channel_id": args["channelId"], "message": args["message"],
            "props": {"attachments": attachments}, **(args.get("otherOptions") or {})}  # props always, as n8n


MESSAGE_DELETE = Operation(
    "delete", "Delete", "DELETE", "/posts/{postId}", description="Soft delete a post",
    parameters=(Parameter("postId", "Post ID", "string", default="", required=True,
                          description="ID of the post to delete"),),
)

MESSAGE_POST = Operation(
    "post", "Post", "POST", "/posts", description="Post a message into a channel",
    parameters=(
        _CHANNEL,
        Parameter("message", "Message", "string", default="", type_options={"rows": 4},
                  description="The text to send"),
        Parameter("attachments", "Attachments", "collection", default=[], multiple=True, fields=(
            Parameter("fallback", "Fallback Text", "string", default=""),
            Parameter("color", "Color", "color", default="#ff0000"),
            Parameter("pretext", "Pretext", "string", default=""),
            Parameter("title", "Title", "string", default=""),
            Parameter("title_link", "Title Link", "string", default=""),
            Parameter("text", "Text", "string", default=""),
            Parameter("image_url", "Image URL", "string", default=""),
            Parameter("footer", "Footer", "string", default=""),
        ), description="The attachments to add (Mattermost message attachments)"),
        Parameter("otherOptions", "Other Options", "collection", default={}, fields=(
            Parameter("root_id", "Root Post ID", "string", default="", description="The post ID to reply to"),
        )),
    ),
    body=_post_body,
)

CHANNEL_CREATE = Operation(
    "create", "Create", "POST", "/channels", description="Create a new channel",
    parameters=(
        _TEAM,
        Parameter("displayName", "Display Name", "string", default="", required=True, placeholder="Announcements"),
        Parameter("channel", "Name", "string", default="", required=True, placeholder="announcements",
                  description="The unique handle of the channel (lowercase letters, digits, dashes)"),
        Parameter("type", "Type", "options", default="public",
                  options=(Option("Private", "private"), Option("Public", "public"))),
    ),
    body=lambda args: {"team_id": args["teamId"], "display_name": args["displayName"], "name": args["channel"],
                       "type": "P" if args["type"] == "private" else "O"},
)

CHANNEL_MEMBERS = Operation(
    "members", "Member", "GET", "/channels/{channelId}/members", description="Get the members of a channel",
    parameters=(_TEAM, _CHANNEL),
    pagination=_PAGES,
)

CHANNEL_SEARCH = Operation(
    "search", "Search", "POST", "/teams/{teamId}/channels/search",
    description="Search for public channels of a team by name or display name",
    parameters=(_TEAM, Parameter("term", "Search Term", "string", default="", required=True,
                                 placeholder="General", description="The search term for channels in a team")),
    body={"term": "term"},
    pagination=OnePage(),
)

USER_BY_EMAIL = Operation(
    "getByEmail", "Get by Email", "GET", "/users/email/{email}", description="Get a user by email",
    parameters=(Parameter("email", "Email", "string", default="", required=True, placeholder="name@email.com",
                          description="User's email"),),
)

APP = App(
    name="mattermost",
    display_name="Mattermost",
    description="Sends data to Mattermost",
    base_url=base_url,
    auth=(Auth(MATTERMOST_API, "accessToken", "Access Token"),),
    resources=(
        # Message first, Post first: n8n's defaults.
        Resource("message", "Message", (MESSAGE_POST, MESSAGE_DELETE)),
        Resource("channel", "Channel", (CHANNEL_CREATE, CHANNEL_MEMBERS, CHANNEL_SEARCH)),
        Resource("user", "User", (USER_BY_EMAIL,)),
    ),
    aliases=("n8n-nodes-base.mattermost",),
    versions=(1.0,),
    icon="chat",
    categories=("Communication",),
    search_aliases=("chat", "message"),
    documentation_url="https://api.mattermost.com/",
)
