"""Convert to File: every operation and option (files read back with the readers under test)."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
from icalendar import Calendar

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.files.convert_to_file import ConvertToFile
from nodes.files.sheet_read import read_workbook

from .helpers import content_of, run

NODE = ConvertToFile()
ITEMS = [Item({"id": 1, "name": "Ann", "tags": {"a": True}}), Item({"id": 2.5, "name": 'Bo, "B"', "extra": None})]


async def test_csv_has_a_bom_header_row_and_pairs_all_items() -> None:
    [out] = await run(NODE, {"operation": "csv"}, ITEMS)
    text = content_of(out).decode("utf-8")
    assert text == '\ufeffid,name,tags.a,extra\n1,Ann,TRUE,\n2.5,"Bo, ""B""",,'
    entry = out.binary["data"]
    assert (entry["fileName"], entry["mimeType"]) == ("File.csv", "text/csv")
    assert out.json == {} and out.paired == [(0, 0), (1, 0)]


async def test_csv_options_delimiter_header_row_file_name_and_field() -> None:
    params = {"operation": "csv", "binaryPropertyName": "sheet",
              "options": {"delimiter": ";", "headerRow": False, "fileName": "people.csv"}}
    [out] = await run(NODE, params, ITEMS)
    assert content_of(out, "sheet").decode("utf-8") == '\ufeff1;Ann;TRUE;\n2.5;"Bo, ""B""";;'
    assert out.binary["sheet"]["fileName"] == "people.csv"


@pytest.mark.parametrize("file_format", ["html", "rtf", "ods", "xlsx", "xls"])
async def test_spreadsheet_formats_keep_types(file_format: str) -> None:
    params = {"operation": file_format, "options": {"sheetName": "People"}}
    [out] = await run(NODE, params, ITEMS)
    assert out.binary["data"]["fileName"] == f"File.{file_format}"
    sheets = read_workbook(file_format, content_of(out))
    rows = next(iter(sheets.values()))
    assert rows[0] == ["id", "name", "tags.a", "extra"]
    assert rows[1][:3] == [1, "Ann", True] and rows[2][:2] == [2.5, 'Bo, "B"']
    if file_format in ("ods", "xlsx", "xls"):
        assert list(sheets) == ["People"]


async def test_ods_is_a_valid_package_and_compression_deflates() -> None:
    [out] = await run(NODE, {"operation": "ods", "options": {"compression": True}}, ITEMS)
    with zipfile.ZipFile(io.BytesIO(content_of(out))) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.getinfo("content.xml").compress_type == zipfile.ZIP_DEFLATED
    assert out.binary["data"]["mimeType"] == "application/vnd.oasis.opendocument.spreadsheet"


async def test_xlsx_keeps_formula_like_text_as_text() -> None:
    [out] = await run(NODE, {"operation": "xlsx"}, [Item({"f": "=1+1"})])
    assert read_workbook("xlsx", content_of(out))["Sheet"] == [["f"], ["=1+1"]]


async def test_to_json_once_each_and_format() -> None:
    [once] = await run(NODE, {"operation": "toJson"}, ITEMS)
    assert json.loads(content_of(once)) == [item.json for item in ITEMS]
    assert once.binary["data"]["fileName"] == "file.json" and once.paired == [(0, 0), (1, 0)]
    each = await run(NODE, {"operation": "toJson", "mode": "each", "options": {"fileName": "x.json"}}, ITEMS)
    assert [json.loads(content_of(item)) for item in each] == [item.json for item in ITEMS]
    assert [item.paired for item in each] == [(0, 0), (1, 0)]
    [pretty] = await run(NODE, {"operation": "toJson", "options": {"format": True}}, [Item({"a": 1})], version=1.1)
    assert content_of(pretty) == b'[\n  {\n    "a": 1\n  }\n]'
    [v1] = await run(NODE, {"operation": "toJson", "options": {"format": True}}, [Item({"a": 1})], version=1.0)
    assert content_of(v1) == b'[{"a":1}]'


async def test_to_json_encoding_and_bom() -> None:
    params = {"operation": "toJson", "options": {"encoding": "utf16le", "addBOM": True}}
    [out] = await run(NODE, params, [Item({"é": 1})])
    assert content_of(out) == '\ufeff[{"é":1}]'.encode("utf-16-le")


async def test_to_text_field_encoding_and_file_name() -> None:
    item = Item({"deep": {"text": "Příliš"}})
    params = {"operation": "toText", "sourceProperty": "deep.text", "options": {"encoding": "windows1250"}}
    [out] = await run(NODE, params, [item])
    assert content_of(out) == "Příliš".encode("cp1250")
    assert (out.binary["data"]["fileName"], out.binary["data"]["mimeType"]) == ("file.txt", "text/plain")
    params = {"operation": "toText", "sourceProperty": "deep", "options": {"fileName": "d.json", "addBOM": True}}
    [out] = await run(NODE, params, [item])
    assert content_of(out) == '\ufeff{"text":"Příliš"}'.encode()
    assert out.binary["data"]["mimeType"] == "application/json"
    [number] = await run(NODE, {"operation": "toText", "sourceProperty": "n"}, [Item({"n": 3})])
    assert content_of(number) == b"3"


