"""Discord (n8n `discord` v2): messages through the REST API v10 with a bot token, and n8n's
webhook resource (send through the channel webhook URL of a `discordWebhookApi` credential).

As n8n, a webhook credential offers only the webhook resource. Channel messages page backwards
with `before` = the oldest id received (Discord answers newest first, at most 100 per page).
Not here: OAuth2 sign-in, Send To User (a direct message needs a DM channel created first; it
is refused with a clear error),
embeds and file uploads, reactions; the channel/member resources."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from engine.errors import NodeOperationError
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
)
from .pagination import Page

DISCORD_BOT_API = CredentialType(
    name="discordBotApi",
    display_name="Discord Bot API",
    fields=(Parameter("botToken", "Bot Token", "string", default="", required=True, type_options={"password": True}),),
    authenticate=HeaderAuth(name="Authorization", value="Bot {botToken}"),
    test=CredentialTest(url="https://discord.com/api/v10/users/@me/guilds"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/discord/",
)

DISCORD_WEBHOOK_API = CredentialType(
    name="discordWebhookApi",
    display_name="Discord Webhook",
    fields=(Parameter("webhookUri", "Webhook URL", "string", default="", required=True,
                      type_options={"password": True}, placeholder="https://discord.com/api/webhooks/ID/TOKEN"),),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/discord/",
)

# Message flag bits (https://discord.com/developers/docs/resources/message#message-object-message-flags).
_FLAGS = {"SUPPRESS_EMBEDS": 1 << 2, "SUPPRESS_NOTIFICATIONS": 1 << 12}


class Before:
    """Older messages: `before` = the last (oldest) id of the page, until a short page."""

    size_param = "limit"
    max_size = 100

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        if not page.items or len(page.items) < page_size or not isinstance(page.items[-1], dict):
            return None
        return replace(spec, query={**spec.query, "before": page.items[-1].get("id")})


def _options(options: Any, guild_id: Any = None) -> dict[str, Any]:
    """n8n's message options as Discord's fields: flags summed, a reply as message_reference."""
    prepared = dict(options or {})
    flags = prepared.pop("flags", None) or []
    if flags:
        prepared["flags"] = sum(_FLAGS.get(flag, 0) for flag in flags)
    if prepared.get("message_reference"):
        reference = {"message_id": prepared["message_reference"]}
        prepared["message_reference"] = {**reference, "guild_id": guild_id} if guild_id else reference
    prepared.pop("wait", None)
    return prepared


_GUILD = Parameter("guildId", "Server", "string", default="", description="The server (guild) ID")
_CHANNEL = Parameter("channelId", "Channel", "string", default="", required=True, placeholder="1029384756102938475",
                     description="The channel ID")
_MESSAGE = Parameter("messageId", "Message ID", "string", default="", required=True,
                     placeholder="1059467601836773386")
_FLAG_OPTION = Parameter("flags", "Flags", "multiOptions", default=[], description="Message flags", options=(
    Option("Suppress Embeds", "SUPPRESS_EMBEDS"), Option("Suppress Notifications", "SUPPRESS_NOTIFICATIONS")))
_TTS = Parameter("tts", "Text-to-Speech (TTS)", "boolean", default=False)
_CONTENT = Parameter("content", "Message", "string", default="", required=True, type_options={"rows": 2},
                     description="The content of the message (up to 2000 characters)")
_PATH = "/channels/{channelId}/messages"

def _send_path(args: Args) -> str:
    if args.get("sendTo") == "user":
        raise NodeOperationError("Sending a direct message to a user is not supported yet; send to a channel",
                                 parameter="sendTo")
    return f"/channels/{quote(str(args['channelId']), safe='')}/messages"


_TO_CHANNEL = {"sendTo": ("channel",)}
SEND = Operation(
    "send", "Send", "POST", _send_path, description="Send a message to a channel",
    parameters=(
        Parameter("sendTo", "Send To", "options", default="channel", description="Send message to a channel",
                  options=(Option("User", "user"), Option("Channel", "channel"))),
        replace(_GUILD, show=_TO_CHANNEL), replace(_CHANNEL, show=_TO_CHANNEL),
        Parameter("userId", "User", "string", default="", show={"sendTo": ("user",)}),
        _CONTENT, Parameter("options", "Options", "collection", default={}, fields=(
        _FLAG_OPTION,
        Parameter("message_reference", "Message to Reply to", "string", default="",
                  description="Fill this to make your message a reply. Add the message ID."),
        _TTS,
    ))),
    body=lambda args: {"content": args["content"], **_options(args.get("options"), args.get("guildId"))},
)

DELETE = Operation("deleteMessage", "Delete", "DELETE", _PATH + "/{messageId}", description="Delete a message",
                   parameters=(_GUILD, _CHANNEL, _MESSAGE))

GET = Operation("get", "Get", "GET", _PATH + "/{messageId}", description="Get a message",
                parameters=(_GUILD, _CHANNEL, _MESSAGE))

GET_ALL = Operation("getAll", "Get Many", "GET", _PATH, description="Get the messages of a channel, newest first",
                    parameters=(_GUILD, _CHANNEL), pagination=Before())


def _webhook_query(args: Args) -> dict[str, Any]:
    # Discord answers 204 unless asked to wait; then it returns the message.
    return {"wait": "true"} if (args.get("options") or {}).get("wait") else {}


SEND_LEGACY = Operation(
    "sendLegacy", "Send a Message", "POST", "", description="Send a message through the channel webhook",
    parameters=(_CONTENT, Parameter("options", "Options", "collection", default={}, fields=(
        Parameter("avatar_url", "Avatar URL", "string", default="", description="Override the webhook's avatar"),
        _FLAG_OPTION, _TTS,
        Parameter("username", "Username", "string", default="", description="Override the webhook's username"),
        Parameter("wait", "Wait", "boolean", default=False,
                  description="Whether to wait for the message to be created and return it"),
    ))),
    query=_webhook_query,
    body=lambda args: {"content": args["content"], **_options(args.get("options"))},
    base_url="{webhookUri}",
)

APP = App(
    name="discord",
    display_name="Discord",
    description="Sends data to Discord",
    base_url="https://discord.com/api/v10",
    auth=(Auth(DISCORD_BOT_API, "botToken", "Bot Token"), Auth(DISCORD_WEBHOOK_API, "webhook", "Webhook")),
    resources=(
        Resource("message", "Message", (SEND, DELETE, GET, GET_ALL), auth=("botToken",)),
        Resource("webhook", "Webhook", (SEND_LEGACY,), auth=("webhook",)),
    ),
    aliases=("n8n-nodes-base.discord",),
    versions=(2.0,),
    retry_after_path="retry_after",
    icon="forum",
    categories=("Communication",),
    search_aliases=("chat", "message", "webhook"),
    documentation_url="https://discord.com/developers/docs/resources/message",
)
