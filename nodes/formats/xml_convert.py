"""XML <-> JSON with xml2js's semantics (the library n8n's XML node uses).

Parsing runs on defusedxml's SAX parser: entity declarations, external entities and DTD
tricks (billion laughs, XXE) are refused with XmlError. Element and attribute names keep their
prefixes ("dc:creator"), as sax-js without namespace processing does.
"""

from __future__ import annotations

import io
import re
import xml.sax
from dataclasses import dataclass
from typing import Any
from xml.sax.handler import ContentHandler, property_lexical_handler

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser


class XmlError(ValueError):
    """The XML could not be parsed or built; the message says why."""


@dataclass(frozen=True)
class ParseOptions:
    attrkey: str = "$"
    charkey: str = "_"
    explicit_array: bool = True
    explicit_root: bool = True
    explicit_charkey: bool = False
    ignore_attrs: bool = False
    merge_attrs: bool = False
    normalize: bool = False
    normalize_tags: bool = False
    trim: bool = False


class _Builder(ContentHandler):
    """Builds the xml2js object from SAX events (mirrors xml2js's opentag/ontext/closetag)."""

    def __init__(self, options: ParseOptions) -> None:
        super().__init__()
        self.options = options
        self.stack: list[tuple[str, dict[str, Any], list[bool]]] = []
        self.result: Any = None

    def _assign(self, obj: dict[str, Any], key: str, value: Any) -> None:
        if key not in obj:
            obj[key] = [value] if self.options.explicit_array else value
            return
        if not isinstance(obj[key], list):
            obj[key] = [obj[key]]
        obj[key].append(value)

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 (SAX API)
        options = self.options
        obj: dict[str, Any] = {options.charkey: ""}
        if not options.ignore_attrs:
            for key in attrs.getNames():
                if options.merge_attrs:
                    self._assign(obj, key, attrs.getValue(key))
                else:
                    obj.setdefault(options.attrkey, {})[key] = attrs.getValue(key)
        self.stack.append((name.lower() if options.normalize_tags else name, obj, [False]))

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1][1][self.options.charkey] += content

    def startCDATA(self) -> None:  # noqa: N802 (lexical handler API)
        if self.stack:
            self.stack[-1][2][0] = True

    def endCDATA(self) -> None:  # noqa: N802
        return None

    def comment(self, content: str) -> None:
        return None

    def startDTD(self, name: str, public_id: str, system_id: str) -> None:  # noqa: N802
        return None

    def endDTD(self) -> None:  # noqa: N802
        return None

    def endElement(self, name: str) -> None:  # noqa: N802
        options = self.options
        node_name, obj, cdata = self.stack.pop()
        value: Any = obj
        text = obj[options.charkey]
        empty_text = ""
        if re.fullmatch(r"\s*", text) and not cdata[0]:
            empty_text = text
            del obj[options.charkey]
        else:
            if options.trim:
                obj[options.charkey] = obj[options.charkey].strip()
            if options.normalize:
                obj[options.charkey] = re.sub(r"\s{2,}", " ", obj[options.charkey]).strip()
            if len(obj) == 1 and options.charkey in obj and not options.explicit_charkey:
                value = obj[options.charkey]
        if isinstance(value, dict) and not value:
            value = empty_text
        if self.stack:
            self._assign(self.stack[-1][1], node_name, value)
        else:
            self.result = {node_name: value} if options.explicit_root else value


def xml_to_json(text: str, options: ParseOptions) -> Any:
    """The xml2js object for an XML document. Raises XmlError (bad XML, entities, empty input)."""
    if not isinstance(text, str) or not text.strip():
        raise XmlError("The XML is empty")
    builder = _Builder(options)
    parser = make_parser()
    parser.setContentHandler(builder)
    parser.setProperty(property_lexical_handler, builder)
    source = xml.sax.InputSource()
    source.setCharacterStream(io.StringIO(text.strip()))
    try:
        parser.parse(source)
    except DefusedXmlException as error:
        raise XmlError(f"The XML was refused: it declares entities or external references ({error}), "
                       "which are not allowed in untrusted XML") from None
    except xml.sax.SAXParseException as error:
        raise XmlError(f"The XML is not well-formed: {error.getMessage()} "
                       f"(line {error.getLineNumber()}, column {error.getColumnNumber()})") from None
    return builder.result


