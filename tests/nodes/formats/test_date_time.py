"""Date & Time v1 and v2: every operation and option, errors and continue-on-fail."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from engine.errors import NodeOperationError
from engine.items import Item
from nodes.formats.date_time import DateTimeNode
from nodes.formats.dates import diff, parse_date, plus, start_of

from .helpers import jsons, run_node

NODE = DateTimeNode()
ISO = "2023-04-11T13:51:59.965+00:00"


async def v2(parameters: dict, items: list[Item] | None = None, **flags: object) -> list[Item]:
    return await run_node(NODE, 2.0, parameters, items, **flags)


# --- parsing and arithmetic -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [1682918315906, 1682918315, 1682918315.906, "1682918315906", "1682918315"])
def test_epoch_seconds_and_milliseconds(value: object) -> None:
    assert parse_date(value, dt.UTC).strftime("%Y-%m-%d %H:%M:%S") == "2023-05-01 05:18:35"


def test_text_dates_and_zones() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_date("2023-04-11", berlin).isoformat() == "2023-04-11T00:00:00+02:00"
    assert parse_date(ISO, berlin).isoformat() == "2023-04-11T15:51:59.965000+02:00"
    assert parse_date("April 11, 2023 3pm", dt.UTC).hour == 15
    with pytest.raises(NodeOperationError, match="Invalid date format"):
        parse_date("not a date", dt.UTC)
    with pytest.raises(NodeOperationError, match="Invalid date type"):
        parse_date(None, dt.UTC)


def test_plus_clamps_month_ends_and_keeps_wall_clock_for_days() -> None:
    new_york = ZoneInfo("America/New_York")
    assert plus(dt.datetime(2023, 1, 31, tzinfo=dt.UTC), {"months": 1}).day == 28
    before_dst = dt.datetime(2023, 3, 11, 12, tzinfo=new_york)
    assert plus(before_dst, {"days": 1}).hour == 12  # calendar unit: same wall time
    assert plus(before_dst, {"hours": 24}).hour == 13  # time unit: 24 h on the timeline
    assert plus(before_dst, {"quarters": -1}).month == 12


def test_start_of_units() -> None:
    moment = dt.datetime(2023, 8, 17, 13, 45, 30, 500000, tzinfo=dt.UTC)  # a Thursday
    assert start_of(moment, "week").isoformat() == "2023-08-14T00:00:00+00:00"
    assert start_of(moment, "quarter").isoformat() == "2023-07-01T00:00:00+00:00"
    assert start_of(moment, "hour").isoformat() == "2023-08-17T13:00:00+00:00"


def test_diff_like_luxon() -> None:
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    assert diff(dt.datetime(2023, 1, 3, 12, tzinfo=dt.UTC), start, ["day"]) == {"days": 2.5}
    assert diff(dt.datetime(2024, 3, 2, 6, 30, tzinfo=dt.UTC), start, ["year", "month", "day", "hour", "minute"]) == {
        "years": 1, "months": 2, "days": 1, "hours": 6, "minutes": 30}
    assert diff(start, dt.datetime(2023, 1, 3, tzinfo=dt.UTC), ["day"]) == {"days": -2}


# --- v2 operations --------------------------------------------------------------------------------


async def test_get_current_date_in_workflow_or_given_zone() -> None:
    # Given a frozen clock at 2024-03-05T14:30:15.123Z
    out = await v2({"operation": "getCurrentDate"}, zone="Europe/Berlin")
    assert jsons(out) == [{"currentDate": "2024-03-05T15:30:15.123+01:00"}]
    out = await v2({"operation": "getCurrentDate", "includeTime": False, "outputFieldName": "today",
                    "options": {"timezone": "America/New_York"}})
    assert jsons(out) == [{"today": "2024-03-05T00:00:00.000-05:00"}]
    assert out[0].paired == (0, 0)


async def test_add_and_subtract() -> None:
    out = await v2({"operation": "addToDate", "magnitude": ISO, "duration": 2, "timeUnit": "days"}, zone="Etc/GMT")
    assert jsons(out) == [{"newDate": "2023-04-13T13:51:59.965+00:00"}]
    out = await v2({"operation": "subtractFromDate", "magnitude": ISO, "duration": 90, "timeUnit": "minutes"})
    assert jsons(out) == [{"newDate": "2023-04-11T12:21:59.965Z"}]


async def test_format_date_standard_custom_and_from_format() -> None:
    out = await v2({"operation": "formatDate", "date": 1682918315906, "format": "yyyy/MM/dd"})
    assert jsons(out) == [{"formattedDate": "2023/05/01"}]
    out = await v2({"operation": "formatDate", "date": "2023-04-11T23:30:00+02:00", "format": "custom",
                    "customFormat": "dd MMM HH:mm ZZ"})
    assert jsons(out) == [{"formattedDate": "11 Apr 23:30 +02:00"}]  # the input's own offset
    out = await v2({"operation": "formatDate", "date": "2023-04-11T23:30:00+02:00", "format": "yyyy-MM-dd HH:mm",
                    "options": {"timezone": True}}, zone="America/New_York")
    assert jsons(out) == [{"formattedDate": "2023-04-11 17:30"}]
    out = await v2({"operation": "formatDate", "date": "11042023", "format": "yyyy-MM-dd",
                    "options": {"fromFormat": "ddMMyyyy"}})
    assert jsons(out) == [{"formattedDate": "2023-04-11"}]


async def test_format_date_passes_null_through() -> None:
    assert jsons(await v2({"operation": "formatDate", "date": None})) == [{"formattedDate": None}]


async def test_round_date_down_and_up() -> None:
    out = await v2({"operation": "roundDate", "date": ISO, "mode": "roundDown", "toNearest": "day"})
    assert jsons(out) == [{"roundedDate": "2023-04-11T00:00:00.000Z"}]
    out = await v2({"operation": "roundDate", "date": ISO, "mode": "roundUp", "to": "month"})
    assert jsons(out) == [{"roundedDate": "2023-05-01T00:00:00.000Z"}]


async def test_time_between_dates_as_object_or_iso() -> None:
    parameters = {"operation": "getTimeBetweenDates", "startDate": "2023-04-11T00:00:00Z",
                  "endDate": "2023-04-13T06:00:00Z", "units": ["day", "hour"]}
    assert jsons(await v2(parameters)) == [{"timeDifference": {"days": 2, "hours": 6}}]
    out = await v2({**parameters, "options": {"isoString": True}})
    assert jsons(out) == [{"timeDifference": "P2DT6H"}]


@pytest.mark.parametrize(("part", "value"), [("year", 2023), ("month", 4), ("week", 15), ("day", 11),
                                             ("hour", 9), ("minute", 51), ("second", 59)])
async def test_extract_date_parts_in_workflow_zone(part: str, value: int) -> None:
    out = await v2({"operation": "extractDate", "date": ISO, "part": part}, zone="America/New_York")
    assert jsons(out) == [{"datePart": value}]


async def test_include_input_fields_keeps_the_item() -> None:
    item = Item({"keep": 1}, {"data": {"data": "aGk=", "mimeType": "text/plain"}})
    out = await v2({"operation": "formatDate", "date": 0, "format": "yyyy", "options": {"includeInputFields": True}},
                   [item])
    assert jsons(out) == [{"keep": 1, "formattedDate": "1970"}]
    assert out[0].binary == item.binary and item.json == {"keep": 1}


async def test_bad_date_raises_with_item_index_or_continues() -> None:
    parameters = {"operation": "addToDate", "magnitude": "yesterday-ish", "duration": 1, "timeUnit": "days"}
    with pytest.raises(NodeOperationError) as raised:
        await v2(parameters, [Item({}), Item({})])
    assert raised.value.item_index == 0 and raised.value.node == "Node"
    out = await v2(parameters, [Item({})], on_error="continueRegularOutput")
    assert jsons(out) == [{"error": "Invalid date format"}] and out[0].paired == (0, 0)


async def test_unknown_timezone_is_named() -> None:
    with pytest.raises(NodeOperationError, match="The timezone Mars/Base is not valid"):
        await v2({"operation": "getCurrentDate", "options": {"timezone": "Mars/Base"}})


# --- v1 -------------------------------------------------------------------------------------------


async def v1(parameters: dict, items: list[Item] | None = None, **flags: object) -> list[Item]:
    return await run_node(NODE, 1.0, parameters, items, **flags)


async def test_v1_format_defaults_to_us_date_and_keeps_the_item() -> None:
    out = await v1({"value": 1663801200000}, [Item({"id": 1})])
    assert jsons(out) == [{"id": 1, "data": "09/21/2022"}]


async def test_v1_format_with_timezones_and_custom_format() -> None:
    out = await v1({"value": "2022-08-01T00:00:00", "toFormat": "YYYY-MM-DD HH:mm Z",
                    "options": {"fromTimezone": "US/Hawaii", "toTimezone": "Europe/Berlin"}})
    assert jsons(out) == [{"data": "2022-08-01 12:00 +02:00"}]
    out = await v1({"value": "2022-01-12", "toFormat": "MM-DD-YYYY", "options": {"fromFormat": "YYYY-DD-MM"}})
    assert jsons(out) == [{"data": "12-01-2022"}]
    out = await v1({"value": "2022-08-01", "toFormat": "dddd, Do MMMM [at] h A", "dataPropertyName": "a.b"})
    assert jsons(out) == [{"a": {"b": "Monday, 1st August at 12 AM"}}]


async def test_v1_calculate_adds_and_subtracts() -> None:
    out = await v1({"action": "calculate", "value": "08/01/2022", "duration": 2, "timeUnit": "quarters"})
    assert jsons(out) == [{"data": "2023-02-01T00:00:00.000Z"}]
    out = await v1({"action": "calculate", "value": "08/01/2022", "operation": "subtract", "duration": 2,
                    "timeUnit": "days"})
    assert jsons(out) == [{"data": "2022-07-30T00:00:00.000Z"}]


async def test_v1_unreadable_value_and_missing_value() -> None:
    with pytest.raises(NodeOperationError, match="From Format"):
        await v1({"value": "soon"})
    assert await v1({}) == []  # no value: the item is skipped, as in n8n
