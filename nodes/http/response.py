"""An HTTP answer as items: the response format (autodetect, JSON, text, file), full response
shapes, and `$response` for pagination expressions."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import unquote

import httpx

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.files.binary import binary_entry

from .spec import ResponseOptions

# Content types autodetect treats as files (n8n's list, by prefix).
BINARY_CONTENT_TYPES = (
    "image/", "audio/", "video/", "application/octet-stream", "application/gzip", "application/zip",
    "application/vnd.rar", "application/epub+zip", "application/x-bzip", "application/x-bzip2",
    "application/x-cdf", "application/vnd.amazon.ebook", "application/msword",
    "application/vnd.openxmlformats-officedocument", "application/vnd.ms-", "application/vnd.oasis.opendocument",
    "application/pdf", "application/x-tar", "application/vnd.visio", "application/x-7z-compressed",
)
NOT_JSON = 'Response body is not valid JSON. Change "Response Format" to "Text"'
NOT_JSON_LEGACY = 'Response body is not valid JSON. Change "Response Format" to "String"'


class PlainError(NodeOperationError):
    """A failure continue-on-fail reports as its message alone (n8n: `{error: "message"}`)."""


@dataclass
class Page:
    """One answer, its body read in the format that applies (`json`, `text` or `file`)."""

    response: httpx.Response
    format: str
    body: Any

    @property
    def variable(self) -> dict[str, Any]:
        """`$response` in pagination expressions."""
        return {"body": self.body, "headers": headers_of(self.response), "statusCode": self.response.status_code,
                "statusMessage": self.response.reason_phrase}


def headers_of(response: httpx.Response) -> dict[str, str]:
    """Response headers by lower-case name (repeated headers joined with ', ')."""
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def read_page(response: httpx.Response, options: ResponseOptions, item_index: int) -> Page:
    """The answer's body in the configured format. Raises PlainError when JSON was asked for
    and the body is not JSON."""
    content_type = response.headers.get("content-type", "").lower()
    kind = options.format
    if kind == "autodetect":
        kind = _detected(content_type)
    if kind == "file":
        return Page(response, "file", response.content)
    text = response.text
    if kind != "json":
        return Page(response, "text", text)
    if not text.strip():
        return Page(response, "json", {})
    try:
        return Page(response, "json", json.loads(text))
    except ValueError:
        if options.format == "autodetect":
            return Page(response, "text", text)
        raise PlainError(NOT_JSON_LEGACY if options.legacy else NOT_JSON, item_index=item_index) from None


def _detected(content_type: str) -> str:
    if "application/json" in content_type or "+json" in content_type:
        return "json"
    if any(content_type.startswith(prefix) for prefix in BINARY_CONTENT_TYPES):
        return "file"
    return "text"


def is_empty(body: Any) -> bool:
    """n8n's "response is empty": no body, an empty string, array or object."""
    return body is None or (isinstance(body, (str, bytes, list, dict)) and len(body) == 0)


def page_items(page: Page, options: ResponseOptions, item_index: int) -> list[Item]:
    """The items one answer becomes, each paired with input item `item_index`."""
    paired = (item_index, 0)
    response = page.response
    status = {"statusCode": response.status_code, "statusMessage": response.reason_phrase}
    if page.format == "file":
        json_part = {"headers": headers_of(response), **status} if options.full_response else {}
        return [Item(json_part, {options.output_property: file_entry(response)}, paired)]
    if page.format == "text":
        data: dict[str, Any] = {options.output_property: page.body}
        if options.full_response:
            data.update(headers=headers_of(response), **status)
        return [Item(data, paired=paired)]
    if options.full_response:
        return [Item({"headers": headers_of(response), "body": page.body, **status}, paired=paired)]
    body = page.body
    if isinstance(body, list) and options.split_arrays:
        return [Item(_as_object(entry, options), paired=paired) for entry in body]
    return [Item(_as_object(body, options), paired=paired)]


def _as_object(value: Any, options: ResponseOptions) -> dict[str, Any]:
    return value if isinstance(value, dict) else {options.output_property: value}


def file_entry(response: httpx.Response) -> dict[str, Any]:
    """The answer as a binary entry: name from Content-Disposition, else the URL's last segment;
    type from Content-Type, else guessed from the name."""
    file_name: str | None = _disposition_name(response.headers.get("content-disposition", ""))
    if not file_name:
        file_name = unquote(posixpath.basename(response.url.path)) or None
    mime_type = response.headers.get("content-type", "").split(";", 1)[0].strip() or None
    return binary_entry(response.content, file_name, mime_type)


def _disposition_name(header: str) -> str:
    if not header:
        return ""
    message = Message()
    message["content-disposition"] = header
    name = message.get_filename()
    return posixpath.basename(name.replace("\\", "/")) if name else ""
