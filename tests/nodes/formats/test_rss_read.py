"""RSS Read v1-1.2 against feeds served on a loopback port (no internet)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.formats.rss_read import RssFeedRead

from .helpers import jsons, run_node

NODE = RssFeedRead()
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>News</title><link>http://example.org/</link>
<item><title><![CDATA[First & best]]></title><link>http://example.org/1</link>
<description><![CDATA[<p>Hello <b>world</b></p><p>Again &amp; again</p>]]></description>
<guid isPermaLink="false">id-1</guid><dc:creator>Ann</dc:creator><pubDate>Tue, 11 Apr 2023 13:51:59 GMT</pubDate>
<category>tech</category><category domain="x">misc</category>
<enclosure url="http://example.org/a.mp3" length="12" type="audio/mpeg"/>
<content:encoded><![CDATA[<div>Full text</div>]]></content:encoded><rating>5</rating></item>
<item><title>Second</title><link>http://example.org/2</link></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title>Atom one</title><link rel="alternate" href="http://example.org/a1"/><id>urn:1</id>
<updated>2023-04-11T13:51:59Z</updated><author><name>Bo</name></author><summary>Short</summary>
<content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"""
PAGES = {"/rss": (200, RSS), "/atom": (200, ATOM), "/html": (200, "<html><body>no feed</body></html>"),
         "/gone": (404, "missing")}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        status, body = PAGES.get(self.path, (404, "missing"))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_rss_items_shaped_like_rss_parser(base_url: str) -> None:
    out = await run_node(NODE, 1.2, {"url": f"{base_url}/rss", "options": {"customFields": "rating, missing"}})
    first, second = jsons(out)
    assert first == {
        "creator": "Ann", "title": "First & best", "link": "http://example.org/1",
        "pubDate": "Tue, 11 Apr 2023 13:51:59 GMT", "content:encoded": "<div>Full text</div>",
        "content:encodedSnippet": "Full text",
        "enclosure": {"url": "http://example.org/a.mp3", "length": "12", "type": "audio/mpeg"},
        "dc:creator": "Ann", "rating": "5",
        "content": "<p>Hello <b>world</b></p><p>Again &amp; again</p>", "contentSnippet": "Hello world\nAgain & again",
        "guid": "id-1", "categories": ["tech", {"_": "misc", "$": {"domain": "x"}}],
        "isoDate": "2023-04-11T13:51:59.000Z",
    }
    assert second == {"title": "Second", "link": "http://example.org/2"}
    assert [item.paired for item in out] == [(0, 0), (0, 0)]


async def test_atom_entries(base_url: str) -> None:
    out = await run_node(NODE, 1.2, {"url": f"{base_url}/atom"})
    assert jsons(out) == [{"title": "Atom one", "link": "http://example.org/a1", "pubDate": "2023-04-11T13:51:59.000Z",
                           "author": "Bo", "content": "<p>Body</p>", "contentSnippet": "Body", "summary": "Short",
                           "id": "urn:1", "isoDate": "2023-04-11T13:51:59.000Z"}]


async def test_v1_reads_once_and_pairs_with_every_input(base_url: str) -> None:
    out = await run_node(NODE, 1.0, {"url": f"{base_url}/atom"}, [Item({}), Item({})])
    assert len(out) == 1 and out[0].paired == [(0, 0), (1, 0)]
    out = await run_node(NODE, 1.1, {"url": f"{base_url}/atom"}, [Item({}), Item({})])
    assert [item.paired for item in out] == [(0, 0), (1, 0)]


async def test_errors_are_clear(base_url: str) -> None:
    with pytest.raises(NodeOperationError, match="Status code 404"):
        await run_node(NODE, 1.2, {"url": f"{base_url}/gone"})
    with pytest.raises(NodeOperationError, match="not a feed"):
        await run_node(NODE, 1.2, {"url": f"{base_url}/html"})
    with pytest.raises(NodeOperationError, match='"URL" has to be set'):
        await run_node(NODE, 1.2, {"url": ""})
    with pytest.raises(NodeOperationError, match='"URL" is not valid'):
        await run_node(NODE, 1.2, {"url": "ftp://example.org/feed"})


async def test_refused_connection_continues_on_fail() -> None:
    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = await run_node(NODE, 1.2, {"url": f"http://127.0.0.1:{port}/feed"}, on_error="continueRegularOutput")
    assert "It was not possible to connect" in out[0].json["error"] and out[0].paired == (0, 0)


async def test_in_process_transport_follows_redirects() -> None:
    import httpx

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "https://feeds.test/new"})
        assert request.headers["User-Agent"] == "rss-parser"
        return httpx.Response(200, text=ATOM)

    node = RssFeedRead()
    node.transport = httpx.MockTransport(answer)
    out = await run_node(node, 1.2, {"url": "https://feeds.test/old"})
    assert [item.json["title"] for item in out] == ["Atom one"]
