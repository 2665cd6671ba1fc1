"""Reading HTTP Request v1/v2 parameters for one item into a `Call`."""

from __future__ import annotations

from typing import Any

from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.files.binary import read_binary

from .auth import credential_type_name
from .read_v3 import checked_url, header_list, json_object, json_value, pairs
from .spec import Body, Call, RequestSpec, ResponseOptions

_FORMATS = {"json": "json", "string": "text", "file": "file"}


async def read_legacy_call(ctx: ExecuteContext, item: Item, index: int) -> Call:
    """The call item `index` describes, in the v1/v2 layout. Raises NodeOperationError."""
    options = ctx.param("options", index, {}) or {}
    method = str(ctx.param("requestMethod", index, "GET") or "GET").upper()
    spec = RequestSpec(method, checked_url(ctx, index, "url"))
    spec.verify = not ctx.param("allowUnauthorizedCerts", index, False)
    spec.array_format = "repeat" if options.get("useQueryString") else "brackets"
    spec.proxy = str(options.get("proxy") or "")
    timeout = options.get("timeout")
    spec.timeout = float(timeout) / 1000 if timeout not in (None, "") else None
    spec.follow_redirects = bool(options.get("followAllRedirects")) or (
        bool(options.get("followRedirect", True)) and method in ("GET", "HEAD"))
    if ctx.param("jsonParameters", index, False):
        await _from_json(ctx, item, index, spec, options)
    else:
        _from_ui(ctx, index, spec, options)
    response = ResponseOptions(
        format=_FORMATS.get(str(ctx.param("responseFormat", index, "json")), "json"),
        full_response=bool(options.get("fullResponse")),
        never_error=bool(options.get("ignoreResponseCode")),
        output_property=str(ctx.param("dataPropertyName", index, "data") or "data"),
        legacy=True,
    )
    return Call(spec, response, credential_type_name(ctx, index))


def _from_ui(ctx: ExecuteContext, index: int, spec: RequestSpec, options: dict[str, Any]) -> None:
    spec.query = pairs(ctx.param("queryParametersUi.parameter", index, []) or [])
    spec.headers = header_list(pairs(ctx.param("headerParametersUi.parameter", index, []) or []))
    body = pairs(ctx.param("bodyParametersUi.parameter", index, []) or [])
    if body:
        spec.body = _body_of(body, options)


async def _from_json(ctx: ExecuteContext, item: Item, index: int, spec: RequestSpec,
                     options: dict[str, Any]) -> None:
    query = ctx.param("queryParametersJson", index, "")
    spec.query = json_object(query, "queryParametersJson", index) if query else {}
    headers = ctx.param("headerParametersJson", index, "")
    spec.headers = header_list(json_object(headers, "headerParametersJson", index) if headers else {})
    if ctx.param("sendBinaryData", index, False):
        spec.body = await _binary_body(ctx, item, index, options)
        return
    body = ctx.param("bodyParametersJson", index, "")
    if options.get("bodyContentType") == "raw":
        spec.body = Body("text", content=str(body or ""), content_type=_raw_type(options))
    elif body not in ("", None):
        spec.body = _body_of(json_value(body, "bodyParametersJson", index), options)


def _body_of(data: Any, options: dict[str, Any]) -> Body:
    kind = options.get("bodyContentType") or "json"
    if kind == "form-urlencoded":
        return Body("form", data)
    if kind == "multipart-form-data":
        return Body("multipart", data)
    if kind == "raw":
        return Body("text", content=data if isinstance(data, str) else str(data), content_type=_raw_type(options))
    return Body("json", data)


def _raw_type(options: dict[str, Any]) -> str:
    return str(options.get("bodyContentCustomMimeType") or "text/plain")


async def _binary_body(ctx: ExecuteContext, item: Item, index: int, options: dict[str, Any]) -> Body:
    """`binaryPropertyName`: one binary field as the body, or (multipart) "field:binary" pairs."""
    names = str(ctx.param("binaryPropertyName", index, "data") or "data")
    if options.get("bodyContentType") != "multipart-form-data":
        content = await read_binary(ctx, item, names.strip(), index)
        entry = (item.binary or {})[names.strip()]
        return Body("bytes", content=content,
                    content_type=str(options.get("bodyContentCustomMimeType") or entry.get("mimeType") or ""))
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for pair in (part.strip() for part in names.split(",") if part.strip()):
        field, _, binary = pair.partition(":")
        binary = binary or field
        content = await read_binary(ctx, item, binary, index)
        entry = (item.binary or {})[binary]
        files.append((field, (str(entry.get("fileName") or binary), content,
                              str(entry.get("mimeType") or "application/octet-stream"))))
    return Body("multipart", {}, files=files)
