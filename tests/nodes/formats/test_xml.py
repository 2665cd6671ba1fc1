"""XML: xml2js options both ways, entity attacks refused, errors."""

from __future__ import annotations

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.formats.xml_node import XmlNode

from .helpers import jsons, run_node

NODE = XmlNode()
DOC = '<?xml version="1.0"?><shop id="7"><item sku="a1">Pen</item><item sku="b2"> Ink  pot </item><Note/></shop>'


async def to_json(options: dict, xml: str = DOC) -> dict:
    out = await run_node(NODE, 1.0, {"mode": "xmlToJson", "options": options}, [Item({"data": xml, "other": 1})])
    return out[0].json


async def test_defaults_merge_attributes_without_arrays() -> None:
    assert await to_json({}) == {"shop": {"id": "7", "item": [{"_": "Pen", "sku": "a1"}, {"_": " Ink  pot ", "sku": "b2"}],
                                          "Note": ""}}


async def test_explicit_array_attrkey_charkey_and_root() -> None:
    result = await to_json({"explicitArray": True, "mergeAttrs": False, "attrkey": "@", "charkey": "#",
                            "explicitRoot": False})
    assert result == {"@": {"id": "7"}, "item": [{"#": "Pen", "@": {"sku": "a1"}}, {"#": " Ink  pot ", "@": {"sku": "b2"}}],
                      "Note": [""]}


async def test_ignore_attrs_trim_normalize_and_tags() -> None:
    result = await to_json({"ignoreAttrs": True, "normalize": True, "normalizeTags": True})
    assert result == {"shop": {"item": ["Pen", "Ink pot"], "note": ""}}
    assert await to_json({"ignoreAttrs": True, "trim": True}) == {"shop": {"item": ["Pen", "Ink  pot"], "Note": ""}}
    assert await to_json({"explicitCharkey": True, "ignoreAttrs": True}, "<a><b>x</b></a>") == {"a": {"b": {"_": "x"}}}


async def test_billion_laughs_is_refused_with_a_clear_error() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>')
    with pytest.raises(NodeOperationError, match="declares entities"):
        await to_json({}, bomb)


async def test_external_entities_are_refused() -> None:
    xxe = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
    with pytest.raises(NodeOperationError, match="declares entities"):
        await to_json({}, xxe)


async def test_bad_xml_and_missing_property() -> None:
    with pytest.raises(NodeOperationError, match="not well-formed"):
        await to_json({}, "<a><b></a>")
    with pytest.raises(NodeOperationError, match='no JSON property called "xml"'):
        await run_node(NODE, 1.0, {"mode": "xmlToJson", "dataPropertyName": "xml"}, [Item({})])
    out = await run_node(NODE, 1.0, {"mode": "xmlToJson"}, [Item({"data": "<"})], on_error="continueRegularOutput")
    assert "could not be converted" in out[0].json["error"]


async def test_json_to_xml_single_key_becomes_root() -> None:
    out = await run_node(NODE, 1.0, {"mode": "jsonToxml"}, [Item({"person": {"$": {"id": 3}, "name": "Ann & Bo",
                                                                              "tags": ["a", "b"], "none": None}})])
    assert jsons(out) == [{"data": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<person id="3">\n'
                                   "  <name>Ann &amp; Bo</name>\n  <tags>a</tags>\n  <tags>b</tags>\n  <none/>\n</person>"}]
    assert out[0].paired == (0, 0)


async def test_json_to_xml_options() -> None:
    options = {"headless": True, "rootName": "doc", "cdata": True, "attrkey": "@", "charkey": "#"}
    out = await run_node(NODE, 1.0, {"mode": "jsonToxml", "options": options, "dataPropertyName": "xml"},
                         [Item({"a": {"@": {"k": "v"}, "#": "x < y"}})])
    assert jsons(out) == [{"xml": '<doc>\n  <a k="v"><![CDATA[x < y]]></a>\n</doc>'}]


async def test_json_to_xml_rejects_bad_names_and_characters() -> None:
    with pytest.raises(NodeOperationError, match="Invalid character in name"):
        await run_node(NODE, 1.0, {"mode": "jsonToxml"}, [Item({"a b": 1, "c": 2})])
    with pytest.raises(NodeOperationError, match="Invalid character in string"):
        await run_node(NODE, 1.0, {"mode": "jsonToxml"}, [Item({"a": "bell\x07"})])
    surrogate = {"a": "\ud83d"}
    with pytest.raises(NodeOperationError, match="Invalid character"):
        await run_node(NODE, 1.0, {"mode": "jsonToxml"}, [Item(surrogate)])
    out = await run_node(NODE, 1.0, {"mode": "jsonToxml", "options": {"allowSurrogateChars": True, "headless": True}},
                         [Item(surrogate)])
    assert out[0].json["data"] == "<a>\ud83d</a>"
