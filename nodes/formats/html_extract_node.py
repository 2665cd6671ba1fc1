"""HTML Extract (legacy n8n `htmlExtract` v1): the HTML node's extraction alone. Values are
trimmed unless `trimValues` is false; the JSON property may be a dot path (`body.html`) unless
`dotNotation` is turned off."""

from __future__ import annotations

from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter

from .common import map_items
from .html_node import EXTRACTION_GROUP, extract_item

_GROUP_FIELDS = tuple(field for field in EXTRACTION_GROUP.fields if field.name != "skipSelectors")

PARAMETERS = (
    Parameter("sourceData", "Source Data", "options", default="json", options=(
        Option("Binary", "binary"), Option("JSON", "json")), description="If HTML should be read from binary or JSON data"),
    Parameter("dataPropertyName", "Binary Property", "string", default="data", required=True,
              show={"sourceData": ("binary",)},
              description="Name of the binary property in which the HTML to extract the data from can be found"),
    Parameter("dataPropertyName", "JSON Property", "string", default="data", required=True,
              show={"sourceData": ("json",)},
              description="Name of the JSON property in which the HTML to extract the data from can be found. "
              "The property can either contain a string or an array of strings."),
    Parameter("extractionValues", "Extraction Values", "fixedCollection", default={}, multiple=True,
              groups=(Group(EXTRACTION_GROUP.name, EXTRACTION_GROUP.display_name, _GROUP_FIELDS),)),
    Parameter("options", "Options", "collection", default={}, fields=(
        Parameter("trimValues", "Trim Values", "boolean", default=True,
                  description="Whether to remove all spaces and newlines from the beginning and end of the values"),
        Parameter("dotNotation", "Dot Notation", "boolean", default=True,
                  description='Whether the JSON property may be a path like "body.html"'),
    )),
)


class HtmlExtractNode(NodeType):
    description = NodeDescription(
        name="knotwork.htmlExtract",
        display_name="HTML Extract",
        group="transform",
        description="Extracts data from HTML",
        versions=(1.0,),
        default_version=1.0,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.htmlExtract",),
        search_aliases=("html", "extract", "scrape", "css"),
        categories=("Core Nodes", "Data Transformation"),
        icon="fa:cut",
        hidden=True,  # replaced by the HTML node's extract operation
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [await map_items(ctx, lambda index, item: extract_item(ctx, index, item, legacy=True))]
