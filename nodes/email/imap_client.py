"""A blocking IMAP session (stdlib imaplib) for the Email Trigger, and n8n's search rules.

`Mailbox` methods run in a worker thread (asyncio.to_thread); a lock serialises them, so closing
waits for an operation still running in another thread. n8n's `customEmailConfig` is node-imap's
criteria array (`["UNSEEN", ["SINCE", "May 20, 2012"], ["OR", "SEEN", ["FROM", "x"]]]`), turned
into an IMAP SEARCH string by `search_query`.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from dateutil import parser as date_parser

from engine.credential_types import network_reason
from engine.errors import NodeOperationError

FLAGS = {"ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD", "RECENT", "SEEN", "UNANSWERED",
         "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN"}
TEXT_KEYS = {"BCC", "BODY", "CC", "FROM", "KEYWORD", "SUBJECT", "TEXT", "TO", "UNKEYWORD"}
DATE_KEYS = {"BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"}
NUMBER_KEYS = {"LARGER", "SMALLER"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UID = re.compile(rb"UID (\d+)")


class SearchError(ValueError):
    """A search rule node-imap would not accept; the message names it."""


def search_query(criteria: Any) -> str:
    """node-imap's criteria list as an IMAP SEARCH key string. Raises SearchError."""
    if not isinstance(criteria, list):
        raise SearchError("the custom email rules must be a JSON array, e.g. [\"UNSEEN\"]")
    return " ".join(_criterion(item) for item in criteria) or "ALL"


def _criterion(item: Any) -> str:
    if isinstance(item, str):
        negate, key = item.startswith("!"), item.lstrip("!").upper()
        if key not in FLAGS:
            raise SearchError(f"unknown search rule '{item}'")
        return f"NOT {key}" if negate else key
    if not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise SearchError(f"a search rule must be a string or a list starting with its name, not {item!r}")
    negate, key, args = item[0].startswith("!"), item[0].lstrip("!").upper(), item[1:]
    if key == "OR" and len(args) == 2:
        text = f"OR ({_criterion(args[0])}) ({_criterion(args[1])})"
    elif key in TEXT_KEYS and len(args) == 1:
        text = f"{key} {_quote(args[0])}"
    elif key == "HEADER" and len(args) == 2:
        text = f"HEADER {_quote(args[0])} {_quote(args[1])}"
    elif key in DATE_KEYS and len(args) == 1:
        text = f"{key} {_imap_date(args[0])}"
    elif key in NUMBER_KEYS and len(args) == 1 and str(args[0]).isdigit():
        text = f"{key} {args[0]}"
    elif key == "UID" and len(args) == 1 and re.fullmatch(r"[0-9*:,]+", str(args[0])):
        text = f"UID {args[0]}"
    elif key in FLAGS and not args:
        text = key
    else:
        raise SearchError(f"unknown or malformed search rule {item!r}")
    return f"NOT ({text})" if negate else text


def _quote(value: Any) -> str:
    text = str(value)
    if not text.isascii():
        raise SearchError(f"search text must be ASCII here: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap_date(value: Any) -> str:
    try:
        moment = date_parser.parse(str(value))
    except (ValueError, OverflowError):
        raise SearchError(f"'{value}' is not a date") from None
    return f"{moment.day:02d}-{MONTHS[moment.month - 1]}-{moment.year}"


class Mailbox:
    """One IMAP connection to one mailbox, from n8n's `imap` credential."""

    def __init__(self, credential: Mapping[str, Any], mailbox: str, *, verify: bool, timeout: float = 30.0) -> None:
        self.host = str(credential.get("host") or "localhost")
        self.port = int(credential.get("port") or 993)
        self.credential = credential
        self.mailbox = mailbox or "INBOX"
        self.verify = verify
        self.timeout = timeout
        self.client: imaplib.IMAP4 | None = None
        self.lock = threading.Lock()

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def open(self) -> None:
        """Connect, log in and select the mailbox. Raises NodeOperationError saying what failed."""
        with self.lock:
            try:
                if self.credential.get("secure"):
                    context = ssl.create_default_context()
                    if not self.verify:
                        context.check_hostname = False
                        context.verify_mode = ssl.CERT_NONE
                    self.client = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=self.timeout)
                else:
                    self.client = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
            except ssl.SSLCertVerificationError as error:
                raise NodeOperationError(f"The certificate of the IMAP server {self.where} is not trusted "
                                         f"({error.verify_message})", description="Turn on 'Allow Self-Signed "
                                         "Certificates' in the IMAP credential to accept it") from None
            except OSError as error:
                reason = "timed out" if isinstance(error, TimeoutError) else network_reason(error)
                raise NodeOperationError(f"Could not connect to the IMAP server at {self.where}: {reason}") from None
            user = str(self.credential.get("user") or "")
            try:
                self.client.login(user, str(self.credential.get("password") or ""))
            except imaplib.IMAP4.error as error:
                raise NodeOperationError(f"The IMAP server {self.where} refused the login for user '{user}' "
                                         f"({_text(error)})") from None
            status, answer = self.client.select(_mailbox_name(self.mailbox))
            if status != "OK":
                raise NodeOperationError(f"The IMAP server {self.where} has no mailbox '{self.mailbox}' "
                                         f"({_text(answer[0] if answer else '')})")

    def new_messages(self, query: str, after_uid: int, limit: int | None) -> list[tuple[int, bytes]]:
        """(uid, message bytes) of messages matching `query` with a UID above `after_uid`, oldest
        first, at most `limit`; fetched with BODY.PEEK so they stay unread."""
        with self.lock, self._connection_lost():
            client = self._client()
            if after_uid:
                query = f"{query} UID {after_uid + 1}:*"
            status, answer = client.uid("SEARCH", query)
            if status != "OK":
                raise NodeOperationError(f"The IMAP server {self.where} refused the search '{query}' "
                                         f"({_text(answer[0] if answer else '')})")
            uids = sorted(int(uid) for uid in (answer[0] or b"").split() if int(uid) > after_uid)
            messages = []
            for uid in uids[:limit] if limit else uids:
                status, data = client.uid("FETCH", str(uid), "(UID BODY.PEEK[])")
                for part in data:
                    if isinstance(part, tuple) and _UID.search(part[0]):
                        messages.append((uid, bytes(part[1])))
            return messages

    def mark_seen(self, uids: list[int]) -> None:
        if not uids:
            return
        with self.lock, self._connection_lost():
            self._client().uid("STORE", ",".join(str(uid) for uid in uids), "+FLAGS", r"(\Seen)")

    def close(self) -> None:
        with self.lock:
            client, self.client = self.client, None
            if client is not None:
                with contextlib.suppress(imaplib.IMAP4.error, OSError):  # leaving; a failed goodbye changes nothing
                    client.logout()

    @contextlib.contextmanager
    def _connection_lost(self) -> Iterator[None]:
        """A dropped connection as a NodeOperationError (the listener then reconnects)."""
        try:
            yield
        except (imaplib.IMAP4.error, OSError) as error:
            raise NodeOperationError(f"The connection to the IMAP server {self.where} failed: "
                                     f"{_text(error) or type(error).__name__}") from None

    def _client(self) -> imaplib.IMAP4:
        if self.client is None:
            raise NodeOperationError(f"The connection to the IMAP server {self.where} is closed")
        return self.client


def _mailbox_name(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9._/-]+", name) else '"' + name.replace('"', '\\"') + '"'


def _text(value: Any) -> str:
    if isinstance(value, BaseException) and value.args:
        value = value.args[0]
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
