"""Closing a station (``updateStation`` with ``active: false``): its later sessions are
cancelled and its rules end; booked visits ahead refuse it (409, listed) unless the admin
sends them to the bookers' times to rebook."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from support import bearer, free_slots, login

from sotesilta.core.organisations.service import StationDraft
from sotesilta.core.organisations.tables import OrganisationChange, Station
from sotesilta.core.scheduling.tables import Booking, GuidanceSession, SessionRule


def station_draft(client, headers, station_id: int, **changes):  # type: ignore[no-untyped-def]
    station = next(s for s in client.get("/api/v1/stations", headers=headers).json() if s["id"] == station_id)
    return {k: v for k, v in station.items() if k in StationDraft.__struct_fields__} | changes


def book(client, nurse, station_id: int) -> int:  # type: ignore[no-untyped-def]
    free = free_slots(client, nurse, station_id)
    booking = client.post(
        "/api/v1/bookings",
        headers=nurse,
        json={
            "slot_id": free[0]["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": "Anna Asiakas", "age": 40},
        },
    )
    assert booking.status_code == 201, booking.text
    return int(booking.json()["id"])


def state(runtime, station_id: int):  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        station = uow.session.get(Station, station_id)
        sessions = {
            s.status
            for s in uow.session.scalars(
                select(GuidanceSession).where(GuidanceSession.station_id == station_id)
            )
        }
        bookings = [(b.status, b.orphaned_at is not None) for b in uow.session.scalars(select(Booking))]
        rule = uow.session.scalars(select(SessionRule).where(SessionRule.station_id == station_id)).one()
        return station.active, sessions, bookings, rule.until_date


def test_a_station_with_bookings_ahead_is_closed_only_when_they_go_to_the_times_to_rebook(
    client, runtime, scheduling
):
    nurse = bearer(login(client, "espoo.nurse"))
    admin = bearer(login(client, "espoo.admin"))
    client.cookies.clear()
    booking_id = book(client, nurse, scheduling.station_id)
    closed = station_draft(client, admin, scheduling.station_id, active=False)
    before = state(runtime, scheduling.station_id)

    refused = client.put(f"/api/v1/stations/{scheduling.station_id}", headers=admin, json=closed)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"] == "/problems/station-has-bookings"
    assert [b["id"] for b in problem["bookings"]] == [booking_id]
    assert problem["bookings"][0]["starts_at"].startswith("2026-03-03T")
    assert "Anna" not in refused.text  # the problem names no client
    assert state(runtime, scheduling.station_id) == before

    done = client.put(f"/api/v1/stations/{scheduling.station_id}?rebook=true", headers=admin, json=closed)
    assert done.status_code == 200 and done.json()["active"] is False
    active, sessions, bookings, until = state(runtime, scheduling.station_id)
    assert (active, sessions, bookings, until) == (
        False,
        {"cancelled"},
        [("cancelled", True)],
        date(2026, 3, 1),
    )
    orphaned = client.get("/api/v1/bookings/orphaned", headers=nurse).json()
    assert [o["booking"]["id"] for o in orphaned] == [booking_id]
    # closed stations are offered to no one
    assert scheduling.station_id not in {
        s["id"] for s in client.get("/api/v1/stations", headers=nurse).json()
    }
    with runtime.uow() as uow:
        logged = uow.session.scalars(
            select(OrganisationChange).where(OrganisationChange.entity == "station")
        ).all()
        assert [(c.entity_id, c.action) for c in logged] == [(scheduling.station_id, "update")]
        assert '"active": false' in logged[0].changes


def test_a_station_without_bookings_closes_at_once_and_reopens_without_its_sessions(
    client, runtime, scheduling
):
    admin = bearer(login(client, "espoo.admin"))
    client.cookies.clear()
    closed = station_draft(client, admin, scheduling.station_id, active=False)
    done = client.put(f"/api/v1/stations/{scheduling.station_id}", headers=admin, json=closed)
    assert done.status_code == 200, done.text
    assert state(runtime, scheduling.station_id)[:2] == (False, {"cancelled"})
    reopened = client.put(
        f"/api/v1/stations/{scheduling.station_id}", headers=admin, json={**closed, "active": True}
    )
    assert reopened.status_code == 200
    # a reopened station gets new rules from the admin; the old ones stay ended
    assert state(runtime, scheduling.station_id)[1:] == ({"cancelled"}, [], date(2026, 3, 1))


def test_changing_an_open_stations_details_leaves_its_sessions_and_bookings(client, runtime, scheduling):
    nurse = bearer(login(client, "espoo.nurse"))
    admin = bearer(login(client, "espoo.admin"))
    client.cookies.clear()
    book(client, nurse, scheduling.station_id)
    draft = station_draft(client, admin, scheduling.station_id, phone="+358 9 816 30000")
    assert (
        client.put(f"/api/v1/stations/{scheduling.station_id}", headers=admin, json=draft).status_code == 200
    )
    assert state(runtime, scheduling.station_id) == (True, {"scheduled"}, [("booked", False)], None)
