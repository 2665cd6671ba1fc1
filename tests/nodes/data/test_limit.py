"""Limit: first or last items, fewer items than the limit, and a bad maximum."""

from __future__ import annotations

import pytest

from engine.errors import NodeOperationError
from nodes.data.limit import Limit

from .helpers import items, jsons, run

LIMIT = Limit()
SOURCE = items({"i": 0}, {"i": 1}, {"i": 2})


async def test_keeps_the_first_items_by_default() -> None:
    output = await run(LIMIT, 1, {"maxItems": 2}, SOURCE)
    assert jsons(output) == [{"i": 0}, {"i": 1}] and [item.paired for item in output] == [(0, 0), (1, 0)]


async def test_keeps_the_last_items() -> None:
    output = await run(LIMIT, 1, {"maxItems": 2, "keep": "lastItems"}, SOURCE)
    assert jsons(output) == [{"i": 1}, {"i": 2}] and [item.paired for item in output] == [(1, 0), (2, 0)]


async def test_fewer_items_than_the_limit_pass_and_default_is_one() -> None:
    assert len(await run(LIMIT, 1, {"maxItems": 10}, SOURCE)) == 3
    assert jsons(await run(LIMIT, 1, {}, SOURCE)) == [{"i": 0}]


async def test_a_maximum_that_is_not_a_number_fails() -> None:
    with pytest.raises(NodeOperationError, match="'Max Items' must be a number"):
        await run(LIMIT, 1, {"maxItems": "many"}, SOURCE)
