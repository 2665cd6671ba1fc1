"""What the RabbitMQ node and trigger share: the connection from `rabbitmq` credentials, queue and
exchange declarations from n8n's options, and a delivered message as n8n's item (amqplib's shape:
`{fields, properties, content}`, properties named as amqplib names them)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import decimal
import json
from collections.abc import Mapping
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
)
from aio_pika.exceptions import ProbableAuthenticationError

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.credentials.connection_tests import tls_context, unreachable
from nodes.files.binary import binary_entry

CONNECT_TIMEOUT = 10.0

# amqplib's publish options (what n8n's "Arguments" can set) → aio_pika.Message keyword and conversion
_PROPERTIES: dict[str, tuple[str, Any]] = {
    "contentType": ("content_type", str), "contentEncoding": ("content_encoding", str),
    "correlationId": ("correlation_id", str), "replyTo": ("reply_to", str), "messageId": ("message_id", str),
    "type": ("type", str), "userId": ("user_id", str), "appId": ("app_id", str), "priority": ("priority", int),
    "deliveryMode": ("delivery_mode", int),
    "expiration": ("expiration", lambda ms: int(ms) / 1000),  # amqplib takes milliseconds, aio_pika seconds
    "timestamp": ("timestamp", lambda seconds: dt.datetime.fromtimestamp(int(seconds), dt.UTC)),
}
_AMQPLIB_NAMES = {kwarg: name for name, (kwarg, _) in _PROPERTIES.items()}


def address(data: Mapping[str, Any]) -> tuple[str, int]:
    return str(data.get("hostname") or "localhost"), int(data.get("port") or 5672)


async def connect(ctx: ExecuteContext, data: Mapping[str, Any]) -> AbstractConnection:
    """A connection from `rabbitmq` credential data. Raises NodeOperationError saying why it failed
    (refused, unknown host, login refused...), never with the password in it."""
    host, port = address(data)
    extra: dict[str, Any] = {}
    if data.get("ssl"):
        extra["ssl"] = True
        extra["ssl_context"] = tls_context(
            ca=str(data.get("ca") or ""), cert=str(data.get("cert") or "") if data.get("passwordless") else "",
            key=str(data.get("key") or "") if data.get("passwordless") else "",
            passphrase=str(data.get("passphrase") or ""))
        if data.get("passwordless"):
            extra["auth"] = "external"  # the client certificate is the login
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT + 1):
            return await aio_pika.connect(
                host=host, port=port, login=str(data.get("username") or "guest"),
                password=str(data.get("password") or "guest"), virtualhost=str(data.get("vhost") or "/"),
                timeout=CONNECT_TIMEOUT, **extra)
    except ProbableAuthenticationError:
        message = (f"RabbitMQ at {host}:{port} refused the login for user '{data.get('username') or 'guest'}' "
                   f"(or may not open vhost '{data.get('vhost') or '/'}')")
    except TimeoutError:
        message = f"RabbitMQ at {host}:{port} did not answer within {CONNECT_TIMEOUT:g} s"
    except Exception as error:  # aiormq wraps refused connections in its own exception types
        message = str(unreachable("RabbitMQ", host, port, error))
    raise NodeOperationError(message, node=ctx.node.name)


async def close_quietly(connection: AbstractConnection) -> None:
    """Close, whatever state the connection is in (it may be dead already); never raises."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):
            await connection.close()


def pairs(collection: Any, group: str) -> dict[str, Any]:
    """n8n's key/value list (`{group: [{key, value}]}`) as a dict."""
    entries = collection.get(group) if isinstance(collection, Mapping) else None
    return {str(entry.get("key")): entry.get("value", "") for entry in entries or []
            if isinstance(entry, Mapping) and entry.get("key")}


