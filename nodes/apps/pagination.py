"""Pagination rules: given an answer, the next request or None. n8n's returnAll/limit decide how
many pages are fetched (node.py); a rule only knows where the next page is.

    Cursor       a cursor in the body → a query parameter (Slack's response_metadata.next_cursor)
    LinkHeader   the `Link: <…>; rel="next"` header's URL (GitHub, GitLab)
    PageNumber   page=1,2,3… until a short or empty page
    Offset       offset=0,n,2n… until a short or empty page
    NextUrl      a next-page URL in the body (`next`, `links.next`, `@odata.nextLink`)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

import httpx

from nodes.http.spec import Body, RequestSpec

from .declarative import is_empty, lookup


@dataclass(frozen=True)
class Page:
    """One answer as pagination sees it."""

    response: httpx.Response
    body: Any
    items: list[Any]


class Pagination(Protocol):
    @property
    def size_param(self) -> str:
        """The query parameter holding the page size ("" for none)."""
        ...

    @property
    def max_size(self) -> int:
        """The largest page the API serves (asked for when returning all)."""
        ...

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        """The request for the page after `page`, or None when it was the last."""
        ...


def _with_query(spec: RequestSpec, **values: Any) -> RequestSpec:
    return replace(spec, query={**spec.query, **values})


@dataclass(frozen=True)
class Cursor:
    cursor_path: str  # where the next cursor is in the body
    param: str  # the query parameter that takes it
    size_param: str = ""
    max_size: int = 100
    in_body: bool = False  # the cursor goes in the JSON request body (Notion's POST queries)

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        cursor = lookup(page.body, self.cursor_path)
        if is_empty(cursor):
            return None
        if self.in_body:
            return replace(spec, body=(spec.body or Body("json", {})).with_field(self.param, cursor))
        return _with_query(spec, **{self.param: cursor})


@dataclass(frozen=True)
class LinkHeader:
    size_param: str = ""
    max_size: int = 100

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        url = page.response.links.get("next", {}).get("url")
        # The next URL carries the whole query already.
        return replace(spec, url=str(page.response.url.join(url)), query={}) if url else None


@dataclass(frozen=True)
class PageNumber:
    param: str = "page"
    start: int = 1
    size_param: str = ""
    max_size: int = 100

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        if not page.items or (self.size_param and len(page.items) < page_size):
            return None
        current = int(spec.query.get(self.param, self.start))
        return _with_query(spec, **{self.param: current + 1})


@dataclass(frozen=True)
class Offset:
    param: str = "offset"
    size_param: str = "limit"
    max_size: int = 100

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        if not page.items or len(page.items) < page_size:
            return None
        return _with_query(spec, **{self.param: int(spec.query.get(self.param, 0)) + len(page.items)})


@dataclass(frozen=True)
class NextUrl:
    url_path: str = "next"
    size_param: str = ""
    max_size: int = 100

    def next(self, page: Page, spec: RequestSpec, page_size: int) -> RequestSpec | None:
        url = lookup(page.body, self.url_path)
        if is_empty(url) or not isinstance(url, str):
            return None
        return replace(spec, url=str(page.response.url.join(url)), query={})


def first_page_query(rule: Pagination | None, return_all: bool, limit: int) -> tuple[dict[str, Any], int]:
    """The page-size query of the first request, and the page size asked for."""
    if rule is None or not rule.size_param:
        return {}, rule.max_size if rule else 0
    size = rule.max_size if return_all else max(1, min(limit, rule.max_size))
    start = {rule.param: rule.start} if isinstance(rule, PageNumber) else {}
    return {rule.size_param: size, **start}, size
