"""Compression: zip and gzip both ways, per version, and the zip-bomb guard."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from engine.ports import FileAccess
from nodes.files.archive import Limits, gunzip
from nodes.files.compression import Compression

from .helpers import content_of, file_item, run

NODE = Compression()
LOREM = b"lorem ipsum dolor sit amet " * 40


def two_files() -> Item:
    item = file_item(LOREM, "lorem.txt", json={"id": 7})
    item.binary["photo"] = file_item(b"\xff\xd8\xff fake jpeg", "photo.jpg").binary["data"]
    return item


async def test_zip_roundtrip_keeps_names_and_json() -> None:
    # Given two files, when zipped and unzipped again, then both come back under file_0, file_1
    params = {"operation": "compress", "outputFormat": "zip", "binaryPropertyName": "data, photo",
              "fileName": "bundle.zip", "binaryPropertyOutput": "archive"}
    [zipped] = await run(NODE, params, [two_files()])
    entry = zipped.binary["archive"]
    assert (entry["fileName"], entry["mimeType"], entry["fileExtension"]) == ("bundle.zip", "application/zip", "zip")
    assert zipped.json == {"id": 7} and zipped.paired == (0, 0)
    with zipfile.ZipFile(io.BytesIO(content_of(zipped, "archive"))) as archive:
        methods = {info.filename: info.compress_type for info in archive.infolist()}
    assert methods == {"lorem.txt": zipfile.ZIP_DEFLATED, "photo.jpg": zipfile.ZIP_STORED}
    [unzipped] = await run(NODE, {"operation": "decompress", "binaryPropertyName": "archive"}, [zipped])
    assert unzipped.json == {"id": 7}
    assert unzipped.binary["file_0"]["fileName"] == "lorem.txt" and content_of(unzipped, "file_0") == LOREM
    assert unzipped.binary["file_1"]["mimeType"] == "image/jpeg"


async def test_gzip_v1_names_fields_with_the_prefix_and_dot_gzip() -> None:
    params = {"operation": "compress", "outputFormat": "gzip", "binaryPropertyName": "data,photo", "outputPrefix": "gz"}
    [out] = await run(NODE, params, [two_files()], version=1.0)
    assert out.binary["gz0"]["fileName"] == "lorem.gzip" and out.binary["gz1"]["fileName"] == "photo.gzip"
    assert gzip.decompress(content_of(out, "gz0")) == LOREM


async def test_gzip_v11_uses_output_field_and_file_name() -> None:
    params = {"operation": "compress", "outputFormat": "gzip", "binaryPropertyName": "data,photo",
              "binaryPropertyOutput": "out", "fileName": "custom.gz"}
    [out] = await run(NODE, params, [two_files()], version=1.1)
    assert out.binary["out"]["fileName"] == "custom.txt.gz" and out.binary["out1"]["fileName"] == "custom.jpg.gz"
    assert out.binary["out"]["mimeType"] == "application/gzip"
    [plain] = await run(NODE, {"operation": "compress", "outputFormat": "gzip"}, [file_item(LOREM, "a.txt")])
    assert plain.binary["data"]["fileName"] == "a.txt.gz"


async def test_gunzip_names_the_file_from_the_archive_name() -> None:
    item = file_item(gzip.compress(b"a,b\n1,2\n"), "report.csv.gz")
    [out] = await run(NODE, {"operation": "decompress", "outputPrefix": "x_"}, [item])
    entry = out.binary["x_0"]
    assert (entry["fileName"], entry["fileExtension"], entry["mimeType"]) == ("report.csv", "csv", "text/csv")
    [out] = await run(NODE, {"operation": "decompress"}, [file_item(gzip.compress(b"hi"), "notes.gz")])
    assert out.binary["file_0"]["fileName"] == "notes.txt"


async def test_decompress_detects_the_format_from_content_not_the_name() -> None:
    item = file_item(gzip.compress(b"hello"), "misnamed.bin", "application/octet-stream")
    [out] = await run(NODE, {"operation": "decompress"}, [item])
    assert content_of(out, "file_0") == b"hello"


async def test_decompress_skips_folders_and_macosx_copies() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("dir/", b"")
        archive.writestr("dir/a.txt", b"A")
        archive.writestr("__MACOSX/dir/._a.txt", b"junk")
    [out] = await run(NODE, {"operation": "decompress"}, [file_item(buffer.getvalue(), "x.zip")])
    assert list(out.binary) == ["file_0"]
    assert (out.binary["file_0"]["fileName"], out.binary["file_0"]["directory"]) == ("a.txt", "dir")


async def test_not_an_archive_or_missing_field_fails_clearly() -> None:
    with pytest.raises(NodeOperationError, match="neither a zip nor a gzip"):
        await run(NODE, {"operation": "decompress"}, [file_item(b"plain", "a.txt")])
    with pytest.raises(NodeOperationError, match="not a valid zip"):
        await run(NODE, {"operation": "decompress"}, [file_item(b"PK\x03\x04broken", "a.zip")])
    out = await run(NODE, {"operation": "decompress"}, [Item({}), file_item(gzip.compress(b"x"), "a.gz")],
                    continue_on_fail=True)
    assert "binary file 'data'" in out[0].json["error"] and out[0].paired == (0, 0)
    assert content_of(out[1], "file_0") == b"x"


# --- zip bombs ---------------------------------------------------------------------------------------

SMALL = FileAccess(max_decompressed_bytes=1_000_000, max_decompressed_entries=5)


def zip_bomb(size: int, lie: bool = False) -> bytes:
    """A zip whose one entry inflates to `size` zero bytes; `lie` rewrites its declared size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * size)
    data = bytearray(buffer.getvalue())
    if lie:  # declare 10 bytes in the local header and the central directory
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = data.find(signature)
            data[start + offset : start + offset + 4] = (10).to_bytes(4, "little")
    return bytes(data)


async def test_zip_bomb_over_the_size_limit_is_refused() -> None:
    bomb = zip_bomb(5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(NodeOperationError) as raised:
        await run(NODE, {"operation": "decompress"}, [file_item(bomb, "bomb.zip")], files=SMALL)
    assert "larger than" in raised.value.message and "KNOTWORK_MAX_DECOMPRESSED_MB" in raised.value.message


async def test_zip_lying_about_its_size_never_yields_more_than_declared() -> None:
    with pytest.raises(NodeOperationError):
        await run(NODE, {"operation": "decompress"}, [file_item(zip_bomb(5_000_000, lie=True), "bomb.zip")],
                  files=SMALL)


async def test_too_many_entries_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(6):
            archive.writestr(f"f{index}.txt", b"x")
    with pytest.raises(NodeOperationError, match="holds 6 files, more than 5.*KNOTWORK_MAX_DECOMPRESSED_ENTRIES"):
        await run(NODE, {"operation": "decompress"}, [file_item(buffer.getvalue(), "many.zip")], files=SMALL)


async def test_gzip_bomb_is_stopped_while_inflating() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    with pytest.raises(NodeOperationError, match="larger than"):
        await run(NODE, {"operation": "decompress"}, [file_item(bomb, "bomb.gz")], files=SMALL)


def test_gunzip_joins_members_and_rejects_truncated_data() -> None:
    limits = Limits(1000, 10)
    assert gunzip(gzip.compress(b"a") + gzip.compress(b"b"), limits) == b"ab"
    with pytest.raises(ValueError, match="ends too early"):
        gunzip(gzip.compress(b"abc" * 100)[:-12], limits)
