"""iCalendar files: one event from node parameters (Convert to File, "Convert to ICS"), and a
calendar parsed into json (Extract from File, "fromIcs") shaped like n8n's (ts-ics) output."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from dateutil import parser as date_parser
from icalendar import Calendar, Event, vCalAddress, vText

from engine.errors import NodeOperationError

PRODID = "-//Knotwork//Convert to File//EN"


def parse_moment(value: Any, parameter: str, timezone: dt.tzinfo) -> dt.datetime:
    """A date-time parameter (ISO text or datetime); naive values are in `timezone`."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = str(value or "").strip()
        if not text:
            raise NodeOperationError(f"The parameter '{parameter}' is empty: give a date and time")
        try:
            moment = date_parser.isoparse(text)
        except ValueError:
            try:
                moment = date_parser.parse(text)
            except (ValueError, OverflowError):
                raise NodeOperationError(f"The parameter '{parameter}' is not a valid date: '{text}'") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone)


def create_event(parameters: dict[str, Any], timezone: dt.tzinfo, now: dt.datetime) -> bytes:
    """An .ics file holding one VEVENT. `parameters`: title, start, end, allDay, additionalFields."""
    fields = dict(parameters.get("additionalFields") or {})
    all_day = bool(parameters.get("allDay"))
    start = parse_moment(parameters.get("start"), "start", timezone)
    end = parse_moment(parameters.get("end"), "end", timezone)
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    if fields.get("calName"):
        calendar.add("x-wr-calname", fields["calName"])
    event = Event()
    event.add("uid", fields.get("uid") or str(uuid.uuid4()))
    event.add("summary", parameters.get("title") or "")
    event.add("dtstamp", now.astimezone(dt.UTC).replace(microsecond=0))
    if all_day:  # n8n ends an all-day event the day after the chosen end date
        event.add("dtstart", start.date())
        event.add("dtend", end.date() + dt.timedelta(days=1))
    else:
        event.add("dtstart", start.astimezone(dt.UTC).replace(microsecond=0))
        event.add("dtend", end.astimezone(dt.UTC).replace(microsecond=0))
    _add_fields(event, fields)
    calendar.add_component(event)
    return calendar.to_ical()


def _add_fields(event: Event, fields: dict[str, Any]) -> None:
    for key, prop in (("description", "description"), ("location", "location"), ("url", "url")):
        if fields.get(key):
            event.add(prop, fields[key])
    if fields.get("status"):
        event.add("status", fields["status"])
    if fields.get("busyStatus"):
        event.add("x-microsoft-cdo-busystatus", fields["busyStatus"])
    if fields.get("sequence") not in (None, ""):
        event.add("sequence", int(fields["sequence"]))
    if fields.get("recurrenceRule"):
        event.add("rrule", _rrule(str(fields["recurrenceRule"])))
    geo = (fields.get("geolocationUi") or {}).get("geolocationValues") or {}
    if geo.get("lat") not in (None, "") and geo.get("lon") not in (None, ""):
        event.add("geo", (float(geo["lat"]), float(geo["lon"])))
    organizer = (fields.get("organizerUi") or {}).get("organizerValues") or {}
    if organizer.get("email"):
        event.add("organizer", _person(organizer))
    attendees = (fields.get("attendeesUi") or {}).get("attendeeValues") or []
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        if attendee.get("email"):
            address = _person(attendee)
            address.params["RSVP"] = "TRUE" if attendee.get("rsvp") else "FALSE"
            event.add("attendee", address)


def _person(person: dict[str, Any]) -> vCalAddress:
    address = vCalAddress(f"mailto:{person['email']}")
    if person.get("name"):
        address.params["CN"] = vText(person["name"])
    return address


def _rrule(text: str) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    for part in text.removeprefix("RRULE:").split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            rule[key.strip()] = value.strip().split(",") if "," in value else value.strip()
    return rule


# --- parsing -----------------------------------------------------------------------------------

_DATES = {"DTSTART": "start", "DTEND": "end", "DTSTAMP": "stamp", "CREATED": "created", "LAST-MODIFIED": "lastModified"}
_TEXTS = {"UID": "uid", "SUMMARY": "summary", "DESCRIPTION": "description", "LOCATION": "location",
          "URL": "url", "STATUS": "status", "CLASS": "class", "TRANSP": "timeTransparent"}


def parse_calendar(content: str) -> dict[str, Any]:
    """A calendar as json: {version, prodId, method?, name?, events: [...]}. Raises
    NodeOperationError when the text is not iCalendar."""
    try:
        calendar = Calendar.from_ical(content)
    except (ValueError, IndexError, KeyError) as error:
        raise NodeOperationError(f"The file is not a valid iCalendar file: {error}") from None
    data: dict[str, Any] = {"version": str(calendar.get("VERSION", "")), "prodId": str(calendar.get("PRODID", ""))}
    if calendar.get("METHOD"):
        data["method"] = str(calendar["METHOD"])
    if calendar.get("X-WR-CALNAME"):
        data["name"] = str(calendar["X-WR-CALNAME"])
    data["events"] = [_event(component) for component in calendar.walk("VEVENT")]
    return data


def _date_object(prop: Any) -> dict[str, Any]:
    value = prop.dt
    if isinstance(value, dt.datetime):
        result: dict[str, Any] = {"date": value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value.tzinfo
                                  else value.isoformat(), "type": "DATE-TIME"}
        tzid = prop.params.get("TZID")
        if tzid:
            result["local"] = {"date": value.replace(tzinfo=None).isoformat(), "timezone": str(tzid)}
        return result
    return {"date": value.isoformat(), "type": "DATE"}


def _event(component: Any) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for name, key in _TEXTS.items():
        if component.get(name) is not None:
            event[key] = str(component[name])
    for name, key in _DATES.items():
        if component.get(name) is not None:
            event[key] = _date_object(component[name])
    if component.get("SEQUENCE") is not None:
        event["sequence"] = int(component["SEQUENCE"])
    if component.get("GEO") is not None:
        geo = component["GEO"]
        event["geo"] = {"lat": geo.latitude, "lon": geo.longitude}
    if component.get("RRULE") is not None:
        event["recurrenceRule"] = component["RRULE"].to_ical().decode()
    if component.get("ORGANIZER") is not None:
        event["organizer"] = _address(component["ORGANIZER"])
    attendees = component.get("ATTENDEE")
    if attendees is not None:
        event["attendees"] = [_address(a) for a in (attendees if isinstance(attendees, list) else [attendees])]
    return event


def _address(value: Any) -> dict[str, Any]:
    person: dict[str, Any] = {"email": str(value).removeprefix("mailto:").removeprefix("MAILTO:")}
    if value.params.get("CN"):
        person["name"] = str(value.params["CN"])
    if value.params.get("RSVP"):
        person["rsvp"] = str(value.params["RSVP"]).upper() == "TRUE"
    return person
