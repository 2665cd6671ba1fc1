"""Email Trigger (IMAP) against a private Dovecot (see dovecot.py): the three output formats,
attachments as binary, marking as read after emit, search rules, and a refused login."""

from __future__ import annotations

import asyncio
import base64
import imaplib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import Services
from nodes.email.imap_trigger import EmailReadImap
from tests.nodes.fake import make_node
from tests.nodes.formats.helpers import FormatContext

from .dovecot import PASSWORD, USER, Imap, dovecot

pytestmark = pytest.mark.integration


@dataclass
class TriggerContext(FormatContext):
    static: dict[str, Any] = field(default_factory=dict)

    def static_data(self, scope: str = "node") -> dict[str, Any]:
        return self.static


@pytest.fixture(scope="module")
def server() -> Iterator[Imap]:
    with dovecot() as imap:
        yield imap


@pytest.fixture
def imap(server: Imap) -> Iterator[imaplib.IMAP4]:
    """A client of the test's own, on an emptied INBOX."""
    client = imaplib.IMAP4("127.0.0.1", server.port)
    client.login(USER, PASSWORD)
    client.select("INBOX")
    client.uid("STORE", "1:*", "+FLAGS", r"(\Deleted)")
    client.expunge()
    yield client
    client.logout()


def mail(subject: str, sender: str = "Bob <bob@example.org>", attachment: bytes | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "alice@example.org", subject
    message["Date"] = "Tue, 11 Apr 2023 13:51:59 +0200"
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@example.org>"
    message.set_content("Hello Alice,\n\nsee attached.")
    message.add_alternative("<p>Hello <b>Alice</b></p>", subtype="html")
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="report.pdf")
    return message.as_bytes()


def deliver(imap: imaplib.IMAP4, data: bytes, flags: str | None = None) -> int:
    status, answer = imap.append("INBOX", flags, None, data)
    assert status == "OK", answer
    return int(answer[0].split()[2].rstrip(b"]"))  # [APPENDUID <validity> <uid>]


def seen(imap: imaplib.IMAP4, uid: int) -> bool:
    imap.noop()
    _, data = imap.uid("FETCH", str(uid), "(FLAGS)")
    return b"\\Seen" in data[0]


def context(server: Imap, version: float = 2.1, **parameters: Any) -> TriggerContext:
    node = make_node("knotwork.emailReadImap", version, parameters)
    return TriggerContext(node, [None], services=Services(), credentials={"imap": server.credential()})


