"""Redis node against the real server (logical database 14, flushed before and after)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.databases.redis_node import RedisNode, parse_info

from .conftest import jsons, run_node

NODE = RedisNode()


async def run(parameters: dict[str, Any], items: list[Item] | None = None, **flags: Any) -> list[Item]:
    return await run_node(NODE, 1, parameters, items, **flags)


async def test_set_and_get_a_string_with_ttl(rd: Any) -> None:
    # Given a value set with a TTL
    out = await run({"operation": "set", "key": "greeting", "value": "hello", "expire": True, "ttl": 100},
                    [Item({"keep": 1})])
    # Then the input item passes through, the key holds the value and expires
    assert jsons(out) == [{"keep": 1}] and out[0].paired == (0, 0)
    assert await rd.get("greeting") == "hello"
    assert 0 < await rd.ttl("greeting") <= 100
    got = await run({"operation": "get", "key": "greeting", "propertyName": "data.text"})
    assert jsons(got) == [{"data": {"text": "hello"}}]
    flat = await run({"operation": "get", "key": "greeting", "propertyName": "a.b", "options": {"dotNotation": False}})
    assert jsons(flat) == [{"a.b": "hello"}]


async def test_set_hash_list_and_sets_then_get_automatic(rd: Any) -> None:
    await run({"operation": "set", "key": "h", "keyType": "hash", "value": '{"a": 1, "b": "x"}'})
    await run({"operation": "set", "key": "h2", "keyType": "hash", "valueIsJSON": False, "value": "f1 v1 f2 v2"})
    await run({"operation": "set", "key": "l", "keyType": "list", "value": '["x", "y"]'})
    await run({"operation": "set", "key": "s", "keyType": "sets", "value": "member"})
    await run({"operation": "set", "key": "auto", "value": {"k": "v"}})
    results = {}
    for key in ("h", "h2", "l", "s", "auto", "missing"):
        [item] = await run({"operation": "get", "key": key, "propertyName": "v"})
        results[key] = item.json["v"]
    assert results == {"h": {"a": "1", "b": "x"}, "h2": {"f1": "v1", "f2": "v2"}, "l": ["x", "y"], "s": ["member"],
                       "auto": {"k": "v"}, "missing": None}
    typed = await run({"operation": "get", "key": "l", "keyType": "list", "propertyName": "v"})
    assert jsons(typed) == [{"v": ["x", "y"]}]


async def test_delete(rd: Any) -> None:
    await rd.set("gone", "1")
    out = await run({"operation": "delete", "key": "gone"}, [Item({"id": 7})])
    assert jsons(out) == [{"id": 7}]
    assert await rd.exists("gone") == 0


async def test_incr_with_expire(rd: Any) -> None:
    first = await run({"operation": "incr", "key": "counter"})
    second = await run({"operation": "incr", "key": "counter", "expire": True, "ttl": 50})
    assert jsons(first) == [{"counter": 1}] and jsons(second) == [{"counter": 2}]
    assert 0 < await rd.ttl("counter") <= 50


async def test_info_is_one_parsed_item(rd: Any) -> None:
    out = await run({"operation": "info"}, [Item({}), Item({})])
    assert len(out) == 1 and "redis_version" in out[0].json
    assert parse_info("# Server\r\nredis_version:7.0.1\r\nuptime:12\r\ndb14:keys=2,expires=0\r\n") == {
        "redis_version": "7.0.1", "uptime": 12, "db14": {"keys": 2, "expires": 0}}


async def test_keys_with_and_without_values(rd: Any) -> None:
    await rd.set("user:1", "ann")
    await rd.set("user:2", "bob")
    await rd.set("other", "x")
    with_values = await run({"operation": "keys", "keyPattern": "user:*"})
    only_keys = await run({"operation": "keys", "keyPattern": "user:*", "getValues": False})
    assert jsons(with_values) == [{"user:1": "ann", "user:2": "bob"}]
    assert jsons(only_keys) == [{"keys": ["user:1", "user:2"]}]


async def test_push_and_pop_head_and_tail(rd: Any) -> None:
    await run({"operation": "push", "list": "queue", "messageData": "one"})
    await run({"operation": "push", "list": "queue", "messageData": '{"n": 2}', "tail": True})
    await run({"operation": "push", "list": "queue", "messageData": "zero"})
    assert await rd.lrange("queue", 0, -1) == ["zero", "one", '{"n": 2}']
    tail = await run({"operation": "pop", "list": "queue", "tail": True, "propertyName": "job"})
    head = await run({"operation": "pop", "list": "queue", "propertyName": "job"})
    assert jsons(tail) == [{"job": {"n": 2}}] and jsons(head) == [{"job": "zero"}]


async def test_publish(rd: Any) -> None:
    pubsub = rd.pubsub()
    await pubsub.subscribe("kw-news")
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    out = await run({"operation": "publish", "channel": "kw-news", "messageData": "hi"}, [Item({"x": 1})])
    message = await pubsub.get_message(timeout=2)
    await pubsub.aclose()
    assert jsons(out) == [{"x": 1}]
    assert message is not None and message["data"] == "hi"


async def test_wrong_type_is_an_item_error(rd: Any) -> None:
    await rd.set("text", "x")
    out = await run({"operation": "push", "list": "text", "messageData": "y"}, [Item({})],
                    on_error="continueRegularOutput")
    assert "WRONGTYPE" in out[0].json["error"] and out[0].paired == (0, 0)
    with pytest.raises(NodeOperationError, match="WRONGTYPE") as caught:
        await run({"operation": "push", "list": "text", "messageData": "y"}, name="Cache")
    assert caught.value.node == "Cache" and caught.value.item_index == 0
    assert "push" in (caught.value.description or "")


async def test_unreachable_server_is_named() -> None:
    from tests.nodes.fake import make_node

    from .conftest import DbContext, services

    node = make_node("knotwork.redis", 1, {"operation": "info"}, credentials={"redis": {"id": "bad"}})
    ctx = DbContext(node, [[Item({})]], services=services())
    ctx.services.credentials.by_id["bad"] = {"host": "127.0.0.1", "port": 1}
    with pytest.raises(NodeOperationError, match="Could not connect to Redis at 127.0.0.1:1"):
        await NODE.execute(ctx)
