"""The form of Merge's combine modes (v2 `combine`, v3 `combine` and `combineBySql`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.node_api import Group, Option, Parameter

V2 = (2.0, 2.1)
V3 = (3.0, 3.1, 3.2)

JOIN_MODES = (
    Option("Keep Matches", "keepMatches", "Items that match, merged together (inner join)"),
    Option("Keep Non-Matches", "keepNonMatches", "Items that don't match"),
    Option("Keep Everything", "keepEverything", "Items that match merged together, plus items that don't match (outer join)"),
    Option("Enrich Input 1", "enrichInput1", "All of input 1, with data from input 2 added in (left join)"),
    Option("Enrich Input 2", "enrichInput2", "All of input 2, with data from input 1 added in (right join)"),
)
V2_CLASH = (
    Option("Always Add Input Number to Field Names", "addSuffix"),
    Option("Prefer Input 1 Version", "preferInput1"),
    Option("Prefer Input 2 Version", "preferInput2"),
)
V3_CLASH = (
    Option("Always Add Input Number to Field Names", "addSuffix"),
    Option("Prefer Last Input Version", "preferLast", "With two inputs: prefer input 2"),
    *(Option(f"Prefer Input {number} Version", f"preferInput{number}") for number in range(1, 11)),
)
DEFAULT_FIELDS = {"values": [{"field1": "", "field2": ""}]}


def _field_pairs(show: Mapping[str, tuple[Any, ...]]) -> Parameter:
    return Parameter(
        "mergeByFields",
        "Fields to Match",
        "fixedCollection",
        default=DEFAULT_FIELDS,
        placeholder="Add Fields to Match",
        multiple=True,
        description="Specify the fields to use for matching input items",
        show=show,
        groups=(
            Group(
                "values",
                "Values",
                (
                    Parameter("field1", "Input 1 Field", "string", default="", placeholder="e.g. id"),
                    Parameter("field2", "Input 2 Field", "string", default="", placeholder="e.g. id"),
                ),
            ),
        ),
    )


def _join_parameters(show: Mapping[str, tuple[Any, ...]]) -> tuple[Parameter, ...]:
    both = (Option("Both Inputs Merged Together", "both"), Option("Input 1", "input1"), Option("Input 2", "input2"))
    appended = (Option("Both Inputs Appended Together", "both"), Option("Input 1", "input1"), Option("Input 2", "input2"))
    return (
        Parameter("joinMode", "Output Type", "options", default="keepMatches", options=JOIN_MODES,
                  description="How to select the items to send to output", show=show),
        Parameter("outputDataFrom", "Output Data From", "options", default="both", options=both,
                  show={**show, "joinMode": ("keepMatches",)}),
        Parameter("outputDataFrom", "Output Data From", "options", default="both", options=appended,
                  show={**show, "joinMode": ("keepNonMatches",)}),
    )


def _clash_handling(resolve_options: tuple[Option, ...], default: str) -> Parameter:
    not_suffix = {"resolveClash": tuple(o.value for o in resolve_options if o.value != "addSuffix")}
    return Parameter(
        "clashHandling",
        "Clash Handling",
        "fixedCollection",
        default={"values": {"resolveClash": default, "mergeMode": "deepMerge", "overrideEmpty": False}},
        groups=(
            Group(
                "values",
                "Values",
                (
                    Parameter("resolveClash", "When Field Values Clash", "options", default=default,
                              options=resolve_options),
                    Parameter(
                        "mergeMode",
                        "Merging Nested Fields",
                        "options",
                        default="deepMerge",
                        options=(
                            Option("Deep Merge", "deepMerge", "Merge at every level of nesting"),
                            Option("Shallow Merge", "shallowMerge",
                                   "Merge at the top level only (all nested fields will come from the same input)"),
                        ),
                        show=not_suffix,
                    ),
                    Parameter(
                        "overrideEmpty",
                        "Minimize Empty Fields",
                        "boolean",
                        default=False,
                        description="Whether to override the preferred input version for a field if it is empty "
                        "and the other version isn't. Here 'empty' means undefined, null or an empty string.",
                        show=not_suffix,
                    ),
                ),
            ),
        ),
    )


DISABLE_DOT_NOTATION = Parameter(
    "disableDotNotation", "Disable Dot Notation", "boolean", default=False,
    description="Whether to disallow referencing child fields using `parent.child` in the field name",
)
FUZZY_COMPARE = Parameter(
    "fuzzyCompare", "Fuzzy Compare", "boolean", default=False,
    description="Whether to tolerate small type differences when comparing fields. E.g. the number 3 and the "
    "string '3' are treated as the same.",
)
INCLUDE_UNPAIRED = Parameter(
    "includeUnpaired", "Include Any Unpaired Items", "boolean", default=False,
    description="If there are different numbers of items in the inputs, whether to include the ones at the end "
    "with nothing to pair with",
)
MULTIPLE_MATCHES = Parameter(
    "multipleMatches", "Multiple Matches", "options", default="all",
    options=(
        Option("Include All Matches", "all", "Output multiple items if there are multiple matches"),
        Option("Include First Match Only", "first", "Only ever output a single item per match"),
    ),
)


def _options(show: Mapping[str, tuple[Any, ...]], *fields: Parameter) -> Parameter:
    return Parameter("options", "Options", "collection", default={}, placeholder="Add option", fields=fields, show=show)


def v2_combine_parameters() -> tuple[Parameter, ...]:
    combine = {"mode": ("combine",), "@version": V2}
    by_fields = {**combine, "combinationMode": ("mergeByFields",)}
    return (
        _field_pairs(by_fields),
        *_join_parameters(by_fields),
        _options(
            combine,
            _clash_handling(V2_CLASH, "preferInput2"),
            DISABLE_DOT_NOTATION,
            FUZZY_COMPARE,
            INCLUDE_UNPAIRED,
            MULTIPLE_MATCHES,
        ),
    )


def v3_combine_parameters() -> tuple[Parameter, ...]:
    combine = {"mode": ("combine",), "@version": V3}
    by_fields = {**combine, "combineBy": ("combineByFields",)}
    clash = _clash_handling(V3_CLASH, "preferLast")
    return (
        Parameter("advanced", "Fields To Match Have Different Names", "boolean", default=False,
                  description="Whether name(s) of field to match are different in input 1 and input 2",
                  show=by_fields),
        Parameter("fieldsToMatchString", "Fields to Match", "string", default="", placeholder="e.g. id, name",
                  description="Specify the fields to use for matching input items (comma-separated)",
                  show={**by_fields, "advanced": (False,)}),
        _field_pairs({**by_fields, "advanced": (True,)}),
        *_join_parameters(by_fields),
        _options(by_fields, clash, DISABLE_DOT_NOTATION, FUZZY_COMPARE, MULTIPLE_MATCHES),
        _options({**combine, "combineBy": ("combineByPosition",)}, clash, INCLUDE_UNPAIRED),
        _options({**combine, "combineBy": ("combineAll",)}, clash, FUZZY_COMPARE),
        Parameter(
            "query",
            "Query",
            "string",
            default="SELECT * FROM input1 LEFT JOIN input2 ON input1.name = input2.id",
            required=True,
            description="Input data available as tables with corresponding number, e.g. input1, input2 "
            "(SQLite dialect)",
            show={"mode": ("combineBySql",), "@version": V3},
            type_options={"rows": 5, "editor": "sqlEditor"},
        ),
        _options(
            {"mode": ("combineBySql",), "@version": (3.2,)},
            Parameter(
                "emptyQueryResult",
                "Empty Query Result",
                "options",
                default="empty",
                description="What to return if the query executed successfully but returned no results",
                options=(Option("Success", "success"), Option("Empty Result", "empty")),
            ),
        ),
    )
