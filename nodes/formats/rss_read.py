"""RSS Read (n8n `rssFeedRead` v1, 1.1, 1.2): fetch a feed and output one item per entry.

v1 reads the feed once (first item's parameters) and pairs every entry with all input items;
from v1.1 the feed is read once per input item. Fetching uses httpx (60 s timeout, redirects
followed, certificate checks unless `ignoreSSL`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from engine.errors import ExecutionCanceled, NodeOperationError
from engine.items import Item, Paired, PairedRef
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Parameter

from .common import item_error
from .rss_parse import FeedError, parse_feed

TIMEOUT_SECONDS = 60.0
MAX_FEED_BYTES = 50 * 2**20
HEADERS = {"User-Agent": "rss-parser", "Accept": "application/rss+xml"}

PARAMETERS = (
    Parameter("url", "URL", "string", default="", required=True, description="URL of the RSS feed"),
    Parameter("options", "Options", "collection", default={}, fields=(
        Parameter("customFields", "Custom Fields", "string", default="",
                  description='A comma-separated list of custom fields to include in the output, e.g. "author, contributor"'),
        Parameter("ignoreSSL", "Ignore SSL Issues (Insecure)", "boolean", default=False,
                  description="Whether to read the feed even if its SSL certificate validation fails"),
    )),
)


async def fetch_feed(url: str, ignore_ssl: bool, transport: httpx.AsyncBaseTransport | None = None) -> str:
    """The feed's text. Raises NodeOperationError for unreachable URLs and non-2xx answers."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=True, verify=not ignore_ssl,
                                     max_redirects=5, transport=transport) as client:
            response = await client.get(url, headers=HEADERS)
    except httpx.ConnectError:
        raise NodeOperationError(
            f'It was not possible to connect to the URL. Please make sure the URL "{url}" it is valid!') from None
    except httpx.HTTPError as error:
        raise NodeOperationError(f"Reading the feed at {url} failed: {error}") from None
    if not 200 <= response.status_code < 300:
        raise NodeOperationError(f"Status code {response.status_code}", description=f"The feed at {url} answered "
                                 f"with HTTP {response.status_code}")
    if len(response.content) > MAX_FEED_BYTES:
        raise NodeOperationError(f"The feed at {url} is larger than {MAX_FEED_BYTES // 2**20} MiB")
    return response.text


def valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


async def read_entries(ctx: ExecuteContext, index: int,
                       transport: httpx.AsyncBaseTransport | None = None) -> list[dict[str, Any]]:
    url = str(ctx.param("url", index, "") or "").strip()
    options = ctx.param("options", index, {}) or {}
    if not url:
        raise NodeOperationError('The parameter "URL" has to be set!', item_index=index)
    if not valid_url(url):
        raise NodeOperationError('The provided "URL" is not valid!', item_index=index)
    custom = [field.strip() for field in str(options.get("customFields") or "").split(",") if field.strip()]
    text = await fetch_feed(url, bool(options.get("ignoreSSL")), transport)
    try:
        return parse_feed(text, custom)
    except FeedError as error:
        raise NodeOperationError(f"The document at {url} is not a feed: {error}", item_index=index) from None


class RssFeedRead(NodeType):
    description = NodeDescription(
        name="knotwork.rssFeedRead",
        display_name="RSS Read",
        group="input",
        description="Reads data from an RSS Feed",
        versions=(1.0, 1.1, 1.2),
        default_version=1.2,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.rssFeedRead",),
        search_aliases=("rss", "feed", "atom", "news", "read"),
        categories=("Core Nodes",),
        icon="fa:rss",
    )
    # A transport tests may set to answer requests in-process (None: the network), as the HTTP
    # Request node allows.
    transport: httpx.AsyncBaseTransport | None = None

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        inputs = ctx.input_items
        runs: list[tuple[int, Paired]]
        if ctx.type_version >= 1.1:
            runs = [(index, (index, 0)) for index in range(len(inputs))]
        else:  # v1 reads once; every entry pairs with all input items
            everyone: list[PairedRef] = [(index, 0) for index in range(len(inputs))]
            runs = [(0, everyone)] if inputs else []
        output: list[Item] = []
        for index, paired in runs:
            try:
                entries = await read_entries(ctx, index, self.transport)
            except ExecutionCanceled:
                raise
            except Exception as error:  # honours onError like n8n: an error item, or raise
                failure = item_error(ctx, index, error)
                output.append(failure.with_paired(paired))
                continue
            output.extend(Item(entry, paired=paired) for entry in entries)
        return [output]
