"""Redis (n8n `redis` v1): delete, get, incr, info, keys, pop, push, publish and set (with TTL)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import CredentialSlot, ExecuteContext, NodeDescription, NodeType
from nodes.core.dot_path import set_path

from .common import ConnectionFailed, connection_failed, database_message, fail
from .redis_params import PARAMETERS


def client_for(data: Mapping[str, Any]) -> aioredis.Redis:
    """A client from `redis` credential data (answers decoded as UTF-8 text)."""
    client = aioredis.Redis(
        host=str(data.get("host") or "localhost"), port=int(data.get("port") or 6379),
        db=int(data.get("database") or 0), username=data.get("user") or None,
        password=data.get("password") or None, ssl=bool(data.get("ssl")),
        ssl_cert_reqs="none" if data.get("disableTlsVerification") else "required",
        socket_connect_timeout=10, decode_responses=True)
    client.set_response_callback("INFO", lambda response, **_: response)  # parse_info reads the raw text
    return client


def parse_info(text: str) -> dict[str, Any]:
    """INFO text as an object: numbers as numbers, `a=1,b=2` values as nested objects."""
    data: dict[str, Any] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        value = value.strip()
        if "=" in value:
            data[key] = {k: _number(v) for k, _, v in (pair.partition("=") for pair in value.split(","))}
        else:
            data[key] = _number(value)
    return data


def _number(value: str) -> Any:
    """Digits (and one dot) as a number, anything else as text ("7.0.15" stays a version)."""
    if value.isdigit():
        return int(value)
    try:
        return float(value) if value and all(c.isdigit() or c == "." for c in value) else value
    except ValueError:
        return value


async def get_value(client: aioredis.Redis, key: str, key_type: str = "automatic") -> Any:
    """The value of `key` read as its type (asked from Redis when `automatic`); None if missing."""
    if key_type in ("", "automatic"):
        key_type = str(await client.type(key))
    if key_type == "string":
        return await client.get(key)
    if key_type == "hash":
        return await client.hgetall(key)
    if key_type == "list":
        return await client.lrange(key, 0, -1)
    if key_type in ("set", "sets"):
        return sorted(await client.smembers(key))
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


async def set_value(ctx: ExecuteContext, client: aioredis.Redis, key: str, value: Any, key_type: str,
                    index: int) -> None:
    """Write `value` under `key` as `key_type` (chosen from the value when `automatic`)."""
    if key_type in ("", "automatic"):
        key_type = "list" if isinstance(value, list) else "hash" if isinstance(value, dict) else "string"
    if key_type == "string":
        await client.set(key, _text(value))
    elif key_type == "hash":
        await client.hset(key, mapping=_hash_fields(ctx, value, index))
    elif key_type == "list":
        values = value if isinstance(value, list) else json.loads(value) if _is_json_list(value) else [value]
        async with client.pipeline(transaction=True) as pipe:  # replace the list as one step
            pipe.delete(key)
            pipe.rpush(key, *[_text(v) for v in values])
            await pipe.execute()
    elif key_type == "sets":
        members = value if isinstance(value, list) else [value]
        await client.sadd(key, *[_text(v) for v in members])
    else:
        raise NodeOperationError(f"Unknown key type '{key_type}'", node=ctx.node.name, item_index=index,
                                 parameter="keyType")


def _is_json_list(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith("[")


def _hash_fields(ctx: ExecuteContext, value: Any, index: int) -> dict[Any, Any]:
    if isinstance(value, dict):
        return {str(k): _text(v) for k, v in value.items()}
    if ctx.param("valueIsJSON", index, True):
        try:
            parsed = json.loads(str(value))
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return {str(k): _text(v) for k, v in parsed.items()}
    words = str(value).split(" ")  # "field value field value", as HSET takes them
    if len(words) % 2:
        raise NodeOperationError("A hash value needs field/value pairs (or JSON)", node=ctx.node.name,
                                 item_index=index, parameter="value")
    return dict(zip(words[::2], words[1::2], strict=True))


def _put(ctx: ExecuteContext, index: int, name: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if ctx.param("options.dotNotation", index, True) is False:
        data[name] = value
    else:
        set_path(data, name, value, set())
    return data


async def run_operation(ctx: ExecuteContext, client: aioredis.Redis, operation: str, index: int,
                        item: Item) -> Item:
    """One item's operation; the result item is paired to it."""
    param = ctx.param
    paired = (index, 0)
    if operation == "delete":
        await client.delete(str(param("key", index)))
        return item.with_paired(paired)
    if operation == "get":
        value = await get_value(client, str(param("key", index)), str(param("keyType", index, "automatic")))
        return Item(_put(ctx, index, str(param("propertyName", index, "propertyName")), value or None), paired=paired)
    if operation == "keys":
        keys = sorted(await client.keys(str(param("keyPattern", index))))
        if not param("getValues", index, True):
            return Item({"keys": keys}, paired=paired)
        return Item({str(key): await get_value(client, str(key)) for key in keys}, paired=paired)
    if operation == "set":
        key = str(param("key", index))
        await set_value(ctx, client, key, param("value", index, ""), str(param("keyType", index, "automatic")), index)
        await _expire(ctx, client, key, index)
        return item.with_paired(paired)
    if operation == "incr":
        key = str(param("key", index))
        value = await client.incr(key)
        await _expire(ctx, client, key, index)
        return Item({key: value}, paired=paired)
    if operation == "publish":
        await client.publish(str(param("channel", index)), _text(param("messageData", index, "")))
        return item.with_paired(paired)
    if operation == "push":
        push = client.rpush if param("tail", index, False) else client.lpush
        await push(str(param("list", index)), _text(param("messageData", index, "")))
        return item.with_paired(paired)
    if operation == "pop":
        pop = client.rpop if param("tail", index, False) else client.lpop
        value = await pop(str(param("list", index)))
        return Item(_put(ctx, index, str(param("propertyName", index, "propertyName")), _maybe_json(value)),
                    paired=paired)
    raise NodeOperationError(f"Unknown operation '{operation}'", node=ctx.node.name, parameter="operation")


