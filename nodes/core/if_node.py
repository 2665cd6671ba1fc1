"""IF: route each item to the "true" or the "false" output by its conditions.

v1 uses the legacy per-type conditions (see conditions_legacy); v2+ uses the filter parameter
(see conditions). 2.1 moved "Convert types where required" out of the options; 2.2 switched the
filter to version 2 (stricter boolean coercion in loose mode).
"""

from __future__ import annotations

from typing import Any

from engine.errors import ExecutionCanceled, NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, NodeDescription, NodeType, Option, Parameter

from .conditions import ENABLE_LESS_STRICT_TYPE_VALIDATION, FilterOptions, evaluate_filter
from .conditions_legacy import evaluate_legacy, legacy_conditions_parameter

V1 = {"@version": (1.0,)}
V2_ALL = {"@version": (2.0, 2.1, 2.2)}
V2_0 = {"@version": (2.0,)}
V2_1_ON = {"@version": (2.1, 2.2)}

LOOSE_DESCRIPTION = (
    "If the type of an expression doesn't match the type of the comparison, n8n will try to cast the "
    'expression to the required type. E.g. for booleans <code>"false"</code> or <code>0</code> will be '
    "cast to <code>false</code>"
)
IGNORE_CASE = Parameter("ignoreCase", "Ignore Case", "boolean", default=True,
                        description="Whether to ignore letter case when evaluating conditions")


def loose_type_validation(default: bool, show: dict[str, tuple[Any, ...]]) -> Parameter:
    """IF v2 and Switch v3 offer this option under the same name, with their own default."""
    return Parameter("looseTypeValidation", "Convert types where required", "boolean", default=default,
                     description=LOOSE_DESCRIPTION, show=show)


def filter_parameters() -> tuple[Parameter, ...]:
    """The v2+ parameters of IF and Filter: conditions, looseTypeValidation, options."""
    return (
        Parameter("conditions", "Conditions", "filter", default={}, placeholder="Add Condition", show=V2_ALL),
        Parameter(
            "looseTypeValidation",
            "Convert types where required",
            "boolean",
            default=False,
            description=LOOSE_DESCRIPTION,
            show=V2_1_ON,
        ),
        Parameter(
            "options",
            "Options",
            "collection",
            default={},
            placeholder="Add option",
            show=V2_ALL,
            fields=(
                IGNORE_CASE,
                loose_type_validation(default=True, show=V2_0),
            ),
        ),
    )


def is_loose(ctx: ExecuteContext, item_index: int, options: dict[str, Any]) -> bool:
    """Whether "Convert types where required" is on: an option before 2.1, a parameter since."""
    if ctx.type_version < 2.1:
        return bool(options.get("looseTypeValidation"))
    return bool(ctx.param("looseTypeValidation", item_index, False))


def timezone_of(ctx: ExecuteContext) -> str:
    return str(getattr(ctx.services, "default_timezone", None) or "UTC")


def evaluate_item(ctx: ExecuteContext, item_index: int) -> bool:
    """Evaluate the v2+ `conditions` for one item. Raises NodeError with the item index set."""
    options = ctx.param("options", item_index, {}) or {}
    loose = is_loose(ctx, item_index, options)
    fallback = FilterOptions(
        case_sensitive=not options.get("ignoreCase", False),
        strict=not loose,
        version=2 if ctx.type_version >= 2.2 else 1,
    )
    try:
        value = ctx.param("conditions", item_index, {})
        return evaluate_filter(value, item_index, fallback=fallback, timezone=timezone_of(ctx))
    except NodeError as error:
        raise item_error(error, item_index, strict=not loose) from None


def item_error(error: NodeError, item_index: int, *, strict: bool) -> NodeError:
    """The error as n8n reports it: naming the item, with a hint in strict mode."""
    if strict and not error.description:
        error.description = ENABLE_LESS_STRICT_TYPE_VALIDATION
    if error.item_index is None:
        error.item_index = item_index
    return error


def route_items(ctx: ExecuteContext) -> tuple[list[Item], list[Item]]:
    """Split the input into (passing, failing) items with the v2+ filter. With continue-on-fail
    an item whose evaluation fails counts as failing; otherwise the error is raised."""
    passing: list[Item] = []
    failing: list[Item] = []
    for index, item in enumerate(ctx.input_items):
        try:
            passed = evaluate_item(ctx, index)
        except ExecutionCanceled:
            raise
        except Exception as error:
            if not ctx.continue_on_fail:
                if isinstance(error, NodeError):
                    if error.item_index is None:
                        error.item_index = index
                    raise
                raise NodeOperationError(str(error), item_index=index) from error
            failing.append(item)
            continue
        (passing if passed else failing).append(item)
    return passing, failing


def route_items_legacy(
    ctx: ExecuteContext, combine_parameter: str, default: str, modes: dict[str, str]
) -> tuple[list[Item], list[Item]]:
    """Split the input with the v1 conditions; `modes` maps the combine parameter's values to
    "all"/"any". Errors are raised for the executor to handle (n8n's v1 nodes have no per-item
    continue-on-fail)."""
    passing: list[Item] = []
    failing: list[Item] = []
    for index, item in enumerate(ctx.input_items):
        combine = modes.get(str(ctx.param(combine_parameter, index, default)), "")
        try:
            passed = evaluate_legacy(ctx.param("conditions", index, {}), combine, timezone=timezone_of(ctx))
        except NodeError as error:
            if error.item_index is None:
                error.item_index = index
            raise
        (passing if passed else failing).append(item)
    return passing, failing


class If(NodeType):
    description = NodeDescription(
        name="knotwork.if",
        display_name="If",
        group="transform",
        description="Route items to different branches (true/false)",
        versions=(1.0, 2.0, 2.1, 2.2),
        default_version=2.2,
        outputs=2,
        output_names=("true", "false"),
        aliases=("n8n-nodes-base.if",),
        search_aliases=("router", "filter", "condition", "logic", "boolean", "branch"),
        categories=("Core Nodes", "Flow"),
        icon="fa:map-signs",
        parameters=(
            legacy_conditions_parameter(V1),
            Parameter(
                "combineOperation",
                "Combine",
                "options",
                default="all",
                show=V1,
                options=(
                    Option("ALL", "all", 'Only if all conditions are met it goes into "true" branch'),
                    Option("ANY", "any", 'If any of the conditions is met it goes into "true" branch'),
                ),
                description="If multiple rules got set this settings decides if it is true as soon as ANY "
                "condition matches or only if ALL get meet",
            ),
            *filter_parameters(),
        ),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if ctx.type_version < 2:
            passing, failing = route_items_legacy(
                ctx, "combineOperation", "all", {"all": "all", "any": "any"}
            )
        else:
            passing, failing = route_items(ctx)
        return [passing, failing]
