"""Respond to Webhook: answer the request that started the workflow (n8n `respondToWebhook` v1–1.5).

The node builds the response from its first input item and parameters and hands it to the webhook
service as the execution event "webhook.response" (payload `{"node", "response"}`); the service
waiting on that execution sends it, the first one only. The workflow goes on: the node passes its
input through, plus (v1.3, or v1.4+ with `enableResponseOutput`) a second output with the response.

A response, here and in the Webhook node and the webhook service, is n8n's full-response shape: a
dict `{"statusCode", "headers", "body", "bodyType"}`, headers with lower-case names, bodyType "json",
"text", "binary" (body: base64) or "none".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from engine.errors import NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import (
    CredentialSlot,
    ExecuteContext,
    Group,
    NodeDescription,
    NodeType,
    Option,
    Parameter,
)

if TYPE_CHECKING:
    from engine.workflow import NodeSpec

RESPONSE_EVENT = "webhook.response"
VERSIONS = (1.0, 1.1, 1.2, 1.3, 1.4, 1.5)
_JSON_DEFAULT = '{\n  "myField": "value"\n}'
_RESPOND_WITH = (
    Option("All Incoming Items", "allIncomingItems", "Respond with all input JSON items"),
    Option("Binary File", "binary", "Respond with incoming file binary data"),
    Option("First Incoming Item", "firstIncomingItem", "Respond with the first input JSON item"),
    Option("JSON", "json", "Respond with a custom JSON body"),
    Option("JWT Token", "jwt", "Respond with a JWT token"),
    Option("No Data", "noData", "Respond with an empty body"),
    Option("Redirect", "redirect", "Respond with a redirect to a given URL"),
    Option("Text", "text", "Respond with a simple text message body"),
)

# --- responses (also used by the Webhook node and services.webhooks) -------------------------------

RESPONSE_HEADERS = Parameter(
    "responseHeaders", "Response Headers", "fixedCollection", default={}, multiple=True,
    description="Add headers to the webhook response",
    groups=(Group("entries", "Entries", (
        Parameter("name", "Name", "string", default="", description="Name of the header"),
        Parameter("value", "Value", "string", default="", description="Value of the header"),
    )),),
)


class WebhookResponseError(Exception):
    """The workflow ran but what it produced cannot be the response (n8n answers these with 500)."""


def header_entries(value: Any) -> dict[str, str]:
    """The `responseHeaders` fixedCollection as a dict with lower-case names (later entries win)."""
    entries = value.get("entries") if isinstance(value, Mapping) else None
    if isinstance(entries, Mapping):
        entries = [entries]
    headers: dict[str, str] = {}
    for entry in entries or []:
        if isinstance(entry, Mapping) and str(entry.get("name") or "").strip():
            headers[str(entry["name"]).strip().lower()] = "" if entry.get("value") is None else str(entry["value"])
    return headers


def response(status: int, headers: Mapping[str, str] | None = None, body: Any = None,
              body_type: str = "json") -> dict[str, Any]:
    """A response in the shape the webhook service sends (see the module docstring)."""
    return {"statusCode": status, "headers": dict(headers or {}), "body": body,
            "bodyType": "none" if body is None and body_type != "text" else body_type}


def binary_response(status: int, headers: dict[str, str], entry: Mapping[str, Any]) -> dict[str, Any]:
    """A response whose body is a binary entry's bytes (its mime type unless a header names one)."""
    if "data" not in entry or entry.get("id"):
        raise WebhookResponseError("The binary data is kept in a store this response cannot read from")
    headers.setdefault("content-type", str(entry.get("mimeType") or "application/octet-stream"))
    return response(status, headers, str(entry["data"]), "binary")


def dotted_get(value: Any, path: str) -> Any:
    """lodash get: `a.b.0.c` through dicts and lists; None when a part is missing."""
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


# --- the node -------------------------------------------------------------------------------------

