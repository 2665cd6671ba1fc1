"""XML (n8n `xml` v1): convert an item's json to an XML string, or an XML string field into json,
with xml2js's options (see xml_convert). XML from users is parsed with entities refused."""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .common import is_missing, map_items, read_field
from .xml_convert import BuildOptions, ParseOptions, XmlError, json_to_xml, xml_to_json

TO_XML = {"mode": ("jsonToxml",)}
TO_JSON = {"mode": ("xmlToJson",)}


def _flag(name: str, display: str, default: bool, description: str) -> Parameter:
    return Parameter(name, display, "boolean", default=default, description=description)


_KEYS = (
    Parameter("attrkey", "Attribute Key", "string", default="$", description="Prefix that is used to access the attributes"),
    Parameter("charkey", "Character Key", "string", default="_", description="Prefix that is used to access the character content"),
)

PARAMETERS = (
    Parameter("mode", "Mode", "options", default="xmlToJson", options=(
        Option("JSON to XML", "jsonToxml", "Converts data from JSON to XML"),
        Option("XML to JSON", "xmlToJson", "Converts data from XML to JSON"))),
    Parameter("dataPropertyName", "Property Name", "string", default="data", required=True, show=TO_XML,
              description="Name of the property to which to write the converted XML"),
    Parameter("dataPropertyName", "Property Name", "string", default="data", required=True, show=TO_JSON,
              description="Name of the property which contains the XML data to convert"),
    Parameter("options", "Options", "collection", default={}, show=TO_XML, fields=(
        _flag("allowSurrogateChars", "Allow Surrogate Chars", False,
              "Whether to allow using characters from the Unicode surrogate blocks"),
        _KEYS[0],
        _flag("cdata", "Cdata", False,
              "Whether to wrap text nodes in <![CDATA[ ... ]]> instead of escaping when necessary"),
        _KEYS[1],
        _flag("headless", "Headless", False, "Whether to omit the XML header"),
        Parameter("rootName", "Root Name", "string", default="root", description="Root element name to be used"),
    )),
    Parameter("options", "Options", "collection", default={}, show=TO_JSON, fields=(
        _KEYS[0],
        _KEYS[1],
        _flag("explicitArray", "Explicit Array", False, "Whether to always put child nodes in an array"),
        _flag("explicitCharkey", "Explicit Character Key", False,
              "Whether text content always goes under the character key, even without attributes"),
        _flag("explicitRoot", "Explicit Root", True, "Whether to get the root node in the resulting object"),
        _flag("ignoreAttrs", "Ignore Attributes", False, "Whether to ignore all XML attributes"),
        _flag("mergeAttrs", "Merge Attributes", True,
              "Whether to merge attributes and child elements as properties of the parent"),
        _flag("normalize", "Normalize", False, "Whether to trim whitespaces inside text nodes"),
        _flag("normalizeTags", "Normalize Tags", False, "Whether to normalize all tag names to lowercase"),
        _flag("trim", "Trim", False, "Whether to trim the whitespace at the beginning and end of text nodes"),
    )),
)


def parse_options(options: dict[str, Any]) -> ParseOptions:
    """n8n's parser options: `mergeAttrs` and no `explicitArray` unless the node says otherwise."""
    merged = {"mergeAttrs": True, "explicitArray": False, **options}
    return ParseOptions(
        attrkey=str(merged.get("attrkey") or "$"),
        charkey=str(merged.get("charkey") or "_"),
        explicit_array=bool(merged.get("explicitArray")),
        explicit_root=merged.get("explicitRoot", True) is not False,
        explicit_charkey=bool(merged.get("explicitCharkey")),
        ignore_attrs=bool(merged.get("ignoreAttrs")),
        merge_attrs=bool(merged.get("mergeAttrs")),
        normalize=bool(merged.get("normalize")),
        normalize_tags=bool(merged.get("normalizeTags")),
        trim=bool(merged.get("trim")),
    )


def build_options(options: dict[str, Any]) -> BuildOptions:
    return BuildOptions(
        attrkey=str(options.get("attrkey") or "$"),
        charkey=str(options.get("charkey") or "_"),
        root_name=str(options.get("rootName") or "root"),
        headless=bool(options.get("headless")),
        cdata=bool(options.get("cdata")),
        allow_surrogate_chars=bool(options.get("allowSurrogateChars")),
    )


class XmlNode(NodeType):
    description = NodeDescription(
        name="knotwork.xml",
        display_name="XML",
        group="transform",
        description="Convert data from and to XML",
        versions=(1.0,),
        default_version=1.0,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.xml",),
        search_aliases=("xml", "convert", "parse", "json"),
        categories=("Core Nodes", "Data Transformation"),
        icon="fa:file-code",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        mode = ctx.param("mode", 0, "xmlToJson")
        options = ctx.param("options", 0, {}) or {}
        if mode not in ("xmlToJson", "jsonToxml"):
            raise NodeOperationError(f"The mode '{mode}' is not known", node=ctx.node.name)

        async def to_xml(index: int, item: Item) -> list[Item]:
            field = str(ctx.param("dataPropertyName", index, "data"))
            try:
                text = json_to_xml(item.json, build_options(options))
            except XmlError as error:
                raise NodeOperationError(str(error), item_index=index) from None
            return [Item({field: text}, paired=(index, 0))]

        async def to_json(index: int, item: Item) -> list[Item]:
            field = str(ctx.param("dataPropertyName", index, "data"))
            value = read_field(item.json, field)
            if is_missing(value):
                raise NodeOperationError(f'Item has no JSON property called "{field}"', item_index=index)
            try:
                parsed = xml_to_json(value if isinstance(value, str) else str(value), parse_options(options))
            except XmlError as error:
                raise NodeOperationError(f"The XML in '{field}' could not be converted: {error}",
                                         item_index=index) from None
            return [Item(parsed if isinstance(parsed, dict) else {field: parsed}, paired=(index, 0))]

        return [await map_items(ctx, to_xml if mode == "jsonToxml" else to_json)]