# -- building ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BuildOptions:
    attrkey: str = "$"
    charkey: str = "_"
    root_name: str = "root"
    headless: bool = False
    cdata: bool = False
    allow_surrogate_chars: bool = False
    indent: str = "  "
    newline: str = "\n"


_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_NAME = re.compile(r"^[A-Za-z_:\u00c0-\uffff][\w.\-:\u00b7\u00c0-\uffff]*$")


class _Element:
    __slots__ = ("name", "attributes", "children")

    def __init__(self, name: str) -> None:
        self.name = name
        self.attributes: list[tuple[str, str]] = []
        self.children: list[_Element | tuple[str, str]] = []  # ("text"|"raw", value)


def json_to_xml(data: Any, options: BuildOptions) -> str:
    """xml2js's Builder.buildObject: one key at the top becomes the root (unless a rootName other
    than "root" is set), `$` holds attributes, `_` text, lists repeat the element.
    Raises XmlError for names or characters XML cannot hold."""
    root_name = options.root_name or "root"
    if isinstance(data, dict) and len(data) == 1 and root_name == "root":
        root_name, data = next(iter(data.items()))
    root = _element(str(root_name))
    _render(root, data, options)
    lines: list[str] = []
    if not options.headless:
        lines.append('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    _write(root, options, 0, lines)
    return options.newline.join(lines)


def _element(name: str) -> _Element:
    if not _NAME.match(name):
        raise XmlError(f"Invalid character in name: '{name}' cannot be an XML element or attribute name")
    return _Element(name)


def _needs_cdata(text: str) -> bool:
    return any(char in text for char in "&<>")


def _text_child(element: _Element, value: Any, options: BuildOptions) -> None:
    text = _js_string(value)
    _check_chars(text, options)
    if options.cdata and _needs_cdata(text):
        element.children.append(("raw", "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"))
    else:
        element.children.append(("text", text))


def _render(element: _Element, value: Any, options: BuildOptions) -> None:
    if value is None:
        return
    if not isinstance(value, (dict, list)):
        _text_child(element, value, options)
        return
    if isinstance(value, list):
        for child in value:
            for key, entry in (child.items() if isinstance(child, dict) else ()):
                element.children.append(_rendered(key, entry, options))
        return
    for key, child in value.items():
        if key == options.attrkey:
            for name, attribute in (child.items() if isinstance(child, dict) else ()):
                _check_chars(_js_string(attribute), options)
                element.attributes.append((_element(str(name)).name, _js_string(attribute)))
        elif key == options.charkey:
            _text_child(element, child, options)
        elif isinstance(child, list):
            for entry in child:
                element.children.append(_rendered(key, entry, options))
        else:
            element.children.append(_rendered(key, child, options))


def _rendered(name: str, value: Any, options: BuildOptions) -> _Element:
    child = _element(str(name))
    _render(child, value, options)
    return child


def _js_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return "[object Object]" if isinstance(value, dict) else ",".join(_js_string(v) for v in value)
    return str(value)


def _check_chars(text: str, options: BuildOptions) -> None:
    bad = _INVALID_CHARS.search(text) or (None if options.allow_surrogate_chars else _SURROGATES.search(text))
    if bad:
        raise XmlError(f"Invalid character in string: {text!r} at index {bad.start()}")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")


def _escape_attribute(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace("\t", "&#x9;").replace("\n", "&#xA;").replace("\r", "&#xD;"))


def _child_text(child: tuple[str, str]) -> str:
    kind, value = child
    return value if kind == "raw" else _escape_text(value)


def _write(element: _Element, options: BuildOptions, level: int, lines: list[str]) -> None:
    """xmlbuilder's pretty writer: empty -> `<a/>`, one text child inline, else one per line."""
    indent = options.indent * level
    head = "<" + element.name + "".join(f' {name}="{_escape_attribute(value)}"' for name, value in element.attributes)
    children = element.children
    if all(isinstance(child, tuple) and child[1] == "" for child in children):
        lines.append(f"{indent}{head}/>")
    elif len(children) == 1 and isinstance(children[0], tuple):
        lines.append(f"{indent}{head}>{_child_text(children[0])}</{element.name}>")
    else:
        lines.append(f"{indent}{head}>")
        for child in children:
            if isinstance(child, _Element):
                _write(child, options, level + 1, lines)
            else:
                lines.append(options.indent * (level + 1) + _child_text(child))
        lines.append(f"{indent}</{element.name}>")
