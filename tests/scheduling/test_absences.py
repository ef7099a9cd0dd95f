"""Absences before and after: the preview of what one will cancel, the list, and undo.

The fixture's instructor Elina receives at Leppävaara every Tuesday 9-12 in 45-minute
slots (9.00, 9.45, 10.30, 11.15) from 3 March 2026; the clock says Monday 2 March.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from page_support import book
from sqlalchemy import func, select

from sotesilta.core.kernel.errors import RecordNotFound, StateConflict
from sotesilta.core.scheduling.service import absences, bookings, sessions
from sotesilta.core.scheduling.tables import (
    Absence,
    AbsenceBooking,
    Booking,
    GuidanceSession,
    WorkerBusy,
)

#: Tuesday 3 March 2026 in Helsinki (UTC+2)
DAY_START = datetime(2026, 3, 2, 22, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)


@pytest.fixture
def admin(principal_of, scheduling):  # type: ignore[no-untyped-def]
    return principal_of(scheduling.admin)


@pytest.fixture
def nurse(principal_of, scheduling):  # type: ignore[no-untyped-def]
    return principal_of(scheduling.nurse)


def record(runtime, admin, scheduling, starts_at=DAY_START, ends_at=DAY_END) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return sessions.record_absence(
            uow,
            principal=admin,
            worker_id=scheduling.worker_id,
            starts_at=starts_at,
            ends_at=ends_at,
            reason="Koulutus",
        ).absence_id


def undo(runtime, admin, absence_id: int) -> absences.AbsenceView:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return absences.undo_absence(uow, principal=admin, absence_id=absence_id)


def status(runtime, booking_id: int) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    """The booking's status, and whether it waits on its booker's list of times to rebook."""
    with runtime.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
        return booking.status, booking.orphaned_at is not None and booking.orphan_resolved_at is None


def session_status(runtime, day_start=DAY_START) -> str:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return uow.session.scalar(
            select(GuidanceSession.status).where(
                GuidanceSession.starts_at >= day_start,
                GuidanceSession.starts_at < day_start + timedelta(days=1),
            )
        )


def outcomes(view: absences.AbsenceView) -> list[str | None]:
    return [b.undo_outcome for b in view.bookings]


# --- preview ------------------------------------------------------------------------


def test_the_preview_shows_the_sessions_and_bookings_an_absence_will_cancel_and_writes_nothing(
    client, runtime, scheduling, admin
):
    first = book(client, scheduling, name="Eka")
    second = book(client, scheduling, name="Toka", index=1)
    with runtime.uow() as uow:
        preview = absences.preview_absence(
            uow,
            principal=admin,
            worker_id=scheduling.worker_id,
            starts_at=DAY_START,
            ends_at=DAY_END,
            reason="Koulutus",
        )
    assert preview.worker_name == "Elina Ohjaaja"
    assert [(s.starts_at.hour, s.whole) for s in preview.sessions] == [(7, True)]  # 9.00 Helsinki
    assert [b.booking_id for b in preview.bookings] == [first, second]
    assert {b.booked_by_name for b in preview.bookings} == {"Espoo.Nurse"}  # who booked: never the client
    assert "Eka" not in repr(preview)
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Absence)) == 0
    assert status(runtime, first) == ("booked", False) and session_status(runtime) == "scheduled"


def test_a_part_day_preview_names_only_the_bookings_in_its_times(client, runtime, scheduling, admin):
    early = book(client, scheduling, name="Aamu")  # 9.00-9.45
    late = book(client, scheduling, name="Ilta", index=2)  # 11.15-12.00 (the third free one left)
    with runtime.uow() as uow:
        preview = absences.preview_absence(
            uow,
            principal=admin,
            worker_id=scheduling.worker_id,
            starts_at=DAY_START + timedelta(hours=11),  # 11.00 Helsinki
            ends_at=DAY_END,
            reason="Lääkäri",
        )
    assert [s.whole for s in preview.sessions] == [False]
    assert [b.booking_id for b in preview.bookings] == [late]
    assert early != late


def test_a_preview_for_another_municipalitys_worker_is_not_found(
    runtime, scheduling, make_user, principal_of
):
    lohja_admin = principal_of(make_user("lohja.admin", ["admin"], ["444"]))
    with runtime.uow() as uow, pytest.raises(RecordNotFound):
        absences.preview_absence(
            uow,
            principal=lohja_admin,
            worker_id=scheduling.worker_id,
            starts_at=DAY_START,
            ends_at=DAY_END,
            reason="x",
        )


# --- undo -----------------------------------------------------------------------------


def test_undo_restores_the_session_and_the_bookings_still_waiting_but_not_rebooked_or_dismissed(
    client, runtime, scheduling, admin, nurse
):
    moved, dismissed, waiting = (book(client, scheduling, name=f"A{n}") for n in range(3))  # 9.00-11.15
    absence_id = record(runtime, admin, scheduling)
    assert session_status(runtime) == "cancelled" and status(runtime, waiting) == ("cancelled", True)
    with runtime.uow() as uow:
        next_week = uow.session.scalar(
            select(func.min(GuidanceSession.id)).where(GuidanceSession.starts_at > DAY_END)
        )
        from sotesilta.core.scheduling.tables import Slot

        slot_id = uow.session.scalar(select(func.min(Slot.id)).where(Slot.session_id == next_week))
    with runtime.uow() as uow:
        bookings.reschedule_booking(uow, principal=nurse, booking_id=moved, slot_id=slot_id, hold_id=None)
    with runtime.uow() as uow:
        bookings.cancel_booking(uow, principal=nurse, booking_id=dismissed, reason="Asiakas ei tarvitse")

    view = undo(runtime, admin, absence_id)

    assert session_status(runtime) == "scheduled"
    assert [s.undo_outcome for s in view.sessions] == ["restored"]
    assert dict(zip([b.booking_id for b in view.bookings], outcomes(view), strict=True)) == {
        moved: "rebooked",
        dismissed: "dismissed",
        waiting: "restored",
    }
    assert status(runtime, waiting) == ("booked", False)  # booked again and off the rebook list
    assert status(runtime, dismissed) == ("cancelled", False)
    with runtime.uow() as uow:
        assert bookings.list_orphaned_bookings(uow, principal=nurse) == []
        absence = uow.session.get(Absence, absence_id)
        assert absence.undone_at is not None and absence.undone_by == admin.user_id
    assert view.undone_by_name == "Espoo.Admin" and not view.undoable
    with pytest.raises(StateConflict):
        undo(runtime, admin, absence_id)


def test_what_has_begun_is_not_restored(client, runtime, scheduling, admin, clock):
    begun = book(client, scheduling, name="Aamu")  # 9.00
    later = book(client, scheduling, name="Myöhemmin", index=2)  # 11.15
    absence_id = record(runtime, admin, scheduling)
    clock.advance(days=1, hours=1)  # Tuesday 3 March 10.00 Helsinki: the session is under way
    view = undo(runtime, admin, absence_id)
    assert [s.undo_outcome for s in view.sessions] == ["restored"]
    assert dict(zip([b.booking_id for b in view.bookings], outcomes(view), strict=True)) == {
        begun: "past",
        later: "restored",
    }


def test_a_part_day_absence_undone_opens_its_times_again(client, runtime, scheduling, admin):
    late = book(client, scheduling, name="Ilta", index=3)  # 11.15
    absence_id = record(runtime, admin, scheduling, starts_at=DAY_START + timedelta(hours=11))
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(WorkerBusy)) == 1
    view = undo(runtime, admin, absence_id)
    assert [s.undo_outcome for s in view.sessions] == ["reopened"]
    assert outcomes(view) == ["restored"] and status(runtime, late) == ("booked", False)
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(WorkerBusy)) == 0


def test_what_another_absence_covers_stays_cancelled(client, runtime, scheduling, admin):
    booked = book(client, scheduling)
    first = record(runtime, admin, scheduling)
    record(runtime, admin, scheduling, starts_at=DAY_START + timedelta(hours=10))  # the same afternoon
    view = undo(runtime, admin, first)
    assert [s.undo_outcome for s in view.sessions] == ["other_absence"]
    assert outcomes(view) == ["session_cancelled"] and status(runtime, booked) == ("cancelled", True)
    assert session_status(runtime) == "cancelled"


def test_a_session_the_worker_has_another_at_the_same_time_is_not_restored(
    client, runtime, scheduling, admin
):
    """The database refuses two scheduled sessions of one worker at once; undo reports it."""
    booked = book(client, scheduling)
    absence_id = record(runtime, admin, scheduling)
    with runtime.uow() as uow:  # meanwhile: a one-off rule at another station that Tuesday
        from conftest import station_id

        sessions.create_session_rule(
            uow,
            principal=admin,
            draft=sessions.SessionRuleDraft(
                worker_id=scheduling.worker_id,
                station_id=station_id(runtime, "espoo-tapiola"),
                weekday=1,
                start=time(10),
                end=time(13),
                first_date=DAY_START.date() + timedelta(days=1),
                until=DAY_START.date() + timedelta(days=1),
            ),
        )
    view = undo(runtime, admin, absence_id)
    assert [s.undo_outcome for s in view.sessions] == ["overlap"]
    assert outcomes(view) == ["session_cancelled"] and status(runtime, booked) == ("cancelled", True)


def test_an_absence_of_before_the_undo_list_cannot_be_undone(runtime, scheduling, admin):
    absence_id = record(runtime, admin, scheduling)
    with runtime.uow() as uow:
        absence = uow.session.get(Absence, absence_id)
        absence.tracked = False  # as migration 0014 leaves the absences recorded before it
        uow.session.add(absence)
        uow.commit()
    with runtime.uow() as uow:
        assert not absences.get_absence(uow, principal=admin, absence_id=absence_id).undoable
    with pytest.raises(StateConflict):
        undo(runtime, admin, absence_id)


def test_another_municipalitys_admin_neither_sees_nor_undoes_it(
    runtime, scheduling, admin, make_user, principal_of
):
    absence_id = record(runtime, admin, scheduling)
    lohja_admin = principal_of(make_user("lohja.admin", ["admin"], ["444"]))
    with runtime.uow() as uow:
        assert absences.list_absences(uow, principal=lohja_admin) == []
    with pytest.raises(RecordNotFound):
        undo(runtime, lohja_admin, absence_id)


def test_the_list_shows_upcoming_and_recent_absences_with_who_recorded_them(
    client, runtime, scheduling, admin, clock
):
    book(client, scheduling)
    recent = record(runtime, admin, scheduling)
    upcoming = record(runtime, admin, scheduling, DAY_START + timedelta(days=7), DAY_END + timedelta(days=7))
    clock.advance(days=30)
    with runtime.uow() as uow:
        listed = absences.list_absences(uow, principal=admin)
    assert [(a.id, a.worker_name, a.recorded_by_name) for a in listed] == [
        (recent, "Elina Ohjaaja", "Espoo.Admin"),
        (upcoming, "Elina Ohjaaja", "Espoo.Admin"),
    ]
    assert (listed[0].cancelled_sessions, listed[0].cancelled_bookings) == (1, 1)
    clock.advance(days=60)  # both ended more than two months ago
    with runtime.uow() as uow:
        assert absences.list_absences(uow, principal=admin) == []


def test_recording_keeps_which_bookings_the_absence_cancelled(client, runtime, scheduling, admin):
    booked = book(client, scheduling)
    absence_id = record(runtime, admin, scheduling)
    with runtime.uow() as uow:
        assert uow.session.scalars(select(AbsenceBooking.booking_id)).all() == [booked]
        assert uow.session.get(Absence, absence_id).tracked


# --- the API ---------------------------------------------------------------------------


def test_the_api_previews_records_lists_and_undoes_an_absence(client, scheduling):
    from support import bearer, login

    booked = book(client, scheduling)
    headers = bearer(login(client, scheduling.admin.username))
    body = {
        "worker_id": scheduling.worker_id,
        "starts_at": "2026-03-03T00:00:00+02:00",
        "ends_at": "2026-03-04T00:00:00+02:00",
        "reason": "Koulutus",
    }
    preview = client.post("/api/v1/absences/preview", json=body, headers=headers)
    assert preview.status_code == 200, preview.text
    assert [b["booking_id"] for b in preview.json()["bookings"]] == [booked]
    assert client.get("/api/v1/absences", headers=headers).json() == []
    recorded = client.post("/api/v1/absences", json=body, headers=headers)
    assert recorded.status_code == 201, recorded.text
    absence_id = recorded.json()["id"]
    listed = client.get("/api/v1/absences", headers=headers).json()
    assert [(a["id"], a["cancelled_bookings"], a["undoable"]) for a in listed] == [(absence_id, 1, True)]
    undone = client.post(f"/api/v1/absences/{absence_id}/undo", headers=headers)
    assert undone.status_code == 200, undone.text
    assert [b["undo_outcome"] for b in undone.json()["bookings"]] == ["restored"]
    again = client.post(f"/api/v1/absences/{absence_id}/undo", headers=headers)
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/api/v1/absences/{absence_id}", headers=headers).json()["undone_at"] is not None
    assert client.post("/api/v1/absences/999999/undo", headers=headers).status_code == 404
    backwards = client.post(
        "/api/v1/absences/preview", json={**body, "ends_at": body["starts_at"]}, headers=headers
    )
    assert backwards.status_code == 422
