"""The walk-in queue through the API (both databases): arrivals with their reasons and
language, refused before the walk-in opens, and a called client who did not answer put
back in the line — by the session's instructor only, and never once the visit is recorded."""

from __future__ import annotations

import pytest
from support import bearer, login, lohja_walk_in_session


@pytest.fixture
def walk_in_session(runtime, scheduling, principal_of) -> int:  # type: ignore[no-untyped-def]
    """Lohja, Monday 2 March 2026: walk-in 12-14 for four (the clock says 10.00)."""
    return lohja_walk_in_session(runtime, scheduling, principal_of, capacity=4)


def url(session_id: int, tail: str = "") -> str:
    return f"/api/v1/sessions/{session_id}/walk-ins{tail}"


def test_an_arrival_a_minute_before_the_walk_in_opens_is_refused(client, walk_in_session, clock):
    clock.advance(hours=1, minutes=59)  # 11.59 Helsinki time
    nurse = bearer(login(client, "lohja.nurse"))
    early = client.post(url(walk_in_session), json={"referrer": "self"}, headers=nurse)
    assert early.status_code == 409
    problem = early.json()
    assert problem["type"] == "/problems/walk-in-closed"
    assert problem["not_open_yet"] is True and problem["opens_at"].startswith("2026-03-02T10:00")
    assert "opens at" in problem["detail"]
    assert client.get(url(walk_in_session), headers=nurse).json()["free"] == 4  # no place taken
    clock.advance(minutes=1)  # 12.00: open
    nurse = bearer(login(client, "lohja.nurse"))
    assert client.post(url(walk_in_session), json={}, headers=nurse).status_code == 201


def test_an_arrival_keeps_its_reasons_and_language_and_learns_its_place_in_line(
    client, walk_in_session, clock
):
    clock.advance(hours=2, minutes=30)
    nurse = bearer(login(client, "lohja.nurse"))
    first = client.post(url(walk_in_session), json={}, headers=nurse).json()
    second = client.post(
        url(walk_in_session),
        json={"referrer": "staff", "reasons": ["loneliness", "life_situation"], "preferred_language": "sv"},
        headers=nurse,
    )
    assert second.status_code == 201, second.text
    body = second.json()
    assert (body["number"], body["position"], body["status"]) == (2, 2, "waiting")
    assert body["reasons"] == ["life_situation", "loneliness"] and body["preferred_language"] == "sv"
    assert body["referrer"] == "staff" and first["preferred_language"] == "fi" and first["reasons"] == []
    queue = client.get(url(walk_in_session), headers=nurse).json()
    assert queue["waiting"] == 2 and queue["free"] == 2
    assert [e["position"] for e in queue["entries"]] == [1, 2]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reasons": ["astrology"]}, "reasons"),
        ({"preferred_language": "de"}, "preferred_language"),
    ],
)
def test_an_arrival_with_unknown_reasons_or_language_is_refused_and_takes_no_place(
    client, walk_in_session, clock, body, field
):
    clock.advance(hours=2, minutes=30)
    nurse = bearer(login(client, "lohja.nurse"))
    response = client.post(url(walk_in_session), json=body, headers=nurse)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {field}
    assert client.get(url(walk_in_session), headers=nurse).json()["free"] == 4


def test_a_called_client_who_did_not_answer_goes_back_behind_those_waiting(client, walk_in_session, clock):
    clock.advance(hours=2, minutes=30)
    nurse = bearer(login(client, "lohja.nurse"))
    instructor = bearer(login(client, "lohja.instructor"))
    for _ in range(3):
        client.post(url(walk_in_session), json={}, headers=nurse)
    called = client.post(url(walk_in_session, "/call-next"), headers=instructor).json()
    assert called["number"] == 1
    missing = client.get("/api/v1/visits/missing", headers=instructor).json()
    assert [(m["kind"], m["id"]) for m in missing] == [("walk_in", called["place_id"])]
    back = client.post(url(walk_in_session, f"/{called['place_id']}/return-to-queue"), headers=instructor)
    assert back.status_code == 200, back.text
    assert (back.json()["status"], back.json()["number"], back.json()["position"]) == ("waiting", 1, 3)
    assert back.json()["called_at"] is None
    assert client.get("/api/v1/visits/missing", headers=instructor).json() == []  # the call is forgotten
    assert client.get(url(walk_in_session), headers=nurse).json()["waiting"] == 3
    order = [
        client.post(url(walk_in_session, "/call-next"), headers=instructor).json()["number"] for _ in range(3)
    ]
    assert order == [2, 3, 1]


