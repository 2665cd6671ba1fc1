"""Edit Fields (Set): every version, mode, include option, conversion and error path."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from engine.errors import ExpressionError, NodeOperationError
from engine.items import Item
from nodes.core.dot_path import MISSING, get_path, set_path, split_path, unset_path
from nodes.core.set_convert import js_string, js_to_number, parse_js_object
from nodes.core.set_node import SetNode
from tests.nodes.fake import FakeContext, make_node
from tests.nodes.n8n_data import (
    ExpressionContext,
    expected_json,
    load_workflow,
    needs_conformance,
    run_workflow_node,
)

SET = SetNode()
BINARY = {"data": {"data": "aGk=", "mimeType": "text/plain"}}


async def run(version: float, parameters: dict[str, Any], items: list[Item], **flags: Any) -> list[Item]:
    context_class = flags.pop("context", FakeContext)
    mode = flags.pop("mode", "manual")
    ctx = context_class(make_node("knotwork.set", version, parameters, **flags), [items], mode=mode)
    outputs = await SET.execute(ctx)
    assert len(outputs) == 1
    return outputs[0]


def jsons(items: list[Item]) -> list[dict[str, Any]]:
    return [item.json for item in items]


def assignments(*entries: tuple[str, str, Any]) -> dict[str, Any]:
    return {"assignments": [{"id": str(i), "name": n, "type": t, "value": v} for i, (n, t, v) in enumerate(entries)]}


# --- v1 / v2 --------------------------------------------------------------------------------------


async def test_v1_writes_groups_in_order_with_dot_notation() -> None:
    # Given an item and values of all three kinds, listed strings first
    item = Item({"nested": {"foo": "bar"}, "list": ["foo"]}, BINARY)
    params = {
        "values": {
            "string": [{"name": "nested.s", "value": "x"}, {"name": "list[1]", "value": "bar"}],
            "boolean": [{"name": "nested.b", "value": "yes"}],
            "number": [{"name": "n", "value": 1}],
        }
    }
    # When the v1 node runs
    [out] = await run(1, params, [item])
    # Then booleans come first, paths nest, binary stays, and the input is untouched
    assert list(out.json) == ["nested", "list", "n"]
    assert out.json == {"nested": {"foo": "bar", "b": True, "s": "x"}, "list": ["foo", "bar"], "n": 1}
    assert out.binary == BINARY and out.paired == (0, 0)
    assert item.json == {"nested": {"foo": "bar"}, "list": ["foo"]}


async def test_v1_keep_only_set_drops_fields_and_binary() -> None:
    params = {"keepOnlySet": True, "values": {"string": [{"name": "a", "value": "b"}]}}
    [out] = await run(1, params, [Item({"old": 1}, BINARY)])
    assert out.json == {"a": "b"} and out.binary is None


async def test_v1_dot_notation_off_and_defaults_for_missing_entries() -> None:
    params = {
        "values": {"number": [{"name": "a.b"}], "string": [{"value": "v"}], "boolean": [{"name": "t"}]},
        "options": {"dotNotation": False},
    }
    [out] = await run(1, params, [Item({})])
    assert out.json == {"t": False, "a.b": 0, "propertyName": "v"}


async def test_v1_keeps_numeric_strings_v2_converts_them() -> None:
    params = {"values": {"number": [{"name": "a", "value": "123456"}, {"name": "b", "value": "x1"}, {"name": "c", "value": ""}]}}
    [v1] = await run(1, params, [Item({})])
    [v2] = await run(2, params, [Item({})])
    assert v1.json == {"a": "123456", "b": "x1", "c": ""}
    assert v2.json == {"a": 123456, "b": "x1", "c": 0}


async def test_v1_runs_once_without_input() -> None:
    out = await run(1, {"values": {"string": [{"name": "a", "value": "b"}]}}, [])
    assert jsons(out) == [{"a": "b"}]


# --- v3.0 - v3.2: fields.values --------------------------------------------------------------------


def fields(*entries: tuple[str, str, Any]) -> dict[str, Any]:
    return {"values": [{"name": n, "type": t, t: v} for n, t, v in entries]}


async def test_v3_converts_every_type() -> None:
    params = {
        "fields": fields(
            ("s1", "stringValue", 1.5),
            ("s2", "stringValue", [1, 2]),
            ("s3", "stringValue", {"a": 1.0}),
            ("s4", "stringValue", True),
            ("n1", "numberValue", " 3 "),
            ("n2", "numberValue", "0x1A"),
            ("n3", "numberValue", True),
            ("b1", "booleanValue", "TRUE"),
            ("b2", "booleanValue", "0"),
            ("b3", "booleanValue", 1),
            ("a1", "arrayValue", "['x', 'y']"),
            ("a2", "arrayValue", [1]),
            ("o1", "objectValue", "{a: 'x', b: [1, 2,],}"),
            ("o2", "objectValue", {"k": 1}),
        ),
        "include": "none",
    }
    [out] = await run(3, params, [Item({"keep": 1})])
    assert out.json == {
        "s1": "1.5",
        "s2": "[1,2]",
        "s3": '{"a":1}',
        "s4": "true",
        "n1": 3,
        "n2": 26,
        "n3": 1,
        "b1": True,
        "b2": False,
        "b3": True,
        "a1": ["x", "y"],
        "a2": [1],
        "o1": {"a": "x", "b": [1, 2]},
        "o2": {"k": 1},
    }


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (("n", "numberValue", "hello"), "'n' expects a number but we got 'hello' [item 0]"),
        (("b", "booleanValue", "3"), "'b' expects a boolean but we got '3' [item 0]"),
        (("a", "arrayValue", "hello"), "'a' expects a array but we got 'hello' [item 0]"),
        (("o", "objectValue", [1]), "'o' expects a object but we got array [item 0]"),
        (("n", "numberValue", {"x": 1}), "'n' expects a number but we got object [item 0]"),
    ],
)
async def test_v3_conversion_errors_use_n8n_wording(entry: tuple[str, str, Any], message: str) -> None:
    with pytest.raises(NodeOperationError) as caught:
        await run(3.1, {"fields": fields(entry)}, [Item({})])
    assert caught.value.message == message
    assert caught.value.item_index == 0
    assert "Ignore Type Conversion Errors" in (caught.value.description or "")


async def test_v3_ignore_conversion_errors_keeps_the_value() -> None:
    params = {
        "fields": fields(("n", "numberValue", "hello"), ("b", "booleanValue", 52472), ("a", "arrayValue", [1, 2])),
        "include": "none",
        "options": {"ignoreConversionErrors": True},
    }
    [out] = await run(3, params, [Item({})])
    assert out.json == {"n": "hello", "b": 52472, "a": [1, 2]}


async def test_null_values_depend_on_the_version() -> None:
    entry = fields(("s", "stringValue", None), ("n", "numberValue", None))
    [v30] = await run(3, {"fields": entry, "include": "none"}, [Item({})])
    assert v30.json == {"s": "null", "n": None}
    with pytest.raises(NodeOperationError, match="'s' expects a string but we got 'null' \\[item 0\\]"):
        await run(3.1, {"fields": entry}, [Item({})])
    [v32] = await run(3.2, {"fields": entry, "include": "none"}, [Item({})])
    assert v32.json == {"s": None, "n": None}


async def test_v3_missing_type_and_value_use_defaults() -> None:
    params = {"fields": {"values": [{"name": "a"}, {"name": "b", "type": "booleanValue"}]}, "include": "none"}
    [out] = await run(3, params, [Item({})])
    assert out.json == {"a": "", "b": True}


@pytest.mark.parametrize(
    ("include", "extra", "expected"),
    [
        ("all", {}, {"name": "n", "age": 3, "object": {"nested": True, "x": 1}, "test": "foo"}),
        ("none", {}, {"test": "foo"}),
        ("selected", {"includeFields": "name, object.x ,missing"}, {"name": "n", "x": 1, "test": "foo"}),
        ("except", {"excludeFields": "age,object.nested"}, {"name": "n", "object": {"x": 1}, "test": "foo"}),
    ],
)
async def test_v3_include_modes(include: str, extra: dict[str, Any], expected: dict[str, Any]) -> None:
    item = Item({"name": "n", "age": 3, "object": {"nested": True, "x": 1}})
    before = copy.deepcopy(item.json)
    [out] = await run(3.2, {"fields": fields(("test", "stringValue", "foo")), "include": include, **extra}, [item])
    assert out.json == expected
    assert item.json == before


async def test_v3_unknown_include_fails() -> None:
    with pytest.raises(NodeOperationError, match='The include option "some" is not known!'):
        await run(3, {"fields": fields(("a", "stringValue", "b")), "include": "some"}, [Item({})])


async def test_v3_dot_notation_off_writes_literal_keys() -> None:
    item = Item({"a.b": 1, "keep": {"x": 1}})
    params = {
        "fields": fields(("a.b", "numberValue", 2), ("['c.d']", "stringValue", "x")),
        "include": "except",
        "excludeFields": "['keep']",
        "options": {"dotNotation": False},
    }
    [out] = await run(3, params, [item])
    assert out.json == {"a.b": 2, "['c.d']": "x"}


async def test_v3_binary_needs_include_binary_before_3_4() -> None:
    params = {"fields": fields(("a", "stringValue", "b"))}
    [dropped] = await run(3.3, {**params, "includeOtherFields": True}, [Item({}, BINARY)])
    [kept] = await run(3.2, {**params, "options": {"includeBinary": True}}, [Item({}, BINARY)])
    assert dropped.binary is None and kept.binary == BINARY


async def test_v3_4_keeps_binary_unless_stripped_or_include_none() -> None:
    params = {"assignments": assignments(("a", "string", "b"))}
    [kept] = await run(3.4, {**params, "includeOtherFields": True}, [Item({}, BINARY)])
    [stripped] = await run(3.4, {**params, "includeOtherFields": True, "options": {"stripBinary": True}}, [Item({}, BINARY)])
    [none] = await run(3.4, params, [Item({}, BINARY)])
    assert kept.binary == BINARY and stripped.binary is None and none.binary is None


async def test_v3_object_field_template_inserts_objects_as_json() -> None:
    item = Item({"obj": {"a": [1, 2]}, "name": "x"})
    raw = '={ "o": {{ $json.obj }}, "n": "{{ $json.name }}" }'
    params = {"fields": {"values": [{"name": "f", "type": "objectValue", "objectValue": raw}]}, "include": "none"}
    [out] = await run(3.1, params, [item], context=ExpressionContext)
    assert out.json == {"f": {"o": {"a": [1, 2]}, "n": "x"}}


# --- v3.3+: assignments ---------------------------------------------------------------------------


async def test_v3_3_assignments_without_other_fields() -> None:
    params = {"assignments": assignments(("a.b", "number", "3.14"), ("c", "boolean", "false"), ("d", "string", 12))}
    [out] = await run(3.3, params, [Item({"old": 1})])
    assert out.json == {"a": {"b": 3.14}, "c": False, "d": "12"}


async def test_v3_3_include_selected_and_except() -> None:
    item = Item({"name": "n", "age": 3, "object": {"nested": True}})
    base = {"assignments": assignments(("test", "string", "foo")), "includeOtherFields": True}
    [selected] = await run(3.3, {**base, "include": "selected", "includeFields": "object, age"}, [item])
    [excepted] = await run(3.4, {**base, "include": "except", "excludeFields": "age"}, [item])
    assert list(selected.json) == ["object", "age", "test"]
    assert excepted.json == {"name": "n", "object": {"nested": True}, "test": "foo"}


async def test_v3_3_missing_value_is_null_and_string_null_is_null() -> None:
    collection = {"assignments": [{"id": "1", "name": "a", "type": "string"}, {"id": "2", "name": "b", "type": "number", "value": None}]}
    [out] = await run(3.3, {"assignments": collection}, [Item({})])
    assert out.json == {"a": None, "b": None}


async def test_v3_3_errors_name_the_item() -> None:
    params = {"assignments": assignments(("n", "number", "abc"))}
    with pytest.raises(NodeOperationError) as caught:
        await run(3.4, params, [Item({}), Item({})])
    assert caught.value.message == "'n' expects a number but we got 'abc' [item 0]"


async def test_continue_on_fail_turns_errors_into_items() -> None:
    collection = {"assignments": [{"id": "1", "name": "n", "type": "number", "value": "abc"}]}
    items = [Item({"ok": 1}), Item({})]
    out = await run(3.4, {"assignments": collection}, items, on_error="continueRegularOutput")
    assert jsons(out) == [{"error": "'n' expects a number but we got 'abc' [item 0]"}, {"error": "'n' expects a number but we got 'abc' [item 1]"}]
    assert [item.paired for item in out] == [(0, 0), (1, 0)]


# --- raw mode -------------------------------------------------------------------------------------


async def test_raw_mode_parses_json_and_keeps_other_fields() -> None:
    params = {"mode": "raw", "jsonOutput": '{"a": {"b": 1}, "c.d": 2}', "includeOtherFields": True}
    [out] = await run(3.4, params, [Item({"x": 1})])
    assert out.json == {"x": 1, "a": {"b": 1}, "c": {"d": 2}}


async def test_raw_mode_accepts_an_object_and_recovers_loose_json() -> None:
    [from_object] = await run(3.3, {"mode": "raw", "jsonOutput": {"a": 1}}, [Item({})])
    [recovered] = await run(3.3, {"mode": "raw", "jsonOutput": "{'a': 1, b: 'x',}"}, [Item({})])
    assert from_object.json == {"a": 1} and recovered.json == {"a": 1, "b": "x"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "The 'JSON Output' in item 0 contains invalid JSON"),
        ("[1, 2]", "The 'JSON Output' in item 0 does not contain a valid JSON object"),
    ],
)
async def test_raw_mode_errors(text: str, message: str) -> None:
    with pytest.raises(NodeOperationError) as caught:
        await run(3.4, {"mode": "raw", "jsonOutput": text}, [Item({})])
    assert caught.value.message == message and caught.value.item_index == 0


async def test_raw_mode_template_is_resolved_per_item() -> None:
    params = {"mode": "raw", "jsonOutput": '={ "list": {{ $json.list }}, "label": "n-{{ $json.n }}" }'}
    items = [Item({"list": [1, 2], "n": 1}), Item({"list": {"k": True}, "n": 2.0})]
    out = await run(3.4, params, items, context=ExpressionContext)
    assert jsons(out) == [{"list": [1, 2], "label": "n-1"}, {"list": {"k": True}, "label": "n-2"}]


async def test_default_raw_output() -> None:
    [out] = await run(3.4, {"mode": "raw"}, [Item({})])
    assert out.json == {"my_field_1": "value", "my_field_2": 1}


# --- duplicates -----------------------------------------------------------------------------------


async def test_duplicate_item_only_in_manual_runs() -> None:
    params = {"assignments": assignments(("a", "string", "b")), "duplicateItem": True, "duplicateCount": 2}
    manual = await run(3.4, params, [Item({})])
    triggered = await run(3.4, params, [Item({})], mode="trigger")
    assert jsons(manual) == [{"a": "b"}] * 3 and len(triggered) == 1
    assert manual[0].json is not manual[1].json


# --- n8n conformance data (read at run time) ------------------------------------------------------

SET_FILES = [
    "Set/test/Set.workflow.json",
    "Set/test/Set.workflow.number.json",
    "Set/test/Set.workflow.null_values.json",
    "Set/test/Set.v3.workflow.json",
    "Set/test/Set.v3_3.workflow.json",
]


@needs_conformance
@pytest.mark.parametrize("relative", SET_FILES)
async def test_set_conformance_files(relative: str) -> None:
    workflow = load_workflow(relative)
    cache: dict[str, list[list[Item]]] = {}
    node_types = {"n8n-nodes-base.set": SET}
    for name in workflow["pinData"]:
        outputs = await run_workflow_node(workflow, relative, name, node_types, cache)
        assert jsons(outputs[0]) == expected_json(workflow, name), name


# --- helpers: lodash-style paths and JS conversions ------------------------------------------------


def test_split_path_reads_brackets_and_quotes() -> None:
    assert split_path('a["b.c"][0].d') == ["a", "b.c", "0", "d"]
    assert split_path("a['x']") == ["a", "x"]
    assert split_path(".a") == ["", "a"]


def test_literal_key_wins_over_dotted_reading() -> None:
    json: dict[str, Any] = {"a.b": 1}
    set_path(json, "a.b", 2, set())
    assert json == {"a.b": 2}
    assert get_path({"a": {"b": 3}}, "a.b") == 3 and get_path({"a": 1}, "a.b") is MISSING


def test_set_path_copies_only_what_it_changes() -> None:
    shared = {"x": {"y": 1}, "z": {"w": 2}}
    json = dict(shared)
    set_path(json, "x.y", 5, set())
    set_path(json, "s", "t", set())
    set_path(json, "z.w.deep", 1, set())  # a scalar on the way is replaced by an object
    set_path(json, "list[2]", "c", set())
    assert shared == {"x": {"y": 1}, "z": {"w": 2}}
    assert json == {"x": {"y": 5}, "z": {"w": {"deep": 1}}, "s": "t", "list": [None, None, "c"]}


def test_unset_path_leaves_the_source_alone() -> None:
    source = {"a": {"b": 1, "c": 2}, "k": [1, 2]}
    json = dict(source)
    unset_path(json, "a.b", set())
    unset_path(json, "k[0]", set())
    unset_path(json, "missing.x", set())
    assert json == {"a": {"c": 2}, "k": [None, 2]}
    assert source == {"a": {"b": 1, "c": 2}, "k": [1, 2]}


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (0.00001, "0.00001"), (1e-7, "1e-7"), (1e21, "1e+21"), ([1, None, [2, 3]], "1,,2,3"), ({"a": 1}, "[object Object]"), (None, "null"), (True, "true")],
)
def test_js_string(value: Any, text: str) -> None:
    assert js_string(value) == text


@pytest.mark.parametrize(
    ("text", "number"),
    [("", 0.0), ("  12 ", 12.0), ("0x1A", 26.0), ("1e3", 1000.0), ("-.5", -0.5), ("-Infinity", float("-inf"))],
)
def test_js_to_number(text: str, number: float) -> None:
    assert js_to_number(text) == number


@pytest.mark.parametrize("text", ["3,14", "1_000", "inf", "nan", "0x", "- 1"])
def test_js_to_number_rejects(text: str) -> None:
    assert math.isnan(js_to_number(text))


def test_parse_js_object() -> None:
    assert parse_js_object("{a: 1, 'b': \"x\", c: [true, null, undefined,], d: {e: -2.5e1},}") == {
        "a": 1,
        "b": "x",
        "c": [True, None, None],
        "d": {"e": -25},
    }
    assert parse_js_object("[1]") is None
    with pytest.raises(ValueError):
        parse_js_object("{a: }")


class FailingContext(FakeContext):
    """Raises an expression error when the second item's assignments are read."""

    def param(self, name: str, item_index: int = 0, default: Any = ...) -> Any:
        if name == "assignments" and item_index == 1:
            raise ExpressionError("Referenced node doesn't exist", parameter="assignments")
        return super().param(name, item_index, default)


async def test_expression_errors_are_per_item() -> None:
    params = {"assignments": assignments(("a", "string", "x"))}
    out = await run(3.4, params, [Item({}), Item({})], context=FailingContext, on_error="continueRegularOutput")
    assert jsons(out) == [{"a": "x"}, {"error": "Referenced node doesn't exist"}]
    with pytest.raises(ExpressionError) as caught:
        await run(3.4, params, [Item({}), Item({})], context=FailingContext)
    assert caught.value.item_index == 1 and caught.value.parameter == "assignments"
