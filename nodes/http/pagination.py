"""Fetching an item's answer: one request, or n8n's pagination — update parameters in each
request, or follow a next URL from the answer — until the completion rule, the page limit, or
five identical answers in a row stop it. Expressions see `$response`, `$pageCount`, `$request`."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx

from engine.errors import NodeOperationError
from engine.node_api import ExecuteContext

from .response import Page, is_empty, read_page
from .send import Clients, raise_for_status, send
from .spec import Body, Call, RequestSpec, ResponseOptions, js_text

MAX_IDENTICAL = 5


async def fetch_pages(ctx: ExecuteContext, clients: Clients, call: Call, auth: httpx.Auth | None,
                      index: int) -> list[Page]:
    """Every answer for the item's call, in order. Raises NodeApiError (status, network) and
    NodeOperationError (pagination settings, invalid JSON)."""
    if call.pagination is None:
        return [await fetch_page(clients, call.spec, call.response, auth, index)]
    return await _paginate(ctx, clients, call, auth, index)


async def fetch_page(clients: Clients, spec: RequestSpec, options: ResponseOptions, auth: httpx.Auth | None,
                     index: int, complete_codes: frozenset[int] = frozenset()) -> Page:
    """One answer; a 4xx/5xx raises unless never-error is on or it is a completion status."""
    response = await send(clients, spec, auth, index)
    if not options.never_error and response.status_code not in complete_codes:
        raise_for_status(response, index)
    return read_page(response, options, index)


async def _paginate(ctx: ExecuteContext, clients: Clients, call: Call, auth: httpx.Auth | None,
                    index: int) -> list[Page]:
    settings: dict[str, Any] = call.pagination or {}
    complete_when = settings.get("paginationCompleteWhen", "responseIsEmpty")
    codes = _status_codes(settings) if complete_when == "receiveSpecificStatusCodes" else frozenset()
    interval = float(settings.get("requestInterval") or 0) / 1000
    spec, identical = call.spec, 1
    pages: list[Page] = []
    while True:
        if pages and interval > 0:
            await asyncio.sleep(interval)
        page = await fetch_page(clients, spec, call.response, auth, index, codes)
        identical = identical + 1 if pages and page.response.content == pages[-1].response.content else 1
        pages.append(page)
        extra = {"$response": page.variable, "$pageCount": len(pages), "$request": _request_variable(spec)}
        if _limit_reached(ctx, settings, extra, index, len(pages)):
            return pages
        if _complete(ctx, settings, complete_when, codes, page, extra, index):
            return pages
        if identical >= MAX_IDENTICAL:
            raise NodeOperationError(f"The returned response was identical {MAX_IDENTICAL}x, so requests got stopped",
                                     description='Check if "Pagination Completed When" has been configured correctly.',
                                     item_index=index)
        spec = _next_request(ctx, settings, spec, extra, index)


def _status_codes(settings: dict[str, Any]) -> frozenset[int]:
    text = str(settings.get("statusCodesWhenComplete") or "")
    try:
        return frozenset(int(part) for part in text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        raise NodeOperationError(f"Status Code(s) when Complete must be numbers separated by commas, got '{text}'",
                                 parameter="options.pagination.pagination.statusCodesWhenComplete") from None


def _evaluate(ctx: ExecuteContext, value: Any, index: int, name: str, extra: dict[str, Any]) -> Any:
    return ctx.evaluate(value, index, f"options.pagination.pagination.{name}", extra=extra)


def _limit_reached(ctx: ExecuteContext, settings: dict[str, Any], extra: dict[str, Any], index: int,
                   fetched: int) -> bool:
    if not settings.get("limitPagesFetched"):
        return False
    limit = _evaluate(ctx, settings.get("maxRequests", 100), index, "maxRequests", extra)
    try:
        return fetched >= int(float(limit))
    except (TypeError, ValueError):
        raise NodeOperationError(f"Max Pages must be a number, got {limit!r}", item_index=index,
                                 parameter="options.pagination.pagination.maxRequests") from None


def _complete(ctx: ExecuteContext, settings: dict[str, Any], complete_when: str, codes: frozenset[int],
              page: Page, extra: dict[str, Any], index: int) -> bool:
    if complete_when == "receiveSpecificStatusCodes":
        return page.response.status_code in codes
    if complete_when == "other":
        done = _evaluate(ctx, settings.get("completeExpression", ""), index, "completeExpression", extra)
        return done is True or (isinstance(done, str) and done.strip().lower() == "true")
    return is_empty(page.body)


def _next_request(ctx: ExecuteContext, settings: dict[str, Any], spec: RequestSpec, extra: dict[str, Any],
                  index: int) -> RequestSpec:
    if settings.get("paginationMode") == "responseContainsNextURL":
        return _follow(spec, _evaluate(ctx, settings.get("nextURL", ""), index, "nextURL", extra), index)
    rows = (settings.get("parameters") or {}).get("parameters") or []
    for position, row in enumerate(rows):
        if not isinstance(row, dict) or not row.get("name"):
            continue
        value = _evaluate(ctx, row.get("value", ""), index, f"parameters.parameters[{position}].value", extra)
        spec = _with_parameter(spec, str(row.get("type") or "qs"), str(row["name"]), value)
    return spec


def _with_parameter(spec: RequestSpec, kind: str, name: str, value: Any) -> RequestSpec:
    if kind == "body":
        return replace(spec, body=spec.body.with_field(name, value) if spec.body else Body("json", {name: value}))
    if kind == "headers":
        return spec.with_header(name, js_text(value))
    return replace(spec, query={**spec.query, name: value})


def _follow(spec: RequestSpec, url: Any, index: int) -> RequestSpec:
    """The request for a next URL: its own query wins over the node's query parameters."""
    text = "" if url is None else str(url)
    try:
        parsed = httpx.URL(text)
        valid = parsed.scheme in ("http", "https") and bool(parsed.host)
    except httpx.InvalidURL:
        valid = False
    if not valid:
        raise NodeOperationError(f"'{text}' is not a valid URL.", item_index=index,
                                 description='Make sure the "Next URL" parameter evaluates to a valid URL.')
    own = {key for key, _ in parsed.params.multi_items()}
    return replace(spec, url=text, query={k: v for k, v in spec.query.items() if k not in own})


def _request_variable(spec: RequestSpec) -> dict[str, Any]:
    body = spec.body.data if spec.body is not None and spec.body.kind in ("json", "form", "multipart") else None
    return {"method": spec.method, "url": spec.url, "qs": dict(spec.query), "headers": dict(spec.headers),
            "body": body}
