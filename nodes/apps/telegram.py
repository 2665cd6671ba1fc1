"""Telegram (n8n `telegram` v1.x): send, edit and delete messages, send photos and documents by
URL or file_id, get a chat, through the Bot API (`{baseUrl}/bot<token>/<method>`, the token in
the path, no header).

Answers are `{"ok": true, "result": ...}` and the node returns them whole, as n8n. Errors are
`{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}`; a 429 says how long
to wait in `parameters.retry_after`. Not here: binary uploads (multipart), reply markup
keyboards, and n8n's "sent automatically with n8n" attribution (never appended)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from engine.credential_types import CredentialDataError

from .framework import (
    App,
    Args,
    Auth,
    CredentialTest,
    CredentialType,
    Operation,
    Option,
    Parameter,
    Resource,
    default_error,
)

TELEGRAM_API = CredentialType(
    name="telegramApi",
    display_name="Telegram API",
    fields=(
        Parameter("accessToken", "Access Token", "string", default="", required=True,
                  type_options={"password": True},
                  description="Chat with the bot father to obtain the access token"),
        Parameter("baseUrl", "Base URL", "string", default="https://api.telegram.org",
                  description="Base URL for the Telegram Bot API"),
    ),
    test=CredentialTest(url="{baseUrl}/bot{accessToken}/getMe"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/telegram/",
)


def base_url(data: Mapping[str, Any]) -> str:
    token = str(data.get("accessToken") or "")
    if not token:
        raise CredentialDataError("field 'accessToken' has no value")
    return f"{str(data.get('baseUrl') or 'https://api.telegram.org').rstrip('/')}/bot{token}"


def read_error(response: httpx.Response, body: Any) -> str | None:
    """Telegram's `description` when `ok` is false."""
    if isinstance(body, dict) and body.get("ok") is False:
        return str(body.get("description") or f"error {body.get('error_code', '')}".strip())
    return default_error(response, body)


_CHAT = Parameter("chatId", "Chat ID", "string", default="", required=True,
                  description="Unique identifier for the target chat or username of the target channel "
                              "(@channelusername)")
_MESSAGE_ID = Parameter("messageId", "Message ID", "string", default="", required=True,
                        description="Unique identifier of the message")
_COMMON = (
    Parameter("disable_notification", "Disable Notification", "boolean", default=False,
              description="Send the message silently"),
    Parameter("message_thread_id", "Message Thread ID", "number", default=0,
              description="The thread (topic) of a forum supergroup"),
    Parameter("parse_mode", "Parse Mode", "options", default="HTML", options=(
        Option("Markdown (Legacy)", "Markdown"), Option("MarkdownV2", "MarkdownV2"), Option("HTML", "HTML"))),
    Parameter("reply_to_message_id", "Reply To Message ID", "number", default=0),
)
_TEXT_OPTIONS = (Parameter("disable_web_page_preview", "Disable WebPage Preview", "boolean", default=False),)
_FILE_OPTIONS = (Parameter("caption", "Caption", "string", default="", description="0-1024 characters"),)


def _options(*extra: Parameter) -> Parameter:
    return Parameter("additionalFields", "Additional Fields", "collection", default={},
                     fields=tuple(sorted((*_COMMON, *extra), key=lambda p: p.name)))


def _with_options(fields: dict[str, Any], args: Args) -> dict[str, Any]:
    options = {name: value for name, value in (args.get("additionalFields") or {}).items() if value != 0}
    return {**fields, **options}


def _file(display_name: str) -> Parameter:
    return Parameter("file", display_name, "string", default="", required=True,
                     description="A file_id already on Telegram's servers or an HTTP URL Telegram fetches")


SEND_MESSAGE = Operation(
    "sendMessage", "Send Message", "POST", "/sendMessage", description="Send a text message",
    parameters=(_CHAT, Parameter("text", "Text", "string", default="", required=True, type_options={"rows": 4},
                                 description="Text of the message to be sent"),
                _options(*_TEXT_OPTIONS)),
    body=lambda args: _with_options({"chat_id": args["chatId"], "text": args["text"]}, args),
)

SEND_PHOTO = Operation(
    "sendPhoto", "Send Photo", "POST", "/sendPhoto", description="Send a photo",
    parameters=(_CHAT, _file("Photo"), _options(*_FILE_OPTIONS)),
    body=lambda args: _with_options({"chat_id": args["chatId"], "photo": args["file"]}, args),
)

SEND_DOCUMENT = Operation(
    "sendDocument", "Send Document", "POST", "/sendDocument", description="Send a document",
    parameters=(_CHAT, _file("Document"), _options(*_FILE_OPTIONS)),
    body=lambda args: _with_options({"chat_id": args["chatId"], "document": args["file"]}, args),
)


def _edit_body(args: Args) -> dict[str, Any]:
    if args["messageType"] == "inlineMessage":
        target: dict[str, Any] = {"inline_message_id": args["inlineMessageId"]}
    else:
        target = {"chat_id": args["chatId"], "message_id": args["messageId"]}
    return _with_options({**target, "text": args["text"]}, args)


_FOR_MESSAGE = {"messageType": ("message",)}
EDIT_MESSAGE_TEXT = Operation(
    "editMessageText", "Edit Message Text", "POST", "/editMessageText", description="Edit a text message",
    parameters=(
        Parameter("messageType", "Message Type", "options", default="message",
                  options=(Option("Inline Message", "inlineMessage"), Option("Message", "message"))),
        Parameter("chatId", _CHAT.display_name, "string", default="", required=True, show=_FOR_MESSAGE,
                  description=_CHAT.description),
        Parameter("messageId", "Message ID", "string", default="", required=True, show=_FOR_MESSAGE,
                  description="Unique identifier of the message to edit"),
        Parameter("inlineMessageId", "Inline Message ID", "string", default="", required=True,
                  show={"messageType": ("inlineMessage",)}),
        Parameter("text", "Text", "string", default="", required=True, type_options={"rows": 4}),
        Parameter("additionalFields", "Additional Fields", "collection", default={}, fields=(
            _TEXT_OPTIONS[0], _COMMON[2])),
    ),
    body=_edit_body,
)

DELETE_MESSAGE = Operation(
    "deleteMessage", "Delete Chat Message", "POST", "/deleteMessage", description="Delete a chat message",
    parameters=(_CHAT, _MESSAGE_ID),
    body={"chat_id": "chatId", "message_id": "messageId"},
)

CHAT_GET = Operation(
    "get", "Get", "POST", "/getChat", description="Get up to date information about a chat",
    parameters=(_CHAT,), body={"chat_id": "chatId"},
)

APP = App(
    name="telegram",
    display_name="Telegram",
    description="Sends data to Telegram",
    base_url=base_url,
    auth=(Auth(TELEGRAM_API, "accessToken", "Access Token"),),
    resources=(
        # Message first, Send Message first: n8n's defaults.
        Resource("message", "Message", (SEND_MESSAGE, DELETE_MESSAGE, EDIT_MESSAGE_TEXT, SEND_DOCUMENT,
                                        SEND_PHOTO)),
        Resource("chat", "Chat", (CHAT_GET,)),
    ),
    aliases=("n8n-nodes-base.telegram",),
    versions=(1.0, 1.1, 1.2),
    error=read_error,
    retry_after_path="parameters.retry_after",
    icon="send",
    categories=("Communication",),
    search_aliases=("chat", "bot", "message"),
    documentation_url="https://core.telegram.org/bots/api",
)
