"""HTML (n8n `html` v1, 1.1, 1.2): generate HTML from a template, extract content with CSS
selectors (from a json field or a binary file), or turn all items into one HTML table.

v1 reads the source field as a literal key, later versions by dot path; v1.2 returns readable
text (html-to-text, with skip selectors) where earlier versions return cheerio's `.text()`.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter
from nodes.core.dot_path import MISSING

from .common import is_missing, map_items, read_binary, read_field
from .html_extract import Extraction, ValueRules, extract
from .html_table import html_table

VERSIONS = (1.0, 1.1, 1.2)
EXTRACT = {"operation": ("extractHtmlContent",)}
DEFAULT_TEMPLATE = """<!DOCTYPE html>

<html>
<head>
  <meta charset="UTF-8" />
  <title>My HTML document</title>
</head>
<body>
  <div class="container">
    <h1>This is an H1 heading</h1>
    <h2>This is an H2 heading</h2>
    <p>This is a paragraph</p>
  </div>
</body>
</html>

<style>
.container {
  background-color: #ffffff;
  text-align: center;
  padding: 16px;
  border-radius: 8px;
}
</style>
"""

EXTRACTION_GROUP = Group("values", "Values", (
    Parameter("key", "Key", "string", default="", description="The key under which the extracted value should be saved"),
    Parameter("cssSelector", "CSS Selector", "string", default="", placeholder=".price",
              description="The CSS selector to use"),
    Parameter("returnValue", "Return Value", "options", default="text", options=(
        Option("Attribute", "attribute", 'Get an attribute value like "class" from an element'),
        Option("HTML", "html", "Get the HTML the element contains"),
        Option("Text", "text", "Get only the text content of the element"),
        Option("Value", "value", "Get value of an input, select or textarea"))),
    Parameter("attribute", "Attribute", "string", default="", placeholder="class",
              show={"returnValue": ("attribute",)}, description="The name of the attribute to return the value off"),
    Parameter("skipSelectors", "Skip Selectors", "string", default="", placeholder="e.g. img, .className, #ItemId",
              show={"returnValue": ("text",), "@version": (1.2,)},
              description="Comma-separated list of selectors that would be skipped when extracting text"),
    Parameter("returnArray", "Return Array", "boolean", default=False,
              description="Whether to return the values as an array, one per matched element"),
))


def _string_option(name: str, display: str, description: str) -> Parameter:
    return Parameter(name, display, "string", default="", description=description)


PARAMETERS = (
    Parameter("operation", "Operation", "options", default="generateHtmlTemplate", options=(
        Option("Generate HTML Template", "generateHtmlTemplate"),
        Option("Extract HTML Content", "extractHtmlContent"),
        Option("Convert to HTML Table", "convertToHtmlTable"))),
    Parameter("html", "HTML Template", "string", default=DEFAULT_TEMPLATE, show={"operation": ("generateHtmlTemplate",)},
              type_options={"rows": 12, "editor": "htmlEditor"},
              description="HTML template to render; {{ expressions }} in it are evaluated per item"),
    Parameter("sourceData", "Source Data", "options", default="json", show=EXTRACT, options=(
        Option("Binary", "binary"), Option("JSON", "json")), description="If HTML should be read from binary or JSON data"),
    Parameter("dataPropertyName", "Input Binary Field", "string", default="data", required=True,
              show={**EXTRACT, "sourceData": ("binary",)},
              description="The name of the input binary field containing the file to be extracted"),
    Parameter("dataPropertyName", "JSON Property", "string", default="data", required=True,
              show={**EXTRACT, "sourceData": ("json",)},
              description="Name of the JSON property in which the HTML to extract the data from can be found. "
              "The property can either contain a string or an array of strings."),
    Parameter("extractionValues", "Extraction Values", "fixedCollection", default={}, multiple=True, show=EXTRACT,
              groups=(EXTRACTION_GROUP,)),
    Parameter("options", "Options", "collection", default={}, show=EXTRACT, fields=(
        Parameter("trimValues", "Trim Values", "boolean", default=True,
                  description="Whether to remove all spaces and newlines from the beginning and end of the values"),
        Parameter("cleanUpText", "Clean Up Text", "boolean", default=True,
                  description="Whether to remove leading and trailing whitespaces, line breaks (newlines) and "
                  "condense multiple consecutive whitespaces into a single space"),
    )),
    Parameter("options", "Options", "collection", default={}, show={"operation": ("convertToHtmlTable",)}, fields=(
        Parameter("capitalize", "Capitalize Headers", "boolean", default=False,
                  description="Whether to capitalize the headers"),
        Parameter("customStyling", "Custom Styling", "boolean", default=False,
                  description="Whether to use custom styling instead of the default one"),
        _string_option("caption", "Caption", "Caption to add to the table"),
        _string_option("tableAttributes", "Table Attributes", 'Attributes to attach to the table, e.g. style="padding:10px"'),
        _string_option("headerAttributes", "Header Attributes", "Attributes to attach to the table header"),
        _string_option("rowAttributes", "Row Attributes", "Attributes to attach to the table row"),
        _string_option("cellAttributes", "Cell Attributes", "Attributes to attach to the table cell"),
    )),
)


class HtmlNode(NodeType):
    description = NodeDescription(
        name="knotwork.html",
        display_name="HTML",
        group="transform",
        description="Work with HTML",
        versions=VERSIONS,
        default_version=1.2,
        parameters=PARAMETERS,
        aliases=("n8n-nodes-base.html",),
        search_aliases=("html", "extract", "scrape", "css", "selector", "template", "table"),
        categories=("Core Nodes", "Data Transformation"),
        icon="fa:code",
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        operation = ctx.param("operation", 0, "generateHtmlTemplate")
        items = ctx.input_items
        if operation == "convertToHtmlTable":
            return [[html_table(ctx, items)] if items else []]
        if operation == "generateHtmlTemplate":
            return [await map_items(ctx, lambda index, item: _generate(ctx, index))]
        if operation == "extractHtmlContent":
            return [await map_items(ctx, lambda index, item: extract_item(ctx, index, item))]
        raise NodeOperationError(f"The operation '{operation}' is not supported", node=ctx.node.name)


async def _generate(ctx: ExecuteContext, index: int) -> list[Item]:
    html = ctx.param("html", index, DEFAULT_TEMPLATE)
    raw = ctx.raw_param("html", DEFAULT_TEMPLATE)
    # n8n stores the template without the expression prefix and resolves its {{ }} itself; a
    # template already evaluated as an expression is not evaluated again (data could hold "{{").
    if isinstance(raw, str) and not raw.startswith("=") and "{{" in raw:
        html = ctx.evaluate("=" + raw, index, "html")
    return [Item({"html": html if isinstance(html, str) else str(html)}, paired=(index, 0))]


async def extract_item(ctx: ExecuteContext, index: int, item: Item, legacy: bool = False) -> list[Item]:
    """One output item per HTML string found in the item (the field may hold a list)."""
    field = str(ctx.param("dataPropertyName", index, "data"))
    options = ctx.param("options", index, {}) or {}
    if ctx.param("sourceData", index, "json") == "binary":
        sources: Any = (await read_binary(ctx, item, field, index)).decode("utf-8", errors="replace")
    else:
        sources = _json_source(ctx, item, field, legacy, options)
        if is_missing(sources):
            raise NodeOperationError(f'No property named "{field}" exists!', item_index=index)
    values = (ctx.param("extractionValues", index, {}) or {}).get("values") or []
    extractions = [Extraction.from_parameter(value) for value in values]
    version = ctx.type_version
    rules = ValueRules(
        readable_text=not legacy and version >= 1.2,
        trim_unless_false=legacy or version < 1.2,
        trim_values=options.get("trimValues"),
        clean_up_text=bool(options.get("cleanUpText")),
    )
    html_list = sources if isinstance(sources, list) else [sources]
    return [Item(extract(_text(html), extractions, rules), paired=(index, 0)) for html in html_list]


def _json_source(ctx: ExecuteContext, item: Item, field: str, legacy: bool, options: dict[str, Any]) -> Any:
    literal_only = (not legacy and ctx.type_version == 1.0) or (legacy and options.get("dotNotation") is False)
    if literal_only:
        return item.json.get(field, MISSING)
    return read_field(item.json, field)


def _text(html: Any) -> str:
    return html if isinstance(html, str) else ("" if html is None else str(html))
