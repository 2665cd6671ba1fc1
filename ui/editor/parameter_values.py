"""The pure half of the parameter form: what a node's form shows and what gets stored, the way n8n
and the engine do. Display rules compare against stored values over the defaults (engine.context fills
defaults the same way), hidden parameters are dropped, values equal to their default are omitted
(collections are kept, as n8n keeps `"options": {}`), keys the description does not know are kept as
imported. Also the value rules of filter conditions and assignments. No NiceGUI here (ui.editor.parameters
is the widget).
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from engine.expressions import is_expression
from engine.node_api import Parameter
from engine.node_api import effective_values as engine_effective_values

MISSING: Any = object()
EXPRESSION_TYPES = frozenset({"string", "number", "boolean", "options", "multiOptions", "json", "dateTime", "color"})
TEXT_TYPES = frozenset({"string", "json", "code", "dateTime", "color"})

# ---- visibility and storage ----------------------------------------------------------------------


def version_visible(parameter: Parameter, version: float) -> bool:
    """Visibility by the `@version` rules alone (the parameter exists in this version)."""
    if parameter.show and "@version" in parameter.show and version not in parameter.show["@version"]:
        return False
    return not (parameter.hide and "@version" in parameter.hide and version in parameter.hide["@version"])


def effective_values(parameters: Sequence[Parameter], values: Any, version: float) -> dict[str, Any]:
    """What display rules compare against: stored values over the defaults of this version's
    parameters (n8n omits defaults when it saves; engine.context reads them back the same way)."""
    return engine_effective_values(list(parameters), values, version)


def visible_parameters(parameters: Sequence[Parameter], values: Any, version: float) -> list[Parameter]:
    """The parameters shown for these values, in order; of same-named variants, the visible one."""
    effective = effective_values(parameters, values, version)
    shown: list[Parameter] = []
    names: set[str] = set()
    for parameter in parameters:
        if parameter.name not in names and parameter.visible(effective, version):
            shown.append(parameter)
            names.add(parameter.name)
    return shown


def same_value(a: Any, b: Any) -> bool:
    """Equality that keeps `False != 0` and `1 == 1.0` (JSON has one number type)."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b
    return type(a) is type(b) and a == b


def clean_parameters(parameters: Sequence[Parameter], values: Mapping[str, Any], version: float) -> dict[str, Any]:
    """The parameters as n8n stores them: visible ones only, defaults omitted (collections kept, as
    `{}` when empty), nested entries cleaned the same way, unknown keys kept. Never mutates `values`."""
    known = {parameter.name for parameter in parameters}
    result: dict[str, Any] = {}
    for parameter in visible_parameters(parameters, values, version):
        if parameter.type == "notice":
            continue
        if parameter.name in values:
            value = clean_value(parameter, values[parameter.name], version)
            if parameter.type == "collection" or not same_value(value, parameter.default):
                result[parameter.name] = value
        elif parameter.type == "collection" and not parameter.multiple:
            result[parameter.name] = {}
    for key, value in values.items():
        if key not in known:
            result[key] = copy.deepcopy(value)
    return result


def clean_value(parameter: Parameter, value: Any, version: float) -> Any:
    """One parameter's value cleaned for storage (containers rebuilt, never shared)."""
    if is_expression(value):
        return value
    if parameter.type == "fixedCollection" and isinstance(value, Mapping):
        return _clean_fixed_collection(parameter, value, version)
    if parameter.type == "collection":
        if parameter.multiple and isinstance(value, list):
            return [_clean_collection(parameter, entry, version) for entry in value if isinstance(entry, Mapping)]
        if isinstance(value, Mapping):
            return _clean_collection(parameter, value, version)
    return copy.deepcopy(value)


def _clean_fixed_collection(parameter: Parameter, value: Mapping[str, Any], version: float) -> dict[str, Any]:
    groups = {group.name: group for group in parameter.groups}
    result: dict[str, Any] = {}
    for key, entries in value.items():
        group = groups.get(key)
        if group is None:
            result[key] = copy.deepcopy(entries)
        elif parameter.multiple and isinstance(entries, list):
            cleaned = [clean_parameters(group.fields, e, version) for e in entries if isinstance(e, Mapping)]
            if cleaned:
                result[key] = cleaned
        elif isinstance(entries, Mapping):
            result[key] = clean_parameters(group.fields, entries, version)
    return result


def _clean_collection(parameter: Parameter, value: Mapping[str, Any], version: float) -> dict[str, Any]:
    """Options the user added stay, even at their default; options hidden by display rules go."""
    known = {field.name for field in parameter.fields}
    shown = {field.name: field for field in visible_parameters(parameter.fields, value, version)}
    result: dict[str, Any] = {}
    for key, child in value.items():
        if key in shown:
            result[key] = clean_value(shown[key], child, version)
        elif key not in known:
            result[key] = copy.deepcopy(child)
    return result


