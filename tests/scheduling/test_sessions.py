"""Guidance sessions from repeat rules: closing days, daylight saving, overlaps, modes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import bearer, login

from sotesilta.core.kernel.clock import local_to_utc
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.scheduling.domain.sessions import (
    ClosingDayPolicy,
    SessionPattern,
    TimeRange,
    plan_sessions,
)

NINE_TO_THREE = TimeRange(time(9), time(15))


def test_sessions_skip_public_holidays_and_optionally_the_eves():
    # Tuesdays of 2026 that are closed: none; use Fridays: Good Friday 3 April, Midsummer Eve 19 June
    pattern = SessionPattern(weekday=4, hours=NINE_TO_THREE, interval_weeks=1, anchor=date(2026, 3, 27))
    days = [p.day for p in plan_sessions(pattern, date(2026, 3, 27), date(2026, 6, 27), ClosingDayPolicy())]
    assert date(2026, 4, 3) not in days and date(2026, 6, 19) not in days and date(2026, 4, 10) in days
    open_on_eve = ClosingDayPolicy(closed_on_midsummer_eve=False)
    days = [p.day for p in plan_sessions(pattern, date(2026, 6, 1), date(2026, 6, 27), open_on_eve)]
    assert date(2026, 6, 19) in days
    extra = ClosingDayPolicy(extra_closed_dates=frozenset({date(2026, 4, 10)}))
    days = [p.day for p in plan_sessions(pattern, date(2026, 3, 27), date(2026, 4, 30), extra)]
    assert date(2026, 4, 10) not in days


def test_every_second_week_alternates_from_the_anchor():
    week_a = SessionPattern(weekday=1, hours=NINE_TO_THREE, interval_weeks=2, anchor=date(2026, 3, 3))
    week_b = SessionPattern(weekday=1, hours=NINE_TO_THREE, interval_weeks=2, anchor=date(2026, 3, 10))
    a = list(week_a.dates(date(2026, 3, 1), date(2026, 4, 1)))
    b = list(week_b.dates(date(2026, 3, 1), date(2026, 4, 1)))
    assert a == [date(2026, 3, 3), date(2026, 3, 17), date(2026, 3, 31)]
    assert b == [date(2026, 3, 10), date(2026, 3, 24)]


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 24), 7),  # EET, UTC+2
        (date(2026, 3, 29), 6),  # spring change day (a Sunday): EEST from 04:00, UTC+3
        (date(2026, 3, 31), 6),
        (date(2026, 10, 25), 7),  # autumn change day: back to UTC+2 at 04:00
        (date(2026, 10, 20), 6),
    ],
)
def test_slots_keep_their_wall_clock_time_across_daylight_saving(day, utc_hour):
    pattern = SessionPattern(
        weekday=day.weekday(),
        hours=NINE_TO_THREE,
        interval_weeks=1,
        anchor=day,
        slot_minutes=60,
        breaks=(TimeRange(time(11, 30), time(12)),),
    )
    (session,) = plan_sessions(pattern, day, day + timedelta(days=1), ClosingDayPolicy())
    assert session.starts_at == datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert [s.hour for s, _ in session.slots] == [
        utc_hour,
        utc_hour + 1,
        utc_hour + 3,
        utc_hour + 4,
        utc_hour + 5,
    ]
    assert all((end - start).total_seconds() == 3600 for start, end in session.slots)


@given(
    day=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    hour=st.integers(5, 20),
    minute=st.sampled_from([0, 15, 30, 45]),
)
def test_local_to_utc_round_trips_through_helsinki_time(day, hour, minute):
    from sotesilta.core.kernel.clock import HELSINKI

    moment = local_to_utc(day, time(hour, minute))
    assert moment.tzinfo is UTC
    local = moment.astimezone(HELSINKI)
    assert (local.date(), local.hour, local.minute) == (day, hour, minute)
    assert moment.utcoffset().total_seconds() == 0


def test_slots_skip_breaks_and_the_walk_in_time():
    pattern = SessionPattern(
        weekday=1,
        hours=NINE_TO_THREE,
        interval_weeks=1,
        anchor=date(2026, 3, 3),
        slot_minutes=45,
        breaks=(TimeRange(time(11, 30), time(12)),),
        walk_in=TimeRange(time(9), time(10, 30)),
        walk_in_capacity=5,
    )
    assert [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M")) for s in pattern.slot_times()] == [
        ("10:30", "11:15"),
        ("12:00", "12:45"),
        ("12:45", "13:30"),
        ("13:30", "14:15"),
        ("14:15", "15:00"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"anchor": date(2026, 3, 4)}, "first_date"),
        ({"interval_weeks": 0}, "interval_weeks"),
        ({"slot_minutes": 5}, "slot_minutes"),
        ({"breaks": (TimeRange(time(8), time(9, 30)),)}, "breaks"),
        ({"walk_in": TimeRange(time(9), time(10))}, "walk_in_capacity"),
        ({"walk_in_capacity": 3}, "walk_in_capacity"),
        ({"until": date(2026, 3, 1)}, "until"),
    ],
)
def test_malformed_rules_name_the_field(kwargs, field):
    values = {"weekday": 1, "hours": NINE_TO_THREE, "interval_weeks": 1, "anchor": date(2026, 3, 3)} | kwargs
    with pytest.raises(InputInvalid) as caught:
        SessionPattern(**values)
    assert caught.value.field == field


def rule_body(scheduling, **changes):  # type: ignore[no-untyped-def]
    return {
        "worker_id": scheduling.worker_id,
        "station_id": scheduling.station_id,
        "weekday": 3,
        "start": "09:00",
        "end": "12:00",
        "first_date": "2026-03-05",
        "interval_weeks": 2,
        "slot_minutes": 60,
    } | changes


def test_an_instructor_defines_a_rule_and_sessions_appear(client, scheduling):
    instructor = bearer(login(client, "espoo.instructor"))
    created = client.post("/api/v1/session-rules", json=rule_body(scheduling), headers=instructor)
    assert created.status_code == 201, created.text
    # every second Thursday for twelve weeks, less Ascension Day (Thursday 14 May 2026)
    assert created.json()["sessions_created"] == 5
    listed = client.get(
        "/api/v1/sessions",
        params={"start": "2026-03-05T00:00:00Z", "until": "2026-03-06T00:00:00Z"},
        headers=instructor,
    ).json()
    assert [(s["starts_at"], s["slots"], s["booked"]) for s in listed] == [("2026-03-05T07:00:00Z", 3, 0)]


def test_an_overlapping_rule_is_refused_whole(client, scheduling, runtime):
    instructor = bearer(login(client, "espoo.instructor"))
    before = client.get("/api/v1/sessions", headers=instructor).json()
    # the fixture's rule is every Tuesday 9-12; this one is Tuesdays 11-13 at another station
    from conftest import station_id

    clash = rule_body(
        scheduling,
        weekday=1,
        start="11:00",
        end="13:00",
        first_date="2026-03-03",
        station_id=station_id(runtime, "espoo-tapiola"),
    )
    refused = client.post("/api/v1/session-rules", json=clash, headers=instructor)
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/session-overlap"
    assert refused.json()["date"] == "2026-03-03"
    assert client.get("/api/v1/sessions", headers=instructor).json() == before


def test_walk_in_time_is_refused_where_the_station_takes_bookings_only(client, scheduling):
    instructor = bearer(login(client, "espoo.instructor"))
    body = rule_body(scheduling, walk_in={"start": "09:00", "end": "10:00"}, walk_in_capacity=4)
    refused = client.post("/api/v1/session-rules", json=body, headers=instructor)
    assert refused.status_code == 422 and refused.json()["type"] == "/problems/booking-mode-not-allowed"


def test_only_admins_or_the_worker_themself_define_rules(client, scheduling, make_user):
    make_user("espoo.instructor2", ["instructor"], ["049"])
    other = bearer(login(client, "espoo.instructor2"))
    assert client.post("/api/v1/session-rules", json=rule_body(scheduling), headers=other).status_code == 403
    nurse = bearer(login(client, "espoo.nurse"))
    assert client.post("/api/v1/session-rules", json=rule_body(scheduling), headers=nurse).status_code == 403
    admin = bearer(login(client, "espoo.admin"))
    assert client.post("/api/v1/session-rules", json=rule_body(scheduling), headers=admin).status_code == 201
    lohja = bearer(login(client, "lohja.instructor"))
    assert client.post("/api/v1/session-rules", json=rule_body(scheduling), headers=lohja).status_code in (
        403,
        404,
    )


def test_a_remote_session_needs_an_https_video_link(client, scheduling):
    instructor = bearer(login(client, "espoo.instructor"))
    no_link = client.post(
        "/api/v1/session-rules", json=rule_body(scheduling, mode="remote"), headers=instructor
    )
    assert no_link.status_code == 422 and no_link.json()["errors"][0]["field"] == "video_link"
    plain = rule_body(scheduling, mode="remote", video_link="http://video.example/room")
    assert client.post("/api/v1/session-rules", json=plain, headers=instructor).status_code == 422
    good = rule_body(scheduling, mode="remote", video_link="https://video.example/room/7")
    assert client.post("/api/v1/session-rules", json=good, headers=instructor).status_code == 201


def test_extending_the_horizon_is_idempotent(runtime, scheduling, clock):
    from sotesilta.core.scheduling.service import sessions

    clock.advance(weeks=4)
    with runtime.uow() as uow:
        added = sessions.extend_horizon(
            uow,
        )
    with runtime.uow() as uow:
        again = sessions.extend_horizon(
            uow,
        )
    assert added == 4 and again == 0


def test_the_database_refuses_overlapping_sessions_of_one_worker(runtime, scheduling):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from sotesilta.core.scheduling.tables import GuidanceSession

    with runtime.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(
            insert(GuidanceSession).values(
                worker_id=scheduling.worker_id,
                station_id=scheduling.station_id,
                local_date=date(2026, 3, 3),
                starts_at=datetime(2026, 3, 3, 9, tzinfo=UTC),
                ends_at=datetime(2026, 3, 3, 11, tzinfo=UTC),
                walk_in_capacity=0,
                mode="on_site",
                status="scheduled",
            )
        )
        uow.commit()


def test_a_naive_time_in_a_query_is_refused(client, scheduling):
    instructor = bearer(login(client, "espoo.instructor"))
    response = client.get("/api/v1/sessions", params={"start": "2026-03-05T00:00:00"}, headers=instructor)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "start"
