"""Emails Knotwork sends itself (invitations), through the SMTP server in KNOTWORK_SMTP_*.

Sending runs in the caller's thread (services are called off the event loop) with a timeout; a
failure is reported to the caller, who still has the link to pass on by hand.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

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
    try:
        if settings.smtp_port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS)
        with client:
            if settings.smtp_port != 465 and settings.smtp_starttls:
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Could not send email to {to} through {settings.smtp_host}:{settings.smtp_port}: "
                        f"{error.__class__.__name__}: {error}") from None


def public_url(settings: Settings, path: str) -> str:
    """An absolute URL users can open: KNOTWORK_PUBLIC_URL, else http://HOST:PORT."""
    base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    return base + path