PARAMETERS = (
    Parameter("enableResponseOutput", "Enable Response Output Branch", "boolean", default=False,
              show={"@version": (1.4, 1.5)},
              description="Whether to provide an additional output branch with the response sent to the webhook"),
    Parameter("generalNotice", "Set the Webhook node's Respond parameter to 'Using Respond to Webhook Node'",
              "notice", default=""),
    Parameter("respondWith", "Respond With", "options", default="firstIncomingItem", options=_RESPOND_WITH,
              description="The data that should be returned"),
    Parameter("webhookNotice", "When using expressions, note that this node will only run for the first item",
              "notice", default="", show={"respondWith": ("json", "text", "jwt")}),
    Parameter("redirectURL", "Redirect URL", "string", default="", required=True, placeholder="e.g. http://www.n8n.io",
              show={"respondWith": ("redirect",)}, description="The URL to redirect to"),
    Parameter("responseBody", "Response Body", "json", default=_JSON_DEFAULT, show={"respondWith": ("json",)},
              type_options={"rows": 4}, description="The HTTP response JSON data"),
    Parameter("payload", "Payload", "json", default=_JSON_DEFAULT, show={"respondWith": ("jwt",)},
              type_options={"rows": 4}, description="The payload to include in the JWT token"),
    Parameter("responseBody", "Response Body", "string", default="", placeholder="e.g. Workflow completed",
              show={"respondWith": ("text",)}, type_options={"rows": 2}, description="The HTTP response text data"),
    Parameter("responseDataSource", "Response Data Source", "options", default="automatically",
              show={"respondWith": ("binary",)},
              options=(Option("Choose Automatically From Input", "automatically",
                              "Use if input data will contain a single piece of binary data"),
                       Option("Specify Myself", "set", "Enter the name of the input field the binary data will be in"))),
    Parameter("inputFieldName", "Input Field Name", "string", default="data", required=True,
              show={"respondWith": ("binary",), "responseDataSource": ("set",)},
              description="The name of the node input field with the binary data"),
    Parameter("options", "Options", "collection", default={}, placeholder="Add option", fields=(
        Parameter("responseCode", "Response Code", "number", default=200, type_options={"min": 100, "max": 599},
                  description="The HTTP response code to return. Defaults to 200."),
        RESPONSE_HEADERS,
        Parameter("responseKey", "Put Response in Field", "string", default="", placeholder="e.g. data",
                  description="The name of the response field to put all items in (all or first incoming items)"),
        Parameter("enableStreaming", "Enable Streaming", "boolean", default=True, show={"@version": (1.5,)},
                  description="Streaming responses are not supported yet: the response is sent whole"),
    )),
)


class RespondToWebhook(NodeType):
    description = NodeDescription(
        name="knotwork.respondToWebhook",
        display_name="Respond to Webhook",
        group="transform",
        description="Returns data for Webhook",
        versions=VERSIONS,
        default_version=1.5,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.respondToWebhook",),
        credentials=(CredentialSlot("jwtAuth", required=True, show={"respondWith": ("jwt",)}),),
        categories=("Core Nodes", "Flow"),
        search_aliases=("http", "response", "reply", "webhook", "api"),
    )

    def output_count(self, node: NodeSpec) -> int:
        return 2 if _response_output(node) else 1

    def output_names(self, node: NodeSpec) -> list[str]:
        return ["Input Data", "Response"] if _response_output(node) else [""]

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        items = ctx.input_items
        try:
            built = await build_response(ctx, items)
        except NodeError as error:
            if not ctx.continue_on_fail:
                raise
            return [[Item({"error": error.message}, paired=[(index, 0) for index in range(len(items))])]]
        ctx.services.events.emit(RESPONSE_EVENT, {"node": ctx.node.name, "response": built})
        if not _response_output(ctx.node):
            return [items]
        shown = {key: built[key] for key in ("headers", "statusCode")}
        if built["bodyType"] != "none":
            shown["body"] = built["body"]
        return [items, [Item({"response": shown})]]


def _response_output(node: NodeSpec) -> bool:
    version = node.type_version
    return version == 1.3 or (version >= 1.4 and node.parameters.get("enableResponseOutput") is True)


