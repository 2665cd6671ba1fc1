"""Switch v3, 3.1 and 3.2: route items by rules (filter conditions) or by an output index.

Rules mode: `rules.values[]` holds `{conditions (filter), renameOutput, outputKey}`; an item goes to
the first rule that matches (or every matching rule with `options.allMatchingOutputs`), else to the
fallback output (`options.fallbackOutput`: "none", "extra" for an added last output, or a rule
index). Conditions use the same filter engine as IF v2+ (see conditions). 3.1 moved "Convert types
where required" out of the options; 3.2 switched the filter to version 2.

Expression mode: `numberOutputs` outputs and an `output` expression giving the index per item.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Group, Option, Parameter

from .conditions import FilterOptions, evaluate_filter
from .if_node import IGNORE_CASE, LOOSE_DESCRIPTION, item_error, loose_type_validation, timezone_of
from .set_convert import js_to_number

V3 = (3.0, 3.1, 3.2)
V3_0 = (3.0,)
V3_1_ON = (3.1, 3.2)
RULES = {"mode": ("rules",)}

# n8n's default: one rule whose empty condition ('' equals '') matches every item.
DEFAULT_RULES: dict[str, Any] = {
    "values": [
        {
            "conditions": {
                "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict"},
                "conditions": [
                    {"leftValue": "", "rightValue": "", "operator": {"type": "string", "operation": "equals"}}
                ],
                "combinator": "and",
            }
        }
    ]
}


def v3_parameters() -> tuple[Parameter, ...]:
    """The v3.x form: mode, expression-mode fields, rules, looseTypeValidation and options."""
    return (
        Parameter(
            "numberOutputs",
            "Number of Outputs",
            "number",
            default=4,
            description="How many outputs to create",
            show={"mode": ("expression",), "@version": V3},
        ),
        Parameter(
            "output",
            "Output Index",
            "number",
            default=0,
            description="The output index to send the input item to. Use an expression to calculate "
            "which input item should be routed to which output. The expression must return a number.",
            show={"mode": ("expression",), "@version": V3},
        ),
        Parameter(
            "rules",
            "Routing Rules",
            "fixedCollection",
            default=DEFAULT_RULES,
            placeholder="Add Routing Rule",
            multiple=True,
            show={**RULES, "@version": V3},
            type_options={"sortable": True},
            groups=(
                Group(
                    "values",
                    "Values",
                    (
                        Parameter("conditions", "Conditions", "filter", default={}),
                        Parameter(
                            "renameOutput", "Rename Output", "boolean", default=False
                        ),
                        Parameter(
                            "outputKey",
                            "Output Name",
                            "string",
                            default="",
                            description="The label of output to which to send data to if rule matches",
                            show={"renameOutput": (True,)},
                        ),
                    ),
                ),
            ),
        ),
        Parameter(
            "looseTypeValidation",
            "Convert types where required",
            "boolean",
            default=False,
            description=LOOSE_DESCRIPTION,
            show={**RULES, "@version": V3_1_ON},
        ),
        Parameter(
            "options",
            "Options",
            "collection",
            default={},
            placeholder="Add option",
            show={**RULES, "@version": V3},
            fields=_option_fields(),
        ),
    )


def _option_fields() -> tuple[Parameter, ...]:
    return (
        Parameter(
            "fallbackOutput",
            "Fallback Output",
            "options",
            default="none",
            description="If no rule matches the item will be sent to this output, by default they "
            "will be ignored. A rule's index (0, 1, ...) sends them to that rule's output.",
            options=(
                Option("None (default)", "none", "Items will be ignored"),
                Option("Extra Output", "extra", "Items will be sent to the extra, separate, output"),
            ),
        ),
        Parameter(
            "renameFallbackOutput",
            "Rename Fallback Output",
            "string",
            default="",
            placeholder="e.g. Fallback",
            show={"fallbackOutput": ("extra",)},
        ),
        IGNORE_CASE,
        loose_type_validation(default=False, show={"@version": V3_0}),
        Parameter(
            "allMatchingOutputs",
            "Send data to all matching outputs",
            "boolean",
            default=False,
            description="Whether to send data to all outputs meeting conditions (and not just the first one)",
        ),
    )


# --- outputs ----------------------------------------------------------------------------------


def v3_output_names(parameters: dict[str, Any]) -> list[str]:
    """The outputs n8n's configuredOutputs builds from the stored parameters."""
    if parameters.get("mode") == "expression":
        return [str(index) for index in range(whole_count(parameters.get("numberOutputs"), 4))]
    names = [rule_name(rule, index) for index, rule in enumerate(rule_list(parameters))]
    stored = parameters.get("options")
    options: dict[str, Any] = stored if isinstance(stored, dict) else {}
    if options.get("fallbackOutput") == "extra":
        names.append(str(options.get("renameFallbackOutput") or "Fallback"))
    return names


