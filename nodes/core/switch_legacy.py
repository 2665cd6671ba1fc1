"""Switch v1 and v2: the legacy data-type rules (n8n SwitchV1 / SwitchV2).

Rules mode compares `value1` (of type `dataType`: boolean, dateTime, number or string) with each
rule's `value2` using the rule's `operation` (the comparisons of IF v1, see conditions_legacy); an
item goes to the first matching rule only, else to `fallbackOutput` (-1: dropped).

v1 has four fixed outputs and each rule names its `output` (0-3). v2 has one output per rule
(named by its `outputKey`), plus an extra "Fallback" output when `fallbackOutput` is "extra";
its expression mode has `outputsAmount` outputs.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Group, Option, Parameter

from . import conditions_js as js
from .conditions_legacy import DEFAULTS, STRING_OPS, compare_legacy, date_millis
from .if_node import timezone_of
from .switch_v3 import output_index, whole_count

V1 = (1.0,)
V2 = (2.0,)
V1_V2 = (1.0, 2.0)
V1_OUTPUTS = 4
DATA_TYPES = (("Boolean", "boolean"), ("Date & Time", "dateTime"), ("Number", "number"), ("String", "string"))
_VALUE_TYPES = {"boolean": "boolean", "dateTime": "dateTime", "number": "number", "string": "string"}
_OPERATIONS = {
    "boolean": (("Equal", "equal"), ("Not Equal", "notEqual")),
    "dateTime": (("Occurred After", "after"), ("Occurred Before", "before")),
    "number": (
        ("Smaller", "smaller"),
        ("Smaller Equal", "smallerEqual"),
        ("Equal", "equal"),
        ("Not Equal", "notEqual"),
        ("Larger", "larger"),
        ("Larger Equal", "largerEqual"),
    ),
    "string": STRING_OPS[:-2],  # n8n's Switch has no isEmpty/isNotEmpty for strings
}


def legacy_parameters() -> tuple[Parameter, ...]:
    """The v1/v2 form: expression-mode fields, dataType, value1, rules and fallbackOutput."""
    expression = {"mode": ("expression",)}
    rules = {"mode": ("rules",)}
    return (
        Parameter(
            "outputsAmount",
            "Outputs Amount",
            "number",
            default=4,
            description="Amount of outputs to create",
            show={**expression, "@version": V2},
        ),
        Parameter(
            "output",
            "Output",
            "number",
            default=0,
            description="The index of output to which to send data to",
            show={**expression, "@version": V1_V2},
            type_options={"min": 0},
        ),
        Parameter(
            "dataType",
            "Data Type",
            "options",
            default="number",
            options=tuple(Option(name, value) for name, value in DATA_TYPES),
            description="The type of data to route on",
            show={**rules, "@version": V1_V2},
        ),
        *(_value1(data_type) for _, data_type in DATA_TYPES),
        *(_rules(data_type, version) for _, data_type in DATA_TYPES for version in V1_V2),
        Parameter(
            "fallbackOutput",
            "Fallback Output",
            "options",
            default=-1,
            options=(Option("None", -1), *(Option(str(i), i) for i in range(V1_OUTPUTS))),
            description="The output to which to route all items which do not match any of the rules",
            show={**rules, "@version": V1},
        ),
        Parameter(
            "fallbackOutput",
            "Fallback Output",
            "options",
            default=-1,
            options=(
                Option("None", -1),
                Option("Extra Output", "extra", "Items will be sent to the extra, separate, output"),
            ),
            description="The output to which to route all items which do not match any of the rules "
            "(or a rule's index)",
            show={**rules, "@version": V2},
        ),
    )


def _value1(data_type: str) -> Parameter:
    return Parameter(
        "value1",
        "Value 1",
        _VALUE_TYPES[data_type],  # type: ignore[arg-type]
        default=DEFAULTS[data_type]["value1"],
        description="The value to compare with the first one",
        show={"mode": ("rules",), "dataType": (data_type,), "@version": V1_V2},
    )


def _rules(data_type: str, version: float) -> Parameter:
    target = (
        Parameter("output", "Output", "number", default=0, description="The index of output to which "
                  "to send data to if rule matches", type_options={"min": 0, "max": V1_OUTPUTS - 1})
        if version == 1.0
        else Parameter("outputKey", "Output Key", "string", default="",
                       description="The label of output to which to send data to if rule matches")
    )
    fields = (
        Parameter("operation", "Operation", "options", default=DEFAULTS[data_type]["operation"],
                  options=tuple(Option(name, value) for name, value in _OPERATIONS[data_type])),
        Parameter("value2", "Value 2", _VALUE_TYPES[data_type], default=DEFAULTS[data_type]["value2"],  # type: ignore[arg-type]
                  description="The value to compare with the first one"),
        target,
    )
    return Parameter(
        "rules",
        "Routing Rules",
        "fixedCollection",
        default={},
        placeholder="Add Routing Rule",
        multiple=True,
        groups=(Group("rules", "Rules", fields),),
        show={"mode": ("rules",), "dataType": (data_type,), "@version": (version,)},
    )


# --- outputs ----------------------------------------------------------------------------------


def legacy_output_names(parameters: dict[str, Any], version: float) -> list[str]:
    if version < 2:
        return [str(index) for index in range(V1_OUTPUTS)]
    if parameters.get("mode", "rules") == "expression":
        return [str(index) for index in range(whole_count(parameters.get("outputsAmount"), 4))]
    rules = parameters.get("rules")
    entries = rules.get("rules") if isinstance(rules, dict) else None
    names = [
        str(rule.get("outputKey") or index) if isinstance(rule, dict) else str(index)
        for index, rule in enumerate(entries if isinstance(entries, list) else [])
    ]
    if parameters.get("fallbackOutput") == "extra":
        names.append("Fallback")
    return names


# --- execution --------------------------------------------------------------------------------


def execute_legacy(ctx: ExecuteContext, output_count: int) -> list[list[Item]]:
    """Route every input item (v1/v2). With continue-on-fail a failing item becomes
    `{"error": message}` on output 0; otherwise NodeError is raised naming the item."""
    outputs: list[list[Item]] = [[] for _ in range(max(output_count, 1))]
    for index, item in enumerate(ctx.input_items):
        try:
            targets = _targets(ctx, index, output_count)
        except NodeError as error:
            if not ctx.continue_on_fail:
                if error.item_index is None:
                    error.item_index = index
                raise
            outputs[0].append(Item({"error": error.message}, paired=(index, 0)))
            continue
        for target in targets:
            outputs[target].append(item.with_paired((index, 0)))
    return outputs


def _targets(ctx: ExecuteContext, index: int, count: int) -> list[int]:
    if ctx.param("mode", index, "rules") == "expression":
        return [output_index(ctx.param("output", index, 0), count, index)]
    rules = ctx.param("rules.rules", index, [])
    if not isinstance(rules, list) or not rules:
        return []
    data_type = str(ctx.param("dataType", 0, "number"))
    defaults = DEFAULTS.get(data_type)
    if defaults is None:
        raise NodeOperationError(f"The data type '{data_type}' is not known", item_index=index)
    zone = js.zone_named(timezone_of(ctx))
    value1 = ctx.param("value1", index, defaults["value1"])
    if data_type == "dateTime":
        value1 = date_millis(value1, zone)
    for rule_index, raw in enumerate(rules):
        rule = {**defaults, "output": 0, **(raw if isinstance(raw, dict) else {})}
        value2 = date_millis(rule["value2"], zone) if data_type == "dateTime" else rule["value2"]
        if compare_legacy(str(rule["operation"]), value1, value2):
            target = rule["output"] if ctx.type_version < 2 else rule_index
            return [output_index(target, count, index)]
    return _fallback(ctx.param("fallbackOutput", index, -1), count, index)


def _fallback(fallback: Any, count: int, index: int) -> list[int]:
    if fallback in (None, -1, "-1", ""):
        return []
    if fallback == "extra":
        return [count - 1]
    return [output_index(fallback, count, index)]
