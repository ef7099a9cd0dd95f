"""The instructors' worklist: the county's requests only, reading details logged, states
moved on, a time booked from a request pre-filled and linked, overdue ones highlighted."""

from __future__ import annotations

import re

from intake_support import assessment_fields
from page_support import IDEMPOTENCY, SLOT, sign_in, token_of
from sqlalchemy import select
from support import bearer, chain_access_log, login

from sotesilta.consent.tables import AccessLogEntry
from sotesilta.core.intake.tables import ContactRequest


def _request_from_the_public(client) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    sent = client.post(
        "/self-assessment/03",
        data=assessment_fields(client, station="espoo-leppavaara"),
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text


def _only_request(runtime) -> tuple[int, str, int | None]:  # type: ignore[no-untyped-def]
    """The one request's id, status and booking."""
    with runtime.uow() as uow:
        row = uow.session.scalars(select(ContactRequest)).one()
        return row.id, row.status, row.booking_id


def _reads(runtime, request_id: int) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    chain_access_log(runtime)
    with runtime.uow() as uow:
        return list(
            uow.session.execute(
                select(AccessLogEntry.user_id, AccessLogEntry.action).where(
                    AccessLogEntry.subject_type == "contact_request", AccessLogEntry.subject_id == request_id
                )
            ).all()
        )


def test_the_worklist_shows_no_contact_details_and_opening_one_is_logged(client, runtime, scheduling):
    _request_from_the_public(client)
    request_id = _only_request(runtime)[0]
    sign_in(client, scheduling.instructor.username)
    worklist = client.get("/contact-requests")
    assert worklist.status_code == 200, worklist.text
    assert f'href="/contact-requests/{request_id}"' in worklist.text
    assert "Meikäläinen" not in worklist.text and "765" not in worklist.text
    assert _reads(runtime, request_id) == []
    opened = client.get(f"/contact-requests/{request_id}")
    assert opened.status_code == 200 and "Maija Meikäläinen" in opened.text and "040 765 4321" in opened.text
    assert "Tunnetko itsesi yksinäiseksi" in opened.text  # the answers, with the questions' words
    assert _reads(runtime, request_id) == [(scheduling.instructor.id, "read")]
    # the API's list carries no name either
    listed = client.get(
        "/api/v1/contact-requests", headers=bearer(login(client, scheduling.instructor.username))
    )
    assert (
        listed.status_code == 200 and "name" not in listed.json()[0] and listed.json()[0]["status"] == "new"
    )


def test_only_instructors_of_the_county_see_a_request(client, runtime, scheduling, make_user):
    _request_from_the_public(client)
    request_id = _only_request(runtime)[0]
    make_user("lahti.instructor", ["instructor"], ["398"])
    sign_in(client, "lahti.instructor")
    assert client.get(f"/contact-requests/{request_id}").status_code == 404
    assert "contact-requests/" not in client.get("/contact-requests").text
    sign_in(client, scheduling.nurse.username)
    assert client.get("/contact-requests").status_code == 403
    # Lohja's instructor is of the same county (Länsi-Uusimaa): the request is hers to take too
    sign_in(client, scheduling.lohja_instructor.username)
    assert client.get(f"/contact-requests/{request_id}").status_code == 200


def test_states_move_forward_only_and_booked_names_its_booking(client, runtime, scheduling):
    _request_from_the_public(client)
    request_id = _only_request(runtime)[0]
    headers = bearer(login(client, scheduling.instructor.username))
    path = f"/api/v1/contact-requests/{request_id}"
    assert client.patch(path, json={"status": "booked"}, headers=headers).status_code == 422
    contacted = client.patch(path, json={"status": "contacted"}, headers=headers)
    assert contacted.status_code == 200 and contacted.json()["status"] == "contacted"
    assert client.patch(path, json={"status": "contacted"}, headers=headers).status_code == 409
    assert (
        client.patch(path, json={"status": "booked", "booking_id": 999}, headers=headers).status_code == 422
    )
    closed = client.patch(path, json={"status": "closed"}, headers=headers)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.patch(path, json={"status": "contacted"}, headers=headers).status_code == 409
    assert client.get("/api/v1/contact-requests", headers=headers).json() == []  # closed leave the open list
    assert len(client.get("/api/v1/contact-requests?status=closed", headers=headers).json()) == 1
    assert [a for _, a in _reads(runtime, request_id)] == ["update", "update"]


def test_a_time_booked_from_a_request_starts_filled_in_and_marks_the_request_booked(
    client, runtime, scheduling
):
    _request_from_the_public(client)
    request_id = _only_request(runtime)[0]
    sign_in(client, scheduling.instructor.username)
    screen = client.get(f"/book?contact_request={request_id}")
    assert screen.status_code == 200, screen.text
    assert 'value="Maija Meikäläinen"' in screen.text and 'value="040 765 4321"' in screen.text
    assert f'name="contact_request" value="{request_id}"' in screen.text
    assert re.search(r'<option value="sv"[^>]*selected', screen.text)  # the language they asked for
    booked = client.post(
        "/book",
        data={
            "_csrf_token": token_of(screen.text),
            "idempotency_key": IDEMPOTENCY.search(screen.text).group(1),
            "slot_id": SLOT.search(screen.text).group(1),
            "station": str(scheduling.station_id),
            "reasons": ["loneliness"],
            "client_name": "Maija Meikäläinen",
            "client_phone": "040 765 4321",
            "client_age": "40",
            "preferred_language": "sv",
            "existing_relationship": "no",
            "contact_request": str(request_id),
        },
        follow_redirects=False,
    )
    assert booked.status_code == 303, booked.text
    booking_id = int(booked.headers["location"].rsplit("/", 1)[1])
    assert _only_request(runtime) == (request_id, "booked", booking_id)
    page = client.get(f"/contact-requests/{request_id}")
    assert f'href="/bookings/{booking_id}"' in page.text and "Book a time from it" not in page.text
    # a booked request cannot be booked from again
    assert client.get(f"/book?contact_request={request_id}").status_code == 422


def test_a_request_still_new_after_its_target_day_is_overdue(client, runtime, scheduling, clock):
    _request_from_the_public(client)  # Monday 2 March: due Wednesday 4 March
    sign_in(client, scheduling.instructor.username)
    assert "overdue" not in client.get("/contact-requests").text
    clock.advance(days=3)  # Thursday
    sign_in(client, scheduling.instructor.username)
    late = client.get("/contact-requests")
    assert 'class="overdue"' in late.text and "Myöhässä" in late.text
