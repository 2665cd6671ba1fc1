"""Items as table, JSON and schema: compact cells, merged field types, binary entries, paging, and
fields that map into parameters as expressions."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from ui.editor.data_view import (
    DataView,
    binary_entries,
    compact,
    count_text,
    field_expression,
    schema_of,
    table_data,
)
from ui.editor.expression import FieldMapping

from .test_parameters import element, open_page

ITEMS = [
    {"json": {"id": 1, "name": "Ada", "tags": ["a", "b"], "address": {"city": "London"}}, "pairedItem": {"item": 0}},
    {"json": {"id": 2, "name": None, "active": True}},
]


def test_table_columns_follow_first_appearance_and_nested_values_are_compact() -> None:
    columns, rows = table_data(ITEMS)
    assert columns == ["id", "name", "tags", "address", "active"]
    assert rows[0]["tags"] == '["a","b"]'
    assert rows[0]["address"] == '{"city":"London"}'
    assert rows[1]["name"] == "null"
    assert "address" not in rows[1]


def test_compact_shortens_long_values_to_one_line() -> None:
    assert compact("a\nb") == "a⏎ b"
    assert len(compact("x" * 500)) == 80


def test_schema_merges_items_and_types_fields() -> None:
    fields = {f.name: f for f in schema_of(ITEMS)}
    assert fields["id"].kind == "number"
    assert fields["name"].kind == "string"  # the first non-null value decides
    assert fields["active"].kind == "boolean"
    assert fields["tags"].kind == "array" and fields["tags"].children[0].path == ("tags", 0)
    assert [child.name for child in fields["address"].children] == ["city"]
    assert fields["address"].children[0].path == ("address", "city")


def test_field_expressions() -> None:
    assert field_expression(("address", "city")) == "{{ $json.address.city }}"
    assert field_expression(("tags", 0)) == "{{ $json.tags[0] }}"
    assert field_expression(("first name",)) == '{{ $json["first name"] }}'
    assert field_expression(("id",), "Get Rows") == '{{ $("Get Rows").item.json.id }}'


def test_binary_entries_show_name_type_and_size() -> None:
    items = [
        {"json": {}, "binary": {"data": {"fileName": "report.pdf", "mimeType": "application/pdf", "fileSize": "12.3 kB"}}},
        {"json": {}, "binary": {"image": {"mimeType": "image/png", "data": "aGVsbG8="}}},
    ]
    assert binary_entries(items) == [
        (0, "data", "report.pdf", "application/pdf", "12.3 kB"),
        (1, "image", "(no file name)", "image/png", "5 B"),
    ]


def test_count_text() -> None:
    assert count_text(1, 1) == "1 item"
    assert count_text(250, 100) == "250 items (showing 100)"


async def test_modes_counts_and_show_more() -> None:
    items = [{"json": {"n": n}} for n in range(250)]

    def root() -> None:
        DataView(items, marker="data")

    async with open_page(root) as user:
        await user.should_see("250 items (showing 100)")
        table = element(user, "data-table")
        assert isinstance(table, ui.table) and len(table.rows) == 100
        user.find(marker="data-more").click()
        await user.should_see("250 items (showing 200)")
        with user:
            element(user, "data-mode").value = "json"
        assert '"n": 199' in element(user, "data-json").text
        with user:
            element(user, "data-mode").value = "schema"
        await user.should_see(marker="data-field:n")


async def test_user_data_is_text_and_binary_is_listed() -> None:
    items = [{"json": {"html": "<script>alert(1)</script>"},
              "binary": {"data": {"fileName": "<b>a.txt</b>", "mimeType": "text/plain", "fileSize": "1 kB"}}}]

    def root() -> None:
        DataView(items, marker="data", mode="json")

    async with open_page(root) as user:
        assert "<script>alert(1)</script>" in element(user, "data-json").text
        await user.should_see("Item 1 · data: <b>a.txt</b> (text/plain, 1 kB)")
        await user.should_not_see(kind=ui.html)


async def test_fields_are_dragged_or_clicked_into_parameters() -> None:
    mapping = FieldMapping()
    received: list[Any] = []

    def root() -> None:
        DataView(ITEMS, marker="data", mapping=mapping, mode="schema")
        DataView(ITEMS, marker="other", mapping=mapping, source="Read Sheet")

    async with open_page(root) as user:
        user.find(marker="data-field:address.city").trigger("dragstart")
        dragged = mapping.take()
        assert dragged is not None and dragged.expression == "{{ $json.address.city }}" and dragged.name == "city"
        user.find(marker="other-table").trigger("field_drag", "name")
        dragged = mapping.take()
        assert dragged is not None and dragged.expression == '{{ $("Read Sheet").item.json.name }}'
        mapping.focus(received.append)
        user.find(marker="data-field:id").click()
        assert received and received[0].expression == "{{ $json.id }}" and received[0].kind == "number"
