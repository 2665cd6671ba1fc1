"""Talking to an SMTP server: the one place where Knotwork connects, secures, logs in and sends.

Used by the Send Email node and by the app's own mail (services.mailer). Blocking (smtplib): run it
in a thread from async code. Raises smtplib.SMTPException or OSError; callers word the error.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

StartTls = Literal["never", "offered", "required"]


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect. `implicit_tls` is TLS from the first byte (port 465);
    otherwise `starttls` says whether to upgrade: never, when the server offers it, or always."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: StartTls = "offered"
    user: str = ""
    password: str = ""
    local_name: str | None = None  # the name announced in EHLO; None: this machine's name
    verify: bool = True  # check the server's certificate
    timeout: float = 30.0

    @classmethod
    def from_credential(cls, data: Mapping[str, Any], *, verify: bool = True, timeout: float = 30.0) -> SmtpServer:
        """From n8n's `smtp` credential (user, password, host, port, secure, disableStartTls, hostName)."""
        secure = bool(data.get("secure"))
        return cls(host=str(data.get("host") or "localhost"), port=int(data.get("port") or (465 if secure else 587)),
                   implicit_tls=secure, starttls="never" if data.get("disableStartTls") else "offered",
                   user=str(data.get("user") or ""), password=str(data.get("password") or ""),
                   local_name=str(data.get("hostName") or "") or None, verify=verify, timeout=timeout)

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


@contextmanager
def smtp_session(server: SmtpServer) -> Iterator[smtplib.SMTP]:
    """A connected, secured and (when a user is set) logged-in client; closed on exit."""
    context = server.tls_context()
    client = (smtplib.SMTP_SSL(server.host, server.port, server.local_name, timeout=server.timeout, context=context)
              if server.implicit_tls else smtplib.SMTP(server.host, server.port, server.local_name, timeout=server.timeout))
    with client:
        client.ehlo_or_helo_if_needed()
        wants_tls = server.starttls == "required" or (server.starttls == "offered" and client.has_extn("starttls"))
        if not server.implicit_tls and wants_tls:
            client.starttls(context=context)
            client.ehlo()
        if server.user:
            client.login(server.user, server.password)
        yield client


def send_message(client: smtplib.SMTP, message: EmailMessage, sender: str, recipients: Sequence[str]) -> dict[str, Any]:
    """Send over an open session; returns what nodemailer reports (`accepted`, `rejected`, `ehlo`,
    `envelopeTime`, `messageTime`, `messageSize`, `response`, `envelope`, `messageId`).
    Raises SMTPRecipientsRefused when no recipient is accepted."""
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    started = time.monotonic()
    code, answer = client.mail(sender)
    if code != 250:
        client.rset()
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    accepted: list[str] = []
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        code, answer = client.rcpt(recipient)
        if code in (250, 251):
            accepted.append(recipient)
        else:
            refused[recipient] = (code, answer)
    if not accepted:
        client.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    envelope_done = time.monotonic()
    code, answer = client.data(data)
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)
    return {
        "accepted": accepted,
        "rejected": list(refused),
        "ehlo": [keyword.upper() for keyword in client.esmtp_features],
        "envelopeTime": round((envelope_done - started) * 1000),
        "messageTime": round((time.monotonic() - envelope_done) * 1000),
        "messageSize": len(data),
        "response": f"{code} {answer.decode(errors='replace')}",
        "envelope": {"from": sender, "to": list(recipients)},
        "messageId": str(message.get("Message-ID", "")),
    }