async def build_response(ctx: ExecuteContext, items: list[Item]) -> dict[str, Any]:
    """The response this node sends, from the first item (n8n evaluates parameters for item 0 only).
    Raises NodeOperationError (bad JSON, missing binary, unknown option)."""
    respond_with = ctx.param("respondWith", 0, "firstIncomingItem")
    options = ctx.param("options", 0, {}) or {}
    headers = header_entries(options.get("responseHeaders"))
    code = _code(options.get("responseCode"))
    key = options.get("responseKey") or ""
    if respond_with == "allIncomingItems":
        body = [item.json for item in items]
        return response(code or 200, headers, _nest(key, body) if key else body)
    if respond_with == "firstIncomingItem":
        first = items[0].json if items else {}
        return response(code or 200, headers, _nest(key, first) if key else first)
    if respond_with == "json":
        return response(code or 200, headers, _json_body(ctx.param("responseBody", 0, "")))
    if respond_with == "text":
        return response(code or 200, headers, _text(ctx.param("responseBody", 0, "")), "text")
    if respond_with == "binary":
        try:
            return binary_response(code or 200, headers, _binary_entry(ctx, items))
        except WebhookResponseError as error:
            raise NodeOperationError(str(error)) from None
    if respond_with == "redirect":
        headers["location"] = str(ctx.param("redirectURL", 0, ""))
        return response(code or 307, headers)
    if respond_with == "jwt":
        return response(code or 200, headers, {"token": await _jwt_token(ctx)})
    if respond_with == "noData":
        return response(code or 200, headers)
    raise NodeOperationError(f'The Response Data option "{respond_with}" is not supported!')


def _code(value: Any) -> int | None:
    try:
        code = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise NodeOperationError(f"The response code '{value}' is not a number") from None
    if code is not None and not 100 <= code <= 599:
        raise NodeOperationError(f"The response code {code} is not between 100 and 599")
    return code


def _nest(path: str, value: Any) -> dict[str, Any]:
    """lodash set({}, path, value) for dotted paths."""
    root: dict[str, Any] = {}
    current = root
    parts = path.split(".")
    for part in parts[:-1]:
        current = current.setdefault(part, {})
    current[parts[-1]] = value
    return root


def _json_body(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise NodeOperationError("Invalid JSON in 'Response Body' field",
                                 description=f"Check that the syntax of the JSON in the 'Response Body' "
                                             f"parameter is valid: {error}") from None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode() if isinstance(value, (dict, list)) else str(value)


def _binary_entry(ctx: ExecuteContext, items: list[Item]) -> Mapping[str, Any]:
    binary = items[0].binary if items else None
    if not binary:
        raise NodeOperationError("No binary data exists on the first item!")
    if ctx.param("responseDataSource", 0, "automatically") == "set":
        name = str(ctx.param("inputFieldName", 0, "data"))
    else:
        name = next(iter(binary))
    if name not in binary:
        raise NodeOperationError(f"The item has no binary field '{name}'",
                                 description=f"The binary fields of the first item are: {', '.join(binary)}")
    return binary[name]


async def _jwt_token(ctx: ExecuteContext) -> str:
    """Sign the payload with the chosen jwtAuth credential (a passphrase or a PEM private key)."""
    from joserfc import jwt
    from joserfc.jwk import import_key

    credential = await ctx.get_credentials("jwtAuth")
    payload = ctx.param("payload", 0, {})
    if isinstance(payload, str):
        payload = _json_body(payload) or {}
    if not isinstance(payload, dict):
        raise NodeOperationError("The JWT payload must be a JSON object")
    algorithm = str(credential.get("algorithm") or "HS256")
    try:
        if credential.get("keyType") == "pemKey":
            key = import_key(str(credential.get("privateKey") or ""), "RSA" if algorithm[:2] in ("RS", "PS") else "EC")
        else:
            key = import_key(str(credential.get("secret") or ""), "oct")
        return str(jwt.encode({"alg": algorithm, "typ": "JWT"}, {"iat": int(time.time()), **payload}, key,
                              algorithms=[algorithm]))
    except Exception as error:  # joserfc raises many types for a bad key or algorithm
        raise NodeOperationError("Error signing JWT token", description=str(error)) from None
