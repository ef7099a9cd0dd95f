"""Changing session rules going forward (endSessionRule, listSessionRules) and part-day absences,
through the use cases and the API, on both databases. The clock says Monday 2 March 2026, 10.00."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from conftest import add_worker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from support import bearer, login

from sotesilta.core.kernel.clock import local_to_utc
from sotesilta.core.scheduling.service import rules as session_rules
from sotesilta.core.scheduling.service import sessions
from sotesilta.core.scheduling.service.rules import SessionRuleHasBookings
from sotesilta.core.scheduling.tables import Booking, GuidanceSession, SessionRule, Slot, WorkerBusy

THURSDAY = date(2026, 3, 5)


def book_slot(client, nurse_token: str, slot_id: int) -> int:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/bookings",
        json={"slot_id": slot_id, "reasons": ["loneliness"], "client": {"name": "Asiakas", "age": 40}},
        headers=bearer(nurse_token),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def rule_slots(runtime, rule_id: int) -> list[tuple[int, date]]:  # type: ignore[no-untyped-def]
    """The rule's slots in time order, each with its session's Helsinki day."""
    with runtime.uow() as uow:
        rows = uow.session.execute(
            select(Slot.id, GuidanceSession.local_date)
            .join(GuidanceSession, GuidanceSession.id == Slot.session_id)
            .where(GuidanceSession.rule_id == rule_id)
            .order_by(Slot.starts_at)
        ).all()
    return [(int(a), b) for a, b in rows]


def new_thursday_rule(runtime, admin, worker_id: int, station_id: int) -> int:  # type: ignore[no-untyped-def]
    """Thursdays 13-15 with two one-hour times, from 5 March 2026."""
    with runtime.uow() as uow:
        rule, _ = sessions.create_session_rule(
            uow,
            principal=admin,
            draft=sessions.SessionRuleDraft(
                worker_id=worker_id,
                station_id=station_id,
                weekday=3,
                start=time(13),
                end=time(15),
                first_date=THURSDAY,
                slot_minutes=60,
            ),
        )
        return int(rule.id or 0)


def end(runtime, principal, rule_id: int, from_date: date, **kwargs):  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return session_rules.end_session_rule(
            uow,
            principal=principal,
            rule_id=rule_id,
            from_date=from_date,
            **kwargs,
        )


def statuses(runtime, rule_id: int) -> dict[date, str]:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return dict(
            uow.session.execute(
                select(GuidanceSession.local_date, GuidanceSession.status).where(
                    GuidanceSession.rule_id == rule_id
                )
            ).all()
        )


def test_ending_a_rule_cancels_its_later_sessions_and_stops_generation(
    runtime, scheduling, principal_of, clock
):
    admin = principal_of(scheduling.admin)
    ended = end(runtime, admin, scheduling.rule_id, date(2026, 3, 17))
    assert ended.until == date(2026, 3, 16) and ended.orphaned_bookings == 0 and ended.kept_sessions == 0
    by_day = statuses(runtime, scheduling.rule_id)
    assert by_day[date(2026, 3, 3)] == by_day[date(2026, 3, 10)] == "scheduled"
    later = [d for d in by_day if d >= date(2026, 3, 17)]
    assert later and all(by_day[d] == "cancelled" for d in later)
    assert ended.cancelled_sessions == len(later)
    clock.advance(weeks=8)
    with runtime.uow() as uow:
        sessions.extend_horizon(
            uow,
        )
    assert not [
        d for d, s in statuses(runtime, scheduling.rule_id).items() if s == "scheduled" and d > ended.until
    ]


def test_a_booking_refuses_the_end_unless_it_is_orphaned(client, runtime, scheduling, principal_of):
    admin = principal_of(scheduling.admin)
    nurse = login(client, scheduling.nurse.username)
    (slot_id, _day), *_ = [s for s in rule_slots(runtime, scheduling.rule_id) if s[1] == date(2026, 3, 10)]
    booking_id = book_slot(client, nurse, slot_id)
    with pytest.raises(SessionRuleHasBookings) as refused:
        end(runtime, admin, scheduling.rule_id, date(2026, 3, 4))
    assert refused.value.extra["bookings"] == 1
    assert set(statuses(runtime, scheduling.rule_id).values()) == {"scheduled"}  # nothing written
    with runtime.uow() as uow:
        assert uow.session.get(SessionRule, scheduling.rule_id).until_date is None
    ended = end(runtime, admin, scheduling.rule_id, date(2026, 3, 4), orphan=True)
    assert ended.orphaned_bookings == 1
    orphaned = client.get("/api/v1/bookings/orphaned", headers=bearer(nurse)).json()
    assert [o["booking"]["id"] for o in orphaned] == [booking_id]


def test_a_replacement_rule_starts_in_the_same_change_or_nothing_changes(runtime, scheduling, principal_of):
    admin = principal_of(scheduling.admin)
    draft = sessions.SessionRuleDraft(
        worker_id=scheduling.worker_id,
        station_id=scheduling.station_id,
        weekday=1,
        start=time(12),
        end=time(14),
        first_date=date(2026, 3, 17),
        slot_minutes=30,
    )
    too_early = sessions.SessionRuleDraft(**{**vars(draft), "first_date": date(2026, 3, 10)})
    with pytest.raises(Exception) as refused:
        end(runtime, admin, scheduling.rule_id, date(2026, 3, 17), replacement=too_early)
    assert getattr(refused.value, "field", None) == "first_date"
    assert set(statuses(runtime, scheduling.rule_id).values()) == {"scheduled"}
    ended = end(runtime, admin, scheduling.rule_id, date(2026, 3, 17), replacement=draft)
    assert ended.replacement_id and ended.replacement_sessions > 0
    with runtime.uow() as uow:
        new_slots = uow.session.scalars(
            select(Slot.starts_at)
            .join(GuidanceSession, GuidanceSession.id == Slot.session_id)
            .where(GuidanceSession.rule_id == ended.replacement_id)
            .order_by(Slot.starts_at)
        ).all()
    assert new_slots[0] == local_to_utc(date(2026, 3, 17), time(12))  # the old hours' day, new hours


@pytest.mark.parametrize(
    ("from_date", "field"),
    [(date(2026, 3, 1), "from_date")],  # yesterday
)
def test_a_rule_cannot_be_ended_in_the_past(runtime, scheduling, principal_of, from_date, field):
    with pytest.raises(Exception) as refused:
        end(runtime, principal_of(scheduling.admin), scheduling.rule_id, from_date)
    assert refused.value.field == field


def test_the_api_lists_rules_and_ends_one_with_problem_details(client, scheduling):
    admin = bearer(login(client, scheduling.admin.username))
    nurse = login(client, scheduling.nurse.username)
    rules = client.get("/api/v1/session-rules", headers=admin).json()
    [rule] = [r for r in rules if r["id"] == scheduling.rule_id]
    assert (rule["weekday"], rule["start"], rule["slot_minutes"], rule["upcoming_bookings"]) == (
        1,
        "09:00:00",
        45,
        0,
    )
    free = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id, "limit": 1},
        headers=bearer(nurse),
    ).json()
    book_slot(client, nurse, free[0]["slot_id"])
    refused = client.post(
        f"/api/v1/session-rules/{scheduling.rule_id}/end", json={"from_date": "2026-03-03"}, headers=admin
    )
    assert refused.status_code == 409 and refused.json()["type"].endswith("session-rule-has-bookings")
    assert refused.json()["bookings"] == 1
    bad = client.post(
        f"/api/v1/session-rules/{scheduling.rule_id}/end", json={"from_date": "3.3.2026"}, headers=admin
    )
    assert bad.status_code in (400, 422)
    done = client.post(
        f"/api/v1/session-rules/{scheduling.rule_id}/end",
        json={"from_date": "2026-03-03", "orphan_bookings": True},
        headers=admin,
    )
    assert done.status_code == 200, done.text
    assert done.json()["orphaned_bookings"] == 1 and done.json()["until"] == "2026-03-02"
    [rule] = [
        r for r in client.get("/api/v1/session-rules", headers=admin).json() if r["id"] == scheduling.rule_id
    ]
    assert rule["upcoming_sessions"] == 0 and not rule["active"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    picks=st.sets(st.integers(0, 23), max_size=5),
    offset=st.integers(0, 100),
    orphan=st.booleans(),
)
def test_ending_a_rule_never_loses_a_booking(
    client, runtime, scheduling, principal_of, picks, offset, orphan
):
    """Every booking in the ended range stays active in a kept session, or is orphaned and listed."""
    admin = principal_of(scheduling.admin)
    nurse = login(client, scheduling.nurse.username)
    worker = add_worker(runtime, None, "049", f"Ohjaaja {offset}-{len(picks)}-{orphan}")
    rule_id = new_thursday_rule(runtime, admin, worker, scheduling.station_id)
    slots = rule_slots(runtime, rule_id)
    assert len(slots) >= 20  # Thursdays for twelve weeks, two times each (Ascension Day closed)
    booked = {book_slot(client, nurse, slots[i][0]): slots[i][1] for i in sorted(picks) if i < len(slots)}
    from_date = date(2026, 3, 2) + timedelta(days=offset)
    try:
        end(runtime, admin, rule_id, from_date, orphan=orphan)
    except SessionRuleHasBookings:
        assert not orphan and any(day >= from_date for day in booked.values())
        assert "cancelled" not in statuses(runtime, rule_id).values()
        return
    listed = {
        o["booking"]["id"] for o in client.get("/api/v1/bookings/orphaned", headers=bearer(nurse)).json()
    }
    by_day = statuses(runtime, rule_id)
    with runtime.uow() as uow:
        for booking_id, day in booked.items():
            status = uow.session.get(Booking, booking_id).status
            if day < from_date or not orphan:
                assert status == "booked" and by_day[day] == "scheduled"
            else:
                assert status == "cancelled" and booking_id in listed
    assert all(status == "cancelled" for day, status in by_day.items() if day >= from_date)


# --- part-day absences ----------------------------------------------------------------


def absence(runtime, principal, worker_id: int, day: date, start: time, stop: time):  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return sessions.record_absence(
            uow,
            principal=principal,
            worker_id=worker_id,
            starts_at=local_to_utc(day, start),
            ends_at=local_to_utc(day, stop),
            reason="Lääkäri",
        )


def test_a_part_day_absence_orphans_only_the_bookings_it_overlaps(client, runtime, scheduling, principal_of):
    nurse = login(client, scheduling.nurse.username)
    tuesday = [s for s in rule_slots(runtime, scheduling.rule_id) if s[1] == date(2026, 3, 3)]
    early = book_slot(client, nurse, tuesday[0][0])  # 9.00-9.45
    late = book_slot(client, nurse, tuesday[3][0])  # 11.15-12.00
    result = absence(
        runtime, principal_of(scheduling.admin), scheduling.worker_id, date(2026, 3, 3), time(11), time(12)
    )
    assert (result.cancelled_sessions, result.partly_blocked_sessions, result.orphaned_bookings) == (0, 1, 1)
    with runtime.uow() as uow:
        assert uow.session.get(Booking, early).status == "booked"
        assert uow.session.get(Booking, late).status == "cancelled"
        assert statuses(runtime, scheduling.rule_id)[date(2026, 3, 3)] == "scheduled"
        assert uow.session.scalar(select(func.count()).select_from(WorkerBusy)) == 1
    free = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id, "limit": 20},
        headers=bearer(nurse),
    ).json()
    tuesday_free = {s["slot_id"] for s in free} & {s[0] for s in tuesday}
    assert tuesday_free == {tuesday[1][0]}  # 9.45-10.30; 10.30-11.15 overlaps 11.00, so it is closed too


def test_an_absence_over_the_whole_session_still_cancels_it(client, runtime, scheduling, principal_of):
    result = absence(
        runtime, principal_of(scheduling.admin), scheduling.worker_id, date(2026, 3, 3), time(8), time(13)
    )
    assert (result.cancelled_sessions, result.partly_blocked_sessions) == (1, 0)
    assert statuses(runtime, scheduling.rule_id)[date(2026, 3, 3)] == "cancelled"


def test_a_part_day_absence_keeps_wall_clock_time_across_daylight_saving(runtime, scheduling, principal_of):
    """Tuesday 31 March 2026 is in summer time (UTC+3): 9-10 Helsinki is 6-7 UTC."""
    admin = principal_of(scheduling.admin)
    result = absence(runtime, admin, scheduling.worker_id, date(2026, 3, 31), time(9), time(10))
    with runtime.uow() as uow:
        busy = uow.session.scalars(select(WorkerBusy)).one()
        assert (busy.starts_at.hour, busy.ends_at.hour) == (6, 7)
    assert result.partly_blocked_sessions == 1