def split_arguments(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """n8n's "Arguments" as (message properties, declaration arguments): names amqplib takes as
    publish options become message properties (and `mandatory`), the others (`x-message-ttl`...)
    are queue or exchange arguments, digits as numbers since the broker wants integers there."""
    properties: dict[str, Any] = {}
    declare: dict[str, Any] = {}
    for key, value in pairs(options.get("arguments"), "argument").items():
        if key in _PROPERTIES or key in ("persistent", "mandatory"):
            properties[key] = value
        else:
            declare[key] = int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else value
    return properties, declare


def build_message(body: bytes, headers: dict[str, Any], properties: Mapping[str, Any]) -> aio_pika.Message:
    """A message with amqplib-named properties; raises ValueError naming a property it cannot read."""
    kwargs: dict[str, Any] = {}
    for name, value in properties.items():
        if name in _PROPERTIES:
            kwarg, convert = _PROPERTIES[name]
            try:
                kwargs[kwarg] = convert(value)
            except (TypeError, ValueError):
                raise ValueError(f"The argument '{name}' has an invalid value: {value!r}") from None
        elif name == "persistent" and _truthy(value):
            kwargs["delivery_mode"] = aio_pika.DeliveryMode.PERSISTENT
    return aio_pika.Message(body, headers=headers or None, **kwargs)


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def mandatory(properties: Mapping[str, Any]) -> bool:
    return "mandatory" in properties and _truthy(properties["mandatory"])


async def declare_queue(channel: AbstractChannel, name: str, options: Mapping[str, Any],
                        arguments: dict[str, Any]) -> AbstractQueue:
    """The queue, declared with n8n's options (Assert Queue on, the default), else checked to exist."""
    if options.get("assertQueue", True) is False:
        return await channel.declare_queue(name, passive=True)
    return await channel.declare_queue(
        name, durable=options.get("durable", True) is not False, exclusive=bool(options.get("exclusive")),
        auto_delete=bool(options.get("autoDelete")), arguments=arguments or None)


async def declare_exchange(channel: AbstractChannel, name: str, kind: str, options: Mapping[str, Any],
                           arguments: dict[str, Any]) -> AbstractExchange:
    """The exchange, declared with n8n's options (Assert Exchange on, the default), else checked to exist."""
    if options.get("assertExchange", True) is False:
        return await channel.get_exchange(name, ensure=True)
    if options.get("alternateExchange"):
        arguments = {**arguments, "alternate-exchange": str(options["alternateExchange"])}
    return await channel.declare_exchange(
        name, kind, durable=options.get("durable", True) is not False, auto_delete=bool(options.get("autoDelete")),
        arguments=arguments or None)


def plain(value: Any) -> Any:
    """A header or property value as JSON (bytes as text, times as epoch seconds as amqplib gives them)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def message_json(message: AbstractIncomingMessage) -> dict[str, Any]:
    """The message as amqplib hands it to n8n, without `content`; absent properties are left out."""
    properties: dict[str, Any] = {}
    for kwarg in ("content_type", "content_encoding", "headers", "delivery_mode", "priority", "correlation_id",
                  "reply_to", "expiration", "message_id", "timestamp", "type", "user_id", "app_id", "cluster_id"):
        value = getattr(message, kwarg, None)
        if kwarg == "expiration" and value is not None:
            value = str(int(value * 1000))  # amqplib shows the milliseconds as sent
        if value is not None and value != "":
            properties[_AMQPLIB_NAMES.get(kwarg, _camel(kwarg))] = plain(int(value) if kwarg == "delivery_mode"
                                                                         else value)
    properties.setdefault("headers", {})
    fields = {"consumerTag": message.consumer_tag, "deliveryTag": message.delivery_tag,
              "redelivered": bool(message.redelivered), "exchange": message.exchange or "",
              "routingKey": message.routing_key or ""}
    return {"fields": fields, "properties": properties}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def message_item(message: AbstractIncomingMessage, options: Mapping[str, Any]) -> Item:
    """The trigger's item: the message with its content as text (parsed as JSON when asked; text
    that is not JSON stays text), or only the content, or the content as binary `data`."""
    data = message_json(message)
    if options.get("contentIsBinary"):
        return Item(data, binary={"data": binary_entry(message.body, mime_type=message.content_type or None)})
    content: Any = message.body.decode("utf-8", errors="replace")
    if options.get("jsonParseBody"):
        with contextlib.suppress(ValueError):
            content = json.loads(content)
    if options.get("onlyContent"):
        return Item(content if isinstance(content, dict) else {"content": content})
    return Item({**data, "content": content})


def broker_reason(error: BaseException) -> str:
    """The broker's words (aiormq puts the reply text in its arguments), else the error's own."""
    args = getattr(error, "args", ())
    for arg in args:
        if isinstance(arg, str) and arg:
            return arg
    return str(error) or type(error).__name__
