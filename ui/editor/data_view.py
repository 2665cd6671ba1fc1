"""Items as the node panel shows them: a table (columns = keys, nested values compact), the JSON, or a
schema (field names with types). Fields of the table header and of the schema can be dragged onto a
parameter, or clicked to insert into the parameter focused last; either writes `{{ $json.field }}`.

User data is always rendered as text (labels and table cells), never as HTML.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nicegui import ui

from .expression import FieldMapping, MappedField

PAGE_SIZE = 100
MODES = {"table": "Table", "json": "JSON", "schema": "Schema"}
_ROW_KEY = "__knotwork_row"
_IDENTIFIER_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")


# ---- pure helpers ------------------------------------------------------------------------------------


def item_json(item: Any) -> Any:
    """The json of an n8n item (`{"json": ...}`), or the value itself when it is a bare object."""
    if isinstance(item, Mapping) and isinstance(item.get("json"), Mapping):
        return item["json"]
    return item


def json_type(value: Any) -> str:
    """JSON's name for a value's type (what the schema view shows)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def compact(value: Any, limit: int = 80) -> str:
    """A value on one short line: strings as they are, everything else as compact JSON."""
    if isinstance(value, str):
        text = value
    elif value is None:
        text = "null"
    else:
        text = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    text = text.replace("\n", "⏎ ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_data(items: Sequence[Any], limit: int = PAGE_SIZE) -> tuple[list[str], list[dict[str, Any]]]:
    """(column keys in order of first appearance, rows of compact cell texts) of the first `limit` items."""
    columns: dict[str, None] = {}
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(items[:limit]):
        data = item_json(item)
        row: dict[str, Any] = {_ROW_KEY: index}
        if isinstance(data, Mapping):
            for key, value in data.items():
                columns.setdefault(str(key), None)
                row[str(key)] = compact(value)
        rows.append(row)
    return list(columns), rows


def field_expression(path: Sequence[str | int], node: str | None = None) -> str:
    """`{{ $json.a.b }}` for a field path; `$('Node').item.json...` when read from another node."""
    root = "$json" if node is None else f"$({json.dumps(node)}).item.json"
    parts = [root]
    for segment in path:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif segment and segment[0] in _IDENTIFIER_START and segment.replace("_", "a").isalnum() and segment.isascii():
            parts.append(f".{segment}")
        else:
            parts.append(f"[{json.dumps(segment, ensure_ascii=False)}]")
    return "{{ " + "".join(parts) + " }}"


@dataclass
class SchemaField:
    """One field of the items' merged shape."""

    path: tuple[str | int, ...]
    kind: str
    sample: str
    children: list[SchemaField] = field(default_factory=list)

    @property
    def name(self) -> str:
        last = self.path[-1]
        return f"[{last}]" if isinstance(last, int) else str(last)


def schema_of(items: Sequence[Any], limit: int = PAGE_SIZE, depth: int = 6) -> list[SchemaField]:
    """The fields of the first `limit` items merged by name (first non-null value gives the type);
    arrays show the fields of their first element."""
    return _merge_objects([item_json(item) for item in items[:limit]], (), depth)


def _merge_objects(objects: Sequence[Any], path: tuple[str | int, ...], depth: int) -> list[SchemaField]:
    values: dict[str, list[Any]] = {}
    for data in objects:
        if isinstance(data, Mapping):
            for key, value in data.items():
                values.setdefault(str(key), []).append(value)
    return [_field((*path, key), samples, depth) for key, samples in values.items()]


def _field(path: tuple[str | int, ...], samples: list[Any], depth: int) -> SchemaField:
    value = next((sample for sample in samples if sample is not None), None)
    kind = json_type(value)
    result = SchemaField(path, kind, "" if kind in ("object", "array") else compact(value, 40))
    if depth <= 1:
        return result
    if kind == "object":
        result.children = _merge_objects([s for s in samples if isinstance(s, Mapping)], path, depth - 1)
    elif kind == "array" and value:
        first = value[0]
        result.sample = f"{len(value)} item{'s' if len(value) != 1 else ''}"
        if isinstance(first, Mapping):
            result.children = _merge_objects([first], (*path, 0), depth - 1)
        else:
            result.children = [SchemaField((*path, 0), json_type(first), compact(first, 40))]
    return result


def format_size(size: int | None) -> str:
    if size is None:
        return "unknown size"
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"


def binary_entries(items: Sequence[Any], limit: int = PAGE_SIZE) -> list[tuple[int, str, str, str, str]]:
    """(item index, binary key, file name, mime type, size) of every binary entry shown."""
    entries = []
    for index, item in enumerate(items[:limit]):
        binary = item.get("binary") if isinstance(item, Mapping) else None
        for key, entry in (binary if isinstance(binary, Mapping) else {}).items():
            if not isinstance(entry, Mapping):
                continue
            entries.append((
                index,
                str(key),
                str(entry.get("fileName") or "(no file name)"),
                str(entry.get("mimeType") or "application/octet-stream"),
                _binary_size(entry),
            ))
    return entries


def _binary_size(entry: Mapping[str, Any]) -> str:
    stated = entry.get("fileSize")
    if isinstance(stated, str) and stated:
        return stated  # n8n stores a formatted size ("12.3 kB")
    if isinstance(stated, int | float) and not isinstance(stated, bool):
        return format_size(int(stated))
    data = entry.get("data")
    if isinstance(data, str) and not entry.get("id"):
        return format_size(len(data) * 3 // 4 - data[-2:].count("="))
    return format_size(None)


def count_text(total: int, shown: int) -> str:
    noun = "item" if total == 1 else "items"
    return f"{total} {noun}" if shown >= total else f"{total} {noun} (showing {shown})"


# ---- the widget ------------------------------------------------------------------------------------


class DataView(ui.column):
    """Items as table, JSON or schema, with item count, binary entries and "show more"."""

    def __init__(
        self,
        items: Sequence[Any],
        *,
        mapping: FieldMapping | None = None,
        source: str | None = None,
        mode: str = "table",
        marker: str = "data",
        page_size: int = PAGE_SIZE,
        on_mode: Callable[[str], None] | None = None,
    ) -> None:
        """`mapping` makes fields draggable/clickable into parameters; `source` is the node the items
        come from when expressions must name it (None: the items are this node's `$json`)."""
        super().__init__()
        self.classes("w-full gap-1")
        self.items = list(items)
        self.mode = mode if mode in MODES else "table"
        self._mapping = mapping
        self._source = source
        self._marker = marker
        self._page_size = page_size
        self._limit = page_size
        self._on_mode = on_mode
        with self:
            with ui.row().classes("w-full items-center justify-between no-wrap"):
                self.count = ui.label().classes("text-xs text-grey-7").mark(f"{marker}-count")
                ui.toggle(MODES, value=self.mode, on_change=lambda e: self._set_mode(e.value)).props(
                    "dense no-caps size=sm"
                ).mark(f"{marker}-mode")
            self.body = ui.column().classes("w-full gap-1")
        self.render()

    def set_items(self, items: Sequence[Any], *, source: str | None = None) -> None:
        self.items = list(items)
        self._source = source
        self._limit = self._page_size
        self.render()

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        if self._on_mode:
            self._on_mode(mode)
        self.render()

    def show_more(self) -> None:
        self._limit += self._page_size
        self.render()

    def render(self) -> None:
        shown = min(len(self.items), self._limit)
        self.count.text = count_text(len(self.items), shown)
        self.body.clear()
        with self.body:
            if not self.items:
                ui.label("No items").classes("text-grey-6 text-sm")
                return
            {"table": self._table, "json": self._json, "schema": self._schema}[self.mode]()
            self._binary()
            if shown < len(self.items):
                ui.button(f"Show {min(self._page_size, len(self.items) - shown)} more", on_click=self.show_more).props(
                    "flat dense no-caps"
                ).mark(f"{self._marker}-more")

    def _table(self) -> None:
        keys, rows = table_data(self.items, self._limit)
        columns = [{"name": key, "label": key, "field": key, "align": "left"} for key in keys]
        table = ui.table(columns=columns, rows=rows, row_key=_ROW_KEY).props(
            "dense flat bordered wrap-cells"
        ).classes("w-full").mark(f"{self._marker}-table")
        if self._mapping is not None:
            table.add_slot("header-cell", r"""
                <q-th :props="props" draggable="true" class="cursor-grab" title="Drag onto a parameter, or click to insert"
                    @dragstart="(e) => { e.dataTransfer.setData('text/plain', props.col.name); $parent.$emit('field_drag', props.col.name); }"
                    @click="() => $parent.$emit('field_pick', props.col.name)">{{ props.col.label }}</q-th>
            """)
            table.on("field_drag", lambda e: self._drag((str(e.args),)))
            table.on("field_pick", lambda e: self._pick((str(e.args),)))

    def _json(self) -> None:
        shown = [item_json(item) for item in self.items[: self._limit]]
        text = json.dumps(shown, indent=2, ensure_ascii=False, default=str)
        ui.label(text).classes("w-full whitespace-pre-wrap break-all font-mono text-xs").mark(f"{self._marker}-json")

    def _schema(self) -> None:
        with ui.column().classes("w-full gap-0").mark(f"{self._marker}-schema"):
            for schema_field in schema_of(self.items, self._limit):
                self._schema_row(schema_field, 0)

    def _schema_row(self, schema_field: SchemaField, depth: int) -> None:
        mapped = self._mapped(schema_field.path, schema_field.kind)
        dotted = ".".join(str(part) for part in schema_field.path)
        with ui.row().classes("items-center gap-2 no-wrap w-full hover:bg-grey-2 rounded") as row:
            row.style(f"padding-left: {depth * 16 + 4}px")
            ui.label(schema_field.kind).classes("text-[10px] uppercase text-grey-7 w-14 shrink-0")
            ui.label(schema_field.name).classes("font-medium text-sm")
            if schema_field.sample:
                ui.label(schema_field.sample).classes("text-xs text-grey-6 truncate")
        row.mark(f"{self._marker}-field:{dotted}")
        if self._mapping is not None:
            row.classes("cursor-grab").props('draggable="true"').tooltip("Drag onto a parameter, or click to insert")
            row.on(
                "dragstart",
                lambda _, p=schema_field.path, k=schema_field.kind: self._drag(p, k),
                js_handler=f"(e) => {{ e.dataTransfer.setData('text/plain', {json.dumps(mapped.expression)}); emit(); }}",
            )
            row.on("click", lambda _, p=schema_field.path, k=schema_field.kind: self._pick(p, k))
        for child in schema_field.children:
            self._schema_row(child, depth + 1)

    def _binary(self) -> None:
        entries = binary_entries(self.items, self._limit)
        if not entries:
            return
        with ui.column().classes("w-full gap-0 mt-1").mark(f"{self._marker}-binary"):
            ui.label("Binary").classes("text-xs font-semibold text-grey-8")
            for index, key, file_name, mime_type, size in entries:
                ui.label(f"Item {index + 1} · {key}: {file_name} ({mime_type}, {size})").classes("text-xs")

    def _mapped(self, path: Sequence[str | int], kind: str = "string") -> MappedField:
        name = next((str(part) for part in reversed(path) if isinstance(part, str)), "field")
        return MappedField(field_expression(path, self._source), name, kind)

    def _drag(self, path: Sequence[str | int], kind: str = "string") -> None:
        if self._mapping is not None:
            self._mapping.start_drag(self._mapped(path, kind))

    def _pick(self, path: Sequence[str | int], kind: str = "string") -> None:
        if self._mapping is not None and not self._mapping.insert(self._mapped(path, kind)):
            ui.notify("Click into a parameter first, then on the field to insert it", type="info")
