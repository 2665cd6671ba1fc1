"""Extract from File: every operation and option, on files made here or by Convert to File."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.files.convert_to_file import ConvertToFile
from nodes.files.extract_from_file import ExtractFromFile

from .helpers import file_item, run
from .pdf_fixture import make_pdf

NODE = ExtractFromFile()
CSV = b"name,age,city\nAnn,30,\nBo,,Rome\n\nCy,5,Oslo\n"


def jsons(items: list[Item]) -> list[object]:
    return [item.json for item in items]


async def test_csv_rows_are_strings_and_empty_cells_are_dropped() -> None:
    out = await run(NODE, {"operation": "csv"}, [file_item(CSV, "people.csv")])
    assert jsons(out) == [{"name": "Ann", "age": "30"}, {"name": "Bo", "city": "Rome"},
                          {"name": "Cy", "age": "5", "city": "Oslo"}]
    assert all(item.paired == (0, 0) for item in out)


async def test_csv_options_include_empty_max_rows_and_from_line() -> None:
    options = {"includeEmptyCells": True, "maxRowCount": 2}
    out = await run(NODE, {"operation": "csv", "options": options}, [file_item(CSV)])
    assert jsons(out) == [{"name": "Ann", "age": "30", "city": ""}, {"name": "Bo", "age": "", "city": "Rome"}]
    out = await run(NODE, {"operation": "csv", "options": {"fromLine": 2}}, [file_item(CSV)])  # 1: first line
    assert jsons(out) == [{"Ann": "Bo", "": "Rome"}, {"Ann": "Cy", "30": "5", "": "Oslo"}]


async def test_csv_without_header_row_gives_rows() -> None:
    options = {"headerRow": False, "includeEmptyCells": True, "delimiter": ";"}
    out = await run(NODE, {"operation": "csv", "options": options}, [file_item(b'a;"b;c"\n1;\n')])
    assert jsons(out) == [{"row": ["a", "b;c"]}, {"row": ["1", ""]}]
    out = await run(NODE, {"operation": "csv", "options": {"headerRow": False}}, [file_item(b"a,,c\n")])
    assert jsons(out) == [{"row": {"0": "a", "2": "c"}}]  # n8n filters entries of the row array


async def test_csv_encoding_bom_and_quotes() -> None:
    out = await run(NODE, {"operation": "csv", "options": {"encoding": "latin1"}}, [file_item(b"v\ncaf\xe9\n")])
    assert jsons(out) == [{"v": "café"}]
    bom = "\ufeffk\nv\n".encode()
    assert jsons(await run(NODE, {"operation": "csv"}, [file_item(bom)])) == [{"\ufeffk": "v"}]
    out = await run(NODE, {"operation": "csv", "options": {"enableBOM": True}}, [file_item(bom)])
    assert jsons(out) == [{"k": "v"}]
    quoted = b'k\n"multi\nline ""q"""\nsay "hi"\n'
    out = await run(NODE, {"operation": "csv", "options": {"relaxQuotes": True}}, [file_item(quoted)])
    assert jsons(out) == [{"k": 'multi\nline "q"'}, {"k": 'say "hi"'}]


async def test_wrong_format_error_names_the_expected_format() -> None:
    with pytest.raises(NodeOperationError) as raised:
        await run(NODE, {"operation": "xlsx"}, [file_item(b"a,b\n1,2\n", "data.csv")])
    assert raised.value.message == "The file selected in 'Input Binary Field' is not in xlsx format"
    out = await run(NODE, {"operation": "xlsx"}, [file_item(b"nope", "x.csv")], continue_on_fail=True)
    assert "not in xlsx format" in out[0].json["error"] and out[0].paired == (0, 0)
    with pytest.raises(NodeOperationError, match="binary file 'data'"):
        await run(NODE, {"operation": "csv"}, [Item({})])


async def converted(operation: str, items: list[Item], **options: object) -> Item:
    [out] = await run(ConvertToFile(), {"operation": operation, "options": options}, items)
    return out


ROWS = [Item({"id": 1, "name": "Ann", "ok": True}), Item({"id": 2, "name": "Bo", "note": "x"})]


@pytest.mark.parametrize("file_format", ["html", "rtf", "ods", "xlsx", "xls"])
async def test_spreadsheets_give_typed_records(file_format: str) -> None:
    source = await converted(file_format, ROWS)
    out = await run(NODE, {"operation": file_format}, [source])
    assert jsons(out) == [{"id": 1, "name": "Ann", "ok": True}, {"id": 2, "name": "Bo", "note": "x"}]
    options = {"includeEmptyCells": True, "headerRow": False}
    out = await run(NODE, {"operation": file_format, "options": options}, [source])
    assert jsons(out)[2] == {"row": [2, "Bo", "", "x"]}


