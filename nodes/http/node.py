"""HTTP Request (n8n `httpRequest` v1–4.2): one request per input item (or a series of pages),
the answers as items paired with the item that asked.

Items are sent concurrently, in batches when the batching option says so. v1/v2 and v3+ differ
only in how parameters are read (read_legacy, read_v3); sending, answers and pagination are shared.
"""

from __future__ import annotations

import asyncio
from typing import Any

from engine.errors import NodeError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType

from .auth import request_auth
from .pagination import fetch_pages
from .params_legacy import LEGACY_PARAMETERS, V1_AUTH
from .params_v3 import GENERIC_AUTH_TYPES, V3_PARAMETERS
from .read_legacy import read_legacy_call
from .read_v3 import read_call
from .response import PlainError, page_items
from .send import Clients

# Requests in flight at once for one node run (httpx's pool holds 100 connections; a pool wait
# would count against the request timeout).
MAX_PARALLEL = 50


def _credential_slots() -> tuple[CredentialSlot, ...]:
    generic = tuple(CredentialSlot(value, show={"authentication": ("genericCredentialType",),
                                                "genericAuthType": (value,)})
                    for _, value in GENERIC_AUTH_TYPES)
    v1 = tuple(CredentialSlot(credential, show={"@version": (1.0,), "authentication": (value,)})
               for _, value, credential in V1_AUTH if credential)
    return generic + v1


class HttpRequestNode(NodeType):
    description = NodeDescription(
        name="knotwork.httpRequest",
        display_name="HTTP Request",
        group="output",
        description="Makes an HTTP request and returns the response data",
        versions=(1.0, 2.0, 3.0, 4.0, 4.1, 4.2),
        default_version=4.2,
        parameters=(*LEGACY_PARAMETERS, *V3_PARAMETERS),
        aliases=("n8n-nodes-base.httpRequest",),
        credentials=_credential_slots(),
        categories=("Development", "Core Nodes"),
        search_aliases=("API", "Request", "URL", "Build", "cURL", "REST", "fetch"),
        icon="public",  # a Material icon: the globe
    )

    # A transport tests may set to intercept requests (None: the network).
    transport: Any = None

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        items = ctx.input_items
        results: list[list[Item]] = [[] for _ in items]
        size, interval = _batching(ctx)
        size = size or len(items) or 1
        parallel = asyncio.Semaphore(MAX_PARALLEL)

        async def run_one(index: int) -> list[Item]:
            async with parallel:
                return await self._run_item(ctx, clients, items[index], index)

        async with Clients(transport=self.transport) as clients:
            for start in range(0, len(items), size):
                if start and interval > 0:
                    await asyncio.sleep(interval)
                indexes = range(start, min(start + size, len(items)))
                outcomes = await asyncio.gather(*(run_one(i) for i in indexes), return_exceptions=True)
                for index, outcome in zip(indexes, outcomes, strict=True):
                    if isinstance(outcome, BaseException):
                        raise outcome
                    results[index] = outcome
        return [[item for produced in results for item in produced]]

    async def _run_item(self, ctx: ExecuteContext, clients: Clients, item: Item, index: int) -> list[Item]:
        """The items one input item produces; with continue-on-fail a failure becomes an item."""
        try:
            read = read_legacy_call if ctx.type_version < 3 else read_call
            call = await read(ctx, item, index)
            if call.auth_type not in clients.auths:
                clients.auths[call.auth_type] = await request_auth(ctx, call.auth_type, index)
            auth = clients.auths[call.auth_type]
        except NodeError as error:
            return self._failed(ctx, error, index, as_object=False)
        try:
            pages = await fetch_pages(ctx, clients, call, auth, index)
            return [produced for page in pages for produced in page_items(page, call.response, index)]
        except PlainError as error:
            return self._failed(ctx, error, index, as_object=False)
        except NodeError as error:
            return self._failed(ctx, error, index, as_object=True)

    @staticmethod
    def _failed(ctx: ExecuteContext, error: NodeError, index: int, as_object: bool) -> list[Item]:
        """Continue-on-fail: the error as an item (n8n: the request's error object, or the
        message of a parameter or answer problem). Otherwise raise it, located."""
        error.node = error.node or ctx.node.name
        if error.item_index is None:
            error.item_index = index
        if not ctx.continue_on_fail:
            raise error
        return [Item({"error": error_json(error) if as_object else error.message}, paired=(index, 0))]


def error_json(error: NodeError) -> dict[str, Any]:
    """A request error as continue-on-fail shows it: `{message, name, description?, httpCode?, context}`."""
    data: dict[str, Any] = {"message": error.message, "name": error.name}
    if error.description:
        data["description"] = error.description
    http_code = getattr(error, "http_code", None)
    if http_code is not None:
        data["httpCode"] = str(http_code)
    data["context"] = dict(error.context)
    return data


def _batching(ctx: ExecuteContext) -> tuple[int, float]:
    """(items per batch, 0 for all at once; seconds between batches), read from the first item."""
    if ctx.type_version < 3:
        options = ctx.param("options", 0, {}) or {}
        batch = {k: options[k] for k in ("batchSize", "batchInterval") if k in options}
    else:
        batch = ctx.param("options.batching.batch", 0, None)
    if not isinstance(batch, dict):
        return 0, 0.0
    size = int(batch.get("batchSize", 50) if batch.get("batchSize") not in (None, "") else 50)
    interval = float(batch.get("batchInterval", 1000) or 0) / 1000
    return (size if size > 0 else 0), interval
