"""Send Email v1, 2, 2.1 against an aiosmtpd server started on a free loopback port: the exact
headers, the envelope (Bcc only there), both formats, attachments, STARTTLS with a self-signed
certificate, and a refused login."""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.email.send_email import EmailSend
from tests.credentials.net import closed_port
from tests.nodes.formats.helpers import run_node

from .certs import self_signed

NODE = EmailSend()
PASSWORD = "smtp-secret"


class Inbox:
    """Records every accepted message: envelope sender, envelope recipients, bytes, whether TLS."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], bytes, bool]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                           session.ssl is not None))
        return "250 Message accepted"

    def only(self) -> tuple[str, list[str], EmailMessage, bool]:
        [(sender, recipients, data, secured)] = self.mails
        return sender, recipients, parse(data), secured


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data.replace(b"\r\n", b"\n"), policy=policy.default)  # type: ignore[return-value]


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    known = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"alice", PASSWORD.encode())
    return AuthResult(success=known, handled=False)


def start(inbox: Inbox, **settings: Any) -> tuple[Controller, int]:
    port = closed_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False, **settings)
    controller.start()
    return controller, port


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    controller, port = start(box)
    yield box, port
    controller.stop()


@pytest.fixture
def tls_inbox(tmp_path: Path) -> Iterator[tuple[Inbox, int]]:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Inbox()
    controller, port = start(box, tls_context=context)
    yield box, port
    controller.stop()


def credential(port: int, **changes: Any) -> dict[str, Any]:
    return {"smtp": {"host": "127.0.0.1", "port": port, "secure": False, "user": "alice", "password": PASSWORD,
                     **changes}}


async def send(port: int, version: float, parameters: dict[str, Any], items: list[Item] | None = None,
               **changes: Any) -> list[Item]:
    return await run_node(NODE, version, parameters, items, credentials=credential(port, **changes))


async def test_text_email_headers_and_envelope_keep_bcc_out_of_the_headers(inbox) -> None:
    box, port = inbox
    [out] = await send(port, 2, {
        "fromEmail": "Ann Example <ann@example.org>", "toEmail": "bob@example.org, Carl <carl@example.org>",
        "subject": "Quarterly numbers", "emailFormat": "text", "text": "Hello Bob,\nsee you.",
        "options": {"ccEmail": "dora@example.org", "bccEmail": "eve@example.org", "replyTo": "team@example.org"}})
    sender, recipients, mail, secured = box.only()
    assert sender == "ann@example.org"
    assert recipients == ["bob@example.org", "carl@example.org", "dora@example.org", "eve@example.org"]
    assert (mail["From"], mail["To"], mail["Cc"], mail["Reply-To"], mail["Subject"]) == (
        "Ann Example <ann@example.org>", "bob@example.org, Carl <carl@example.org>", "dora@example.org",
        "team@example.org", "Quarterly numbers")
    assert mail["Bcc"] is None and b"eve@" not in box.mails[0][2]
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content() == "Hello Bob,\nsee you.\n"  # v2 appends no attribution by default
    assert secured is False  # the plain server offers no STARTTLS
    assert out.json["accepted"] == recipients and out.json["rejected"] == []
    assert out.json["envelope"] == {"from": "ann@example.org", "to": recipients}
    assert out.json["response"] == "250 Message accepted"
    assert out.json["messageId"] == mail["Message-ID"] and out.json["messageId"].endswith("@example.org>")
    assert out.json["messageSize"] == len(box.mails[0][2])
    assert "AUTH LOGIN PLAIN" not in out.json["ehlo"] and "AUTH" in out.json["ehlo"]
    assert out.paired == (0, 0)


async def test_both_formats_are_multipart_alternative_with_knotwork_attribution(inbox) -> None:
    box, port = inbox
    await send(port, 2.1, {"fromEmail": "ann@example.org", "toEmail": "bob@example.org", "subject": "Hi",
                           "emailFormat": "both", "text": "plain body", "html": "<p>html body</p>",
                           "options": {"senderName": "Ann from Ops"}})
    _, _, mail, _ = box.only()
    assert mail["From"] == "Ann from Ops <ann@example.org>"
    assert mail.get_content_type() == "multipart/alternative"
    plain, html = mail.iter_parts()
    assert plain.get_content() == "plain body\n"  # the attribution goes to the HTML part only
    assert html.get_content_type() == "text/html"
    assert html.get_content() == ("<p>html body</p><br><br>---<br>"
                                  "<em>This email was sent automatically with Knotwork</em>\n")


async def test_v21_text_gets_the_attribution_unless_turned_off(inbox) -> None:
    box, port = inbox
    parameters = {"fromEmail": "ann@example.org", "toEmail": "bob@example.org", "subject": "Hi",
                  "emailFormat": "text", "text": "body"}
    await send(port, 2.1, parameters)
    await send(port, 2.1, {**parameters, "options": {"appendAttribution": False}})
    bodies = [parse(data).get_content() for _, _, data, _ in box.mails]
    assert bodies == ["body\n\n---\nThis email was sent automatically with Knotwork\n", "body\n"]


async def test_attachments_come_from_the_items_binary_properties(inbox) -> None:
    box, port = inbox
    pdf, notes = b"%PDF-1.4 fake", "zürich\n".encode()
    item = Item({}, binary={
        "report": {"data": base64.b64encode(pdf).decode(), "mimeType": "application/pdf", "fileName": "q3.pdf"},
        "notes": {"data": base64.b64encode(notes).decode(), "mimeType": "text/plain"}})
    await send(port, 2, {"fromEmail": "ann@example.org", "toEmail": "bob@example.org", "subject": "Files",
                         "emailFormat": "html", "html": '<img src="cid:report">',
                         "options": {"attachments": " report , notes"}}, [item])
    _, _, mail, _ = box.only()
    assert mail.get_content_type() == "multipart/mixed"
    body, *attachments = mail.iter_parts()
    assert body.get_content() == '<img src="cid:report">\n'
    assert [(part.get_filename(), part.get_content_type(), part["Content-ID"], part.get_payload(decode=True))
            for part in attachments] == [("q3.pdf", "application/pdf", "<report>", pdf),
                                         ("unknown", "text/plain", "<notes>", notes)]


async def test_a_missing_binary_property_names_it(inbox) -> None:
    _, port = inbox
    with pytest.raises(NodeOperationError, match="expects the node's input data to contain a binary file 'nope'"):
        await send(port, 2, {"fromEmail": "a@example.org", "toEmail": "b@example.org", "emailFormat": "text",
                             "options": {"attachments": "nope"}})


async def test_v1_has_flat_fields_and_sends_both_bodies(inbox) -> None:
    box, port = inbox
    await send(port, 1, {"fromEmail": "ann@example.org", "toEmail": "bob@example.org", "ccEmail": "cc@example.org",
                         "bccEmail": "bcc@example.org", "subject": "Old", "text": "t", "html": "<b>h</b>"})
    _, recipients, mail, _ = box.only()
    assert recipients == ["bob@example.org", "cc@example.org", "bcc@example.org"]
    assert mail["Cc"] == "cc@example.org" and mail["Bcc"] is None
    assert [part.get_content() for part in mail.iter_parts()] == ["t\n", "<b>h</b>\n"]


async def test_a_refused_login_is_a_clear_node_error(inbox) -> None:
    box, port = inbox
    with pytest.raises(NodeOperationError) as caught:
        await send(port, 2, {"fromEmail": "a@example.org", "toEmail": "b@example.org", "emailFormat": "text"},
                   password="wrong")
    assert caught.value.message.startswith(f"The SMTP server 127.0.0.1:{port} refused the login for user 'alice' (535")
    assert (caught.value.node, caught.value.item_index) == ("Node", 0)
    assert box.mails == []


async def test_continue_on_fail_gives_an_error_item(inbox) -> None:
    _, port = inbox
    out = await run_node(NODE, 2, {"fromEmail": "a@example.org", "toEmail": "", "emailFormat": "text"},
                         credentials=credential(port), on_error="continueRegularOutput")
    assert [item.json for item in out] == [{"error": 'The parameter "To Email" has to be set'}]


async def test_starttls_with_a_self_signed_certificate(tls_inbox) -> None:
    box, port = tls_inbox
    parameters = {"fromEmail": "a@example.org", "toEmail": "b@example.org", "emailFormat": "text", "text": "x"}
    with pytest.raises(NodeOperationError, match=f"The certificate of the SMTP server 127.0.0.1:{port} is not trusted"):
        await send(port, 2, parameters)
    assert box.mails == []
    await send(port, 2, {**parameters, "options": {"allowUnauthorizedCerts": True}})
    assert box.only()[3] is True  # sent over the upgraded connection
    await send(port, 2, {**parameters, "options": {"allowUnauthorizedCerts": True}}, disableStartTls=True)
    assert box.mails[1][3] is False


async def test_an_unreachable_server_is_named() -> None:
    port = closed_port()
    with pytest.raises(NodeOperationError, match=f"Could not connect to the SMTP server at 127.0.0.1:{port}: "
                                                 "connection refused"):
        await send(port, 2, {"fromEmail": "a@example.org", "toEmail": "b@example.org", "emailFormat": "text"})
