"""Extraction of values from HTML with CSS selectors, as cheerio does it for n8n's HTML and HTML
Extract nodes: `text` (all matched elements' text, or readable text in HTML v1.2), `html` (inner
HTML of the first match), `attribute` and `value` (of the first match).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from engine.errors import NodeOperationError

from .html_text import html_to_text


@dataclass(frozen=True)
class Extraction:
    key: str
    css_selector: str
    return_value: str = "text"
    attribute: str = ""
    skip_selectors: str = ""
    return_array: bool = False

    @classmethod
    def from_parameter(cls, value: dict[str, Any]) -> Extraction:
        return cls(
            key=str(value.get("key", "")),
            css_selector=str(value.get("cssSelector", "")),
            return_value=str(value.get("returnValue") or "text"),
            attribute=str(value.get("attribute") or ""),
            skip_selectors=str(value.get("skipSelectors") or ""),
            return_array=bool(value.get("returnArray")),
        )


@dataclass(frozen=True)
class ValueRules:
    readable_text: bool  # html-to-text instead of cheerio's .text() (HTML v1.2)
    trim_unless_false: bool  # legacy: trim unless trimValues is false; v1.2: only when it is true
    trim_values: bool | None
    clean_up_text: bool


def select(document: LexborHTMLParser, selector: str) -> list[LexborNode]:
    """The elements matching a CSS selector. Raises NodeOperationError naming a bad selector."""
    if not selector.strip():
        raise NodeOperationError("The CSS selector is empty")
    try:
        return list(document.css(selector))
    except (SelectolaxError, ValueError) as error:
        raise NodeOperationError(f"The CSS selector '{selector}' is not valid: {error}") from None


def extract(html: str, extractions: list[Extraction], rules: ValueRules) -> dict[str, Any]:
    """One output json: each extraction's key and value (a missing value leaves the key out)."""
    document = LexborHTMLParser(html)
    result: dict[str, Any] = {}
    for extraction in extractions:
        elements = select(document, extraction.css_selector)
        if extraction.return_array:
            values = [_apply_rules(_value([el], extraction, rules, document), rules) for el in elements]
            result[extraction.key] = values
            continue
        value = _apply_rules(_value(elements, extraction, rules, document), rules)
        if value is not None:
            result[extraction.key] = value
    return result


def _value(elements: list[LexborNode], extraction: Extraction, rules: ValueRules,
           document: LexborHTMLParser) -> str | None:
    kind = extraction.return_value
    if kind == "text":
        if rules.readable_text:
            skip = _skipped(document, extraction.skip_selectors)
            return html_to_text(elements[0], skip) if elements else ""
        return "".join(element.text(deep=True) for element in elements)
    if not elements:
        return None
    first = elements[0]
    if kind == "html":
        return first.inner_html or ""
    if kind == "attribute":
        if not extraction.attribute:  # cheerio's .attr() without a name: every attribute
            return {name: value or "" for name, value in first.attributes.items()}  # type: ignore[return-value]
        attributes = first.attributes
        return (attributes.get(extraction.attribute) or "") if extraction.attribute in attributes else None
    if kind == "value":
        return form_value(first)
    raise NodeOperationError(f"Unknown return value '{kind}'")


def _skipped(document: LexborHTMLParser, selectors: str) -> list[LexborNode]:
    found: list[LexborNode] = []
    for selector in (part.strip() for part in selectors.split(",")):
        if selector:
            found.extend(select(document, selector))
    return found


def form_value(element: LexborNode) -> str | None:
    """cheerio's .val(): an input's value, a textarea's text, a select's chosen option."""
    tag = element.tag
    if tag == "textarea":
        return element.text(deep=True)
    if tag == "select":
        options = element.css("option")
        chosen = [o for o in options if "selected" in o.attributes] or options[:1]
        return form_value(chosen[0]) if chosen else None
    if tag == "option":
        value = element.attributes.get("value")
        return value if value is not None else element.text(deep=True)
    return element.attributes.get("value")


def _apply_rules(value: Any, rules: ValueRules) -> Any:
    if not isinstance(value, str):
        return value
    trim = rules.trim_values is not False if rules.trim_unless_false else bool(rules.trim_values)
    if trim:
        value = value.strip()
    if rules.clean_up_text:
        value = re.sub(r"\s+", " ", re.sub(r"(\r\n|\n|\r)", "", value.strip()))
    return value