@pytest.mark.parametrize("file_format", ["ods", "xlsx", "xls"])
async def test_workbook_sheet_name_and_range(file_format: str) -> None:
    source = await converted(file_format, ROWS, sheetName="Data")
    out = await run(NODE, {"operation": file_format, "options": {"sheetName": "Data", "range": "B1:C2"}}, [source])
    assert jsons(out) == [{"name": "Ann", "ok": True}]
    out = await run(NODE, {"operation": file_format, "options": {"range": 1, "headerRow": True}}, [source])
    assert jsons(out) == [{"1": 2, "Ann": "Bo", "__EMPTY": "x"}]
    with pytest.raises(NodeOperationError, match='does not contain sheet called "Other"'):
        await run(NODE, {"operation": file_format, "options": {"sheetName": "Other"}}, [source])


async def test_raw_data_keeps_text_and_read_as_string_is_accepted() -> None:
    source = file_item(b"<table><tr><td>n</td></tr><tr><td>007</td></tr></table>", "t.html")
    assert jsons(await run(NODE, {"operation": "html"}, [source])) == [{"n": 7}]
    out = await run(NODE, {"operation": "html", "options": {"rawData": True, "readAsString": True}}, [source])
    assert jsons(out) == [{"n": "007"}]


async def test_empty_sheet_gives_no_items() -> None:
    source = file_item(b"<table></table>", "t.html")
    assert await run(NODE, {"operation": "html"}, [source]) == []


def ods_with_repeats() -> bytes:
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        '<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>a'
        '<text:s text:c="2"/>b</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2" '
        'office:value-type="float" office:value="1.5"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return buffer.getvalue()


async def test_ods_repeated_cells_spaces_and_padding_rows() -> None:
    out = await run(NODE, {"operation": "ods", "options": {"headerRow": False}}, [file_item(ods_with_repeats(), "s.ods")])
    assert jsons(out) == [{"row": ["a  b", 1.5, 1.5]}]


async def test_text_xml_json_and_base64() -> None:
    text = "Grüße\n".encode()
    [out] = await run(NODE, {"operation": "text"}, [file_item(text, "a.txt")])
    assert out.json == {"data": "Grüße\n"} and out.binary is None and out.paired == (0, 0)
    [out] = await run(NODE, {"operation": "xml", "destinationKey": "doc.xml"}, [file_item(b"<a>1</a>", "a.xml")])
    assert out.json == {"doc": {"xml": "<a>1</a>"}}
    [out] = await run(NODE, {"operation": "fromJson"}, [file_item(b'{"a": [1, 2]}', "a.json")])
    assert out.json == {"data": {"a": [1, 2]}}
    [out] = await run(NODE, {"operation": "binaryToPropery"}, [file_item(b"\x00\x01")])
    assert out.json == {"data": base64.b64encode(b"\x00\x01").decode()}
    with pytest.raises(NodeOperationError, match="not valid JSON"):
        await run(NODE, {"operation": "fromJson"}, [file_item(b"{nope", "a.json")])


async def test_text_encoding_bom_and_keep_source() -> None:
    item = file_item("\ufeffكتاب".encode("utf-8"), "a.txt", json={"id": 1})
    item.binary["other"] = {"data": "", "mimeType": "text/plain"}
    [out] = await run(NODE, {"operation": "text"}, [item])
    assert out.json == {"data": "كتاب"} and list(out.binary) == ["other"]
    [out] = await run(NODE, {"operation": "text", "options": {"stripBOM": False, "keepSource": "both"}}, [item])
    assert out.json == {"id": 1, "data": "\ufeffكتاب"} and set(out.binary) == {"data", "other"}
    [out] = await run(NODE, {"operation": "text", "options": {"encoding": "windows1256", "keepSource": "json"}},
                      [file_item("كتاب".encode("cp1256"), json={"id": 2})])
    assert out.json == {"id": 2, "data": "كتاب"}


async def test_moving_operations_skip_items_without_the_file() -> None:
    out = await run(NODE, {"operation": "text"}, [Item({"no": "file"}), file_item(b"x")])
    assert jsons(out) == [{"data": "x"}] and out[0].paired == (1, 0)


async def test_from_ics_parses_events() -> None:
    params = {"operation": "iCal", "title": "T", "start": "2024-01-03T09:00:00Z", "end": "2024-01-03T10:00:00Z",
              "additionalFields": {"description": "event description", "uid": "u1", "location": "Here",
                                   "organizerUi": {"organizerValues": {"name": "O", "email": "o@x.org"}}}}
    [ics] = await run(ConvertToFile(), params)
    [out] = await run(NODE, {"operation": "fromIcs"}, [ics])
    calendar = out.json["data"]
    assert calendar["version"] == "2.0" and len(calendar["events"]) == 1
    event = calendar["events"][0]
    assert (event["summary"], event["description"], event["uid"], event["location"]) == (
        "T", "event description", "u1", "Here")
    assert event["start"] == {"date": "2024-01-03T09:00:00Z", "type": "DATE-TIME"}
    assert event["organizer"] == {"email": "o@x.org", "name": "O"}
    with pytest.raises(NodeOperationError, match="not a valid iCalendar"):
        await run(NODE, {"operation": "fromIcs"}, [file_item(b"hello", "a.ics")])


