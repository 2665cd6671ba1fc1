"""Binary entries and text encodings shared by the file nodes."""

from __future__ import annotations

import base64

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import InMemoryBinaryStore, Services
from nodes.files.binary import (
    binary_entry,
    entry_bytes,
    extension_for,
    file_type_for,
    human_size,
    mime_type_for,
    require_binary,
)
from nodes.files.encodings import codec_name, decode_text, encode_text


def test_entry_from_a_path_splits_folder_name_and_types_it() -> None:
    entry = binary_entry(b"x" * 1045, "/srv/files/image.jpg")
    assert entry == {
        "mimeType": "image/jpeg",
        "fileType": "image",
        "directory": "/srv/files",
        "fileName": "image.jpg",
        "fileExtension": "jpg",
        "fileSize": "1.04 kB",
        "data": base64.b64encode(b"x" * 1045).decode(),
    }


def test_entry_without_name_sniffs_content_then_falls_back_to_text() -> None:
    png = binary_entry(b"\x89PNG\r\n\x1a\n....")
    assert (png["mimeType"], png["fileExtension"], "fileName" in png) == ("image/png", "png", False)
    plain = binary_entry(b"hello")
    assert (plain["mimeType"], plain["fileType"], plain["fileExtension"]) == ("text/plain", "text", "txt")


def test_given_mime_type_wins_over_the_name() -> None:
    entry = binary_entry(b"{}", "a.txt", "application/json")
    assert (entry["mimeType"], entry["fileType"], entry["fileExtension"]) == ("application/json", "json", "txt")


def test_sizes_mime_types_and_extensions() -> None:
    assert [human_size(n) for n in (28, 1045, 3070, 12_345_678)] == ["28 B", "1.04 kB", "3.07 kB", "12.3 MB"]
    assert mime_type_for("x.csv") == "text/csv" and mime_type_for("x.gz") == "application/gzip"
    assert mime_type_for("noext") is None
    assert extension_for("application/json; charset=utf-8") == "json"
    assert file_type_for("application/pdf") == "pdf" and file_type_for("application/zip") is None


def test_require_binary_names_the_missing_field_and_item() -> None:
    with pytest.raises(NodeOperationError) as raised:
        require_binary(Item({}, {"other": {"data": ""}}), "data", 3)
    assert "binary file 'data'" in raised.value.message and "[item 3]" in raised.value.message
    assert "'other'" in (raised.value.description or "") and raised.value.item_index == 3


async def test_entry_bytes_reads_inline_data_or_the_binary_store() -> None:
    assert await entry_bytes(None, {"data": base64.b64encode(b"abc").decode()}) == b"abc"
    store = InMemoryBinaryStore()
    key = await store.put(b"stored", "text/plain")
    assert await entry_bytes(Services(binary=store), {"id": key, "mimeType": "text/plain"}) == b"stored"
    with pytest.raises(NodeOperationError, match="no data"):
        await entry_bytes(Services(), {"mimeType": "text/plain"})


def test_encodings_by_n8n_names() -> None:
    assert codec_name("windows1256") == "cp1256" and codec_name("ucs2") == "utf-16-le"
    assert codec_name("ISO-8859-2") == "iso8859-2" and codec_name(None) == "utf-8"
    with pytest.raises(NodeOperationError, match="Unknown encoding 'klingon'"):
        codec_name("klingon")


def test_encode_replaces_unencodable_and_adds_bom_on_request() -> None:
    assert encode_text("Příliš", "windows1256") == b"P??li?"
    assert encode_text("a", "utf8", add_bom=True) == b"\xef\xbb\xbfa"
    assert encode_text("a", "ucs2", add_bom=True) == b"\xff\xfea\x00"
    assert encode_text("a", "utf16") == b"a\x00"  # no BOM unless asked, like iconv-lite


def test_decode_strips_bom_unless_told_not_to() -> None:
    assert decode_text(b"\xef\xbb\xbfhi") == "hi"
    assert decode_text(b"\xef\xbb\xbfhi", strip_bom=False) == "\ufeffhi"
    assert decode_text(b"caf\xe9", "latin1") == "café"
    assert decode_text(b"\xff", "utf8") == "\ufffd"
