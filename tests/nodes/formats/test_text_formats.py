"""moment.js formats (Date & Time v1) and the HTML-to-text converter (HTML v1.2)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from selectolax.lexbor import LexborHTMLParser

from engine.errors import NodeOperationError
from nodes.formats.html_text import html_to_text
from nodes.formats.moment_format import moment_format, moment_parse, ordinal

MOMENT = dt.datetime(2023, 4, 2, 15, 4, 5, 678000, tzinfo=ZoneInfo("Europe/Berlin"))  # a Sunday


@pytest.mark.parametrize(("fmt", "expected"), [
    ("YYYY-MM-DD", "2023-04-02"), ("YY M D", "23 4 2"), ("MMM MMMM Mo", "Apr April 4th"), ("Do DDD DDDD", "2nd 92 092"),
    ("d dd ddd dddd E", "0 Su Sun Sunday 7"), ("H HH h hh k A a", "15 15 3 03 15 PM pm"), ("m mm s ss SSS", "4 04 5 05 678"),
    ("Z ZZ", "+02:00 +0200"), ("Q W WW", "2 13 13"), ("X x", "1680440645 1680440645678"),
    ("[Week] W [of] YYYY", "Week 13 of 2023"), ("L", "04/02/2023"), ("LL LT", "April 2, 2023 3:04 PM"),
])
def test_moment_tokens(fmt: str, expected: str) -> None:
    assert moment_format(MOMENT, fmt) == expected


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]


def test_moment_parse_with_pattern_and_zone() -> None:
    hawaii = ZoneInfo("US/Hawaii")
    assert moment_parse("2022-01-12", "YYYY-DD-MM", hawaii).isoformat() == "2022-12-01T00:00:00-10:00"
    assert moment_parse("3/7/21 4:05 pm", "M/D/YY h:mm a", dt.UTC).isoformat() == "2021-03-07T16:05:00+00:00"
    assert moment_parse("1663801200000", "x", hawaii).isoformat() == "2022-09-21T23:00:00+00:00"
    with pytest.raises(NodeOperationError, match="does not match the format"):
        moment_parse("yesterday", "YYYY-MM-DD", dt.UTC)


def text_of(html: str) -> str:
    return html_to_text(LexborHTMLParser(html).css_first("html"))


def test_blocks_lists_and_breaks() -> None:
    html = ("<body><h2>Title</h2>intro<br>next line<ol start='3'><li>three</li><li>four</li></ol>"
            "<div>a</div><div>b</div><hr><blockquote>quoted</blockquote><script>x()</script></body>")
    assert text_of(html) == ("TITLE\n\nintro\nnext line\n\n 3. three\n 4. four\n\na\nb\n\n" + "-" * 40
                             + "\n\nquoted")


def test_inline_spacing_links_and_images() -> None:
    assert text_of("<p>a<b>b</b> <i>c</i>  d</p>") == "ab c d"
    assert text_of('<p><a href="#top">top</a> <a href="mailto:x@y.z">mail</a> <img alt="" src="p.png"></p>') == (
        "top mail [x@y.z] [p.png]")


def test_only_the_body_is_read_when_there_is_one() -> None:
    assert text_of("<html><head><title>Hidden</title></head><body>Shown</body></html>") == "Shown"