class Listening:
    """listen() running in a task; `next()` waits for the next emitted batch."""

    def __init__(self, ctx: TriggerContext) -> None:
        self.batches: asyncio.Queue[list[Item]] = asyncio.Queue()
        trigger = EmailReadImap()
        trigger.check_seconds = 0.05
        self.task = asyncio.ensure_future(trigger.listen(ctx, self.batches.put))

    async def next(self) -> list[Item]:
        getting = asyncio.ensure_future(self.batches.get())
        done, _ = await asyncio.wait({getting, self.task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if self.task in done:
            getting.cancel()
            self.task.result()
        assert getting in done, "nothing was emitted within 10 s"
        return getting.result()

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def wait_until(check: Any) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "condition not met within 10 s"
        await asyncio.sleep(0.02)


async def test_simple_format_with_attachments_then_marked_read(server, imap) -> None:
    old = deliver(imap, mail("already read"), r"(\Seen)")
    uid = deliver(imap, mail("Quarterly report", attachment=b"%PDF-1.4 numbers"))
    listening = Listening(context(server, downloadAttachments=True, dataPropertyAttachmentsPrefixName="file_"))
    try:
        [item] = await listening.next()
        await wait_until(lambda: seen(imap, uid))
    finally:
        await listening.stop()
    assert item.json == {
        # the parts as the server holds them (CRLF line ends), as node-imap gives them
        "textHtml": "<p>Hello <b>Alice</b></p>\r\n", "textPlain": "Hello Alice,\r\n\r\nsee attached.\r\n",
        "metadata": {"message-id": "<Quarterly-report@example.org>", "mime-version": "1.0",
                     "content-type": item.json["metadata"]["content-type"]},
        "attributes": {"uid": uid}, "from": "Bob <bob@example.org>", "to": "alice@example.org",
        "subject": "Quarterly report", "date": "Tue, 11 Apr 2023 13:51:59 +0200"}
    assert item.json["metadata"]["content-type"].startswith("multipart/mixed; boundary=")
    assert item.binary is not None and list(item.binary) == ["file_0"]
    assert base64.b64decode(item.binary["file_0"]["data"]) == b"%PDF-1.4 numbers"
    assert (item.binary["file_0"]["fileName"], item.binary["file_0"]["mimeType"]) == ("report.pdf", "application/pdf")
    assert seen(imap, old)


async def test_resolved_format_and_nothing_keeps_it_unread_and_new_mail_arrives_later(server, imap) -> None:
    first = deliver(imap, mail("First", attachment=b"%PDF-1.4 one"))
    ctx = context(server, 2, format="resolved", postProcessAction="nothing")
    listening = Listening(ctx)
    try:
        [item] = await listening.next()
        second = deliver(imap, mail("Second", sender="carl@example.org"))
        [later] = await listening.next()  # the first is not emitted again although still unseen
    finally:
        await listening.stop()
    assert not seen(imap, first) and not seen(imap, second)
    assert ctx.static == {"lastMessageUid": second}
    json = item.json
    assert json["subject"] == "First" and json["date"] == "2023-04-11T11:51:59.000Z"
    assert json["from"] == {"value": [{"address": "bob@example.org", "name": "Bob"}], "text": "Bob <bob@example.org>",
                            "html": '<span class="mp_address_group"><span class="mp_address_name">Bob</span> &lt;'
                                    '<a href="mailto:bob@example.org" class="mp_address_email">bob@example.org</a>'
                                    "&gt;</span>"}
    assert json["headers"]["subject"] == "Subject: First"
    assert (json["text"], json["html"]) == ("Hello Alice,\n\nsee attached.\n", "<p>Hello <b>Alice</b></p>\n")
    assert json["textAsHtml"] == "<p>Hello Alice,</p><p>see attached.</p>"
    assert (json["messageId"], json["attributes"]) == ("<First@example.org>", {"uid": first})
    assert base64.b64decode(item.binary["attachment_0"]["data"]) == b"%PDF-1.4 one"  # type: ignore[index]
    assert later.json["from"]["text"] == "carl@example.org" and later.json["html"] == "<p>Hello <b>Alice</b></p>\n"


async def test_raw_format_and_custom_rules(server, imap) -> None:
    deliver(imap, mail("From Bob"))
    carl = deliver(imap, mail("From Carl", sender="carl@example.org"))
    listening = Listening(context(server, format="raw", options={"customEmailConfig": '["ALL", ["FROM", "carl"]]'}))
    try:
        [item] = await listening.next()
        await wait_until(lambda: seen(imap, carl))
    finally:
        await listening.stop()
    assert list(item.json) == ["raw"]
    assert "Hello Alice," in item.json["raw"] and "Subject:" not in item.json["raw"]


async def test_run_by_hand_returns_the_first_new_mail(server, imap) -> None:
    uid = deliver(imap, mail("Manual"))
    [[item]] = await EmailReadImap().execute(context(server))
    assert (item.json["subject"], item.json["attributes"]) == ("Manual", {"uid": uid})
    await wait_until(lambda: seen(imap, uid))


async def test_a_refused_login_and_bad_rules_are_clear_errors(server) -> None:
    with dovecot() as own:  # Dovecot slows later logins from an address that failed one: not the shared server
        ctx = context(own)
        ctx.credentials = {"imap": own.credential(password="wrong")}
        with pytest.raises(NodeOperationError, match=f"The IMAP server 127.0.0.1:{own.port} refused the login "
                                                     "for user 'alice'"):
            await EmailReadImap().listen(ctx, lambda items: asyncio.sleep(0))
    with pytest.raises(NodeOperationError, match="Custom email config is not valid JSON."):
        await EmailReadImap().listen(context(server, options={"customEmailConfig": "[UNSEEN"}),
                                     lambda items: asyncio.sleep(0))


async def test_imaps_with_a_self_signed_certificate(server, imap) -> None:
    uid = deliver(imap, mail("Over TLS"))
    ctx = context(server)
    ctx.credentials = {"imap": server.credential(port=server.tls_port, secure=True)}
    with pytest.raises(NodeOperationError, match=f"The certificate of the IMAP server 127.0.0.1:{server.tls_port} "
                                                 "is not trusted"):
        await EmailReadImap().listen(ctx, lambda items: asyncio.sleep(0))
    ctx.credentials = {"imap": server.credential(port=server.tls_port, secure=True, allowUnauthorizedCerts=True)}
    [[item]] = await EmailReadImap().execute(ctx)
    assert (item.json["subject"], item.json["attributes"]) == ("Over TLS", {"uid": uid})


async def test_listen_raises_when_the_server_goes_away() -> None:
    with dovecot() as own:
        client = imaplib.IMAP4("127.0.0.1", own.port)
        client.login(USER, PASSWORD)
        deliver(client, mail("Before the crash"))
        client.logout()
        listening = Listening(context(own))
        [item] = await listening.next()
    # the server is gone: the next check fails, and the scheduler would reconnect
    with pytest.raises(NodeOperationError, match=f"The connection to the IMAP server 127.0.0.1:{own.port} failed"):
        await asyncio.wait_for(listening.task, 10)
    assert item.json["subject"] == "Before the crash"
