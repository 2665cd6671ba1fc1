"""RSS Feed Trigger against a feed served on a loopback port: the first poll only remembers the
newest date, later polls emit what is newer, a run by hand returns the first entry."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.errors import NodeOperationError
from engine.ports import FrozenClock, Services
from engine.registry import NodeRegistry
from engine.runner import execute_workflow, standalone_context
from engine.workflow import parse_workflow
from nodes.formats.rss_trigger import RssFeedReadTrigger

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
FEED: dict[str, list[tuple[str, str]]] = {"entries": []}  # (title, RFC 822 date), newest first


def entry(title: str, date: str) -> str:
    return f"<item><title>{title}</title><link>http://example.org/{title}</link><pubDate>{date}</pubDate></item>"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        items = "".join(entry(title, date) for title, date in FEED["entries"])
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>{items}</channel></rss>'.encode()
        self.send_response(200 if self.path == "/feed" else 404)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def feed_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def registry() -> NodeRegistry:
    return NodeRegistry.from_entry_points()


def workflow(registry: NodeRegistry, url: str):  # noqa: ANN201 (engine type)
    return parse_workflow({"nodes": [{"name": "Feed", "type": "n8n-nodes-base.rssFeedReadTrigger", "typeVersion": 1,
                                      "parameters": {"feedUrl": url, "pollTimes": {"item": [{"mode": "everyMinute"}]}}}],
                           "connections": {}}, registry)


async def test_first_poll_remembers_then_later_polls_emit_newer_entries(registry, feed_url) -> None:
    FEED["entries"] = [("b", "Tue, 30 Apr 2024 10:00:00 GMT"), ("a", "Mon, 29 Apr 2024 10:00:00 GMT")]
    flow = workflow(registry, feed_url)
    services = Services(clock=FrozenClock(NOW))
    trigger = RssFeedReadTrigger()
    ctx = standalone_context(flow, registry, services, "Feed")
    assert await trigger.poll(ctx) is None
    assert ctx.static_data() == {"lastItemDate": "2024-04-30T10:00:00.000Z"}
    assert await trigger.poll(ctx) is None  # nothing new
    FEED["entries"] = [("d", "Wed, 01 May 2024 11:00:00 GMT"), ("c", "Tue, 30 Apr 2024 11:00:00 GMT"), *FEED["entries"]]
    found = await trigger.poll(ctx)
    assert [item.json["title"] for item in found or []] == ["d", "c"]
    assert found and found[1].json == {"title": "c", "link": "http://example.org/c",
                                       "pubDate": "Tue, 30 Apr 2024 11:00:00 GMT", "isoDate": "2024-04-30T11:00:00.000Z"}
    assert ctx.static_data() == {"lastItemDate": "2024-05-01T11:00:00.000Z"}


async def test_run_by_hand_returns_the_first_entry(registry, feed_url) -> None:
    FEED["entries"] = [("new", "Tue, 30 Apr 2024 10:00:00 GMT"), ("old", "Mon, 29 Apr 2024 10:00:00 GMT")]
    result = await execute_workflow(workflow(registry, feed_url), registry)
    assert [item.json["title"] for item in result.output_of("Feed")] == ["new"]


async def test_a_missing_feed_is_a_clear_error(registry, feed_url) -> None:
    ctx = standalone_context(workflow(registry, feed_url + "-gone"), registry, Services(clock=FrozenClock(NOW)), "Feed")
    with pytest.raises(NodeOperationError, match="Status code 404"):
        await RssFeedReadTrigger().poll(ctx)
    bad = standalone_context(workflow(registry, "ftp://x"), registry, Services(), "Feed")
    with pytest.raises(NodeOperationError, match='The provided "URL" is not valid!'):
        await RssFeedReadTrigger().poll(bad)
