"""Luxon format tokens, literals and ISO output; Luxon-style parsing with a format."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from engine.errors import NodeOperationError
from nodes.formats.luxon_format import split_format, to_format, to_iso
from nodes.formats.luxon_parse import parse_with_format

# A Tuesday in New York summer time (UTC-4), 9:05:07.045 in the morning.
MOMENT = dt.datetime(2023, 4, 11, 9, 5, 7, 45000, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("yyyy", "2023"), ("yy", "23"), ("MM", "04"), ("M", "4"), ("MMM", "Apr"), ("MMMM", "April"),
        ("dd", "11"), ("d", "11"), ("HH", "09"), ("H", "9"), ("hh", "09"), ("h", "9"), ("mm", "05"),
        ("ss", "07"), ("SSS", "045"), ("a", "AM"), ("ZZ", "-04:00"), ("ZZZ", "-0400"), ("Z", "-4"),
        ("z", "America/New_York"), ("EEE", "Tue"), ("EEEE", "Tuesday"), ("ccc", "Tue"), ("kkkk", "2023"),
        ("WW", "15"), ("o", "101"), ("q", "2"), ("X", "1681218307"), ("x", "1681218307045"),
        ("yyyy-MM-dd'T'HH:mm", "2023-04-11T09:05"), ("'week' W", "week 15"), ("dd/MM/yyyy", "11/04/2023"),
        ("D", "4/11/2023"), ("DDD", "April 11, 2023"), ("t", "9:05 AM"), ("TT", "09:05:07"),
    ],
)
def test_tokens_format_like_luxon(fmt: str, expected: str) -> None:
    assert to_format(MOMENT, fmt) == expected


def test_afternoon_hours_and_meridiem() -> None:
    afternoon = MOMENT.replace(hour=15)
    assert to_format(afternoon, "h:mm a") == "3:05 PM"
    assert to_format(afternoon.replace(hour=0), "hh a") == "12 AM"


def test_quoted_text_is_literal_and_unknown_characters_are_copied() -> None:
    assert split_format("yyyy 'year' MM") == [(False, "yyyy"), (True, " "), (True, "year"), (True, " "), (False, "MM")]
    assert to_format(MOMENT, "'Today is' EEEE!") == "Today is Tuesday!"


def test_iso_output_uses_z_only_for_fixed_utc_zones() -> None:
    assert to_iso(MOMENT) == "2023-04-11T09:05:07.045-04:00"
    assert to_iso(MOMENT.astimezone(dt.UTC)) == "2023-04-11T13:05:07.045Z"
    assert to_iso(MOMENT.astimezone(ZoneInfo("UTC"))) == "2023-04-11T13:05:07.045Z"
    assert to_iso(MOMENT.astimezone(ZoneInfo("Etc/GMT"))) == "2023-04-11T13:05:07.045+00:00"


def test_parse_with_format_reads_fields_in_the_zone() -> None:
    parsed = parse_with_format("11.04.2023 09:05", "dd.MM.yyyy HH:mm", ZoneInfo("Europe/Berlin"))
    assert parsed.isoformat() == "2023-04-11T09:05:00+02:00"
    assert parse_with_format("April 3 2020 5:07 pm", "MMMM d yyyy h:mm a", dt.UTC).hour == 17
    assert parse_with_format("1681218307045", "x", dt.UTC) == MOMENT


def test_parse_with_format_names_a_mismatch() -> None:
    with pytest.raises(NodeOperationError, match="Invalid date format"):
        parse_with_format("2023/04/11", "dd.MM.yyyy", dt.UTC)
