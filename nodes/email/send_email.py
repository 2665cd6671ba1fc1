"""Send Email (n8n `emailSend` v1, 2, 2.1): one email per input item through the `smtp` credential.

The output item is what nodemailer reports (`accepted`, `rejected`, `response`, `envelope`,
`messageId`...), as in n8n for every version. Bcc addresses go to the envelope only. Attachments
come from the item's binary properties (comma-separated names), each with its property name as
Content-ID so HTML can show it with `cid:`. The attribution line names Knotwork instead of n8n.
2.1's `sendAndWait` operation (wait for the recipient's answer) is not offered.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, getaddresses, make_msgid, parseaddr
from typing import Any

from engine.credential_types import network_reason
from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType
from nodes.files.binary import entry_bytes, require_binary
from nodes.formats.common import map_items

from .send_params import PARAMETERS
from .smtp import SmtpServer, send_message, smtp_session

TIMEOUT_SECONDS = 60.0
ATTRIBUTION = "This email was sent automatically with Knotwork"


class EmailSend(NodeType):
    description = NodeDescription(
        name="knotwork.emailSend",
        display_name="Send Email",
        group="output",
        description="Sends an email using SMTP protocol",
        versions=(1.0, 2.0, 2.1),
        default_version=2.1,
        parameters=PARAMETERS,
        credentials=(CredentialSlot("smtp", required=True),),
        aliases=("n8n-nodes-base.emailSend",),
        search_aliases=("email", "mail", "smtp", "send", "attachment"),
        categories=("Core Nodes", "Communication"),
        icon="fa:envelope",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        credential = await ctx.get_credentials("smtp")

        async def send_one(index: int, item: Item) -> list[Item]:
            fields = read_fields(ctx, index)
            message, sender, recipients = build_message(fields)
            for name in fields["attachments"]:
                entry = require_binary(item, name, index)
                content = await entry_bytes(ctx.services, entry)
                maintype, _, subtype = str(entry.get("mimeType") or "application/octet-stream").partition("/")
                message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream",
                                       filename=entry.get("fileName") or "unknown", cid=f"<{name}>")
            server = SmtpServer.from_credential(credential, verify=not fields["allowUnauthorizedCerts"],
                                                timeout=TIMEOUT_SECONDS)
            info = await asyncio.to_thread(deliver, server, message, sender, recipients)
            return [Item(info, paired=(index, 0))]

        return [await map_items(ctx, send_one)]


def read_fields(ctx: ExecuteContext, index: int) -> dict[str, Any]:
    """The email's parts for one item, the same shape for every version."""
    version = ctx.type_version
    if version >= 2.1 and str(ctx.param("operation", index, "send")) != "send":
        raise NodeOperationError("The operation 'sendAndWait' (send and wait for a response) is not supported "
                                 "by Knotwork's Send Email node; use 'send'")
    options = ctx.param("options", index, {}) or {}
    if version < 2:
        extras = {"ccEmail": ctx.param("ccEmail", index, ""), "bccEmail": ctx.param("bccEmail", index, ""),
                  "attachments": ctx.param("attachments", index, "")}
        text, html = ctx.param("text", index, ""), ctx.param("html", index, "")
        attribution = False
    else:
        extras = options
        email_format = str(ctx.param("emailFormat", index, "html" if version >= 2.1 else "text"))
        text = ctx.param("text", index, "") if email_format in ("text", "both") else None
        html = ctx.param("html", index, "") if email_format in ("html", "both") else None
        attribution = bool(options.get("appendAttribution", version >= 2.1))
        if attribution and (email_format == "html" or (email_format == "both" and html)):
            html = f"{html or ''}<br><br>---<br><em>{ATTRIBUTION}</em>"
        elif attribution:
            text = f"{text or ''}\n\n---\n{ATTRIBUTION}"
    names = [name.strip() for name in str(extras.get("attachments") or "").split(",") if name.strip()]
    return {
        "from": str(ctx.param("fromEmail", index, "") or "").strip(),
        "to": str(ctx.param("toEmail", index, "") or "").strip(),
        "cc": str(extras.get("ccEmail") or "").strip(),
        "bcc": str(extras.get("bccEmail") or "").strip(),
        "replyTo": str(options.get("replyTo") or "").strip(),
        "senderName": str(options.get("senderName") or "").strip() if version >= 2.1 else "",
        "subject": str(ctx.param("subject", index, "") or ""),
        "text": None if text is None else str(text),
        "html": None if html is None else str(html),
        "attachments": names,
        "allowUnauthorizedCerts": bool(options.get("allowUnauthorizedCerts")),
    }


