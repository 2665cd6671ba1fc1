"""Webhook: start a workflow when an HTTP request arrives at /webhook/<path> (n8n `webhook` v1–2.1).

The node itself only hands the request item on, to the output of the request's method when it
listens to several (v2.1). services.webhooks receives the request, checks it against the node's
settings, builds the item `{headers, params, query, body, webhookUrl, executionMode}` and answers.
What the node's parameters mean lives here, in `WebhookSettings` and the response helpers, so the
service never reads raw parameters.
Responses are dicts in the shape nodes.core.respond_to_webhook describes.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson

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
from nodes.files.binary import human_size

from .respond_to_webhook import (
    RESPONSE_HEADERS,
    WebhookResponseError,
    binary_response,
    dotted_get,
    header_entries,
    response,
)

if TYPE_CHECKING:
    from engine.workflow import NodeSpec

WEBHOOK_TYPES = frozenset({"knotwork.webhook", "n8n-nodes-base.webhook"})
METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
# Where services.webhooks tells a node that listens to several methods which one was called; the
# node removes it from the item, so the item stays exactly n8n's.
METHOD_KEY = "$knotworkHttpMethod"
STARTED_MESSAGE = "Workflow was started"
_FILE_TYPES = {"application/json": "json", "application/pdf": "pdf", "text/html": "html"}  # n8n's fileType


def _method_options() -> tuple[Option, ...]:
    return tuple(Option(method, method) for method in METHODS)


_CODES = (200, 201, 204, 301, 302, 304, 400, 401, 403, 404)
_OPTIONS = Parameter(
    "options", "Options", "collection", default={}, placeholder="Add option",
    fields=(
        Parameter("allowedOrigins", "Allowed Origins (CORS)", "string", default="*",
                  description="Comma-separated origins allowed to call this webhook from a browser; * for any"),
        Parameter("binaryData", "Binary File", "boolean", default=False, show={"@version": (1.0,)},
                  description="Whether the webhook will receive binary data"),
        Parameter("binaryPropertyName", "Field Name for Binary Data", "string", default="data",
                  description="The output field for a received file; for multipart uploads a prefix "
                              "followed by a number starting at 0"),
        Parameter("ignoreBots", "Ignore Bots", "boolean", default=False,
                  description="Whether to ignore requests from bots like link previewers and web crawlers"),
        Parameter("ipWhitelist", "IP(s) Allowlist", "string", default="", placeholder="e.g. 127.0.0.1, 192.168.1.0/24",
                  description="Comma-separated IP addresses or CIDR ranges allowed to call; empty allows all"),
        Parameter("noResponseBody", "No Response Body", "boolean", default=False,
                  description="Whether to send no body in the response"),
        Parameter("rawBody", "Raw Body", "boolean", default=False, description="Whether to return the raw body"),
        Parameter("responseData", "Response Data", "string", default="", placeholder="success",
                  description="Custom response data to send (Respond: Immediately)"),
        Parameter("responseContentType", "Response Content-Type", "string", default="",
                  placeholder="application/xml",
                  description="Content type to answer with instead of application/json (Respond: When Last Node Finishes)"),
        RESPONSE_HEADERS,
        Parameter("responsePropertyName", "Property Name", "string", default="data",
                  description="Name of the property to return instead of the whole JSON (First Entry JSON)"),
        Parameter(
            "responseCode", "Response Code", "fixedCollection", default={"values": {"responseCode": 200}},
            show={"@version": (2.0, 2.1)},
            groups=(Group("values", "Values", (
                Parameter("responseCode", "Response Code", "options", default=200,
                          options=(*(Option(str(code), code) for code in _CODES), Option("Custom Code", "customCode"))),
                Parameter("customCode", "Code", "number", default=200, show={"responseCode": ("customCode",)},
                          type_options={"min": 100}),
            )),),
        ),
    ),
)

PARAMETERS = (
    Parameter("multipleMethods", "Allow Multiple HTTP Methods", "boolean", default=False,
              description="Whether to listen to several HTTP methods (one output per method)"),
    Parameter("httpMethod", "HTTP Method", "options", default="GET", options=_method_options(),
              show={"multipleMethods": (False,)}, description="The HTTP method to listen to"),
    Parameter("httpMethod", "HTTP Methods", "multiOptions", default=["GET", "POST"], options=_method_options(),
              show={"multipleMethods": (True,)}, description="The HTTP methods to listen to"),
    Parameter("path", "Path", "string", default="", placeholder="webhook",
              description="The path to listen to; ':name' parts are parameters (the URL then starts with "
                          "the node's webhook id)"),
    Parameter("authentication", "Authentication", "options", default="none",
              options=(Option("Basic Auth", "basicAuth"), Option("Header Auth", "headerAuth"),
                       Option("JWT Auth", "jwtAuth"), Option("None", "none")),
              description="The way to authenticate"),
    Parameter("responseMode", "Respond", "options", default="onReceived",
              options=(Option("Immediately", "onReceived", "As soon as this node executes"),
                       Option("When Last Node Finishes", "lastNode", "Returns data of the last-executed node"),
                       Option("Using 'Respond to Webhook' Node", "responseNode", "Response defined in that node")),
              description="When and how to respond to the webhook"),
    Parameter("webhookNotice", "Insert a 'Respond to Webhook' node to control when and how you respond",
              "notice", default="", show={"responseMode": ("responseNode",)}),
    Parameter("responseCode", "Response Code", "number", default=200, show={"@version": (1.0, 1.1)},
              hide={"responseMode": ("responseNode",)}, type_options={"min": 100, "max": 599},
              description="The HTTP response code to return"),
    Parameter("responseData", "Response Data", "options", default="firstEntryJson",
              show={"responseMode": ("lastNode",)},
              options=(Option("All Entries", "allEntries", "All entries of the last node, as an array"),
                       Option("First Entry JSON", "firstEntryJson", "The JSON of the first entry of the last node"),
                       Option("First Entry Binary", "firstEntryBinary", "The binary data of the first entry"),
                       Option("No Response Body", "noData", "Returns without a body")),
              description="What the response holds"),
    Parameter("responseBinaryPropertyName", "Property Name", "string", default="data", required=True,
              show={"responseData": ("firstEntryBinary",)}, description="Name of the binary property to return"),
    _OPTIONS,
)


@dataclass(frozen=True)
class WebhookSettings:
    """A Webhook node's parameters, with n8n's defaults and version rules applied."""

    methods: tuple[str, ...]
    several_methods: bool  # httpMethod is a list: one output per method
    path: str  # without leading or trailing slashes; may be empty
    authentication: str
    response_mode: str
    response_code: int
    response_data: str  # lastNode: allEntries | firstEntryJson | firstEntryBinary | noData
    response_binary_property: str
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def response_headers(self) -> dict[str, str]:
        return header_entries(self.options.get("responseHeaders"))


def webhook_settings(parameters: Mapping[str, Any], version: float) -> WebhookSettings:
    """The settings of a Webhook node from its parameters (n8n omits parameters at their default)."""
    raw_method = http_method_parameter(parameters)
    several = isinstance(raw_method, list)
    methods = tuple(dict.fromkeys(str(m).upper() for m in raw_method)) if several else (str(raw_method).upper(),)
    options = parameters.get("options") or {}
    if not isinstance(options, Mapping):
        options = {}
    return WebhookSettings(
        methods=methods or ("GET",),
        several_methods=several,
        path=normalise_path(str(_static(parameters.get("path", "")) or "")),
        authentication=str(_static(parameters.get("authentication", "none"))),
        response_mode=str(_static(parameters.get("responseMode", "onReceived"))),
        response_code=_response_code(parameters, options, version),
        response_data=str(_static(parameters.get("responseData", "firstEntryJson")) or "firstEntryJson"),
        response_binary_property=str(_static(parameters.get("responseBinaryPropertyName", "data")) or "data"),
        options={key: _static(value) for key, value in options.items()},
    )


def http_method_parameter(parameters: Mapping[str, Any]) -> Any:
    """`httpMethod` as stored, or its default: a list when the node listens to several methods."""
    default: Any = ["GET", "POST"] if parameters.get("multipleMethods") is True else "GET"
    return _static(parameters.get("httpMethod", default))


def normalise_path(path: str) -> str:
    return path.strip().strip("/")


def is_dynamic(path: str) -> bool:
    """Whether a path has `:param` parts (its URL then starts with the node's webhook id)."""
    return any(part.startswith(":") for part in path.split("/"))


def _static(value: Any) -> Any:
    """A parameter value as stored. An expression without {{ }} ("=POST") is its text; webhook settings
    are read before any item exists, so they cannot hold real expressions."""
    if isinstance(value, str) and value.startswith("=") and "{{" not in value:
        return value[1:]
    return value


def _response_code(parameters: Mapping[str, Any], options: Mapping[str, Any], version: float) -> int:
    """n8n's getResponseCode: `responseCode` (v1, v1.1), else options.responseCode.values (v2+)."""
    code: Any = parameters.get("responseCode") if version < 2 else None
    values = options.get("responseCode", {}).get("values") if isinstance(options.get("responseCode"), Mapping) else None
    if code is None and isinstance(values, Mapping):
        code = values.get("customCode") if values.get("responseCode") == "customCode" else values.get("responseCode")
    try:
        code = int(_static(code)) if code not in (None, "") else 200
    except (TypeError, ValueError):
        return 200
    return code if 100 <= code <= 599 else 200


# --- responses ------------------------------------------------------------------------------------

def received_response(settings: WebhookSettings) -> dict[str, Any]:
    """The answer of Respond: Immediately (n8n's extractWebhookOnReceivedResponse)."""
    headers = settings.response_headers
    custom = settings.options.get("responseData")
    if settings.options.get("noResponseBody") or settings.response_data == "noData":
        return response(settings.response_code, headers)
    if custom:
        return response(settings.response_code, headers, str(custom), "text")
    return response(settings.response_code, headers, {"message": STARTED_MESSAGE})


def last_node_response(settings: WebhookSettings, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer of Respond: When Last Node Finishes, from the items of the last node's first output
    (n8n item dicts). Raises WebhookResponseError with n8n's messages when there is nothing to return."""
    headers = settings.response_headers
    kind = settings.response_data
    if kind == "noData":
        return response(settings.response_code, headers)
    if kind == "allEntries":
        return response(settings.response_code, headers, [item.get("json", {}) for item in items])
    if kind == "firstEntryBinary":
        if not items:
            raise WebhookResponseError("No item was found to return")
        binary = items[0].get("binary")
        if not binary:
            raise WebhookResponseError("No binary data was found to return")
        name = settings.response_binary_property
        if name not in binary:
            raise WebhookResponseError(f"The binary property '{name}' which should be returned does not exist")
        return binary_response(settings.response_code, headers, binary[name])
    if not items:
        raise WebhookResponseError("No item to return was found")
    body: Any = items[0].get("json", {})
    property_name = settings.options.get("responsePropertyName")
    if property_name:
        body = dotted_get(body, str(property_name))
    content_type = settings.options.get("responseContentType")
    if content_type:
        headers["content-type"] = str(content_type)
    return response(settings.response_code, headers, body)


def binary_entry(content: bytes, mime_type: str, file_name: str | None = None) -> dict[str, Any]:
    """An item's binary entry holding `content` (n8n's in-memory form: base64 `data`)."""
    entry: dict[str, Any] = {"data": base64.b64encode(content).decode(), "mimeType": mime_type or "application/octet-stream"}
    if file_name:
        entry["fileName"] = file_name
        if "." in file_name:
            entry["fileExtension"] = file_name.rsplit(".", 1)[1].lower()
    kind = (mime_type or "").split("/", 1)[0]
    file_type = _FILE_TYPES.get(mime_type) or (kind if kind in ("image", "audio", "video", "text") else None)
    if file_type:
        entry["fileType"] = file_type
    entry["fileSize"] = human_size(len(content))
    return entry


# --- requests -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UploadedFile:
    field: str
    file_name: str
    content_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class WebhookRequest:
    """A call as the webhook service sees it, whatever the HTTP framework: headers with lower-case
    names, a query string value or list per name, the body's bytes and, for multipart bodies, the
    parsed fields and files."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    body: bytes = b""
    client_ip: str = ""
    public_base: str = ""  # scheme://host[/prefix] the caller used (X-Forwarded-* honoured); "" unknown
    form: Mapping[str, Any] | None = None
    files: tuple[UploadedFile, ...] = ()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def request_item(settings: WebhookSettings, version: float, request: WebhookRequest, params: Mapping[str, str],
                 *, webhook_url: str, test: bool) -> dict[str, Any]:
    """The item the Webhook node outputs for a call, as n8n builds it (`{json, binary?}`). Raises
    ValueError when a JSON or form body cannot be parsed."""
    body, binary = _body(settings, version, request)
    json: dict[str, Any] = {"headers": dict(request.headers), "params": dict(params), "query": dict(request.query),
                            "body": body, "webhookUrl": webhook_url, "executionMode": "test" if test else "production"}
    if settings.options.get("rawBody") and request.body:
        binary = {**(binary or {}), "data": {"data": base64.b64encode(request.body).decode(),
                                             "mimeType": request.content_type or "application/json"}}
    if settings.several_methods:
        json[METHOD_KEY] = request.method
    return {"json": json, "binary": binary} if binary else {"json": json}


def _body(settings: WebhookSettings, version: float, request: WebhookRequest) -> tuple[Any, dict[str, Any] | None]:
    """(body, binary) as n8n parses them: JSON, forms, text and XML as text, multipart into fields and
    files, anything else (v2+) or everything (v1 with Binary File) as one binary file."""
    prefix = str(settings.options.get("binaryPropertyName") or "data")
    kind = request.content_type
    if version == 1 and settings.options.get("binaryData"):
        return {}, ({prefix: _file(request)} if request.body else None)
    if request.form is not None:
        return dict(request.form), _uploads(request.files, settings.options.get("binaryPropertyName"))
    if not request.body:
        return {}, None
    if kind == "application/json" or kind.endswith("+json"):
        return orjson.loads(request.body), None
    if kind == "application/x-www-form-urlencoded":
        return query_values(request.body.decode()), None
    if kind.startswith("text/") or kind.endswith("/xml") or kind.endswith("+xml"):
        return request.body.decode(errors="replace"), None
    if version > 1 and not settings.options.get("rawBody"):
        return {}, {prefix: _file(request)}
    return {}, None


def _file(request: WebhookRequest) -> dict[str, Any]:
    disposition = request.headers.get("content-disposition", "")
    name = disposition.split("filename=", 1)[1].strip('"; ') if "filename=" in disposition else None
    return binary_entry(request.body, request.content_type or "application/octet-stream", name)


def _uploads(files: tuple[UploadedFile, ...], prefix: Any) -> dict[str, Any] | None:
    """Multipart files as binary entries: named after their field (`files[]` -> files, repeated fields
    numbered), or `<binaryPropertyName><n>` when that option is set."""
    counts: dict[str, int] = {}
    for upload in files:
        counts[upload.field] = counts.get(upload.field, 0) + 1
    binary: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for index, upload in enumerate(files):
        name = upload.field.removesuffix("[]")
        if counts[upload.field] > 1:
            name += str(seen.get(upload.field, 0))
            seen[upload.field] = seen.get(upload.field, 0) + 1
        if prefix:
            name = f"{prefix}{index}"
        binary[name] = binary_entry(upload.content, upload.content_type, upload.file_name)
    return binary or None


def query_values(text: str) -> dict[str, Any]:
    """A query string or form body as n8n's parser gives it: one string per name, a list when repeated."""
    values: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name in values:
            values[name] = [*values[name], value] if isinstance(values[name], list) else [values[name], value]
        else:
            values[name] = value
    return values


def ip_allowed(allowlist: Any, ip: str) -> bool:
    """n8n's IP allowlist: comma-separated addresses or CIDR ranges; empty allows everybody. An entry
    that is neither matches as part of the address, as n8n 1.x did."""
    entries = [entry.strip() for entry in str(allowlist or "").split(",") if entry.strip()]
    if not entries:
        return True
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        address = None
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if entry in ip:
                return True
            continue
        if address is not None:
            mapped = getattr(address, "ipv4_mapped", None)
            if address in network or (mapped is not None and mapped in network):
                return True
    return False


def allowed_origin(settings: WebhookSettings, origin: str) -> str | None:
    """The Access-Control-Allow-Origin answer for a browser's `origin` (None: not allowed), from the
    Allowed Origins option: * for any, else a comma-separated list."""
    allowed = str(settings.options.get("allowedOrigins") or "*").strip()
    if not origin:
        return None
    if allowed == "*" or origin in (entry.strip() for entry in allowed.split(",")):
        return origin
    return None


_BOTS = re.compile(
    r"bot|crawl|spider|slurp|facebookexternalhit|facebookcatalog|embedly|preview|whatsapp|telegram|"
    r"discord|skypeuripreview|vkshare|outbrain|pinterest|quora link|tumblr|bitlybot|nuzzel|redditbot|"
    r"lighthouse|headlesschrome|phantomjs|google-read-aloud|feedfetcher|ia_archiver|mediapartners",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    """Whether a User-Agent is a link previewer or crawler (the Ignore Bots option)."""
    return bool(user_agent) and _BOTS.search(user_agent) is not None


# --- the node -------------------------------------------------------------------------------------

class Webhook(NodeType):
    description = NodeDescription(
        name="knotwork.webhook",
        display_name="Webhook",
        group="trigger",
        description="Starts the workflow when a webhook is called",
        versions=(1.0, 1.1, 2.0, 2.1),
        default_version=2.1,
        parameters=PARAMETERS,
        inputs=0,
        outputs=1,
        aliases=("n8n-nodes-base.webhook",),
        credentials=(
            CredentialSlot("httpBasicAuth", required=True, show={"authentication": ("basicAuth",)}),
            CredentialSlot("httpHeaderAuth", required=True, show={"authentication": ("headerAuth",)}),
            CredentialSlot("jwtAuth", required=True, show={"authentication": ("jwtAuth",)}),
        ),
        categories=("Core Nodes",),
        search_aliases=("http", "api", "endpoint", "url", "call", "request"),
        trigger=True,
    )

    def output_count(self, node: NodeSpec) -> int:
        methods = http_method_parameter(node.parameters)
        return max(len(methods), 1) if isinstance(methods, list) else 1

    def output_names(self, node: NodeSpec) -> list[str]:
        methods = http_method_parameter(node.parameters)
        if isinstance(methods, list) and methods:
            return [str(m) for m in methods]
        return [""]

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        """The request item(s) the service started the run with ({} in a run started by hand); with
        several methods, each on the output of its method."""
        items = [Item(item.json, item.binary) for item in ctx.input_items] or [Item({})]
        methods = http_method_parameter(ctx.node.parameters)
        if not isinstance(methods, list) or not methods:
            return [items]
        names = [str(m).upper() for m in methods]
        outputs: list[list[Item]] = [[] for _ in names]
        for item in items:
            json = dict(item.json)
            method = str(json.pop(METHOD_KEY, "")).upper()
            outputs[names.index(method) if method in names else 0].append(Item(json, item.binary))
        return outputs
