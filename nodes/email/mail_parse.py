"""An email (RFC 5322 bytes) as the items n8n's Email Trigger (IMAP) outputs, parsed with the stdlib.

    simple    {textHtml, textPlain, metadata: {other headers}, attributes: {uid}, cc, date, from,
              subject, to}: header names lower-cased, first value of each, encoded words decoded
              (as node-imap gives them); attachments as binary `<prefix>0`, `<prefix>1`... on demand
    resolved  mailparser's shape: headers {name: "Name: value"}, html (false when absent), text,
              textAsHtml, subject, date (ISO), address fields {value: [{address, name}], html,
              text}, messageId, inReplyTo, references, attributes {uid}; attachments as binary
    raw       {raw}: the message body after the header block (IMAP's BODY[TEXT]), as text
"""

from __future__ import annotations

import datetime as dt
import html
import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from engine.items import Item
from nodes.files.binary import binary_entry

TOP_LEVEL_HEADERS = ("cc", "date", "from", "subject", "to")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def parse_message(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)


def header_text(value: str) -> str:
    """A raw header value unfolded, with RFC 2047 encoded words decoded (left as is when broken)."""
    unfolded = _FOLD.sub("", str(value)).strip()
    try:
        return str(make_header(decode_header(unfolded)))
    except (LookupError, UnicodeError, ValueError):
        return unfolded


def simple_item(uid: int, raw: bytes, attachment_prefix: str | None) -> Item:
    """The `simple` format; `attachment_prefix` None leaves attachments out."""
    message = parse_message(raw)
    json: dict[str, Any] = {"textHtml": first_text(message, "html"), "textPlain": first_text(message, "plain"),
                            "metadata": {}, "attributes": {"uid": uid}}
    seen: set[str] = set()
    for name, value in message.raw_items():
        key = name.lower()
        if key in seen:
            continue
        seen.add(key)
        if key in TOP_LEVEL_HEADERS:
            json[key] = header_text(value)
        else:
            json["metadata"][key] = header_text(value)
    binary = None
    if attachment_prefix is not None:
        files = [binary_entry(_payload(part), part.get_filename()) for part in message.walk()
                 if part.get_content_disposition() == "attachment"]
        binary = {f"{attachment_prefix}{index}": entry for index, entry in enumerate(files)} or None
    return Item(json, binary)


def first_text(message: Message, subtype: str) -> str:
    """The first text/<subtype> part anywhere in the message, decoded; "" when there is none."""
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            return _text(part)
    return ""


def resolved_item(uid: int, raw: bytes, attachment_prefix: str) -> Item:
    """The `resolved` format (mailparser's fields), attachments always as binary."""
    message = parse_message(raw)
    json: dict[str, Any] = {"headers": {name.lower(): f"{name}: {_FOLD.sub('', value)}"
                                        for name, value in message.raw_items()}}
    html_body = _body(message, "html")  # mailparser gives line ends as \n
    text_body = _body(message, "plain")
    json["html"] = html_body if html_body is not None else False
    if text_body is not None:
        json["text"] = text_body
        json["textAsHtml"] = text_as_html(text_body)
    headers = {name.lower(): value for name, value in reversed(list(message.raw_items()))}  # first wins
    if "subject" in headers:
        json["subject"] = header_text(headers["subject"])
    if "references" in headers:
        references = header_text(headers["references"]).split()
        json["references"] = references[0] if len(references) == 1 else references
    if "date" in headers:
        json["date"] = _iso_date(headers["date"])
    for header, field in (("to", "to"), ("from", "from"), ("cc", "cc"), ("bcc", "bcc"), ("reply-to", "replyTo")):
        if header in headers:
            json[field] = address_object(header_text(headers[header]))
    for header, field in (("message-id", "messageId"), ("in-reply-to", "inReplyTo")):
        if header in headers:
            json[field] = header_text(headers[header])
    json["attributes"] = {"uid": uid}
    files = [binary_entry(_payload(part), part.get_filename(), part.get_content_type())
             for part in message.walk() if _is_attachment(part)]
    binary = {f"{attachment_prefix}{index}": entry for index, entry in enumerate(files)} or None
    return Item(json, binary)


def raw_item(raw: bytes) -> Item:
    """The `raw` format: the body after the header block, as text."""
    match = re.search(rb"\r?\n\r?\n", raw)
    body = raw[match.end():] if match else b""
    return Item({"raw": body.decode("utf-8", errors="replace")})


def address_object(value: str) -> dict[str, Any]:
    """mailparser's address field: {value: [{address, name}], html, text}."""
    addresses = [{"address": address, "name": name} for name, address in getaddresses([value]) if address or name]
    texts = [f"{entry['name']} <{entry['address']}>" if entry["name"] else entry["address"] for entry in addresses]
    htmls = []
    for entry in addresses:
        link = (f'<a href="mailto:{html.escape(entry["address"])}" class="mp_address_email">'
                f'{html.escape(entry["address"])}</a>')
        if entry["name"]:
            link = f'<span class="mp_address_name">{html.escape(entry["name"])}</span> &lt;{link}&gt;'
        htmls.append(f'<span class="mp_address_group">{link}</span>')
    return {"value": addresses, "html": ", ".join(htmls), "text": ", ".join(texts)}


def text_as_html(text: str) -> str:
    """Plain text as mailparser's simple HTML: paragraphs and line breaks, escaped."""
    paragraphs = re.split(r"\n{2,}", text.replace("\r\n", "\n").strip())
    return "".join(f"<p>{html.escape(paragraph).replace(chr(10), '<br/>')}</p>" for paragraph in paragraphs)


def _body(message: Message, subtype: str) -> str | None:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}" and part.get_content_disposition() != "attachment":
            return _text(part).replace("\r\n", "\n")
    return None


def _is_attachment(part: Message) -> bool:
    if part.is_multipart():
        return False
    if part.get_content_disposition() == "attachment":
        return True
    return part.get_content_type() not in ("text/plain", "text/html")


def _text(part: Message) -> str:
    try:
        return str(part.get_content())  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, KeyError):
        return _payload(part).decode("utf-8", errors="replace")


def _payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _iso_date(value: str) -> str:
    try:
        moment = parsedate_to_datetime(header_text(value))
    except (TypeError, ValueError):
        return header_text(value)
    moment = moment.astimezone(dt.UTC) if moment.tzinfo else moment  # a date without zone is taken as UTC
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