def test_only_the_sessions_instructor_puts_a_client_back(client, walk_in_session, clock, make_user):
    clock.advance(hours=2, minutes=30)
    nurse = bearer(login(client, "lohja.nurse"))
    client.post(url(walk_in_session), json={}, headers=nurse)
    called = client.post(
        url(walk_in_session, "/call-next"), headers=bearer(login(client, "lohja.instructor"))
    )
    back = url(walk_in_session, f"/{called.json()['place_id']}/return-to-queue")
    assert client.post(back, headers=nurse).status_code == 403
    espoo = bearer(login(client, "espoo.instructor"))
    assert client.post(back, headers=espoo).status_code == 404
    make_user("lohja.other", ["instructor"], ["444"])  # Lohja, but neither its worker nor its station's
    assert client.post(back, headers=bearer(login(client, "lohja.other"))).status_code == 404
    queue = client.get(url(walk_in_session), headers=nurse).json()
    assert queue["entries"][0]["status"] == "called"


def test_a_finished_or_waiting_arrival_cannot_be_put_back(client, walk_in_session, clock):
    clock.advance(hours=2, minutes=30)
    nurse = bearer(login(client, "lohja.nurse"))
    instructor = bearer(login(client, "lohja.instructor"))
    for _ in range(2):
        client.post(url(walk_in_session), json={}, headers=nurse)
    called = client.post(url(walk_in_session, "/call-next"), headers=instructor).json()
    recorded = client.post(
        "/api/v1/visits",
        headers=instructor,
        json={"walk_in_id": called["place_id"], "outcome": "realised", "topic": "income"},
    )
    assert recorded.status_code == 200, recorded.text
    finished = client.post(url(walk_in_session, f"/{called['place_id']}/return-to-queue"), headers=instructor)
    assert finished.status_code == 409 and finished.json()["type"] == "/problems/booking-state"
    assert finished.json()["walk_in_status"] == "seen"
    waiting = client.get(url(walk_in_session), headers=nurse).json()["entries"][1]
    assert waiting["status"] == "waiting"
    refused = client.post(url(walk_in_session, f"/{waiting['place_id']}/return-to-queue"), headers=instructor)
    assert refused.status_code == 409
    assert client.post(url(walk_in_session, "/999999/return-to-queue"), headers=instructor).status_code == 404
    # the recorded visit can still be corrected
    corrected = client.post(
        "/api/v1/visits",
        headers=instructor,
        json={"walk_in_id": called["place_id"], "outcome": "no_show"},
    )
    assert corrected.status_code == 200 and corrected.json()["revision"] == 2


def test_a_client_back_in_the_queue_gets_no_outcome_until_called_again(client, walk_in_session, clock):
    clock.advance(hours=2, minutes=30)
    nurse = bearer(login(client, "lohja.nurse"))
    instructor = bearer(login(client, "lohja.instructor"))
    client.post(url(walk_in_session), json={}, headers=nurse)
    called = client.post(url(walk_in_session, "/call-next"), headers=instructor).json()
    client.post(url(walk_in_session, f"/{called['place_id']}/return-to-queue"), headers=instructor)
    body = {"walk_in_id": called["place_id"], "outcome": "realised", "topic": "income"}
    refused = client.post("/api/v1/visits", headers=instructor, json=body)
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/booking-state"
    assert client.post(url(walk_in_session, "/call-next"), headers=instructor).json()["number"] == 1
    assert client.post("/api/v1/visits", headers=instructor, json=body).status_code == 200
