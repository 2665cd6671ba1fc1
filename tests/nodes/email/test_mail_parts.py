"""Without a server: node-imap search rules as IMAP SEARCH keys, and header decoding."""

from __future__ import annotations

import pytest

from nodes.email.imap_client import SearchError, search_query
from nodes.email.mail_parse import address_object, raw_item, simple_item


def test_search_rules_become_imap_search_keys() -> None:
    assert search_query(["UNSEEN"]) == "UNSEEN"
    assert search_query([]) == "ALL"
    assert search_query(["!seen", ["SINCE", "May 20, 2012"], ["FROM", 'Bob "B"'], ["HEADER", "X-Id", "7"],
                         ["OR", "FLAGGED", ["SUBJECT", "urgent"]], ["LARGER", 100], ["UID", "5:*"]]) == (
        'NOT SEEN SINCE 20-May-2012 FROM "Bob \\"B\\"" HEADER "X-Id" "7" OR (FLAGGED) (SUBJECT "urgent") '
        "LARGER 100 UID 5:*")


@pytest.mark.parametrize(("rules", "message"), [
    ("UNSEEN", "must be a JSON array"),
    (["SHINY"], "unknown search rule 'SHINY'"),
    ([["SINCE", "not a date"]], "'not a date' is not a date"),
    ([["FROM"]], "unknown or malformed search rule ['FROM']"),
])
def test_bad_search_rules_are_named(rules, message) -> None:
    with pytest.raises(SearchError, match=message.replace("[", r"\[").replace("]", r"\]")):
        search_query(rules)


def test_encoded_words_and_folded_headers_are_decoded() -> None:
    raw = (b"From: =?utf-8?q?J=C3=BCrg?= <j@example.org>\r\nSubject: =?utf-8?b?R3LDvGV6aQ==?=\r\n"
           b"X-Long: one\r\n two\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi\r\n")
    item = simple_item(9, raw, None)
    assert item.json == {"textHtml": "", "textPlain": "Hi\r\n", "attributes": {"uid": 9}, "from": "Jürg <j@example.org>",
                         "subject": "Grüezi", "metadata": {"x-long": "one two",
                                                           "content-type": "text/plain; charset=utf-8"}}
    assert raw_item(raw).json == {"raw": "Hi\r\n"}


def test_address_lists() -> None:
    field = address_object('"Doe, Jane" <jane@example.org>, bob@example.org')
    assert field["value"] == [{"address": "jane@example.org", "name": "Doe, Jane"},
                              {"address": "bob@example.org", "name": ""}]
    assert field["text"] == "Doe, Jane <jane@example.org>, bob@example.org"
