"""Feed items shaped as the `rss-parser` library (used by n8n's RSS Read node) gives them.

The XML goes through our xml2js port (entities refused, see xml_convert) with xml2js's default
options, then each RSS 0.9/1/2 item or Atom entry is mapped the way rss-parser maps it: `title`,
`link`, `pubDate`, `creator` (from `author`/`dc:creator`), `content` and `contentSnippet` (from
`description`), `guid`, `categories`, `enclosure`, `isoDate`, plus the custom fields asked for.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
from typing import Any

from dateutil import parser as date_parser

from .xml_convert import BuildOptions, ParseOptions, XmlError, json_to_xml, xml_to_json

# rss-parser's item fields: [xml name, output name, include a snippet]
ITEM_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("author", "creator", False), ("dc:creator", "creator", False), ("dc:date", "date", False),
    ("dc:title", "title", False), ("title", "title", False), ("link", "link", False), ("pubDate", "pubDate", False),
    ("author", "author", False), ("content:encoded", "content:encoded", True), ("enclosure", "enclosure", False),
    ("dc:creator", "dc:creator", False), ("dc:date", "dc:date", False), ("comments", "comments", False),
)
_BLOCK_TAG = re.compile(r"([^\n])</?(h|br|p|ul|ol|li|blockquote|section|table|tr|div)(?:.|\n)*?>([^\n])")
_ANY_TAG = re.compile(r"<(?:.|\n)*?>")


class FeedError(ValueError):
    """The document is not a feed rss-parser would read."""


def parse_feed(text: str, custom_fields: list[str]) -> list[dict[str, Any]]:
    """The feed's items. Raises FeedError for XML that is not RSS 0.9/1/2 or Atom."""
    try:
        document = xml_to_json(text.lstrip("\ufeff"), ParseOptions())
    except XmlError as error:
        raise FeedError(str(error)) from None
    if not isinstance(document, dict):
        raise FeedError("Feed not recognized as RSS 1 or 2.")
    if "feed" in document:
        feed = document["feed"] if isinstance(document["feed"], dict) else {}
        return [_atom_item(entry, custom_fields) for entry in feed.get("entry") or []]
    rss = document.get("rss")
    if isinstance(rss, dict):
        channel = (rss.get("channel") or [{}])[0]
        return [_rss_item(item, custom_fields) for item in (channel or {}).get("item") or []]
    rdf = document.get("rdf:RDF")
    if isinstance(rdf, dict):
        return [_rss_item(item, custom_fields) for item in rdf.get("item") or []]
    raise FeedError("Feed not recognized as RSS 1 or 2.")


def _copy_fields(source: dict[str, Any], item: dict[str, Any], fields: tuple[tuple[str, str, bool], ...]) -> None:
    for name, target, snippet in fields:
        if name in source:
            values = source[name]
            item[target] = values[0] if isinstance(values, list) and values else values
        value = item.get(target)
        if isinstance(value, dict) and isinstance(value.get("_"), str):
            item[target] = value["_"]
        if snippet and isinstance(item.get(target), str) and item[target]:
            item[target + "Snippet"] = snippet_of(item[target])


def _custom(custom_fields: list[str]) -> tuple[tuple[str, str, bool], ...]:
    return tuple((name, name, False) for name in custom_fields)


def _rss_item(source: Any, custom_fields: list[str]) -> dict[str, Any]:
    source = source if isinstance(source, dict) else {}
    item: dict[str, Any] = {}
    _copy_fields(source, item, ITEM_FIELDS + _custom(custom_fields))
    enclosure = (source.get("enclosure") or [None])[0]
    if isinstance(enclosure, dict) and "$" in enclosure:
        item["enclosure"] = enclosure["$"]
    if source.get("description"):
        item["content"] = content_of(source["description"][0])
        item["contentSnippet"] = snippet_of(item["content"])
    if source.get("guid"):
        guid = source["guid"][0]
        item["guid"] = guid["_"] if isinstance(guid, dict) and "_" in guid else guid
    attributes = source.get("$")
    if isinstance(attributes, dict) and attributes.get("rdf:about"):
        item["rdf:about"] = attributes["rdf:about"]
    if source.get("category"):
        item["categories"] = source["category"]
    _set_iso_date(item)
    return item


def _atom_item(entry: Any, custom_fields: list[str]) -> dict[str, Any]:
    entry = entry if isinstance(entry, dict) else {}
    item: dict[str, Any] = {}
    _copy_fields(entry, item, _custom(custom_fields))
    title = (entry.get("title") or [""])[0]
    title = title.get("_", "") if isinstance(title, dict) else title
    if title:
        item["title"] = title
    if entry.get("link"):
        item["link"] = _atom_link(entry["link"])
    for key in ("published", "updated"):
        value = (entry.get(key) or [""])[0]
        if "pubDate" not in item and isinstance(value, str) and value:
            parsed = parse_feed_date(value)
            if parsed:
                item["pubDate"] = parsed
    author = (entry.get("author") or [None])[0]
    if isinstance(author, dict) and author.get("name"):
        item["author"] = author["name"][0]
    if entry.get("content"):
        item["content"] = content_of(entry["content"][0])
        item["contentSnippet"] = snippet_of(item["content"])
    if entry.get("summary"):
        item["summary"] = content_of(entry["summary"][0])
    if entry.get("id"):
        item["id"] = entry["id"][0]
    _set_iso_date(item)
    return item


def _atom_link(links: list[Any]) -> Any:
    for link in links:
        attributes = link.get("$", {}) if isinstance(link, dict) else {}
        if attributes.get("rel", "alternate") == "alternate" and "href" in attributes:
            return attributes["href"]
    first = links[0]
    return first.get("$", {}).get("href") if isinstance(first, dict) else first


def content_of(value: Any) -> Any:
    """rss-parser's getContent: the text, or the element rebuilt as XML inside a <div>."""
    if isinstance(value, dict) and isinstance(value.get("_"), str):
        return value["_"]
    if isinstance(value, dict):
        return json_to_xml(value, BuildOptions(root_name="div", headless=True, indent="", newline=""))
    return value


def snippet_of(text: Any) -> str:
    """rss-parser's getSnippet: tags removed (block tags become line breaks), entities decoded."""
    stripped = _ANY_TAG.sub("", _BLOCK_TAG.sub(r"\1\n\3", str(text)))
    return html.unescape(stripped).strip()


def parse_feed_date(text: str) -> str | None:
    """JavaScript's `new Date(text).toISOString()` for feed dates, or None when unreadable."""
    moment: dt.datetime | None
    try:
        moment = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        try:
            moment = date_parser.parse(text.strip())
        except (ValueError, OverflowError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}Z"


def _set_iso_date(item: dict[str, Any]) -> None:
    date = item.get("pubDate") or item.get("date")
    if isinstance(date, str) and date.strip():
        iso = parse_feed_date(date)
        if iso:
            item["isoDate"] = iso
