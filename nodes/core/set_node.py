"""Edit Fields (Set): add, change or remove item fields (n8n `set`, versions 1 to 3.4).

v1/v2 (set_v1) write typed `values`; v3.0–3.2 write `fields.values` entries; v3.3+ write an
assignment collection; every v3 version also has a raw JSON mode (set_v3).
"""

from __future__ import annotations

from engine.items import Item
from engine.node_api import ExecuteContext, Group, NodeDescription, NodeType, Option, Parameter

from .set_v1 import execute_v1
from .set_v3 import DEFAULT_JSON_OUTPUT, execute_v3

V_LEGACY = (1.0, 2.0)
V_FIELDS = (3.0, 3.1, 3.2)
V_ASSIGNMENTS = (3.3, 3.4)
V_ALL3 = V_FIELDS + V_ASSIGNMENTS


def _name_field() -> Parameter:
    return Parameter(
        "name", "Name", "string", default="propertyName", description='Supports dot-notation, e.g. "data.person[0].name"'
    )


LEGACY_PARAMETERS = (
    Parameter(
        "keepOnlySet",
        "Keep Only Set",
        "boolean",
        default=False,
        description="Whether only the values set on this node are kept and all others removed",
        show={"@version": V_LEGACY},
    ),
    Parameter(
        "values",
        "Values to Set",
        "fixedCollection",
        default={},
        multiple=True,
        show={"@version": V_LEGACY},
        groups=(
            Group("boolean", "Boolean", (_name_field(), Parameter("value", "Value", "boolean", default=False))),
            Group("number", "Number", (_name_field(), Parameter("value", "Value", "number", default=0))),
            Group("string", "String", (_name_field(), Parameter("value", "Value", "string", default=""))),
        ),
    ),
    Parameter(
        "options",
        "Options",
        "collection",
        default={},
        show={"@version": V_LEGACY},
        fields=(Parameter("dotNotation", "Dot Notation", "boolean", default=True),),
    ),
)

FIELD_TYPES = (
    Option("String", "stringValue"),
    Option("Number", "numberValue"),
    Option("Boolean", "booleanValue"),
    Option("Array", "arrayValue"),
    Option("Object", "objectValue"),
)

FIELDS_GROUP = Group(
    "values",
    "Values",
    (
        Parameter("name", "Name", "string", default="", placeholder="e.g. fieldName"),
        Parameter("type", "Type", "options", default="stringValue", options=FIELD_TYPES),
        Parameter("stringValue", "Value", "string", default="", show={"type": ("stringValue",)}),
        Parameter("numberValue", "Value", "string", default="", show={"type": ("numberValue",)}),
        Parameter(
            "booleanValue",
            "Value",
            "options",
            default="true",
            options=(Option("True", "true"), Option("False", "false")),
            show={"type": ("booleanValue",)},
        ),
        Parameter("arrayValue", "Value", "string", default="", show={"type": ("arrayValue",)}),
        Parameter("objectValue", "Value", "json", default="={}", show={"type": ("objectValue",)}),
    ),
)

INCLUDE_OPTIONS = (
    Option("All Input Fields", "all"),
    Option("No Input Fields", "none"),
    Option("Selected Input Fields", "selected"),
    Option("All Input Fields Except", "except"),
)

V3_PARAMETERS = (
    Parameter(
        "mode",
        "Mode",
        "options",
        default="manual",
        options=(Option("Manual Mapping", "manual"), Option("JSON", "raw")),
        show={"@version": V_ALL3},
    ),
    Parameter("duplicateItem", "Duplicate Item", "boolean", default=False, show={"@version": V_ALL3}),
    Parameter(
        "duplicateCount",
        "Duplicate Item Count",
        "number",
        default=0,
        description="How many times the item is duplicated (manual runs only), for testing",
        show={"duplicateItem": (True,), "@version": V_ALL3},
        type_options={"min": 0},
    ),
    Parameter(
        "jsonOutput",
        "JSON Output",
        "json",
        default=DEFAULT_JSON_OUTPUT,
        show={"mode": ("raw",), "@version": V_ALL3},
        type_options={"rows": 5},
    ),
    Parameter(
        "fields",
        "Fields to Set",
        "fixedCollection",
        default={},
        multiple=True,
        groups=(FIELDS_GROUP,),
        show={"mode": ("manual",), "@version": V_FIELDS},
    ),
    Parameter(
        "assignments",
        "Fields to Set",
        "assignmentCollection",
        default={},
        show={"mode": ("manual",), "@version": V_ASSIGNMENTS},
    ),
    Parameter(
        "includeOtherFields",
        "Include Other Input Fields",
        "boolean",
        default=False,
        description="Whether to pass to the output all the input fields (along with the fields set)",
        show={"@version": V_ASSIGNMENTS},
    ),
    Parameter("include", "Include in Output", "options", default="all", options=INCLUDE_OPTIONS, show={"@version": V_FIELDS}),
    Parameter(
        "include",
        "Input Fields to Include",
        "options",
        default="all",
        options=tuple(option for option in INCLUDE_OPTIONS if option.value != "none"),
        show={"includeOtherFields": (True,), "@version": V_ASSIGNMENTS},
    ),
    Parameter(
        "includeFields",
        "Fields to Include",
        "string",
        default="",
        placeholder="e.g. fieldToInclude1,fieldToInclude2",
        show={"include": ("selected",), "@version": V_ALL3},
    ),
    Parameter(
        "excludeFields",
        "Fields to Exclude",
        "string",
        default="",
        placeholder="e.g. fieldToExclude1,fieldToExclude2",
        show={"include": ("except",), "@version": V_ALL3},
    ),
    Parameter(
        "options",
        "Options",
        "collection",
        default={},
        show={"@version": V_ALL3},
        fields=(
            Parameter("includeBinary", "Include Binary File", "boolean", default=True, show={"@version": V_FIELDS + (3.3,)}),
            Parameter("stripBinary", "Strip Binary Data", "boolean", default=True, show={"@version": (3.4,)}),
            Parameter(
                "ignoreConversionErrors",
                "Ignore Type Conversion Errors",
                "boolean",
                default=False,
                description="Whether to ignore field type errors and apply a less strict type conversion",
            ),
            Parameter(
                "dotNotation",
                "Support Dot Notation",
                "boolean",
                default=True,
                description='"a.b" sets b inside a ({"a": {"b": value}}); off, it sets the key "a.b"',
            ),
        ),
    ),
)


class SetNode(NodeType):
    description = NodeDescription(
        name="knotwork.set",
        display_name="Edit Fields (Set)",
        group="transform",
        description="Modify, add, or remove item fields",
        versions=V_LEGACY + V_ALL3,
        default_version=3.4,
        parameters=LEGACY_PARAMETERS + V3_PARAMETERS,
        aliases=("n8n-nodes-base.set",),
        search_aliases=("set", "edit", "fields", "json", "transform", "rename"),
        categories=("Core Nodes", "Data Transformation"),
    )

    async def execute(self, ctx: ExecuteContext) -> list[list[Item]]:
        if ctx.type_version < 3:
            return execute_v1(ctx)
        return execute_v3(ctx)