# ---- validation and fixed/expression switching ---------------------------------------------------


def plain_text(text: str) -> str:
    """Descriptions may carry n8n's inline HTML (`<code>`); the form shows them as plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _format_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def validate(parameter: Parameter, value: Any) -> str | None:
    """The message shown next to a field, or None. Expressions are checked by their preview."""
    if is_expression(value):
        return None
    name = parameter.display_name
    if parameter.required and (value is None or value == "" or value == []):
        return f"{name} is required"
    kind = parameter.type
    if kind == "number" and value not in (None, ""):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} must be a number"
        low, high = parameter.type_options.get("min"), parameter.type_options.get("max")
        if low is not None and value < low:
            return f"{name} must be at least {_format_number(low)}"
        if high is not None and value > high:
            return f"{name} must be at most {_format_number(high)}"
    if kind == "json" and isinstance(value, str) and value.strip():
        try:
            json.loads(value)
        except json.JSONDecodeError as error:
            return f"Invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    if kind == "dateTime" and isinstance(value, str) and value.strip():
        try:
            dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return f"{name} is not a date and time (e.g. 2024-05-31T14:30:00)"
    if kind == "options" and parameter.options and value not in [option.value for option in parameter.options]:
        return f"{value!r} is not one of the options of {name}"
    return None


def to_expression(value: Any) -> str:
    """A fixed value as n8n's expression text: strings keep their text, others become `{{ literal }}`."""
    if is_expression(value):
        return str(value)
    if value is None:
        return "="
    if isinstance(value, str):
        return "=" + value
    return "={{ " + json.dumps(value, ensure_ascii=False) + " }}"


def to_fixed(parameter: Parameter, expression: Any, evaluate: Callable[[str], tuple[bool, Any]] | None = None) -> Any:
    """An expression back as a fixed value: its text when it has no `{{ }}`, else its current result
    when that fits the parameter's type, else the default."""
    if not is_expression(expression):
        return coerce_fixed(parameter, expression)
    body = str(expression)[1:]
    if "{{" not in body:
        return coerce_fixed(parameter, body)
    ok, value = evaluate(expression) if evaluate else (False, None)
    return coerce_fixed(parameter, value if ok else MISSING)


def coerce_fixed(parameter: Parameter, value: Any) -> Any:
    """A value converted to what the parameter's fixed input holds (the default when it cannot be)."""
    kind = parameter.type
    if value is MISSING or value is None:
        return "" if kind in TEXT_TYPES else parameter.default
    if kind == "number":
        number = parse_number(value)
        return parameter.default if number is None else number
    if kind == "boolean":
        parsed = parse_boolean(value)
        return parameter.default if parsed is None else parsed
    if kind == "options":
        values = [option.value for option in parameter.options]
        matches = [v for v in values if v == value or str(v) == str(value)]
        return matches[0] if matches else parameter.default
    if kind == "multiOptions":
        values = [option.value for option in parameter.options]
        return [v for v in value if v in values] if isinstance(value, list) else parameter.default
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, dict | list) else str(value)


def parse_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() and abs(value) < 2**53 else value
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def parse_boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return {"true": True, "false": False, "1": True, "0": False}.get(text)


