"""RSS Feed Trigger (n8n `rssFeedReadTrigger` v1): polls a feed and starts the workflow with the
entries published since the last poll.

The cursor is n8n's `lastItemDate` (node static data): entries whose `isoDate` is later are new.
The first poll compares with the moment of polling, so the entries already in the feed are only
remembered, not emitted. Run by hand, the node returns the feed's first entry and moves nothing.
Fetching and parsing are the RSS Read node's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, Parameter
from nodes.schedule.polling import POLL_TIMES, PollingTrigger

from .rss_parse import FeedError, parse_feed
from .rss_read import fetch_feed, valid_url


class RssFeedReadTrigger(PollingTrigger):
    description = NodeDescription(
        name="knotwork.rssFeedReadTrigger",
        display_name="RSS Feed Trigger",
        group="trigger",
        description="Starts a workflow when an RSS feed is updated",
        versions=(1.0,),
        default_version=1.0,
        inputs=0,
        trigger=True,
        parameters=(
            Parameter("feedUrl", "Feed URL", "string", default="https://blog.n8n.io/rss/", required=True,
                      description="URL of the RSS feed to poll"),
            POLL_TIMES,
        ),
        aliases=("n8n-nodes-base.rssFeedReadTrigger",),
        search_aliases=("rss", "feed", "atom", "news", "poll"),
        categories=("Core Nodes",),
        icon="fa:rss",
    )
    transport: httpx.AsyncBaseTransport | None = None  # tests may answer in-process, as RSS Read allows

    async def poll(self, ctx: ExecuteContext) -> list[Item] | None:
        url = str(ctx.param("feedUrl", 0, "") or "").strip()
        if not url:
            raise NodeOperationError('The parameter "URL" has to be set!')
        if not valid_url(url):
            raise NodeOperationError('The provided "URL" is not valid!')
        text = await fetch_feed(url, False, self.transport)
        try:
            entries = parse_feed(text, [])
        except FeedError as error:
            raise NodeOperationError(f"The document at {url} is not a feed: {error}") from None
        if ctx.mode == "manual":
            return [Item(entries[0])] if entries else None
        state = ctx.static_data()
        cursor = _moment(state.get("lastItemDate") or state.get("lastTimeChecked")) or ctx.now()
        new = [entry for entry in entries if (_moment(entry.get("isoDate")) or cursor) > cursor]
        dated = [(moment, entry["isoDate"]) for entry in entries if (moment := _moment(entry.get("isoDate")))]
        if dated:
            state["lastItemDate"] = max(dated)[1]
        return [Item(entry) for entry in new] or None


def _moment(value: Any) -> dt.datetime | None:
    """An aware datetime from an ISO string (rss-parser's isoDate); None when absent or invalid."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
