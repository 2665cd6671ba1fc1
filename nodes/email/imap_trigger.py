"""Email Trigger (IMAP) (n8n `emailReadImap` v1, 2, 2.1): starts the workflow with new emails.

A listener trigger: it keeps one IMAP connection, checks every `CHECK_SECONDS` for messages that
match the search rules (default `["UNSEEN"]`) and have a UID above the last one it emitted, and
emits the new ones together (2.1: in batches of 20) in the chosen format (see mail_parse). With
`postProcessAction` read, messages are flagged \\Seen after `emit` returns, so an email is marked
read only once its execution is persisted. The last UID is kept in memory and in the node's
static data, as n8n's `lastMessageUid`. `forceReconnect` (minutes) reopens the connection.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, Option, Parameter
from nodes.schedule.listener import Emit, ListenerTrigger

from .imap_client import Mailbox, SearchError, search_query
from .mail_parse import raw_item, resolved_item, simple_item

CHECK_SECONDS = 5.0
BATCH_SIZE = 20  # 2.1 emits at most this many emails per execution
PREFIX_HELP = ('Prefix for name of the binary property to which to write the attachments. An index starting with 0 '
               'will be added. So if name is "attachment_" the first attachment is saved to "attachment_0"')

PARAMETERS = (
    Parameter("mailbox", "Mailbox Name", "string", default="INBOX"),
    Parameter("postProcessAction", "Action", "options", default="read", options=(
        Option("Mark as Read", "read"), Option("Nothing", "nothing"),
    ), description='What to do after the email has been received. If "nothing" gets selected it will be '
                   "processed multiple times."),
    Parameter("downloadAttachments", "Download Attachments", "boolean", default=False, show={"format": ("simple",)},
              description="Whether attachments of emails should be downloaded. Only set if needed as it increases "
                          "processing."),
    Parameter("format", "Format", "options", default="simple", options=(
        Option("RAW", "raw", "Returns the full email message data with body content in the raw field"),
        Option("Resolved", "resolved", "Returns the full email with all data resolved and attachments saved as "
                                       "binary data"),
        Option("Simple", "simple", "Returns the full email; do not use if you wish to gather inline attachments"),
    ), description="The format to return the message in"),
    Parameter("dataPropertyAttachmentsPrefixName", "Property Prefix Name", "string", default="attachment_",
              show={"format": ("resolved",)}, description=PREFIX_HELP),
    Parameter("dataPropertyAttachmentsPrefixName", "Property Prefix Name", "string", default="attachment_",
              show={"format": ("simple",), "downloadAttachments": (True,)}, description=PREFIX_HELP),
    Parameter("options", "Options", "collection", default={}, fields=(
        Parameter("customEmailConfig", "Custom Email Rules", "string", default='["UNSEEN"]',
                  description="Custom email fetching rules, as node-imap's search criteria (a JSON array)"),
        Parameter("allowUnauthorizedCerts", "Ignore SSL Issues", "boolean", default=False, show={"@version": (1.0,)},
                  description="Whether to connect even if SSL certificate validation is not possible"),
        Parameter("forceReconnect", "Force Reconnect Every Minutes", "number", default=60,
                  description="Sets an interval (in minutes) to force a reconnection"),
    )),
)


@dataclass(frozen=True)
class Settings:
    mailbox: str
    mark_read: bool
    format: str
    attachment_prefix: str | None  # None: attachments are not downloaded
    query: str
    verify: bool
    reconnect_seconds: float
    batch: int | None


def read_settings(ctx: ExecuteContext, credential: dict[str, Any]) -> Settings:
    """The node's parameters, checked. Raises NodeOperationError naming the bad parameter."""
    options = ctx.param("options", 0, {}) or {}
    rules = options.get("customEmailConfig", '["UNSEEN"]')
    try:
        query = search_query(json.loads(rules) if isinstance(rules, str) else rules)
    except json.JSONDecodeError:
        raise NodeOperationError("Custom email config is not valid JSON.",
                                 description=f"Options > Custom Email Rules: {rules!r}") from None
    except SearchError as error:
        raise NodeOperationError(f"Options > Custom Email Rules: {error}") from None
    email_format = str(ctx.param("format", 0, "simple"))
    if email_format not in ("simple", "resolved", "raw"):
        raise NodeOperationError(f"The format '{email_format}' is not known (simple, resolved or raw)")
    prefix = str(ctx.param("dataPropertyAttachmentsPrefixName", 0, "attachment_") or "")
    download = email_format == "resolved" or (email_format == "simple" and bool(ctx.param("downloadAttachments", 0,
                                                                                          False)))
    insecure = options.get("allowUnauthorizedCerts") if ctx.type_version < 2 else credential.get("allowUnauthorizedCerts")
    return Settings(mailbox=str(ctx.param("mailbox", 0, "INBOX") or "INBOX"),
                    mark_read=str(ctx.param("postProcessAction", 0, "read")) == "read", format=email_format,
                    attachment_prefix=prefix if download else None, query=query, verify=not insecure,
                    reconnect_seconds=float(options.get("forceReconnect") or 0) * 60,
                    batch=BATCH_SIZE if ctx.type_version >= 2.1 else None)


