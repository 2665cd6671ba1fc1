"""Edit Fields (Set) v1 and v2: `values.{boolean,number,string}[]`, `keepOnlySet`, dot notation.

Values are written group by group (booleans, then numbers, then strings) whatever their order in
the JSON, as n8n does. v2 turns numeric strings into numbers; v1 keeps them as text. An entry
missing its name or value gets n8n's defaults ("propertyName", false / 0 / "").
"""

from __future__ import annotations

import math
from typing import Any

from engine.items import Item
from engine.node_api import ExecuteContext

from .dot_path import set_path
from .set_convert import js_to_number, js_truthy, number_value

VALUE_GROUPS: tuple[tuple[str, Any], ...] = (("boolean", False), ("number", 0), ("string", ""))


def execute_v1(ctx: ExecuteContext) -> list[list[Item]]:
    items = ctx.input_items or [Item({})]  # n8n runs v1/v2 once even without input
    output: list[Item] = []
    for index, item in enumerate(items):
        keep_only_set = bool(ctx.param("keepOnlySet", index, False))
        options = ctx.param("options", index, {}) or {}
        json: dict[str, Any] = {} if keep_only_set else dict(item.json)
        binary = dict(item.binary) if item.binary and not keep_only_set else None
        owned: set[int] = set()
        for group, default in VALUE_GROUPS:
            for entry in ctx.param(f"values.{group}", index, []) or []:
                name = str(entry.get("name", "propertyName"))
                value = _converted(group, entry.get("value", default), ctx.type_version)
                if options.get("dotNotation") is False:
                    json[name] = value
                else:
                    set_path(json, name, value, owned)
        output.append(Item(json, binary, (index, 0)))
    return [output]


def _converted(group: str, value: Any, version: float) -> Any:
    if group == "boolean":
        return js_truthy(value)
    if group == "number" and version >= 2 and isinstance(value, str):
        number = js_to_number(value)
        return value if math.isnan(number) else number_value(number)
    return value
