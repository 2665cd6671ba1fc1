"""Edit Fields (Set) v3.0–3.4: manual fields/assignments or raw JSON, as n8n's SetV2 class runs them.

Per item: read `include`/`options`, build the new fields (manual: typed conversion with n8n's error
messages; raw: parse `jsonOutput`), then compose the output json from the input (all / none /
selected / except) and write the new fields with or without dot notation. Input json is never
mutated: containers are copied only where a field is written (see dot_path).
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

from engine.errors import ExecutionCanceled, NodeError, NodeOperationError
from engine.items import Item
from engine.node_api import ExecuteContext

from .dot_path import MISSING, get_path, sanitize_key, set_path, unset_path
from .set_convert import js_json, js_string, js_to_number, parse_json, validate_field_type, value_description

DEFAULT_JSON_OUTPUT = '{\n  "my_field_1": "value",\n  "my_field_2": 1\n}'
FIELD_DEFAULTS = {"stringValue": "", "numberValue": "", "booleanValue": "true", "arrayValue": "", "objectValue": "{}"}
_RESOLVABLE = re.compile(r"\{\{[\s\S]*?\}\}")
_RECOVER_KEYS = re.compile(r"""(['"])?([a-zA-Z0-9_]+)(['"])?:""")
_RECOVER_TRAILING = re.compile(r",\s*([\]}])")


@dataclass(frozen=True)
class SetOptions:
    include: str
    dot_notation: bool
    ignore_conversion_errors: bool
    include_binary: bool


def read_options(ctx: ExecuteContext, item_index: int, version: float) -> SetOptions:
    """The per-item include mode and options; `includeOtherFields: false` (v3.3+) means "none"."""
    include = ctx.param("include", item_index, "all")
    if version >= 3.3 and not ctx.param("includeOtherFields", item_index, False):
        include = "none"
    options = ctx.param("options", item_index, {}) or {}
    if version >= 3.4:
        include_binary = not options.get("stripBinary") and include != "none"
    else:
        include_binary = bool(options.get("includeBinary"))
    return SetOptions(
        include=include,
        dot_notation=options.get("dotNotation") is not False,
        ignore_conversion_errors=bool(options.get("ignoreConversionErrors")),
        include_binary=include_binary,
    )


def execute_v3(ctx: ExecuteContext) -> list[list[Item]]:
    version = ctx.type_version
    mode = ctx.param("mode", 0, "manual")
    raw_json = _raw_template(ctx.raw_param("jsonOutput", None)) if mode == "raw" else None
    raw_objects = _raw_object_fields(ctx) if mode != "raw" and version < 3.3 else {}
    copies = 1
    if ctx.param("duplicateItem", 0, False) and ctx.mode == "manual":
        count = js_to_number(ctx.param("duplicateCount", 0, 0))
        copies += int(count) if math.isfinite(count) and count > 0 else 0

    output: list[Item] = []
    for index, item in enumerate(ctx.input_items):
        options = read_options(ctx, index, version)
        new_item = _run_item(ctx, index, item, options, mode, raw_json, raw_objects)
        output.append(new_item)
        output.extend(Item(copy.deepcopy(new_item.json), new_item.binary, new_item.paired) for _ in range(copies - 1))
    return [output]


def _run_item(
    ctx: ExecuteContext,
    index: int,
    item: Item,
    options: SetOptions,
    mode: str,
    raw_json: str | None,
    raw_objects: dict[str, str],
) -> Item:
    """One output item, or `{"error": message}` when the node continues on failure."""
    try:
        if mode == "raw":
            if raw_json is None:
                data = ctx.param("jsonOutput", index, DEFAULT_JSON_OUTPUT)
            else:
                data = resolve_raw_data(ctx, raw_json, index, "jsonOutput")
            new_fields = parse_json_parameter(data, index)
        elif ctx.type_version >= 3.3:
            new_fields = _assignment_fields(ctx, index, options)
        else:
            new_fields = _legacy_fields(ctx, index, options, raw_objects)
        return compose_item(ctx, index, item, new_fields, options)
    except ExecutionCanceled:
        raise
    except Exception as error:  # n8n turns any per-item failure into an error item
        failure = error if isinstance(error, NodeError) else NodeOperationError(str(error))
        if ctx.continue_on_fail:
            return Item({"error": failure.message}, paired=(index, 0))
        if failure.item_index is None:
            failure.item_index = index
        if failure is error:
            raise
        raise failure from error


def _assignment_fields(ctx: ExecuteContext, index: int, options: SetOptions) -> dict[str, Any]:
    collection = ctx.param("assignments", index, {}) or {}
    fields: dict[str, Any] = {}
    for assignment in collection.get("assignments") or []:
        name = js_string(assignment.get("name", ""))
        field_type = assignment.get("type") or "string"
        fields[name] = validate_entry(
            name, field_type, assignment.get("value"), index, options.ignore_conversion_errors, ctx.type_version
        )
    return fields


def _legacy_fields(ctx: ExecuteContext, index: int, options: SetOptions, raw_objects: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for entry in ctx.param("fields.values", index, []) or []:
        name = js_string(entry.get("name", ""))
        entry_type = entry.get("type") or "stringValue"
        value = entry.get(entry_type, FIELD_DEFAULTS.get(entry_type))
        if entry_type == "objectValue" and name in raw_objects and value is not None:
            value = parse_json_parameter(resolve_raw_data(ctx, raw_objects[name], index, "fields"), index, name)
        fields[name] = validate_entry(
            name, entry_type.replace("Value", ""), value, index, options.ignore_conversion_errors, ctx.type_version
        )
    return fields


def validate_entry(name: str, field_type: str, value: Any, index: int, ignore_errors: bool, version: float) -> Any:
    """Convert one field to its declared type; raises NodeOperationError with n8n's wording."""
    if version >= 3.2 and value is None:
        return None
    description = (
        f'To fix the error try to change the type for the field "{name}" or activate the option '
        "“Ignore Type Conversion Errors” to apply a less strict type validation"
    )
    if field_type == "string":
        if version > 3 and value is None:
            if ignore_errors:
                return None
            raise NodeOperationError(
                f"'{name}' expects a string but we got {value_description(value)} [item {index}]",
                description=description,
            )
        value = js_json(value) if value is None or isinstance(value, (dict, list)) else js_string(value)
    valid, converted, message = validate_field_type(name, value, field_type)
    if not valid:
        if ignore_errors:
            return value
        raise NodeOperationError(f"{message} [item {index}]", description=description, item_index=index)
    return converted


def compose_item(ctx: ExecuteContext, index: int, item: Item, new_fields: dict[str, Any], options: SetOptions) -> Item:
    """The output item: the kept input fields (per `include`) with the new fields written over them."""
    owned: set[int] = set()
    dot = options.dot_notation
    if options.include == "all":
        json: dict[str, Any] = dict(item.json)
    elif options.include == "none":
        json = {}
    elif options.include == "selected":
        json = {}
        for key in _field_list(ctx.param("includeFields", index, "")):
            value = get_path(item.json, key) if dot else item.json.get(sanitize_key(item.json, key), MISSING)
            if value is MISSING:
                continue
            target = key.split(".")[-1] if dot and "." in key else key
            _write(json, target, value, dot, owned)
    elif options.include == "except":
        json = dict(item.json)
        for key in _field_list(ctx.param("excludeFields", index, "")):
            if dot:
                unset_path(json, key, owned)
            else:
                json.pop(sanitize_key(json, key), None)
    else:
        raise NodeOperationError(f'The include option "{options.include}" is not known!')
    for key, value in new_fields.items():
        _write(json, key, value, dot, owned)
    binary = dict(item.binary) if options.include_binary and item.binary else None
    return Item(json, binary, (index, 0))


def _write(json: dict[str, Any], key: str, value: Any, dot: bool, owned: set[int]) -> None:
    if dot:
        set_path(json, key, value, owned)
    else:
        json[sanitize_key(json, key)] = value


def _field_list(value: Any) -> list[str]:
    return [part.strip() for part in js_string(value).split(",") if part.strip()]


def parse_json_parameter(data: Any, index: int, entry_name: str | None = None) -> dict[str, Any]:
    """A JSON object from text (with n8n's quote/trailing-comma recovery) or an object as is."""
    location = f"entry \"{entry_name}\" inside 'Fields to Set'" if entry_name else "'JSON Output'"
    result = data
    if isinstance(data, str):
        try:
            result = parse_json(data)
        except ValueError:
            recovered = data.replace("'", '"')
            recovered = _RECOVER_TRAILING.sub(r"\1", _RECOVER_KEYS.sub(r'"\2":', recovered)).rstrip(",")
            try:
                result = parse_json(recovered)
            except ValueError:
                description = data if recovered == data else f"{recovered};\n Original input: {data}"
                raise NodeOperationError(
                    f"The {location} in item {index} contains invalid JSON", description=description
                ) from None
    if not isinstance(result, dict):
        raise NodeOperationError(f"The {location} in item {index} does not contain a valid JSON object")
    return result


def _raw_template(raw: Any) -> str | None:
    """The expression text of a `=...` parameter (n8n strips every leading `=`), else None."""
    return raw.lstrip("=") if isinstance(raw, str) and raw.startswith("=") else None


def _raw_object_fields(ctx: ExecuteContext) -> dict[str, str]:
    raw_fields = ctx.raw_param("fields", {}) or {}
    raw_entries = raw_fields.get("values") if isinstance(raw_fields, dict) else None
    templates: dict[str, str] = {}
    for entry in raw_entries if isinstance(raw_entries, list) else []:
        if not isinstance(entry, dict) or entry.get("type") != "objectValue":
            continue
        template = _raw_template(entry.get("objectValue"))
        if template is not None:
            templates[js_string(entry.get("name", ""))] = template
    return templates


def resolve_raw_data(ctx: ExecuteContext, template: str, index: int, parameter: str) -> str:
    """Evaluate each `{{ }}` of a JSON template; objects are inserted as JSON, the rest as text."""
    result = template
    for match in _RESOLVABLE.finditer(template):
        resolvable = match.group(0)
        value = ctx.evaluate(f"={resolvable}", index, parameter)
        text = js_json(value) if isinstance(value, (dict, list)) else js_string(value)
        result = _replace_first(result, resolvable, text)
    return result


def _replace_first(haystack: str, needle: str, replacement: str) -> str:
    """JS `String.prototype.replace(string, string)`, including its `$$ $& $\\` $'` patterns."""
    at = haystack.find(needle)
    if at < 0:
        return haystack
    before, after = haystack[:at], haystack[at + len(needle) :]
    patterns = {"$$": "$", "$&": needle, "$`": before, "$'": after}
    expanded = re.sub(r"\$[$&`']", lambda m: patterns[m.group(0)], replacement)
    return before + expanded + after