def build_message(fields: dict[str, Any]) -> tuple[EmailMessage, str, list[str]]:
    """The message (headers without Bcc), the envelope sender and every envelope recipient."""
    if not fields["from"]:
        raise NodeOperationError('The parameter "From Email" has to be set')
    if not fields["to"]:
        raise NodeOperationError('The parameter "To Email" has to be set')
    sender_name, sender = parseaddr(fields["from"])
    if not sender or "@" not in sender:
        raise NodeOperationError(f"The From Email '{fields['from']}' is not an email address")
    message = EmailMessage()
    message["From"] = formataddr((fields["senderName"] or sender_name, sender))
    message["To"] = fields["to"]
    if fields["cc"]:
        message["Cc"] = fields["cc"]
    if fields["replyTo"]:
        message["Reply-To"] = fields["replyTo"]
    message["Subject"] = fields["subject"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    text, html = fields["text"], fields["html"]
    if text and html:
        message.set_content(text)
        message.add_alternative(html, subtype="html")
    elif html:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text or "")
    recipients = [address for _, address in getaddresses([fields["to"], fields["cc"], fields["bcc"]]) if address]
    if not recipients:
        raise NodeOperationError(f"The To Email '{fields['to']}' holds no email address")
    return message, sender, recipients


def deliver(server: SmtpServer, message: EmailMessage, sender: str, recipients: list[str]) -> dict[str, Any]:
    """Send in this thread; failures become NodeOperationErrors that name the server and the cause."""
    where = f"{server.host}:{server.port}"
    try:
        with smtp_session(server) as client:
            return send_message(client, message, sender, recipients)
    except smtplib.SMTPAuthenticationError as error:
        raise NodeOperationError(f"The SMTP server {where} refused the login for user '{server.user}' "
                                 f"({error.smtp_code} {_text(error.smtp_error)})") from None
    except smtplib.SMTPNotSupportedError:
        raise NodeOperationError(f"The SMTP server {where} does not offer login (AUTH); leave the credential's "
                                 "user empty or enable SSL/TLS") from None
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(f"{address} ({code} {_text(answer)})" for address, (code, answer) in error.recipients.items())
        raise NodeOperationError(f"The SMTP server {where} refused every recipient: {refused}") from None
    except smtplib.SMTPSenderRefused as error:
        raise NodeOperationError(f"The SMTP server {where} refused the sender {error.sender} "
                                 f"({error.smtp_code} {_text(error.smtp_error)})") from None
    except smtplib.SMTPResponseException as error:
        raise NodeOperationError(f"The SMTP server {where} answered with an error: "
                                 f"{error.smtp_code} {_text(error.smtp_error)}") from None
    except smtplib.SMTPException as error:
        raise NodeOperationError(f"Sending through the SMTP server {where} failed: {error}") from None
    except ssl.SSLCertVerificationError as error:
        raise NodeOperationError(f"The certificate of the SMTP server {where} is not trusted "
                                 f"({error.verify_message})",
                                 description="Turn on the option 'Ignore SSL Issues' to accept it") from None
    except OSError as error:
        reason = "timed out" if isinstance(error, TimeoutError) else network_reason(error)
        raise NodeOperationError(f"Could not connect to the SMTP server at {where}: {reason}") from None


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
