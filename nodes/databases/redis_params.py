"""The editor form of the Redis node (n8n `redis` v1)."""

from __future__ import annotations

from typing import Any

from engine.node_api import Option, Parameter

KEY_TYPES = (Option("Automatic", "automatic"), Option("Hash", "hash"), Option("List", "list"),
             Option("Sets", "sets"), Option("String", "string"))


def _on(*operations: str, **more: tuple[Any, ...]) -> dict[str, tuple[Any, ...]]:
    return {"operation": operations, **more}


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("operation", "Operation", "options", default="info", options=(
        Option("Delete", "delete", "Delete a key from Redis"),
        Option("Get", "get", "Get the value of a key from Redis"),
        Option("Increment", "incr", "Atomically increment a key by 1; creates the key if it does not exist"),
        Option("Info", "info", "Return generic information about the Redis instance"),
        Option("Keys", "keys", "Return all the keys matching a pattern"),
        Option("Pop", "pop", "Pop data from a Redis list"),
        Option("Publish", "publish", "Publish a message to a Redis channel"),
        Option("Push", "push", "Push data to a Redis list"),
        Option("Set", "set", "Set the value of a key in Redis"),
    )),
    Parameter("propertyName", "Name", "string", default="propertyName", required=True, show=_on("get", "pop"),
              description="Property to write the value to; dots make nested properties (see options)"),
    Parameter("key", "Key", "string", default="", required=True, show=_on("delete", "get", "set", "incr")),
    Parameter("keyType", "Key Type", "options", default="automatic", show=_on("get", "set"), options=KEY_TYPES,
              description="The type of the key (automatic asks Redis, or for Set, looks at the value)"),
    Parameter("value", "Value", "string", default="", show=_on("set"), description="The value to write"),
    Parameter("valueIsJSON", "Value Is JSON", "boolean", default=True, show=_on("set", keyType=("hash",)),
              description="Whether the hash value is JSON (else space-separated field value pairs)"),
    Parameter("keyPattern", "Key Pattern", "string", default="", required=True, show=_on("keys"),
              description="The pattern of the keys to return (KEYS glob syntax)"),
    Parameter("getValues", "Get Values", "boolean", default=True, show=_on("keys"),
              description="Whether to get the value of the matching keys"),
    Parameter("expire", "Expire", "boolean", default=False, show=_on("set", "incr"),
              description="Whether to set a timeout on the key"),
    Parameter("ttl", "TTL", "number", default=60, show=_on("set", "incr", expire=(True,)),
              description="Number of seconds before the key expires", type_options={"minValue": 1}),
    Parameter("channel", "Channel", "string", default="", required=True, show=_on("publish"),
              description="Channel to publish the message to"),
    Parameter("list", "List", "string", default="", required=True, show=_on("push", "pop"),
              description="Name of the list"),
    Parameter("messageData", "Data", "string", default="", required=True, show=_on("publish", "push")),
    Parameter("tail", "Tail", "boolean", default=False, show=_on("push", "pop"),
              description="Whether to push or pop data from the end of the list"),
    Parameter("options", "Options", "collection", default={}, show=_on("get", "pop"), fields=(
        Parameter("dotNotation", "Dot Notation", "boolean", default=True,
                  description="Whether a dot in the name makes nested properties ('a.b' → {a: {b}})"),
    )),
)
