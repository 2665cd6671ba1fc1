"""Slack (n8n `slack` v2.x): messages, channels, users through the Web API with a bot/user token.

Slack answers errors with HTTP 200 and `{"ok": false, "error": "channel_not_found"}`; lists page
with `response_metadata.next_cursor` → `cursor`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from .framework import (
    App,
    Args,
    Auth,
    BearerAuth,
    CredentialTest,
    CredentialType,
    Cursor,
    Operation,
    Option,
    Parameter,
    Resource,
    default_error,
)

SLACK_API = CredentialType(
    name="slackApi",
    display_name="Slack API",
    fields=(
        Parameter("accessToken", "Access Token", "string", default="", required=True,
                  type_options={"password": True}),
        Parameter("signatureSecret", "Signature Secret", "string", default="", type_options={"password": True},
                  description="For Slack Trigger: checks that events come from Slack"),
    ),
    authenticate=BearerAuth(token="{accessToken}"),
    test=CredentialTest(url="https://slack.com/api/auth.test"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/slack/",
)


def read_error(response: httpx.Response, body: Any) -> str | None:
    """Slack's `error` code when `ok` is false (even with HTTP 200), else the status's message."""
    if isinstance(body, dict) and body.get("ok") is False:
        return str(body.get("error") or "unknown_error")
    return default_error(response, body)


def _channel(name: str = "channelId", display_name: str = "Channel") -> Parameter:
    return Parameter(name, display_name, "string", default="", required=True, placeholder="C0123456789",
                     description="The channel's ID (or #name where Slack accepts it)")


_SELECT = Parameter("select", "Send Message To", "options", default="channel",
                    options=(Option("Channel", "channel"), Option("User", "user")))
_POST_OPTIONS = Parameter("otherOptions", "Options", "collection", default={}, fields=(
    Parameter("link_names", "Link User and Channel Names", "boolean", default=False),
    Parameter("mrkdwn", "Use Markdown?", "boolean", default=True),
    Parameter("unfurl_links", "Unfurl Links", "boolean", default=False),
    Parameter("unfurl_media", "Unfurl Media", "boolean", default=True),
    Parameter("thread_ts", "Reply to a Message (thread_ts)", "string", default=""),
    Parameter("reply_broadcast", "Reply to Thread and Channel", "boolean", default=False),
    Parameter("sendAsUser", "Send as User", "string", default="",
              description="The username to post as (needs the chat:write.customize scope)"),
))


def _post_body(args: Args) -> dict[str, Any]:
    options = dict(args.get("otherOptions") or {})
    body: dict[str, Any] = {"channel": args["channelId"] if args["select"] == "channel" else args["user"],
                            "text": args["text"]}
    if options.get("sendAsUser"):
        body["username"] = options.pop("sendAsUser")
    options.pop("sendAsUser", None)
    return {**body, **options}


POST = Operation(
    "post", "Send", "POST", "/chat.postMessage", description="Send a message to a channel or a user",
    parameters=(
        _SELECT,
        replace(_channel(), show={"select": ("channel",)}),
        Parameter("user", "User", "string", default="", required=True, placeholder="U0123456789",
                  show={"select": ("user",)}),
        Parameter("text", "Message Text", "string", default="", required=True, type_options={"rows": 4}),
        _POST_OPTIONS,
    ),
    body=_post_body,
)

UPDATE = Operation(
    "update", "Update", "POST", "/chat.update", description="Change the text of a message",
    parameters=(
        _channel(),
        Parameter("ts", "Message Timestamp", "string", default="", required=True, placeholder="1663233118.856619"),
        Parameter("text", "Message Text", "string", default="", required=True),
        Parameter("updateFields", "Update Fields", "collection", default={}, fields=(
            Parameter("link_names", "Link User and Channel Names", "boolean", default=False),
            Parameter("parse", "Parse", "options", default="none",
                      options=(Option("Client", "client"), Option("Full", "full"), Option("None", "none"))),
        )),
    ),
    body={"channel": "channelId", "ts": "ts", "text": "text", "*": "updateFields"},
)

DELETE = Operation(
    "delete", "Delete", "POST", "/chat.delete", description="Delete a message",
    parameters=(_channel(), Parameter("timestamp", "Message Timestamp", "string", default="", required=True)),
    body={"channel": "channelId", "ts": "timestamp"},
)

CHANNEL_LIST = Operation(
    "getAll", "Get Many", "GET", "/conversations.list", description="List the channels of the workspace",
    parameters=(Parameter("filters", "Filters", "collection", default={}, fields=(
        Parameter("excludeArchived", "Exclude Archived Channels", "boolean", default=False),
        Parameter("types", "Types", "multiOptions", default=["public_channel"], options=(
            Option("Public Channel", "public_channel"), Option("Private Channel", "private_channel"),
            Option("Multi-Person Direct Message", "mpim"), Option("Direct Message", "im"))),
    )),),
    query=lambda args: {
        "types": ",".join((args.get("filters") or {}).get("types") or ["public_channel"]),
        "exclude_archived": (args.get("filters") or {}).get("excludeArchived"),
    },
    items="channels",
    pagination=Cursor("response_metadata.next_cursor", "cursor", size_param="limit", max_size=200),
)

CHANNEL_HISTORY = Operation(
    "history", "History", "GET", "/conversations.history", description="Messages of a channel, newest first",
    parameters=(_channel(), Parameter("filters", "Filters", "collection", default={}, fields=(
        Parameter("inclusive", "Inclusive", "boolean", default=False,
                  description="Include messages with the latest or oldest timestamp"),
        Parameter("latest", "Latest", "string", default="", description="Only messages before this timestamp"),
        Parameter("oldest", "Oldest", "string", default="", description="Only messages after this timestamp"),
    ))),
    query={"channel": "channelId", "*": "filters"},
    items="messages",
    pagination=Cursor("response_metadata.next_cursor", "cursor", size_param="limit", max_size=200),
)

USER_INFO = Operation(
    "info", "Get", "GET", "/users.info", description="Information about a user",
    parameters=(Parameter("user", "User", "string", default="", required=True, placeholder="U0123456789"),),
    query={"user": "user"},
    items="user",
)

APP = App(
    name="slack",
    display_name="Slack",
    description="Consume the Slack API",
    base_url="https://slack.com/api",
    auth=(Auth(SLACK_API, "accessToken", "Access Token"),),
    resources=(
        Resource("message", "Message", (POST, UPDATE, DELETE)),
        Resource("channel", "Channel", (CHANNEL_LIST, CHANNEL_HISTORY)),
        Resource("user", "User", (USER_INFO,)),
    ),
    aliases=("n8n-nodes-base.slack",),
    versions=(2.0, 2.1, 2.2, 2.3),
    error=read_error,
    icon="forum",
    categories=("Communication",),
    search_aliases=("chat", "message"),
    documentation_url="https://api.slack.com/methods",
)
