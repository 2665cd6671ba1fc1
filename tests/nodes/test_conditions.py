"""The filter engine (IF v2+, Filter v2+, Switch v3): operators, typing, errors, combinators."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.errors import NodeOperationError
from nodes.core import conditions_js as js
from nodes.core.conditions import (
    ENABLE_LESS_STRICT_TYPE_VALIDATION,
    FilterOptions,
    FilterTypeError,
    evaluate_filter,
)

NAN = float("nan")


def condition(kind: str, operation: str, left: Any, right: Any = "", **operator: Any) -> dict[str, Any]:
    return {"id": "c", "leftValue": left, "rightValue": right, "operator": {"type": kind, "operation": operation, **operator}}


def filter_value(*conditions: dict[str, Any], combinator: str = "and", **options: Any) -> dict[str, Any]:
    stored = {"caseSensitive": True, "leftValue": "", "typeValidation": "strict", "version": 1, **options}
    return {"options": stored, "conditions": list(conditions), "combinator": combinator}


def check(kind: str, operation: str, left: Any, right: Any = "", *, operator: dict[str, Any] | None = None, **options: Any) -> bool:
    return evaluate_filter(filter_value(condition(kind, operation, left, right, **(operator or {})), **options))


OPERATOR_CASES = [
    # string
    ("string", "exists", "a", "", True), ("string", "exists", None, "", False),
    ("string", "notExists", None, "", True), ("string", "notExists", "a", "", False),
    ("string", "empty", "", "", True), ("string", "empty", None, "", True), ("string", "empty", "a", "", False),
    ("string", "notEmpty", "a", "", True), ("string", "notEmpty", "", "", False),
    ("string", "equals", "abc", "abc", True), ("string", "equals", "abc", "abd", False),
    ("string", "notEquals", "abc", "abd", True), ("string", "notEquals", "abc", "abc", False),
    ("string", "contains", "hello", "ell", True), ("string", "contains", "hello", "xyz", False),
    ("string", "notContains", "hello", "xyz", True), ("string", "notContains", "hello", "ell", False),
    ("string", "startsWith", "hello", "he", True), ("string", "startsWith", "hello", "lo", False),
    ("string", "notStartsWith", "hello", "lo", True), ("string", "notStartsWith", "hello", "he", False),
    ("string", "endsWith", "hello", "lo", True), ("string", "endsWith", "hello", "he", False),
    ("string", "notEndsWith", "hello", "he", True), ("string", "notEndsWith", "hello", "lo", False),
    ("string", "regex", "abc123", r"\d+", True), ("string", "regex", "abc", r"\d+", False),
    ("string", "regex", "abc", "/ABC/i", True), ("string", "regex", "abc", "/^b/", False),
    ("string", "notRegex", "abc", r"\d", True), ("string", "notRegex", "a1", r"\d", False),
    # number
    ("number", "exists", 0, "", True), ("number", "exists", None, "", False), ("number", "exists", NAN, "", False),
    ("number", "notExists", None, "", True), ("number", "notExists", 1, "", False),
    ("number", "empty", None, "", True), ("number", "empty", 5, "", False),
    ("number", "notEmpty", 5, "", True), ("number", "notEmpty", None, "", False),
    ("number", "equals", 5, 5.0, True), ("number", "equals", 5, 6, False),
    ("number", "notEquals", 5, 6, True), ("number", "notEquals", 5, 5, False),
    ("number", "gt", 5, 3, True), ("number", "gt", 3, 5, False),
    ("number", "lt", 3, 5, True), ("number", "lt", 5, 3, False),
    ("number", "gte", 5, 5, True), ("number", "gte", 4, 5, False),
    ("number", "lte", 5, 5, True), ("number", "lte", 6, 5, False),
    # dateTime
    ("dateTime", "exists", "2024-01-01", "", True), ("dateTime", "notExists", None, "", True),
    ("dateTime", "empty", None, "", True), ("dateTime", "notEmpty", "2024-01-01", "", True),
    ("dateTime", "equals", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", True),
    ("dateTime", "equals", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", False),
    ("dateTime", "notEquals", "2024-01-01", "2024-01-02", True), ("dateTime", "notEquals", "2024-01-01", "2024-01-01", False),
    ("dateTime", "after", "2024-01-02", "2024-01-01", True), ("dateTime", "after", "2024-01-01", "2024-01-01", False),
    ("dateTime", "before", "2024-01-01", "2024-01-02", True), ("dateTime", "before", "2024-01-02", "2024-01-01", False),
    ("dateTime", "afterOrEquals", "2024-01-01", "2024-01-01", True), ("dateTime", "afterOrEquals", "2023-12-31", "2024-01-01", False),
    ("dateTime", "beforeOrEquals", "2024-01-01", "2024-01-01", True), ("dateTime", "beforeOrEquals", "2024-01-02", "2024-01-01", False),
    ("dateTime", "after", "2024-01-02", None, False),
    # boolean
    ("boolean", "exists", False, "", True), ("boolean", "notExists", None, "", True),
    ("boolean", "empty", None, "", True), ("boolean", "empty", False, "", False),
    ("boolean", "notEmpty", False, "", True), ("boolean", "notEmpty", None, "", False),
    ("boolean", "true", True, "", True), ("boolean", "true", False, "", False),
    ("boolean", "false", False, "", True), ("boolean", "false", True, "", False),
    ("boolean", "equals", True, True, True), ("boolean", "equals", True, False, False),
    ("boolean", "notEquals", True, False, True), ("boolean", "notEquals", False, False, False),
    # object
    ("object", "exists", {}, "", True), ("object", "notExists", None, "", True), ("object", "notExists", {}, "", False),
    ("object", "empty", {}, "", True), ("object", "empty", {"a": 1}, "", False), ("object", "empty", None, "", True),
    ("object", "notEmpty", {"a": 1}, "", True), ("object", "notEmpty", {}, "", False),
    # any
    ("any", "exists", "x", "", True), ("any", "exists", None, "", False),
    ("any", "notExists", None, "", True), ("any", "notExists", 0, "", False),
]


@pytest.mark.parametrize(("kind", "operation", "left", "right", "expected"), OPERATOR_CASES)
def test_operator(kind: str, operation: str, left: Any, right: Any, expected: bool) -> None:
    assert check(kind, operation, left, right, operator={"singleValue": right == ""}) is expected


ARRAY_CASES = [
    ("exists", [], "", True), ("notExists", None, "", True), ("notExists", [1], "", False),
    ("empty", [], "", True), ("empty", [1], "", False), ("empty", None, "", True),
    ("notEmpty", [1], "", True), ("notEmpty", [], "", False),
    ("contains", [1, 2], 2, True), ("contains", [1, 2], 3, False), ("contains", [1, 2], "2", False),
    ("contains", [{"a": 1}], {"a": 1}, False),  # JS compares objects by reference
    ("notContains", [1, 2], 3, True), ("notContains", [1, 2], 1, False),
    ("lengthEquals", [1, 2], 2, True), ("lengthEquals", [1, 2], 3, False),
    ("lengthNotEquals", [1, 2], 3, True), ("lengthNotEquals", [1, 2], 2, False),
    ("lengthGt", [1, 2, 3], 2, True), ("lengthGt", [1], 2, False),
    ("lengthLt", [1], 2, True), ("lengthLt", [1, 2, 3], 2, False),
    ("lengthGte", [1, 2], 2, True), ("lengthGte", [1], 2, False),
    ("lengthLte", [1, 2], 2, True), ("lengthLte", [1, 2, 3], 2, False),
]


@pytest.mark.parametrize(("operation", "left", "right", "expected"), ARRAY_CASES)
def test_array_operator(operation: str, left: Any, right: Any, expected: bool) -> None:
    right_type = "any" if "ontains" in operation else "number"
    operator = {"rightType": right_type, "singleValue": operation in ("exists", "notExists", "empty", "notEmpty")}
    assert check("array", operation, left, right, operator=operator) is expected


def test_dates_accept_datetime_objects_and_epoch_millis() -> None:
    moment = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    millis = js.epoch_millis(moment)
    assert check("dateTime", "equals", moment, "2024-01-01T12:00:00Z")
    assert check("dateTime", "equals", millis, moment)
    assert check("dateTime", "before", dt.date(2024, 1, 1), moment)
    assert check("dateTime", "equals", "Mon, 01 Jan 2024 12:00:00 GMT", moment)


def test_naive_dates_are_read_in_the_given_timezone() -> None:
    value = filter_value(condition("dateTime", "equals", "2024-01-01T09:00:00", "2024-01-01T08:00:00Z"))
    assert evaluate_filter(value, timezone="Europe/Berlin")
    assert not evaluate_filter(value, timezone="UTC")


# --- strict type errors -----------------------------------------------------------------------


def test_strict_wrong_type_on_the_left() -> None:
    with pytest.raises(FilterTypeError) as caught:
        check("number", "equals", "5", 5)
    assert caught.value.message == "Wrong type: '5' is a string but was expecting a number [condition 0, item 0]"
    assert "Converting the first field to a number by adding <code>.toNumber()</code>" in str(caught.value.description)
    assert isinstance(caught.value, NodeOperationError)


def test_strict_wrong_type_on_the_right_names_condition_and_item() -> None:
    value = filter_value(condition("number", "gt", 5, 1), condition("number", "gt", 5, "x"))
    with pytest.raises(FilterTypeError, match=r"^Wrong type: 'x' is a string but was expecting a number \[condition 1, item 3\]$"):
        evaluate_filter(value, 3)


def test_strict_both_sides_of_the_same_wrong_type() -> None:
    with pytest.raises(FilterTypeError) as caught:
        check("number", "equals", "5", "6")
    assert caught.value.message == "Comparison type expects a number but both fields are a string"
    assert caught.value.description == ENABLE_LESS_STRICT_TYPE_VALIDATION


@pytest.mark.parametrize(
    ("kind", "left", "message"),
    [
        ("string", 5, "Wrong type: '5' is a number but was expecting a string [condition 0, item 0]"),
        ("string", True, "Wrong type: 'true' is a boolean but was expecting a string [condition 0, item 0]"),
        ("boolean", "true", "Wrong type: 'true' is a string but was expecting a boolean [condition 0, item 0]"),
        ("array", "[1]", "Wrong type: '[1]' is a string but was expecting an array [condition 0, item 0]"),
        ("object", "{}", "Wrong type: '{}' is a string but was expecting an object [condition 0, item 0]"),
        ("dateTime", "soon", "Wrong type: 'soon' is a string but was expecting a dateTime [condition 0, item 0]"),
        ("number", [1, 2], "Wrong type: '1,2' is an object but was expecting a number [condition 0, item 0]"),
    ],
)
def test_strict_messages(kind: str, left: Any, message: str) -> None:
    with pytest.raises(FilterTypeError) as caught:
        check(kind, "exists", left, operator={"singleValue": True})
    assert caught.value.message == message


def test_single_value_operators_ignore_the_right_side() -> None:
    assert check("number", "exists", 1, "not a number", operator={"singleValue": True})


def test_loose_conversion_error_message() -> None:
    with pytest.raises(FilterTypeError) as caught:
        check("number", "equals", "abc", 1, typeValidation="loose")
    assert caught.value.message == "Conversion error: the string 'abc' can't be converted to a number [condition 0, item 0]"
    assert caught.value.description == "Try changing the type of the comparison."


# --- loose conversions ------------------------------------------------------------------------

LOOSE_CASES = [
    ("number", "equals", "5", 5, True), ("number", "gt", " 12 ", "10", True), ("number", "equals", "0x10", 16, True),
    ("number", "equals", "", 0, True), ("number", "equals", True, 1, True), ("number", "equals", "1e3", 1000, True),
    ("string", "equals", 5, "5", True), ("string", "equals", 1.0, "1", True), ("string", "equals", True, "true", True),
    ("string", "equals", {"a": [1, 2.5]}, '{"a":[1,2.5]}', True), ("string", "equals", [1, "x"], '[1,"x"]', True),
    ("array", "lengthEquals", "[1,2]", 2, True), ("array", "contains", "['a','b']", "a", True),
    ("object", "notEmpty", '{"a":1}', "", True), ("object", "notEmpty", "{a: 1}", "", True), ("object", "empty", "{}", "", True),
    ("dateTime", "after", "2024-01-02", "2024-01-01T00:00:00Z", True),
]


@pytest.mark.parametrize(("kind", "operation", "left", "right", "expected"), LOOSE_CASES)
def test_loose_conversions(kind: str, operation: str, left: Any, right: Any, expected: bool) -> None:
    right_type = {"lengthEquals": "number", "contains": "any"}.get(operation)
    operator: dict[str, Any] = {"rightType": right_type} if right_type else {}
    operator["singleValue"] = operation in ("empty", "notEmpty")
    assert check(kind, operation, left, right, operator=operator, typeValidation="loose") is expected


@pytest.mark.parametrize(
    ("left", "version_1", "version_2"),
    [
        (True, True, True), (False, False, False), ("true", True, True), ("false", True, False), ("FALSE", True, False),
        ("0", True, False), ("1", True, True), ("abc", True, True), ("", False, False), (0, False, False),
        (1, True, True), (2, True, True), ([], True, False),
    ],
)
def test_loose_boolean_coercion_by_filter_version(left: Any, version_1: bool, version_2: bool) -> None:
    op = {"singleValue": True}
    assert check("boolean", "true", left, operator=op, typeValidation="loose", version=1) is version_1
    assert check("boolean", "true", left, operator=op, typeValidation="loose", version=2) is version_2


def test_version_3_treats_empty_strings_as_empty_numbers() -> None:
    assert check("number", "empty", "", operator={"singleValue": True}, typeValidation="loose", version=3)
    assert not check("number", "empty", "", operator={"singleValue": True}, typeValidation="loose", version=2)


# --- case sensitivity and regex -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "left", "right"),
    [("equals", "ABC", "abc"), ("contains", "Hello", "ELL"), ("startsWith", "Hello", "hE"),
     ("endsWith", "Hello", "LO"), ("regex", "ABC", "^abc$"), ("regex", "ABC", "/^abc$/")],
)
def test_case_insensitive_string_operations(operation: str, left: str, right: str) -> None:
    assert check("string", operation, left, right, caseSensitive=False)
    assert not check("string", operation, left, right, caseSensitive=True)


def test_case_insensitive_array_contains() -> None:
    op = {"rightType": "any"}
    assert check("array", "contains", ["Apple"], "apple", operator=op, caseSensitive=False)
    assert not check("array", "contains", ["Apple"], "apple", operator=op, caseSensitive=True)


@pytest.mark.parametrize(
    ("left", "pattern", "expected"),
    [("a\nc", "/a.c/s", True), ("a\nc", "/a.c/", False), ("a\nb", "/^b/m", True), ("xab", "/ab/y", False),
     ("abx", "/ab/y", True), ("2024-01", r"/(?<year>\d{4})-\d{2}/", True), ("a/b", "a/b", True)],
)
def test_regex_forms_and_flags(left: str, pattern: str, expected: bool) -> None:
    assert check("string", "regex", left, pattern) is expected


def test_invalid_regex_is_a_node_error() -> None:
    with pytest.raises(NodeOperationError, match="Invalid regular expression"):
        check("string", "regex", "abc", "(")


# --- combinators and options ------------------------------------------------------------------


def test_and_or_combinators() -> None:
    true, false = condition("number", "gt", 2, 1), condition("number", "gt", 1, 2)
    assert evaluate_filter(filter_value(true, true))
    assert not evaluate_filter(filter_value(true, false))
    assert evaluate_filter(filter_value(false, true, combinator="or"))
    assert not evaluate_filter(filter_value(false, false, combinator="or"))
    assert evaluate_filter(filter_value()) and not evaluate_filter(filter_value(combinator="or"))
    assert not evaluate_filter(filter_value(true, combinator="xor"))


def test_combinators_stop_at_the_first_decisive_condition() -> None:
    broken = condition("number", "gt", "x", 1)
    assert not evaluate_filter(filter_value(condition("number", "gt", 1, 2), broken))
    assert evaluate_filter(filter_value(condition("number", "gt", 2, 1), broken, combinator="or"))


def test_stored_options_without_keys_mean_loose_and_ignore_case() -> None:
    value = {"options": {"leftValue": ""}, "conditions": [condition("string", "equals", 5, "5")], "combinator": "and"}
    assert evaluate_filter(value, fallback=FilterOptions(strict=True))
    value["conditions"] = [condition("string", "equals", "A", "a")]
    assert evaluate_filter(value)


def test_fallback_options_apply_only_without_stored_options() -> None:
    value = {"conditions": [condition("string", "equals", 5, "5")], "combinator": "and"}
    with pytest.raises(FilterTypeError):
        evaluate_filter(value, fallback=FilterOptions(strict=True))
    assert evaluate_filter(value, fallback=FilterOptions(strict=False))


def test_a_value_that_is_not_a_filter_passes_when_truthy() -> None:
    assert evaluate_filter(True) and evaluate_filter({}) and not evaluate_filter(False)


def test_the_value_is_not_mutated() -> None:
    value = filter_value(condition("string", "equals", "ABC", "abc"), caseSensitive=False)
    snapshot = repr(value)
    evaluate_filter(value)
    assert repr(value) == snapshot


# --- JavaScript value rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [(1.0, "1"), (0.1, "0.1"), (-2.5, "-2.5"), (1e21, "1e+21"), (1e-7, "1e-7"), (0.000001, "0.000001"),
     (123456789012345680000.0, "123456789012345680000"), (1.5e300, "1.5e+300"), (float("inf"), "Infinity"), (NAN, "NaN")],
)
def test_numbers_print_as_in_javascript(number: float, text: str) -> None:
    assert js.number_to_string(number) == text


@pytest.mark.parametrize(
    ("value", "number"),
    [("", 0), ("  7 ", 7), ("0b101", 5), ("-Infinity", float("-inf")), ([], 0), ([4], 4), (None, 0), (True, 1)],
)
def test_to_number(value: Any, number: float) -> None:
    assert js.to_number(value) == number


@pytest.mark.parametrize("value", ["abc", "1_000", "inf", "nan", "-0x10", [1, 2], {}])
def test_to_number_nan(value: Any) -> None:
    assert js.is_nan(js.to_number(value))


def test_relational_comparison_with_null_and_strings() -> None:
    assert js.compare(None, 5, "<") and js.compare(None, None, ">=")
    assert js.compare("b", "a", ">") and js.compare("10", 9, ">") and not js.compare("abc", 1, ">")
