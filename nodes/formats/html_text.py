"""HTML to readable text, following the `html-to-text` library n8n's HTML node (v1.2) uses with
its default formatters: blocks separated by line breaks (paragraphs and headings by a blank line),
headings upper-cased, whitespace collapsed, links as "text [href]", images as "alt [src]",
list items prefixed " * " / " 1. ". Only the body is converted when there is one; no wrapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from selectolax.lexbor import LexborNode

_WHITESPACE = re.compile(r"[ \t\r\n\f\u200b]+")
# tag -> (leading line breaks, trailing line breaks)
_BLOCKS = {
    "p": (2, 2), "pre": (2, 2), "blockquote": (2, 2), "ul": (2, 2), "ol": (2, 2), "table": (2, 2),
    "h1": (3, 2), "h2": (2, 2), "h3": (2, 2), "h4": (2, 2), "h5": (2, 2), "h6": (2, 2), "hr": (2, 2),
    "div": (1, 1), "article": (1, 1), "aside": (1, 1), "footer": (1, 1), "form": (1, 1), "header": (1, 1),
    "main": (1, 1), "nav": (1, 1), "section": (1, 1), "tr": (1, 1), "li": (1, 1), "dl": (1, 1), "dt": (1, 1),
    "dd": (1, 1), "figure": (1, 1), "address": (1, 1), "fieldset": (1, 1), "caption": (1, 1),
}
_SKIPPED = {"script", "style", "noscript", "template", "head", "title", "meta", "link"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6", "th"}


class _TextBuilder:
    """Collects words; line breaks requested by blocks merge (the largest wins)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.breaks = 0
        self.space = False
        self.prefix = ""
        self.upper = 0

    def word(self, text: str) -> None:
        if self.upper:
            text = text.upper()
        if self.out:
            if self.breaks:
                self.out.append("\n" * self.breaks)
            elif self.space:
                self.out.append(" ")
        self.out.append(self.prefix + text)
        self.prefix, self.breaks, self.space = "", 0, False

    def inline(self, text: str) -> None:
        words = _WHITESPACE.split(text)
        if words and words[0] == "" and len(text) > 0:
            self.space = True
        for position, piece in enumerate(words):
            if piece:
                if position > 0:
                    self.space = True
                self.word(piece)
        if len(words) > 1 and words[-1] == "":
            self.space = True

    def block(self, count: int) -> None:
        self.breaks = max(self.breaks, count) if self.out else 0
        self.space = False

    def line_break(self) -> None:
        if self.out:
            self.out.append("\n" * self.breaks + "\n")
        self.breaks, self.space = 0, False

    def text(self) -> str:
        return "".join(self.out).strip()


def html_to_text(node: LexborNode, skip: Iterable[LexborNode] = ()) -> str:
    """The readable text of `node`'s content (its body when it holds one), leaving out the
    elements in `skip` (html-to-text's `format: 'skip'` selectors)."""
    body = node if node.tag == "body" else node.css_first("body")
    builder = _TextBuilder()
    skipped = {element.mem_id for element in skip}
    for child in _children(body if body is not None else node):
        _walk(child, builder, skipped)
    return builder.text()


def _children(node: LexborNode) -> list[LexborNode]:
    children, child = [], node.child
    while child is not None:
        children.append(child)
        child = child.next
    return children


def _walk(node: LexborNode, builder: _TextBuilder, skipped: set[int]) -> None:
    tag = node.tag or ""
    if tag == "-text":
        builder.inline(node.text_content or "")
        return
    if tag.startswith("-") or tag in _SKIPPED or node.mem_id in skipped:
        return
    if tag == "br":
        builder.line_break()
        return
    if tag == "img":
        _image(node, builder)
        return
    if tag == "a":
        _anchor(node, builder, skipped)
        return
    leading, trailing = _BLOCKS.get(tag, (0, 0))
    if leading:
        builder.block(leading)
    if tag == "hr":
        builder.word("-" * 40)
    builder.upper += tag in _HEADINGS
    if tag in ("ul", "ol"):
        _list(node, builder, skipped, ordered=tag == "ol")
    else:
        for child in _children(node):
            _walk(child, builder, skipped)
    builder.upper -= tag in _HEADINGS
    if trailing:
        builder.block(trailing)


def _list(node: LexborNode, builder: _TextBuilder, skipped: set[int], ordered: bool) -> None:
    number = int(node.attributes.get("start") or 1) if ordered else 0
    for child in _children(node):
        if child.tag == "li":
            builder.block(1)
            builder.prefix = f" {number}. " if ordered else " * "
            number += 1
            for grandchild in _children(child):
                _walk(grandchild, builder, skipped)
            builder.block(1)
        else:
            _walk(child, builder, skipped)


def _image(node: LexborNode, builder: _TextBuilder) -> None:
    alt = (node.attributes.get("alt") or "").strip()
    src = (node.attributes.get("src") or "").strip()
    text = f"{alt} [{src}]" if alt and src else (alt or (f"[{src}]" if src else ""))
    if text:
        builder.inline(text)


def _anchor(node: LexborNode, builder: _TextBuilder, skipped: set[int]) -> None:
    href = (node.attributes.get("href") or "").strip()
    if href.startswith("mailto:"):
        href = href[len("mailto:"):]
    inner = _TextBuilder()
    inner.upper = builder.upper
    for child in _children(node):
        _walk(child, inner, skipped)
    text = inner.text()
    if href and not href.startswith("#"):
        text = f"{text} [{href}]" if text else href
    leading_space = bool(node.text_content and node.text_content[:1].isspace())
    if leading_space:
        builder.space = True
    if text:
        builder.inline(text)