async def test_to_text_missing_field_fails_or_continues() -> None:
    with pytest.raises(NodeOperationError) as raised:
        await run(NODE, {"operation": "toText", "sourceProperty": "nope"}, [Item({})])
    assert raised.value.message == 'The value in "nope" is not set' and raised.value.item_index == 0
    out = await run(NODE, {"operation": "toText", "sourceProperty": "t"}, [Item({}), Item({"t": "x"})],
                    continue_on_fail=True)
    assert out[0].json == {"error": 'The value in "t" is not set'} and out[0].paired == (0, 0)
    assert content_of(out[1]) == b"x"


async def test_to_binary_decodes_base64_and_data_uris() -> None:
    params = {"operation": "toBinary", "sourceProperty": "b64"}
    [out] = await run(NODE, params, [Item({"b64": base64.b64encode(b"%PDF-1.4 x").decode()})])
    entry = out.binary["data"]
    assert content_of(out) == b"%PDF-1.4 x" and (entry["mimeType"], entry["fileName"]) == ("application/pdf", "file.pdf")
    uri = "data:image/png;base64," + base64.b64encode(b"png!").decode()
    [out] = await run(NODE, params, [Item({"b64": uri})])
    assert out.binary["data"]["mimeType"] == "image/png" and content_of(out) == b"png!"
    options = {"fileName": "raw.bin", "mimeType": "application/octet-stream"}
    [out] = await run(NODE, {**params, "options": options}, [Item({"b64": "aGk"})])
    assert content_of(out) == b"hi" and out.binary["data"]["fileName"] == "raw.bin"


async def test_to_binary_plain_text_and_invalid_base64() -> None:
    params = {"operation": "toBinary", "sourceProperty": "t", "options": {"dataIsBase64": False, "encoding": "latin1"}}
    [out] = await run(NODE, params, [Item({"t": "café"})])
    assert content_of(out) == b"caf\xe9"
    with pytest.raises(NodeOperationError, match="not valid base64"):
        await run(NODE, {"operation": "toBinary", "sourceProperty": "t"}, [Item({"t": "not base64!"})])


async def test_ical_builds_one_event_per_item() -> None:
    params = {
        "operation": "iCal", "title": "Launch", "start": "2024-01-03T10:00:00Z", "end": "2024-01-03T11:30:00Z",
        "additionalFields": {
            "description": "event description", "location": "Room 1", "uid": "u-1", "status": "TENTATIVE",
            "fileName": "launch.ics", "calName": "Team", "sequence": 2, "url": "https://example.com",
            "recurrenceRule": "FREQ=WEEKLY;COUNT=3", "busyStatus": "BUSY",
            "geolocationUi": {"geolocationValues": {"lat": "48.1", "lon": "11.5"}},
            "organizerUi": {"organizerValues": {"name": "Org", "email": "org@example.com"}},
            "attendeesUi": {"attendeeValues": [{"name": "Ann", "email": "ann@example.com", "rsvp": True}]},
        },
    }
    out = await run(NODE, params, [Item({}), Item({})])
    assert len(out) == 2 and out[1].paired == (1, 0)
    entry = out[0].binary["data"]
    assert (entry["fileName"], entry["mimeType"]) == ("launch.ics", "text/calendar")
    calendar = Calendar.from_ical(content_of(out[0]))
    [event] = calendar.walk("VEVENT")
    assert str(calendar["X-WR-CALNAME"]) == "Team"
    assert event["DTSTART"].to_ical() == b"20240103T100000Z" and str(event["SUMMARY"]) == "Launch"
    assert str(event["ATTENDEE"]) == "mailto:ann@example.com" and event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert str(event["ORGANIZER"].params["CN"]) == "Org" and event["SEQUENCE"] == 2
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=3"


async def test_ical_all_day_ends_the_day_after() -> None:
    params = {"operation": "iCal", "start": "2024-01-03T00:00:00", "end": "2024-01-04T00:00:00", "allDay": True}
    [out] = await run(NODE, params)
    [event] = Calendar.from_ical(content_of(out)).walk("VEVENT")
    assert event["DTSTART"].to_ical() == b"20240103" and event["DTEND"].to_ical() == b"20240105"
    assert out.binary["data"]["fileName"] == "event.ics"
    with pytest.raises(NodeOperationError, match="'start' is empty"):
        await run(NODE, {"operation": "iCal", "start": "", "end": ""})


async def test_all_items_failure_is_one_error_item_or_raised() -> None:
    params = {"operation": "toJson", "options": {"encoding": "klingon"}}
    out = await run(NODE, params, ITEMS, continue_on_fail=True)
    assert [item.json for item in out] == [{"error": "Unknown encoding 'klingon'"}]
    assert out[0].paired == [(0, 0), (1, 0)]
    with pytest.raises(NodeOperationError) as raised:
        await run(NODE, params, ITEMS)
    assert raised.value.node == "Node"
    with pytest.raises(NodeOperationError, match="operation 'nope' is not supported"):
        await run(NODE, {"operation": "nope"}, ITEMS)


async def test_to_binary_plain_text_with_bom() -> None:
    params = {"operation": "toBinary", "sourceProperty": "t", "options": {"dataIsBase64": False, "addBOM": True}}
    [out] = await run(NODE, params, [Item({"t": "hi"})])
    assert content_of(out) == b"\xef\xbb\xbfhi"
