"""Schedule Trigger, Cron and Interval: the moments they fire, in the workflow's zone and across
DST, the recurrence of intervals cron cannot say, and the item a Schedule Trigger emits."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.registry import NodeRegistry
from engine.workflow import parse_workflow
from nodes.schedule.rules import ScheduleError, schedule_item, seeded

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")


def schedule_of(registry: NodeRegistry, node_type: str, version: float, timezone: ZoneInfo = UTC,  # type: ignore[assignment]
                **parameters: Any) -> Any:
    document = {"nodes": [{"name": "T", "type": node_type, "typeVersion": version, "parameters": parameters}],
                "connections": {}}
    node = parse_workflow(document, registry).node("T")
    return registry.get(node_type).schedule(node, "wf:T", timezone)


def fires(schedule: Any, start: dt.datetime, count: int) -> list[dt.datetime]:
    moments, moment = [], start
    while len(moments) < count:
        moment, rules = schedule.next_fire(moment)
        if schedule.due(rules, moment, state := getattr(schedule, "_state", {})):
            moments.append(moment)
        schedule._state = state
    return moments


def test_every_n_seconds_and_minutes(registry: NodeRegistry) -> None:
    seconds = schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2,
                          rule={"interval": [{"field": "seconds", "secondsInterval": 15}]})
    start = dt.datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC)
    assert [m.second for m in fires(seconds, start, 4)] == [15, 30, 45, 0]

    minutes = schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2,
                          rule={"interval": [{"field": "minutes", "minutesInterval": 10}]})
    got = fires(minutes, start, 3)
    second = seeded("wf:T", "second:0", 60)  # n8n's random second, fixed per node
    assert [(m.minute, m.second) for m in got] == [(0, second), (10, second), (20, second)]


def test_days_at_an_hour_in_the_workflow_zone_across_the_spring_gap(registry: NodeRegistry) -> None:
    daily = schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2, BERLIN,
                        rule={"interval": [{"field": "days", "triggerAtHour": 2, "triggerAtMinute": 30}]})
    got = fires(daily, dt.datetime(2026, 3, 27, 12, tzinfo=BERLIN), 3)
    # 2:30 does not exist on 2026-03-29 in Berlin: that day it fires once, at 3:00
    assert [(m.day, m.hour, m.minute) for m in got] == [(28, 2, 30), (29, 3, 0), (30, 2, 30)]
    assert got[0].utcoffset() == dt.timedelta(hours=1) and got[2].utcoffset() == dt.timedelta(hours=2)


def test_every_three_days_counts_from_the_last_fire_across_month_ends(registry: NodeRegistry) -> None:
    every3 = schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2,
                         rule={"interval": [{"field": "days", "daysInterval": 3, "triggerAtHour": 9, "triggerAtMinute": 0}]})
    got = fires(every3, dt.datetime(2026, 1, 28, 12, tzinfo=UTC), 4)
    assert [m.date().isoformat() for m in got] == ["2026-01-29", "2026-02-01", "2026-02-04", "2026-02-07"]


def test_weeks_fire_on_each_chosen_weekday_every_other_week(registry: NodeRegistry) -> None:
    biweekly = schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2, rule={"interval": [
        {"field": "weeks", "weeksInterval": 2, "triggerAtDay": [1, 3], "triggerAtHour": 8, "triggerAtMinute": 0}]})
    got = fires(biweekly, dt.datetime(2026, 1, 4, tzinfo=UTC), 4)  # a Sunday
    assert [m.date().isoformat() for m in got] == ["2026-01-05", "2026-01-07", "2026-01-19", "2026-01-21"]


def test_months_and_cron_with_seconds(registry: NodeRegistry) -> None:
    monthly = schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2, rule={"interval": [
        {"field": "months", "monthsInterval": 2, "triggerAtDayOfMonth": 15, "triggerAtHour": 6, "triggerAtMinute": 0}]})
    got = fires(monthly, dt.datetime(2026, 11, 20, tzinfo=UTC), 2)
    assert [m.date().isoformat() for m in got] == ["2026-12-15", "2027-02-15"]

    cron = schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2,
                       rule={"interval": [{"field": "cronExpression", "expression": "*/20 * * * * *"}]})
    assert [m.second for m in fires(cron, dt.datetime(2026, 1, 1, tzinfo=UTC), 3)] == [20, 40, 0]


def test_several_rules_fire_at_their_earliest_moment(registry: NodeRegistry) -> None:
    both = schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2, rule={"interval": [
        {"field": "cronExpression", "expression": "0 0 * * * *"},
        {"field": "cronExpression", "expression": "0 30 * * * *"}]})
    got = fires(both, dt.datetime(2026, 1, 1, 10, 10, tzinfo=UTC), 3)
    assert [m.strftime("%H:%M") for m in got] == ["10:30", "11:00", "11:30"]


def test_a_bad_cron_expression_is_named(registry: NodeRegistry) -> None:
    with pytest.raises(ScheduleError, match="Invalid cron expression 'every day'") as raised:
        schedule_of(registry, "n8n-nodes-base.scheduleTrigger", 1.2,
                    rule={"interval": [{"field": "cronExpression", "expression": "every day"}]})
    assert raised.value.node == "T"


def test_legacy_cron_and_interval(registry: NodeRegistry) -> None:
    cron = schedule_of(registry, "n8n-nodes-base.cron", 1, triggerTimes={"item": [
        {"mode": "everyWeek", "hour": 7, "minute": 15, "weekday": 5}, {"mode": "custom", "cronExpression": "0 0 1 1 *"}]})
    got = fires(cron, dt.datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC), 2)
    assert [(m.date().isoformat(), m.hour, m.minute) for m in got] == [("2026-01-02", 7, 15), ("2026-01-09", 7, 15)]

    interval = schedule_of(registry, "n8n-nodes-base.interval", 1, interval=90, unit="seconds")
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    interval.started = start
    assert fires(interval, start, 2) == [start + dt.timedelta(seconds=90), start + dt.timedelta(seconds=180)]
    with pytest.raises(ScheduleError, match="at least 1"):
        schedule_of(registry, "n8n-nodes-base.interval", 1, interval=0)


def test_the_item_is_n8n_shaped() -> None:
    moment = dt.datetime(2026, 12, 1, 17, 5, 9, tzinfo=BERLIN)
    assert schedule_item(moment, "Europe/Berlin") == {
        "timestamp": "2026-12-01T17:05:09.000+01:00",
        "Readable date": "December 1st 2026, 5:05:09 pm",
        "Readable time": "5:05:09 pm",
        "Day of week": "Tuesday",
        "Year": "2026", "Month": "December", "Day of month": "01",
        "Hour": "17", "Minute": "05", "Second": "09",
        "Timezone": "Europe/Berlin (UTC+01:00)",
    }


async def test_run_by_hand_it_emits_an_item_for_now(run: Any) -> None:
    from engine.ports import FrozenClock, Services

    document = {"nodes": [{"name": "Every day", "type": "n8n-nodes-base.scheduleTrigger", "typeVersion": 1.2,
                           "parameters": {}}], "connections": {}, "settings": {"timezone": "America/New_York"}}
    result = await run(document, Services(clock=FrozenClock(dt.datetime(2026, 7, 4, 16, 0, tzinfo=UTC))))
    item = result.output_of("Every day")[0].json
    assert item["Hour"] == "12" and item["Timezone"] == "America/New_York (UTC-04:00)"
