"""Reading HTTP Request v3–4.2 parameters for one item into a `Call`."""

from __future__ import annotations

import json
from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext
from nodes.files.binary import read_binary

from .auth import credential_type_name
from .response import PlainError
from .spec import Body, Call, RequestSpec, ResponseOptions, add_pair, js_text

INVALID_JSON = "JSON parameter needs to be valid JSON"


async def read_call(ctx: ExecuteContext, item: Item, index: int) -> Call:
    """The call item `index` describes. Raises NodeOperationError (PlainError for bad JSON)."""
    spec = RequestSpec(str(ctx.param("method", index, "GET") or "GET").upper(), checked_url(ctx, index, "url"))
    spec.query = _pairs_or_json(ctx, index, "Query", "queryParameters")
    spec.headers = header_list(_pairs_or_json(ctx, index, "Headers", "headerParameters"))
    if ctx.param("sendBody", index, False):
        spec.body = await _body(ctx, item, index)
    _apply_options(ctx, index, spec)
    response = ctx.param("options.response.response", index, {}) or {}
    options = ResponseOptions(
        format=str(response.get("responseFormat") or "autodetect"),
        full_response=bool(response.get("fullResponse")),
        never_error=bool(response.get("neverError")),
        output_property=str(response.get("outputPropertyName") or "data"),
    )
    pagination = ctx.raw_param("options.pagination.pagination", None)
    if not isinstance(pagination, dict) or pagination.get("paginationMode", "updateAParameterInEachRequest") == "off":
        pagination = None
    return Call(spec, options, credential_type_name(ctx, index), pagination)


def checked_url(ctx: ExecuteContext, index: int, parameter: str) -> str:
    url = ctx.param(parameter, index, "")
    text = str(url or "").strip()
    if not text.lower().startswith(("http://", "https://")):
        raise NodeOperationError(f"Invalid URL: '{text}'. URL must start with \"http\" or \"https\"",
                                 parameter=parameter, item_index=index)
    return text


def _pairs_or_json(ctx: ExecuteContext, index: int, what: str, collection: str) -> dict[str, Any]:
    if not ctx.param(f"send{what}", index, False):
        return {}
    if ctx.param(f"specify{what}", index, "keypair") == "json":
        return json_object(ctx.param(f"json{what}", index, ""), f"json{what}", index)
    return pairs(ctx.param(f"{collection}.parameters", index, []) or [])


def pairs(rows: list[Any]) -> dict[str, Any]:
    """`[{name, value}]` rows as a dict (rows without a name are skipped, repeats collected)."""
    result: dict[str, Any] = {}
    for row in rows:
        if isinstance(row, dict) and row.get("name"):
            add_pair(result, str(row["name"]), row.get("value", ""))
    return result


def json_value(value: Any, parameter: str, index: int) -> Any:
    """A JSON parameter's value: text is parsed, anything else (an expression's result) kept."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return {}
    try:
        return json.loads(value)
    except ValueError:
        raise PlainError(INVALID_JSON, parameter=parameter, item_index=index,
                         description=f"The '{parameter}' parameter is not valid JSON") from None


def json_object(value: Any, parameter: str, index: int) -> dict[str, Any]:
    parsed = json_value(value, parameter, index)
    if not isinstance(parsed, dict):
        raise PlainError(INVALID_JSON, parameter=parameter, item_index=index,
                         description=f"The '{parameter}' parameter must be a JSON object")
    return parsed


def header_list(headers: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, ", ".join(map(js_text, value)) if isinstance(value, list) else js_text(value))
            for name, value in headers.items()]


async def _body(ctx: ExecuteContext, item: Item, index: int) -> Body:
    content_type = ctx.param("contentType", index, "json")
    specify = ctx.param("specifyBody", index, "keypair")
    if content_type == "binaryData":
        field = str(ctx.param("inputDataFieldName", index, "") or "data")
        entry = (item.binary or {}).get(field) or {}
        content = await read_binary(ctx, item, field, index)
        return Body("bytes", content=content, content_type=str(entry.get("mimeType") or "application/octet-stream"))
    if content_type == "raw":
        return Body("text", content=str(ctx.param("body", index, "") or ""),
                    content_type=str(ctx.param("rawContentType", index, "") or "text/plain"))
    if content_type == "multipart-form-data":
        return await _multipart(ctx, item, index)
    if content_type == "form-urlencoded":
        if specify == "string":
            return Body("text", content=str(ctx.param("body", index, "") or ""),
                        content_type="application/x-www-form-urlencoded")
        if specify == "json":
            return Body("form", json_object(ctx.param("jsonBody", index, ""), "jsonBody", index))
        return Body("form", pairs(ctx.param("bodyParameters.parameters", index, []) or []))
    if specify == "json":
        return Body("json", json_value(ctx.param("jsonBody", index, ""), "jsonBody", index))
    return Body("json", pairs(ctx.param("bodyParameters.parameters", index, []) or []))


async def _multipart(ctx: ExecuteContext, item: Item, index: int) -> Body:
    fields: dict[str, Any] = {}
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for row in ctx.param("bodyParameters.parameters", index, []) or []:
        if not isinstance(row, dict) or not row.get("name"):
            continue
        if row.get("parameterType") == "formBinaryData":
            field = str(row.get("inputDataFieldName") or "data")
            content = await read_binary(ctx, item, field, index)
            entry = (item.binary or {})[field]
            files.append((str(row["name"]), (str(entry.get("fileName") or field), content,
                                             str(entry.get("mimeType") or "application/octet-stream"))))
        else:
            add_pair(fields, str(row["name"]), row.get("value", ""))
    return Body("multipart", fields, files=files)


def _apply_options(ctx: ExecuteContext, index: int, spec: RequestSpec) -> None:
    def option(path: str, default: Any) -> Any:
        value = ctx.param(f"options.{path}", index, default)
        return default if value is None else value

    spec.array_format = str(option("queryParameterArrays", "brackets"))
    spec.lowercase_headers = bool(option("lowercaseHeaders", True))
    spec.verify = not option("allowUnauthorizedCerts", False)
    spec.proxy = str(option("proxy", "") or "")
    # Only a timeout the user added counts (the description's 10 s default is the form's value
    # once added); without one n8n waits up to 300 s (spec.DEFAULT_TIMEOUT).
    stored = ctx.raw_param("options", {})
    timeout = option("timeout", None) if isinstance(stored, dict) and "timeout" in stored else None
    spec.timeout = float(timeout) / 1000 if timeout not in (None, "") else None
    redirect = option("redirect.redirect", {}) or {}
    spec.follow_redirects = bool(redirect.get("followRedirects", True))
    limit = redirect.get("maxRedirects")
    spec.max_redirects = 21 if limit in (None, "") else int(limit)
