"""HTML v1-1.2 (template, extraction, table) and the legacy HTML Extract node."""

from __future__ import annotations

import base64

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.formats.html_extract_node import HtmlExtractNode
from nodes.formats.html_node import HtmlNode

from .helpers import jsons, run_node

NODE = HtmlNode()
PAGE = """<html><head><title>T</title></head><body>
  <h1> Shop </h1>
  <p class="intro">Welcome   to
  the <b>shop</b>.</p>
  <ul><li>Pens</li><li>Ink <a href="/ink">pots</a></li></ul>
  <img src="/logo.png" alt="Logo"><input id="q" value="pens">
  <select id="s"><option value="1">One</option><option value="2" selected>Two</option></select>
  <textarea id="t">notes</textarea><div data-x="1" hidden></div>
</body></html>"""


def value(key: str, selector: str, **extra: object) -> dict:
    return {"key": key, "cssSelector": selector, **extra}


async def extract(version: float, values: list[dict], options: dict | None = None, item: Item | None = None,
                  **parameters: object) -> list[Item]:
    params = {"operation": "extractHtmlContent", "extractionValues": {"values": values}, "options": options or {},
              **parameters}
    return await run_node(NODE, version, params, [item or Item({"data": PAGE})])


async def test_readable_text_in_v1_2() -> None:
    out = await extract(1.2, [value("text", "body")])
    assert jsons(out) == [{"text": "SHOP\n\nWelcome to the shop.\n\n * Pens\n * Ink pots [/ink]\n\nLogo [/logo.png] OneTwo notes"}]


async def test_skip_selectors_and_clean_up_text() -> None:
    out = await extract(1.2, [value("text", "body", skipSelectors="ul, img")], {"cleanUpText": True})
    assert jsons(out) == [{"text": "SHOPWelcome to the shop.OneTwo notes"}]


async def test_cheerio_text_before_v1_2_is_trimmed_unless_told_not_to() -> None:
    out = await extract(1.1, [value("intro", "p")])
    assert jsons(out) == [{"intro": "Welcome   to\n  the shop."}]
    out = await extract(1.0, [value("h", "h1")], {"trimValues": False})
    assert jsons(out) == [{"h": " Shop "}]


async def test_html_attribute_value_and_arrays() -> None:
    out = await extract(1.2, [
        value("html", "p", returnValue="html"), value("src", "img", returnValue="attribute", attribute="src"),
        value("attrs", "div", returnValue="attribute"), value("input", "#q", returnValue="value"),
        value("select", "#s", returnValue="value"), value("area", "#t", returnValue="value"),
        value("items", "li", returnArray=True), value("none", ".missing", returnValue="html"),
    ])
    assert jsons(out) == [{"html": "Welcome   to\n  the <b>shop</b>.", "src": "/logo.png",
                           "attrs": {"data-x": "1", "hidden": ""}, "input": "pens", "select": "2", "area": "notes",
                           "items": ["Pens", "Ink pots [/ink]"]}]


async def test_sources_list_dot_path_and_binary() -> None:
    item = Item({"page": {"html": ["<p>a</p>", "<p>b</p>"]}})
    out = await extract(1.2, [value("p", "p")], item=item, dataPropertyName="page.html")
    assert jsons(out) == [{"p": "a"}, {"p": "b"}] and [o.paired for o in out] == [(0, 0), (0, 0)]
    with pytest.raises(NodeOperationError, match='No property named "page.html"'):
        await extract(1.0, [value("p", "p")], item=item, dataPropertyName="page.html")
    binary = Item({}, {"data": {"data": base64.b64encode(b"<i>hi</i>").decode(), "mimeType": "text/html"}})
    out = await extract(1.2, [value("i", "i")], item=binary, sourceData="binary")
    assert jsons(out) == [{"i": "hi"}]


async def test_bad_selector_is_named() -> None:
    out = await run_node(NODE, 1.2, {"operation": "extractHtmlContent", "extractionValues": {
        "values": [value("x", "p[")]}}, [Item({"data": PAGE})], on_error="continueRegularOutput")
    assert "CSS selector 'p['" in out[0].json["error"]


async def test_generate_template_keeps_evaluated_html() -> None:
    out = await run_node(NODE, 1.2, {"operation": "generateHtmlTemplate", "html": "<p>Hi</p>"}, [Item({}), Item({})])
    assert jsons(out) == [{"html": "<p>Hi</p>"}, {"html": "<p>Hi</p>"}] and out[1].paired == (1, 0)


async def test_convert_to_table_with_options() -> None:
    items = [Item({"first_name": "Ann", "ok": True}), Item({"first_name": "Bo", "age": 3})]
    options = {"customStyling": True, "capitalize": True, "caption": "People", "tableAttributes": "id='t'",
               "cellAttributes": "class='c'"}
    out = await run_node(NODE, 1.2, {"operation": "convertToHtmlTable", "options": options}, items)
    assert jsons(out) == [{"table": (
        "<table  id='t'><caption>People</caption><thead  ><tr><th>First Name</th><th>Ok</th><th>Age</th></tr></thead>"
        "<tbody><tr  ><td  class='c'>Ann</td><td  class='c'><input type=\"checkbox\" checked=\"checked\"/></td>"
        "<td  class='c'>undefined</td></tr><tr  ><td  class='c'>Bo</td><td  class='c'>undefined</td>"
        "<td  class='c'>3</td></tr></tbody></table>")}]
    assert out[0].paired == [(0, 0), (1, 0)]


async def test_default_table_style() -> None:
    out = await run_node(NODE, 1.2, {"operation": "convertToHtmlTable"}, [Item({"a": 1})])
    assert out[0].json["table"].startswith("<table style='border-spacing:0; font-family:helvetica,arial,sans-serif' >")


async def test_legacy_html_extract_trims_and_reads_dot_paths() -> None:
    legacy = HtmlExtractNode()
    parameters = {"dataPropertyName": "body.html", "extractionValues": {"values": [value("title", "h1")]}}
    out = await run_node(legacy, 1.0, parameters, [Item({"body": {"html": PAGE}})])
    assert jsons(out) == [{"title": "Shop"}]
    with pytest.raises(NodeOperationError, match="No property named"):
        await run_node(legacy, 1.0, {**parameters, "options": {"dotNotation": False}}, [Item({"body": {"html": PAGE}})])