def rule_list(parameters: dict[str, Any]) -> list[Any]:
    rules = parameters.get("rules", DEFAULT_RULES)
    values = rules.get("values") if isinstance(rules, dict) else None
    return values if isinstance(values, list) else []


def rule_name(rule: Any, index: int) -> str:
    if isinstance(rule, dict) and rule.get("renameOutput") is not False and rule.get("outputKey"):
        return str(rule["outputKey"])
    return str(index)


def whole_count(value: Any, default: int) -> int:
    """An output count as stored; expressions and junk fall back to `default`."""
    if isinstance(value, bool):
        return default
    if isinstance(value, (int, float)) and value >= 0:
        return int(value)
    return default


# --- execution --------------------------------------------------------------------------------


def execute_v3(ctx: ExecuteContext, output_count: int) -> list[list[Item]]:
    """Route every input item. Raises NodeError naming the item unless continue-on-fail is on."""
    outputs: list[list[Item]] = [[] for _ in range(max(output_count, 1))]
    mode = ctx.param("mode", 0, "rules")
    for index, item in enumerate(ctx.input_items):
        paired = item.with_paired((index, 0))
        try:
            targets = _expression_target(ctx, index, output_count) if mode == "expression" else _rule_targets(ctx, index)
        except NodeError as error:
            if not ctx.continue_on_fail:
                if error.item_index is None:
                    error.item_index = index
                raise
            outputs[0].append(Item({"error": error.message}, paired=(index, 0)))
            continue
        for target in targets:
            outputs[target].append(paired)
    return outputs


def output_index(value: Any, count: int, item_index: int) -> int:
    """A routed-to output index, checked the way n8n's checkIndexRange does."""
    number = js_to_number(value)
    if number != number or number != int(number):  # NaN or a fraction
        raise NodeOperationError(
            f"The output index '{value}' is not a whole number", item_index=item_index,
            description=f"It has to be between 0 and {count - 1}",
        )
    index = int(number)
    if index == count:
        raise NodeOperationError(
            f"The output {index} is not allowed", item_index=item_index,
            description=f"Output indexes are zero based, if you want to use the extra output use {index - 1}",
        )
    if index < 0 or index > count:
        raise NodeOperationError(
            f"The output {index} is not allowed", item_index=item_index,
            description=f"It has to be between 0 and {count - 1}",
        )
    return index


def _expression_target(ctx: ExecuteContext, index: int, count: int) -> list[int]:
    return [output_index(ctx.param("output", index), count, index)]


def _rule_targets(ctx: ExecuteContext, index: int) -> list[int]:
    """The outputs one item goes to in rules mode (empty: dropped)."""
    stored = ctx.param("rules", index, DEFAULT_RULES)  # absent: n8n's default rule
    rules = stored.get("values") if isinstance(stored, dict) else None
    if not isinstance(rules, list) or not rules:
        return []
    options = ctx.param("options", index, {}) or {}
    loose = _is_loose(ctx, index, options)
    fallback = FilterOptions(
        case_sensitive=not options.get("ignoreCase", True),
        strict=not loose,
        version=2 if ctx.type_version >= 3.2 else 1,
    )
    matched: list[int] = []
    for rule_index, rule in enumerate(rules):
        conditions = rule.get("conditions", {}) if isinstance(rule, dict) else {}
        try:
            passed = evaluate_filter(conditions, index, fallback=fallback, timezone=timezone_of(ctx))
        except NodeError as error:
            raise item_error(error, index, strict=not loose) from None
        if passed:
            matched.append(rule_index)
            if not options.get("allMatchingOutputs"):
                break
    return matched or _fallback_target(options.get("fallbackOutput", "none"), len(rules), index)


def _fallback_target(fallback: Any, rule_count: int, item_index: int) -> list[int]:
    if fallback in (None, "", "none"):
        return []
    if fallback == "extra":
        return [rule_count]
    return [output_index(fallback, rule_count, item_index)]


def _is_loose(ctx: ExecuteContext, index: int, options: dict[str, Any]) -> bool:
    if ctx.type_version < 3.1:
        return bool(options.get("looseTypeValidation"))
    return bool(ctx.param("looseTypeValidation", index, False))
