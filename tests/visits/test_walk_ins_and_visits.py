"""Walk-in queues (Lohja) and visit outcomes with the worklist of missing ones."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select
from support import bearer, free_slots, login

from sotesilta.core.scheduling.service import sessions
from sotesilta.core.visits.tables import VisitRevision


@pytest.fixture
def lohja_session(runtime, scheduling, principal_of):  # type: ignore[no-untyped-def]
    """Wednesday 4 March 2026: walk-in 9-11 for three, booked slots 11-13."""
    with runtime.uow() as uow:
        sessions.create_session_rule(
            uow,
            principal=principal_of(scheduling.lohja_instructor),
            draft=sessions.SessionRuleDraft(
                worker_id=scheduling.lohja_worker_id,
                station_id=scheduling.lohja_station_id,
                weekday=2,
                start=time(9),
                end=time(13),
                first_date=date(2026, 3, 4),
                slot_minutes=60,
                walk_in=(time(9), time(11)),
                walk_in_capacity=3,
            ),
        )
    with runtime.uow() as uow:
        found = sessions.list_sessions(
            uow,
            principal=principal_of(scheduling.lohja_instructor),
            start=runtime.clock.now(),
            end=runtime.clock.now().replace(day=5),
        )
    return found[0]


def test_walk_ins_get_numbers_until_capacity_and_are_called_in_order(client, lohja_session, clock):
    clock.advance(days=2)  # Wednesday 4 March 10:00 local: walk-in is open
    nurse = bearer(login(client, "lohja.nurse"))
    instructor = bearer(login(client, "lohja.instructor"))
    url = f"/api/v1/sessions/{lohja_session.id}/walk-ins"
    numbers = [
        client.post(url, json={"referrer": r}, headers=nurse).json()["number"]
        for r in ("self", "staff", "self")
    ]
    assert numbers == [1, 2, 3]
    full = client.post(url, json={}, headers=nurse)
    assert full.status_code == 409 and full.json()["type"] == "/problems/walk-in-full"
    queue = client.get(url, headers=nurse).json()
    assert queue["capacity"] == 3 and queue["free"] == 0
    assert [(e["number"], e["status"], e["referrer"]) for e in queue["entries"]] == [
        (1, "waiting", "self"),
        (2, "waiting", "staff"),
        (3, "waiting", "self"),
    ]
    assert client.post(f"{url}/call-next", headers=instructor).json()["number"] == 1
    assert client.post(f"{url}/call-next", headers=instructor).json()["number"] == 2
    assert client.post(f"{url}/call-next", headers=nurse).status_code == 403  # only instructors call


def test_walk_in_is_closed_outside_its_hours(client, lohja_session, clock):
    nurse = bearer(login(client, "lohja.nurse"))
    url = f"/api/v1/sessions/{lohja_session.id}/walk-ins"
    too_early = client.post(url, json={}, headers=nurse)  # Monday: two days early
    assert too_early.status_code == 409 and too_early.json()["type"] == "/problems/walk-in-closed"
    clock.advance(days=2, hours=1, minutes=1)  # Wednesday 11:01 local: closed
    nurse = bearer(login(client, "lohja.nurse"))
    assert client.post(url, json={}, headers=nurse).json()["type"] == "/problems/walk-in-closed"


def test_an_espoo_session_has_no_walk_in(client, scheduling):
    nurse = bearer(login(client, "espoo.nurse"))
    listed = client.get("/api/v1/sessions", headers=nurse).json()
    response = client.post(f"/api/v1/sessions/{listed[0]['id']}/walk-ins", json={}, headers=nurse)
    assert response.status_code == 422 and response.json()["type"] == "/problems/booking-mode-not-allowed"


def _book_first_slot(client, nurse, scheduling):  # type: ignore[no-untyped-def]
    slot = free_slots(client, nurse, scheduling.station_id)[0]
    body = {"slot_id": slot["slot_id"], "reasons": ["service_mapping"], "client": {"name": "Aino", "age": 30}}
    return client.post("/api/v1/bookings", json=body, headers=nurse).json()


def test_a_past_visit_waits_for_its_outcome_and_a_correction_keeps_history(
    client, scheduling, clock, runtime
):
    nurse = bearer(login(client, "espoo.nurse"))
    booking = _book_first_slot(client, nurse, scheduling)
    instructor = bearer(login(client, "espoo.instructor"))
    early = client.post(
        "/api/v1/visits",
        json={"booking_id": booking["id"], "outcome": "realised", "topic": "housing"},
        headers=instructor,
    )
    assert early.status_code == 409  # not started yet
    assert early.json()["type"] == "/problems/booking-state"  # the code API clients switch on
    clock.advance(days=1, hours=1)  # Tuesday 10:00 local
    instructor = bearer(login(client, "espoo.instructor"))
    missing = client.get("/api/v1/visits/missing", headers=instructor).json()
    assert [(m["kind"], m["id"]) for m in missing] == [("booking", booking["id"])]
    recorded = client.post(
        "/api/v1/visits",
        headers=instructor,
        json={
            "booking_id": booking["id"],
            "outcome": "realised",
            "topic": "housing",
            "referrals": [{"target": "kela", "mode": "concrete"}, {"target": "ngo", "mode": "advised"}],
            "shl_notification_to": "Espoon aikuissosiaalityö",
            "network_meeting_coordinated": True,
        },
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["revision"] == 1 and len(recorded.json()["referrals"]) == 2
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=instructor).json()["status"] == "fulfilled"
    assert client.get("/api/v1/visits/missing", headers=instructor).json() == []
    corrected = client.post(
        "/api/v1/visits", headers=instructor, json={"booking_id": booking["id"], "outcome": "no_show"}
    )
    assert corrected.json()["revision"] == 2 and corrected.json()["referrals"] == []
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=instructor).json()["status"] == "noshow"
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(VisitRevision)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "realised"}, "topic"),
        ({"outcome": "realised", "topic": "astrology"}, "topic"),
        ({"outcome": "realised", "topic": "housing", "referrals": [{"target": "wizard"}]}, "referrals"),
        ({"outcome": "no_show", "referrals": [{"target": "kela"}]}, "outcome"),
    ],
)
def test_bad_outcomes_are_refused(client, scheduling, clock, body, field):
    nurse = bearer(login(client, "espoo.nurse"))
    booking = _book_first_slot(client, nurse, scheduling)
    clock.advance(days=1, hours=1)
    instructor = bearer(login(client, "espoo.instructor"))
    response = client.post("/api/v1/visits", json={"booking_id": booking["id"], **body}, headers=instructor)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=instructor).json()["status"] == "booked"


def test_a_called_walk_in_gets_an_outcome(client, lohja_session, clock):
    clock.advance(days=2)
    nurse = bearer(login(client, "lohja.nurse"))
    instructor = bearer(login(client, "lohja.instructor"))
    url = f"/api/v1/sessions/{lohja_session.id}/walk-ins"
    client.post(url, json={"referrer": "self"}, headers=nurse)
    called = client.post(f"{url}/call-next", headers=instructor).json()
    missing = client.get("/api/v1/visits/missing", headers=instructor).json()
    assert [(m["kind"], m["id"]) for m in missing] == [("walk_in", called["place_id"])]
    recorded = client.post(
        "/api/v1/visits",
        headers=instructor,
        json={"walk_in_id": called["place_id"], "outcome": "realised", "topic": "income"},
    )
    assert recorded.status_code == 200 and recorded.json()["walk_in_id"] == called["place_id"]
    assert client.get("/api/v1/visits/missing", headers=instructor).json() == []


def test_outcomes_are_for_instructors_of_the_visit(client, scheduling, clock, make_user):
    nurse = bearer(login(client, "espoo.nurse"))
    booking = _book_first_slot(client, nurse, scheduling)
    clock.advance(days=1, hours=1)
    nurse = bearer(login(client, "espoo.nurse"))
    body = {"booking_id": booking["id"], "outcome": "realised", "topic": "housing"}
    assert client.post("/api/v1/visits", json=body, headers=nurse).status_code == 403
    make_user("espoo.instructor.tapiola", ["instructor"], ["049"], ["espoo-tapiola"])
    stranger = bearer(login(client, "espoo.instructor.tapiola"))
    assert client.post("/api/v1/visits", json=body, headers=stranger).status_code == 404


def test_correcting_a_late_cancellation_to_realised_clears_the_cancellation(client, scheduling, clock):
    nurse = bearer(login(client, "espoo.nurse"))
    booking = _book_first_slot(client, nurse, scheduling)
    clock.advance(days=1, hours=1)
    instructor = bearer(login(client, "espoo.instructor"))
    client.post(
        "/api/v1/visits",
        headers=instructor,
        json={"booking_id": booking["id"], "outcome": "late_cancellation"},
    )
    late = client.get(f"/api/v1/bookings/{booking['id']}", headers=instructor).json()
    assert late["status"] == "cancelled" and late["late_cancellation"] and late["cancelled_by"] == "client"
    client.post(
        "/api/v1/visits",
        headers=instructor,
        json={"booking_id": booking["id"], "outcome": "realised", "topic": "housing"},
    )
    fixed = client.get(f"/api/v1/bookings/{booking['id']}", headers=instructor).json()
    assert fixed["status"] == "fulfilled" and not fixed["late_cancellation"] and fixed["cancelled_at"] is None


def test_only_the_sessions_own_instructors_call_the_next(client, lohja_session, clock, make_user):
    clock.advance(days=2)
    nurse = bearer(login(client, "lohja.nurse"))
    client.post(f"/api/v1/sessions/{lohja_session.id}/walk-ins", json={}, headers=nurse)
    make_user("lohja.other", ["instructor"], ["444"])
    other = bearer(login(client, "lohja.other"))
    assert (
        client.post(f"/api/v1/sessions/{lohja_session.id}/walk-ins/call-next", headers=other).status_code
        == 404
    )


def test_a_visit_that_began_cannot_be_cancelled(client, scheduling, clock):
    nurse = bearer(login(client, "espoo.nurse"))
    booking = _book_first_slot(client, nurse, scheduling)
    clock.advance(days=1, hours=1)
    nurse = bearer(login(client, "espoo.nurse"))
    response = client.post(f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": "late"}, headers=nurse)
    assert response.status_code == 409 and "outcome" in response.json()["detail"]


def test_a_recorded_visit_is_heard_by_plugins(client, lohja_session, clock, runtime):
    import types

    from sotesilta.core import plugin_api as api
    from sotesilta.core.kernel.plugins.manager import load_plugins

    heard: list[api.DomainEvent] = []
    listener = types.ModuleType("listener")

    def listen(event):  # type: ignore[no-untyped-def]
        heard.append(event)

    listener.sotesilta_event = api.hookimpl(listen)  # type: ignore[attr-defined]
    runtime.plugins = load_plugins(extra=[("listener", listener)])
    clock.advance(days=2)
    nurse = bearer(login(client, "lohja.nurse"))
    instructor = bearer(login(client, "lohja.instructor"))
    url = f"/api/v1/sessions/{lohja_session.id}/walk-ins"
    place = client.post(url, json={"referrer": "self"}, headers=nurse).json()
    client.post(f"{url}/call-next", headers=instructor)
    recorded = client.post(
        "/api/v1/visits",
        json={"walk_in_id": place["place_id"], "outcome": "realised", "topic": "income"},
        headers=instructor,
    )
    assert recorded.status_code == 200, recorded.text
    (event,) = heard
    assert (event.kind, event.municipality, event.subject_id) == (
        api.EventKind.VISIT_RECORDED,
        "444",
        recorded.json()["id"],
    )
    assert event.facts["outcome"] == "realised" and event.facts["walk_in"] is True


def test_the_history_lists_every_version_and_a_stale_correction_is_refused(
    client, scheduling, clock, runtime
):
    nurse = bearer(login(client, "espoo.nurse"))
    booking = _book_first_slot(client, nurse, scheduling)
    clock.advance(days=1, hours=1)
    instructor = bearer(login(client, "espoo.instructor"))
    history = f"/api/v1/visits/history?booking_id={booking['id']}"
    assert client.get(history, headers=instructor).json() | {"starts_at": None} == {
        "kind": "booking",
        "id": booking["id"],
        "station_id": scheduling.station_id,
        "starts_at": None,
        "visit": None,
        "versions": [],
    }
    first = {"booking_id": booking["id"], "outcome": "realised", "topic": "housing", "expected_revision": 0}
    assert client.post("/api/v1/visits", headers=instructor, json=first).status_code == 200
    # a second "first recording" from a stale screen is refused, and writes nothing
    again = client.post("/api/v1/visits", headers=instructor, json={**first, "follow_up_needed": True})
    assert again.status_code == 409 and again.json()["type"].endswith("revision-stale")
    assert again.json()["revision"] == 1
    clock.advance(minutes=5)
    fix = {
        "booking_id": booking["id"],
        "outcome": "no_show",
        "follow_up_needed": True,
        "expected_revision": 1,
    }
    assert client.post("/api/v1/visits", headers=instructor, json=fix).json()["revision"] == 2
    found = client.get(history, headers=instructor).json()
    assert [(v["revision"], v["outcome"], v["topic"]) for v in found["versions"]] == [
        (2, "no_show", None),
        (1, "realised", "housing"),
    ]
    assert {v["recorded_by"] for v in found["versions"]} == {"Espoo.Instructor"}
    assert found["versions"][0]["recorded_at"] > found["versions"][1]["recorded_at"]
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(VisitRevision)) == 1
    lohja = bearer(login(client, "lohja.instructor"))
    assert client.get(history, headers=lohja).status_code == 404
    assert client.get("/api/v1/visits/history", headers=instructor).status_code == 422