async def test_pdf_text_pages_and_metadata() -> None:
    pdf = make_pdf(["Hello one", "Page two", "Third"])
    [out] = await run(NODE, {"operation": "pdf"}, [file_item(pdf, "doc.pdf", json={"id": 1})])
    assert out.json["text"] == "Hello one\n\nPage two\n\nThird" and out.json["numpages"] == 3
    assert out.json["info"]["Title"] == "Test" and "id" not in out.json and out.binary is None
    options = {"maxPages": 2, "joinPages": False, "keepSource": "both"}
    [out] = await run(NODE, {"operation": "pdf", "options": options}, [file_item(pdf, "doc.pdf", json={"id": 1})])
    assert out.json["text"] == ["Hello one", "Page two"] and out.json["id"] == 1 and "data" in out.binary


async def test_pdf_password() -> None:
    pdf = make_pdf(["Secret"], password="pw")
    [out] = await run(NODE, {"operation": "pdf", "options": {"password": "pw"}}, [file_item(pdf, "s.pdf")])
    assert out.json["text"] == "Secret"
    with pytest.raises(NodeOperationError, match="encrypted and the password is missing"):
        await run(NODE, {"operation": "pdf"}, [file_item(pdf, "s.pdf")])
    with pytest.raises(NodeOperationError, match="password is wrong"):
        await run(NODE, {"operation": "pdf", "options": {"password": "no"}}, [file_item(pdf, "s.pdf")])
    with pytest.raises(NodeOperationError, match="not a readable PDF"):
        await run(NODE, {"operation": "pdf"}, [file_item(b"%PDF-1.4 garbage", "bad.pdf")])


async def test_json_roundtrip_through_convert_to_file() -> None:
    [file] = await run(ConvertToFile(), {"operation": "toJson", "mode": "each"}, [Item({"a": 1})])
    [out] = await run(NODE, {"operation": "fromJson"}, [file])
    assert out.json == {"data": {"a": 1}}
    assert json.loads(base64.b64decode(file.binary["data"]["data"])) == {"a": 1}


async def test_zipped_workbooks_past_the_unpack_limit_are_refused() -> None:
    from engine.ports import FileAccess

    source = await converted("xlsx", [Item({"text": "x" * 5000})])
    with pytest.raises(NodeOperationError, match="KNOTWORK_MAX_DECOMPRESSED_MB"):
        await run(NODE, {"operation": "xlsx"}, [source], files=FileAccess(max_decompressed_bytes=4000))


async def test_xlsx_dates_are_iso_text_or_serials_when_raw() -> None:
    import datetime as dt

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["when", "n"])
    workbook.active.append([dt.datetime(2024, 1, 3, 9, 30), 2.0])
    workbook.active.append([dt.datetime(2026, 7, 2), 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = file_item(buffer.getvalue(), "d.xlsx")
    out = await run(NODE, {"operation": "xlsx"}, [source])
    assert jsons(out) == [{"when": "2024-01-03T09:30:00", "n": 2}, {"when": "2026-07-02", "n": 3}]
    out = await run(NODE, {"operation": "xlsx", "options": {"rawData": True}}, [source])
    assert jsons(out) == [{"when": 45294.395833333336, "n": 2}, {"when": 46205, "n": 3}]  # Excel serials


async def test_keep_source_binary_keeps_only_the_file() -> None:
    item = file_item(b"x", "a.txt", json={"id": 1})
    [out] = await run(NODE, {"operation": "binaryToPropery", "options": {"keepSource": "binary"}}, [item])
    assert out.json == {"data": "eA=="} and out.binary == item.binary


async def test_csv_with_a_delimiter_of_several_characters() -> None:
    text = b'a||b\r\n"x||y"||"say ""hi""\nthere"\r\n1||\n'
    out = await run(NODE, {"operation": "csv", "options": {"delimiter": "||"}}, [file_item(text)])
    assert jsons(out) == [{"a": "x||y", "b": 'say "hi"\nthere'}, {"a": "1"}]


@pytest.mark.parametrize("file_format", ["xls", "xlsx", "ods"])
async def test_damaged_workbooks_fail_with_the_format_named(file_format: str) -> None:
    with pytest.raises(NodeOperationError, match=f"not a valid {file_format.upper()} file"):
        await run(NODE, {"operation": file_format}, [file_item(b"garbage", f"bad.{file_format}")])
