"""Emails Knotwork sends itself (invitations), through the SMTP server in KNOTWORK_SMTP_*.

Sending runs in the caller's thread (services are called off the event loop) with a timeout; a
failure is reported to the caller, who still has the link to pass on by hand.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from nodes.email.smtp import SmtpServer, smtp_session

from .settings import Settings

TIMEOUT_SECONDS = 15


class MailError(Exception):
    """The email could not be sent; the message says why (never the SMTP password)."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def send_mail(settings: Settings, to: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    server = SmtpServer(settings.smtp_host, settings.smtp_port, implicit_tls=settings.smtp_port == 465,
                        starttls="required" if settings.smtp_starttls else "never", user=settings.smtp_user,
                        password=settings.smtp_password, timeout=TIMEOUT_SECONDS)
    try:
        with smtp_session(server) as client:
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Could not send email to {to} through {settings.smtp_host}:{settings.smtp_port}: "
                        f"{error.__class__.__name__}: {error}") from None


def public_url(settings: Settings, path: str) -> str:
    """An absolute URL users can open: KNOTWORK_PUBLIC_URL, else http://HOST:PORT."""
    base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    return base + path