def path_key(path: Sequence[str | int]) -> str:
    """`assignments.assignments[0].value`: a parameter path as text (markers, error labels)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# ---- filter conditions and assignments -------------------------------------------------------------

FILTER_OPERATORS: dict[str, tuple[tuple[str, str], ...]] = {
    "string": (
        ("exists", "exists"), ("notExists", "does not exist"), ("empty", "is empty"),
        ("notEmpty", "is not empty"), ("equals", "is equal to"), ("notEquals", "is not equal to"),
        ("contains", "contains"), ("notContains", "does not contain"), ("startsWith", "starts with"),
        ("notStartsWith", "does not start with"), ("endsWith", "ends with"),
        ("notEndsWith", "does not end with"), ("regex", "matches regex"), ("notRegex", "does not match regex"),
    ),
    "number": (
        ("exists", "exists"), ("notExists", "does not exist"), ("empty", "is empty"),
        ("notEmpty", "is not empty"), ("equals", "is equal to"), ("notEquals", "is not equal to"),
        ("gt", "is greater than"), ("lt", "is less than"), ("gte", "is greater than or equal to"),
        ("lte", "is less than or equal to"),
    ),
    "dateTime": (
        ("exists", "exists"), ("notExists", "does not exist"), ("empty", "is empty"),
        ("notEmpty", "is not empty"), ("equals", "is equal to"), ("notEquals", "is not equal to"),
        ("after", "is after"), ("before", "is before"), ("afterOrEquals", "is after or equal to"),
        ("beforeOrEquals", "is before or equal to"),
    ),
    "boolean": (
        ("exists", "exists"), ("notExists", "does not exist"), ("empty", "is empty"),
        ("notEmpty", "is not empty"), ("true", "is true"), ("false", "is false"),
        ("equals", "is equal to"), ("notEquals", "is not equal to"),
    ),
    "array": (
        ("exists", "exists"), ("notExists", "does not exist"), ("empty", "is empty"),
        ("notEmpty", "is not empty"), ("contains", "contains"), ("notContains", "does not contain"),
        ("lengthEquals", "length equal to"), ("lengthNotEquals", "length not equal to"),
        ("lengthGt", "length greater than"), ("lengthLt", "length less than"),
        ("lengthGte", "length greater than or equal to"), ("lengthLte", "length less than or equal to"),
    ),
    "object": (
        ("exists", "exists"), ("notExists", "does not exist"), ("empty", "is empty"), ("notEmpty", "is not empty"),
    ),
}
SINGLE_VALUE_OPERATIONS = frozenset({"exists", "notExists", "empty", "notEmpty", "true", "false"})
_TYPE_LABELS = {"string": "String", "number": "Number", "dateTime": "Date & Time", "boolean": "Boolean",
                "array": "Array", "object": "Object"}
OPERATOR_CHOICES = {
    f"{kind}:{operation}": f"{_TYPE_LABELS[kind]}: {label}"
    for kind, operations in FILTER_OPERATORS.items()
    for operation, label in operations
}
ASSIGNMENT_TYPES = {"string": "String", "number": "Number", "boolean": "Boolean", "array": "Array", "object": "Object"}


def operator_value(kind: str, operation: str) -> dict[str, Any]:
    """n8n's stored operator: `{type, operation, singleValue?, rightType?}`."""
    operator: dict[str, Any] = {"type": kind, "operation": operation}
    if operation in SINGLE_VALUE_OPERATIONS:
        operator["singleValue"] = True
    if kind == "array" and operation in ("contains", "notContains"):
        operator["rightType"] = "any"
    elif kind == "array" and operation.startswith("length"):
        operator["rightType"] = "number"
    return operator


def new_condition() -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "leftValue": "", "rightValue": "",
            "operator": {"type": "string", "operation": "equals"}}


def filter_options(parameters: Mapping[str, Any], version: float) -> dict[str, Any]:
    """The `options` n8n's filter editor stores, from the node's Ignore Case / Convert Types settings."""
    options = parameters.get("options")
    options = options if isinstance(options, Mapping) else {}
    loose = options.get("looseTypeValidation") if version < 2.1 else parameters.get("looseTypeValidation")
    return {
        "caseSensitive": options.get("ignoreCase") is not True,
        "leftValue": "",
        "typeValidation": "loose" if loose is True else "strict",
        "version": 2 if version >= 2.2 else 1,
    }


def new_filter(parameters: Mapping[str, Any], version: float) -> dict[str, Any]:
    return {"conditions": [new_condition()], "combinator": "and", "options": filter_options(parameters, version)}


def coerce_side(value: Any, kind: str) -> Any:
    """A fixed condition value typed for its operator (n8n stores `5`, not `"5"`, for numbers)."""
    if not isinstance(value, str) or is_expression(value):
        return value
    if kind == "number":
        number = parse_number(value) if value.strip() else None
        return value if number is None else number
    if kind == "boolean":
        parsed = {"true": True, "false": False}.get(value.strip().lower())
        return value if parsed is None else parsed
    return value


def new_assignment(name: str = "", value: Any = "", kind: str = "string") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "name": name, "value": value, "type": kind}


def assignment_parameter(kind: str) -> Parameter:
    """The input an assignment's value uses for its type."""
    types = {"number": "number", "boolean": "boolean", "array": "json", "object": "json"}
    default: Any = {"number": 0, "boolean": False}.get(kind, "")
    return Parameter("value", "Value", types.get(kind, "string"), default=default, placeholder="value")  # type: ignore[arg-type]


def coerce_assignment(value: Any, kind: str) -> Any:
    if is_expression(value):
        return value
    if kind == "number":
        number = parse_number(value) if value not in (None, "") else None
        return value if number is None else number
    if kind == "boolean":
        parsed = parse_boolean(value) if value not in (None, "") else None
        return False if parsed is None else parsed
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value) if not isinstance(value, str) else value


def kind_of(json_kind: str) -> str:
    return json_kind if json_kind in ASSIGNMENT_TYPES else "string"


def display_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