def to_item(settings: Settings, uid: int, raw: bytes) -> Item:
    if settings.format == "raw":
        return raw_item(raw)
    if settings.format == "resolved":
        return resolved_item(uid, raw, settings.attachment_prefix or "")
    return simple_item(uid, raw, settings.attachment_prefix)


class EmailReadImap(ListenerTrigger):
    description = NodeDescription(
        name="knotwork.emailReadImap",
        display_name="Email Trigger (IMAP)",
        group="trigger",
        description="Triggers the workflow when a new email is received",
        versions=(1.0, 2.0, 2.1),
        default_version=2.1,
        inputs=0,
        trigger=True,
        parameters=PARAMETERS,
        credentials=(CredentialSlot("imap", required=True),),
        aliases=("n8n-nodes-base.emailReadImap",),
        search_aliases=("email", "imap", "mail", "inbox", "trigger"),
        categories=("Core Nodes", "Communication"),
        icon="fa:inbox",
    )
    check_seconds: float = CHECK_SECONDS  # tests shorten it

    async def listen(self, ctx: ExecuteContext, emit: Emit) -> None:
        credential = await ctx.get_credentials("imap")
        settings = read_settings(ctx, credential)
        state = ctx.static_data()
        mailbox: Mailbox | None = None
        acks: list[asyncio.Future[None]] = []
        opened = 0.0
        try:
            while True:
                if mailbox is None:
                    mailbox = Mailbox(credential, settings.mailbox, verify=settings.verify)
                    await asyncio.to_thread(mailbox.open)
                    opened = time.monotonic()
                await self.check(mailbox, settings, state, emit, acks)
                await asyncio.sleep(self.check_seconds)
                if settings.reconnect_seconds and time.monotonic() - opened >= settings.reconnect_seconds:
                    await asyncio.to_thread(mailbox.close)
                    mailbox = None
        finally:
            # A mark-as-read of emitted mail finishes even when cancelled (a run by hand stops
            # listening as soon as it has its mail), and before the connection closes.
            await asyncio.shield(asyncio.gather(*acks, return_exceptions=True))
            if mailbox is not None:
                await asyncio.shield(asyncio.to_thread(mailbox.close))

    async def check(self, mailbox: Mailbox, settings: Settings, state: dict[str, Any], emit: Emit,
                    acks: list[asyncio.Future[None]]) -> None:
        """Emit what is new, batch by batch, then mark it read."""
        while True:
            last_uid = int(state.get("lastMessageUid") or 0)
            messages = await asyncio.to_thread(mailbox.new_messages, settings.query, last_uid, settings.batch)
            if not messages:
                return
            await emit([to_item(settings, uid, raw) for uid, raw in messages])
            uids = [uid for uid, _ in messages]
            state["lastMessageUid"] = max(uids)
            if settings.mark_read:
                acks[:] = [asyncio.ensure_future(asyncio.to_thread(mailbox.mark_seen, uids))]
                await asyncio.shield(acks[0])
            if settings.batch is None or len(messages) < settings.batch:
                return