def _maybe_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _expire(ctx: ExecuteContext, client: aioredis.Redis, key: str, index: int) -> None:
    ttl = ctx.param("ttl", index, 60)
    if ctx.param("expire", index, False) and ttl and int(ttl) > 0:
        await client.expire(key, int(ttl))


class RedisNode(NodeType):
    description = NodeDescription(
        name="knotwork.redis",
        display_name="Redis",
        group="input",
        description="Get, send and update data in Redis",
        versions=(1.0,),
        default_version=1.0,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.redis",),
        credentials=(CredentialSlot("redis", required=True),),
        categories=("Development", "Data & Storage"),
        search_aliases=("cache", "key value", "queue"),
        icon="database",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        data = await ctx.get_credentials("redis")
        client = client_for(data)
        try:
            await _connect(ctx, client, data)
            return [await self._run(ctx, client)]
        except ConnectionFailed as error:
            return [connection_failed(ctx, error)]
        finally:
            await client.aclose()

    async def _run(self, ctx: ExecuteContext, client: aioredis.Redis) -> list[Item]:
        operation = str(ctx.param("operation", 0, "info"))
        if operation == "info":  # one answer for the whole run, as n8n does
            try:
                return [Item(parse_info(await client.execute_command("INFO")), paired=(0, 0))]
            except RedisError as error:
                return [fail(ctx, operation, 0, error)]
        output: list[Item] = []
        for index, item in enumerate(ctx.input_items):
            try:
                output.append(await run_operation(ctx, client, operation, index, item))
            except (RedisError, NodeOperationError, ValueError) as error:
                output.append(fail(ctx, operation, index, error))
        return output


async def _connect(ctx: ExecuteContext, client: aioredis.Redis, data: Mapping[str, Any]) -> None:
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        raise ConnectionFailed(f"Could not connect to Redis at {data.get('host') or 'localhost'}:"
                               f"{data.get('port') or 6379}: {database_message(error)}", node=ctx.node.name) from None
