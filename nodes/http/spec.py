"""What one HTTP call is, independent of the parameter layout that described it: `RequestSpec`
(method, URL, query, headers, body, transport settings), `ResponseOptions` and how a spec becomes
an httpx.Request. Both parameter readers (v1/v2 and v3+) produce these; pagination edits them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import httpx

DEFAULT_TIMEOUT = 300.0  # seconds, when the node sets none (as n8n)


@dataclass
class Body:
    """A request body. `kind`: json (`data` any JSON value), form (`data` dict), text (`content`
    str, already encoded form or raw), multipart (`data` dict of fields, `files`), bytes."""

    kind: str
    data: Any = None
    content: bytes | str = b""
    content_type: str = ""
    files: list[tuple[str, tuple[str, bytes, str]]] = field(default_factory=list)

    def with_field(self, name: str, value: Any) -> Body:
        """The body with one field set (pagination's `body` parameters); a body that has no
        fields becomes a JSON object."""
        if self.kind in ("json", "form", "multipart") and isinstance(self.data, dict):
            return replace(self, data={**self.data, name: value})
        return Body("json", {name: value})


@dataclass
class RequestSpec:
    method: str
    url: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Body | None = None
    array_format: str = "brackets"  # repeat | brackets | indices
    lowercase_headers: bool = False
    timeout: float | None = None  # seconds
    follow_redirects: bool = True
    max_redirects: int = 21
    verify: bool = True
    proxy: str = ""

    def with_header(self, name: str, value: str) -> RequestSpec:
        kept = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        return replace(self, headers=[*kept, (name, value)])


@dataclass(frozen=True)
class ResponseOptions:
    """How an answer becomes items. `format`: autodetect | json | text | file."""

    format: str = "autodetect"
    full_response: bool = False
    never_error: bool = False
    output_property: str = "data"
    split_arrays: bool = True
    legacy: bool = False  # v1/v2 item shapes


def js_text(value: Any) -> str:
    """A value as JavaScript's String() writes it (query, header and form values)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def encode_query(query: dict[str, Any], array_format: str) -> list[tuple[str, str]]:
    """Query pairs as the `qs` package writes them: arrays per `array_format`, objects as a[b]."""
    return list(_flatten(query, "", array_format))


def _flatten(value: Any, prefix: str, array_format: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _flatten(child, f"{prefix}[{key}]" if prefix else str(key), array_format)
    elif isinstance(value, list) and prefix:
        for index, child in enumerate(value):
            name = {"repeat": prefix, "indices": f"{prefix}[{index}]"}.get(array_format, f"{prefix}[]")
            yield from _flatten(child, name, array_format)
    else:
        yield prefix, js_text(value)


def add_pair(target: dict[str, Any], name: str, value: Any) -> None:
    """Set `name`; a name given twice collects its values in a list (n8n does the same)."""
    if name in target:
        existing = target[name]
        target[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
    else:
        target[name] = value


def build_request(client: httpx.AsyncClient, spec: RequestSpec) -> httpx.Request:
    """The httpx.Request for a spec (query merged into the URL's own query)."""
    headers = httpx.Headers()
    body_kwargs, content_type = _body_arguments(spec.body, spec.array_format)
    if content_type:
        headers["Content-Type"] = content_type
    for name, value in spec.headers:
        headers[name.lower() if spec.lowercase_headers else name] = value
    timeout = spec.timeout if spec.timeout is not None else DEFAULT_TIMEOUT
    url = httpx.URL(spec.url)
    query = encode_query(spec.query, spec.array_format)
    if query:  # httpx would replace the URL's own query with `params`: merge them instead
        url = url.copy_with(query=None).copy_merge_params([*url.params.multi_items(), *query])
    return client.build_request(spec.method, url, headers=headers, timeout=timeout, **body_kwargs)


def _body_arguments(body: Body | None, array_format: str) -> tuple[dict[str, Any], str]:
    if body is None:
        return {}, ""
    if body.kind == "json":
        text = json.dumps(body.data, separators=(",", ":"), ensure_ascii=False)
        return {"content": text.encode()}, body.content_type or "application/json"
    if body.kind == "form":
        pairs = encode_query(body.data or {}, array_format)
        return {"content": urlencode(pairs).encode()}, body.content_type or "application/x-www-form-urlencoded"
    if body.kind == "multipart":
        content, content_type = encode_multipart(body.data or {}, body.files)
        return {"content": content}, content_type
    content = body.content.encode() if isinstance(body.content, str) else body.content
    return {"content": content}, body.content_type


def encode_multipart(fields: dict[str, Any], files: list[tuple[str, tuple[str, bytes, str]]]) -> tuple[bytes, str]:
    """A multipart/form-data body (fields, then files) and its Content-Type with the boundary.
    Written here rather than by httpx, which would send fields without files urlencoded."""
    boundary = secrets.token_hex(16)
    chunks: list[bytes] = []
    for name, value in _multipart_fields(fields):
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode())
        chunks.append(js_text(value).encode() + b"\r\n")
    for name, (file_name, content, mime_type) in files:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"; '
                      f'filename="{_quote(file_name)}"\r\nContent-Type: {mime_type}\r\n\r\n'.encode())
        chunks.append(content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _multipart_fields(fields: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            yield name, one


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@dataclass
class Call:
    """Everything one input item asks for: the first request, how to read answers, which
    credential type signs, and the raw pagination settings (None: one request)."""

    spec: RequestSpec
    response: ResponseOptions
    auth_type: str = ""
    pagination: dict[str, Any] | None = None
