"""Sort: order items by fields, at random, or with a Python comparator (n8n `sort` v1)."""

from __future__ import annotations

from engine.errors import NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter

from .sort_code import PYTHON_COMPARATOR_EXAMPLE, sort_by_code
from .sort_ops import shuffled, sort_by_fields, sort_fields_from

SORT_FIELD = Group(
    "sortField",
    "Sort Field",
    (
        Parameter("fieldName", "Field Name", "string", default="", required=True, placeholder="e.g. id",
                  description="The field to sort by (dot notation reaches nested fields)"),
        Parameter("order", "Order", "options", default="ascending",
                  options=(Option("Ascending", "ascending"), Option("Descending", "descending")),
                  description="The order to sort by"),
    ),
)
SORT_TYPES = (Option("Simple", "simple"), Option("Random", "random"), Option("Code", "code"))


def sort_parameters(show: dict[str, tuple[object, ...]] | None = None) -> tuple[Parameter, ...]:
    """Sort's parameters; `show` adds display rules (the Item Lists node shows them per operation)."""
    base = dict(show or {})
    return (
        Parameter("type", "Type", "options", default="simple", options=SORT_TYPES,
                  description="How to order the items", show=base or None),
        Parameter("sortFieldsUi", "Fields To Sort By", "fixedCollection", default={}, multiple=True,
                  groups=(SORT_FIELD,), show={**base, "type": ("simple",)}),
        Parameter("pythonCode", "Code", "code", default=PYTHON_COMPARATOR_EXAMPLE,
                  description="Python comparator over the items a and b: negative puts a first, positive b",
                  show={**base, "type": ("code",)}, type_options={"language": "python", "rows": 10}),
        Parameter("options", "Options", "collection", default={}, show={**base, "type": ("simple",)},
                  fields=(Parameter("disableDotNotation", "Disable Dot Notation", "boolean", default=False,
                                    description="Whether to disallow referencing child fields using "
                                    "`parent.child` in the field name"),)),
    )


class Sort(NodeType):
    description = NodeDescription(
        name="knotwork.sort",
        display_name="Sort",
        group="transform",
        description="Change items order",
        versions=(1.0,),
        default_version=1.0,
        aliases=("n8n-nodes-base.sort",),
        search_aliases=("sort", "order", "rank", "shuffle", "random"),
        categories=("Core Nodes", "Data Transformation"),
        parameters=sort_parameters(),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        return [await sort_items(ctx, ctx.input_items)]


async def sort_items(ctx: ExecuteContext, items: list[Item]) -> list[Item]:
    """The items reordered per `type`, each still paired with its input position."""
    paired = [item.with_paired((index, 0)) for index, item in enumerate(items)]
    kind = ctx.param("type", 0, "simple")
    if kind == "random":
        return shuffled(paired)
    if kind == "simple":
        fields = sort_fields_from(ctx.param("sortFieldsUi", 0, {}))
        no_dots = bool(ctx.param("options.disableDotNotation", 0, False))
        return sort_by_fields(paired, fields, no_dots)
    if kind == "code":
        return await sort_by_code(ctx, paired)
    raise NodeOperationError(f"The sort type '{kind}' is not known", description="Use simple, random or code.")
