"""The nurse's bookings after the confirmation, through Litestar's test client (fast; no
browser): her list and a day's, cancelling, moving and rebooking through the booking form
filled in from the booking, the times to rebook, and the booking form's searches.
Errors keep what was typed, bad input is a 4xx page, another municipality's booking is 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from conftest import station_id
from page_support import IDEMPOTENCY, SLOT, book, booking_form, sign_in, token_of
from sqlalchemy import select
from support import bearer, login

from sotesilta.core.scheduling.service import sessions
from sotesilta.core.scheduling.tables import Booking


@pytest.fixture
def nurse_client(client, scheduling):  # type: ignore[no-untyped-def]
    sign_in(client, scheduling.nurse.username)
    return client


def booked_through_the_form(client, **changes) -> int:  # type: ignore[no-untyped-def]
    _, fields = booking_form(client, **changes)
    response = client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def status_of(runtime, booking_id: int) -> Booking:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
        uow.session.expunge(booking)
        return booking


# --- /bookings -------------------------------------------------------------------


def test_her_list_names_her_clients_and_shows_a_colleagues_booking_without_the_client(
    client, scheduling, make_user
):
    make_user("espoo.nurse2", ["health_staff"], ["049"], ["espoo-leppavaara"])
    colleague = login(client, "espoo.nurse2")
    free = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id},
        headers=bearer(colleague),
    ).json()
    made = client.post(
        "/api/v1/bookings",
        json={
            "slot_id": free[3]["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": "Toisen Asiakas", "age": 30},
        },
        headers=bearer(colleague),
    )
    assert made.status_code == 201
    sign_in(client, scheduling.nurse.username)
    mine = booked_through_the_form(client)
    page = client.get("/bookings")
    assert page.status_code == 200
    assert "Tulevat varauksesi" in page.text and f'href="/bookings/{mine}"' in page.text
    assert "Maija Meikäläinen" in page.text
    assert "työtoverin varaama" in page.text and "Toisen Asiakas" not in page.text
    assert f'href="/bookings/{made.json()["id"]}"' not in page.text  # not hers to open


def test_a_day_is_searched_and_shows_cancelled_times_in_words(nurse_client, scheduling, client):
    booking_id = book(client, scheduling, index=2)
    sign_in(client, scheduling.nurse.username)
    token = token_of(client.get(f"/bookings/{booking_id}").text)
    client.post(
        f"/bookings/{booking_id}/cancel",
        data={"_csrf_token": token, "reason": "Asiakas soitti", "cancelled_by": "client"},
    )
    day = client.get("/bookings", params={"day": "2026-03-03"})
    assert day.status_code == 200
    assert "Varauksesi: tiistai 3.3.2026" in day.text and "Peruttu" in day.text
    assert "cancelled" not in re.sub(r"<[^>]+>", "", day.text)  # no status codes shown
    assert "Ei varauksia." in client.get("/bookings", params={"day": "4.3.2026"}).text


@pytest.mark.parametrize("day", ["tomorrow", "2026-13-01", "31.2.2026", "99999-01-01", "1.1.1900", "3.3"])
def test_an_unreadable_day_is_a_422_page_with_what_was_typed(nurse_client, day):
    page = nurse_client.get("/bookings", params={"day": day})
    assert page.status_code == 422
    assert 'href="#day"' in page.text and f'value="{day}"' in page.text


def test_a_manager_has_no_bookings_page(client, make_user):
    make_user("espoo.manager", ["manager"], ["049"])
    sign_in(client, "espoo.manager")
    assert client.get("/bookings").status_code == 403


# --- cancel ------------------------------------------------------------------------


def test_a_cancelled_booking_says_so_in_words_and_offers_no_instructions(nurse_client, runtime):
    booking_id = booked_through_the_form(nurse_client)
    page = nurse_client.get(f"/bookings/{booking_id}").text
    assert "Siirrä tai peru" in page and "peruutus kirjataan myöhäiseksi" in page  # 23 h before
    response = nurse_client.post(
        f"/bookings/{booking_id}/cancel",
        data={"_csrf_token": token_of(page), "reason": "Asiakas soitti", "cancelled_by": "client"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == f"/bookings/{booking_id}"
    cancelled = nurse_client.get(f"/bookings/{booking_id}").text
    assert "<h1>Peruttu</h1>" in cancelled
    assert "Tämä aika peruttiin ma 2.3.2026 klo 10.00." in cancelled
    assert "Perui: asiakas." in cancelled and "Myöhäinen peruutus" in cancelled
    assert "Syy: Asiakas soitti" in cancelled
    for gone in ('class="printable instructions"', "client-link", "invitation.ics", "Siirrä tai peru"):
        assert gone not in cancelled, gone
    booking = status_of(runtime, booking_id)
    assert booking.status == "cancelled" and booking.cancelled_by == "client" and booking.late_cancellation


def test_a_cancellation_without_a_reason_is_refused_with_the_choice_kept(nurse_client, runtime):
    booking_id = booked_through_the_form(nurse_client)
    token = token_of(nurse_client.get(f"/bookings/{booking_id}").text)
    response = nurse_client.post(
        f"/bookings/{booking_id}/cancel",
        data={"_csrf_token": token, "reason": "  ", "cancelled_by": "client"},
    )
    assert response.status_code == 422
    assert 'href="#cancel-reason"' in response.text and "Kirjoita peruutuksen syy" in response.text
    assert 'id="cancelled-by-client" value="client" checked' in response.text
    too_long = nurse_client.post(
        f"/bookings/{booking_id}/cancel",
        data={"_csrf_token": token, "reason": "x" * 700, "cancelled_by": "referrer"},
    )
    assert too_long.status_code == 422 and "x" * 600 in too_long.text
    assert status_of(runtime, booking_id).status == "booked"


@pytest.mark.parametrize("who", ["system", "instructor", "", "<b>"])
def test_only_the_client_or_she_herself_can_be_named_as_cancelling(nurse_client, runtime, who):
    booking_id = booked_through_the_form(nurse_client)
    token = token_of(nurse_client.get(f"/bookings/{booking_id}").text)
    response = nurse_client.post(
        f"/bookings/{booking_id}/cancel", data={"_csrf_token": token, "reason": "syy", "cancelled_by": who}
    )
    assert response.status_code == 422 and 'href="#cancelled-by"' in response.text
    assert status_of(runtime, booking_id).status == "booked"


def test_cancelling_twice_is_a_conflict_page_not_a_crash(nurse_client):
    booking_id = booked_through_the_form(nurse_client)
    token = token_of(nurse_client.get(f"/bookings/{booking_id}").text)
    data = {"_csrf_token": token, "reason": "syy", "cancelled_by": "referrer"}
    assert (
        nurse_client.post(f"/bookings/{booking_id}/cancel", data=data, follow_redirects=False).status_code
        == 303
    )
    again = nurse_client.post(f"/bookings/{booking_id}/cancel", data=data)
    assert again.status_code == 409 and "sitä ei voi perua" in again.text


def test_another_municipalitys_booking_cannot_be_opened_cancelled_or_moved(client, scheduling, runtime):
    booking_id = book(client, scheduling)
    sign_in(client, scheduling.lohja_nurse.username)
    screen = client.get("/book")
    token = token_of(screen.text)
    assert client.get(f"/bookings/{booking_id}").status_code == 404
    assert client.get(f"/bookings/{booking_id}/move").status_code == 404
    cancel = client.post(
        f"/bookings/{booking_id}/cancel", data={"_csrf_token": token, "reason": "x", "cancelled_by": "client"}
    )
    assert cancel.status_code == 404
    moved = client.post(
        "/book",
        data={
            "_csrf_token": token,
            "move_from": str(booking_id),
            "slot_id": "1",
            "reasons": ["loneliness"],
            "client_name": "X",
            "client_age": "40",
            "existing_relationship": "no",
        },
    )
    assert moved.status_code == 404
    dismissed = client.post(f"/orphaned/{booking_id}/dismiss", data={"_csrf_token": token, "reason": "x"})
    assert dismissed.status_code == 404
    assert status_of(runtime, booking_id).status == "booked"
    assert "Maija" not in moved.text + cancel.text


# --- move ------------------------------------------------------------------------


def test_moving_keeps_everything_typed_and_the_old_page_points_at_the_new(nurse_client, runtime):
    old = booked_through_the_form(nurse_client, note="Asuntoasia kiireellinen", interpreter_needed="yes")
    form = nurse_client.get(f"/bookings/{old}/move")
    assert form.status_code == 200
    text = form.text
    assert "<h1>Siirrä varaus</h1>" in text and "Nykyinen aika (Maija Meikäläinen)" in text
    # the phone as the booking stored it (normalised)
    assert 'value="Maija Meikäläinen"' in text and 'value="+358401234567"' in text and 'value="42"' in text
    assert ">Asuntoasia kiireellinen</textarea>" in text
    assert re.search(r'value="life_situation" checked', text) and re.search(
        r'value="loneliness" checked', text
    )
    assert 'id="interpreter" name="interpreter_needed" type="checkbox" value="yes" checked' in text
    assert '<option value="sv" selected>' in text and 'id="relationship-no" value="no" checked' in text
    assert f'name="move_from" value="{old}"' in text
    fields = {
        "_csrf_token": token_of(text),
        "idempotency_key": IDEMPOTENCY.search(text).group(1),
        "move_from": str(old),
        "station": re.search(r'<option value="(\d+)" selected>', text).group(1),
        "slot_id": SLOT.search(text).group(1),
        "reasons": ["life_situation", "loneliness"],
        "client_name": "Maija Meikäläinen",
        "client_phone": "+358401234567",
        "client_age": "42",
        "preferred_language": "sv",
        "interpreter_needed": "yes",
        "existing_relationship": "no",
        "note": "Asuntoasia kiireellinen",
    }
    response = nurse_client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    new = int(response.headers["location"].rsplit("/", 1)[1])
    assert new != old
    with runtime.uow() as uow:
        moved = uow.session.get(Booking, new)
        assert moved.rescheduled_from == old and moved.interpreter_needed and moved.client_age == 42
    page = nurse_client.get(f"/bookings/{old}").text
    assert "Syy: siirretty toiseen aikaan" in page and f'href="/bookings/{new}"' in page
    assert "rescheduled" not in page


def test_a_move_refused_keeps_what_was_typed_and_the_booking_it_moves(nurse_client, runtime):
    old = booked_through_the_form(nurse_client)
    text = nurse_client.get(f"/bookings/{old}/move").text
    fields = {
        "_csrf_token": token_of(text),
        "idempotency_key": IDEMPOTENCY.search(text).group(1),
        "move_from": str(old),
        "slot_id": "",
        "reasons": ["loneliness"],
        "client_name": "Maija Korjattu",
        "client_age": "",
        "existing_relationship": "no",
    }
    response = nurse_client.post("/book", data=fields)
    assert response.status_code == 422
    assert 'href="#slots"' in response.text and 'href="#client-age"' in response.text
    assert 'value="Maija Korjattu"' in response.text and f'name="move_from" value="{old}"' in response.text
    assert "<h1>Siirrä varaus</h1>" in response.text
    assert status_of(runtime, old).status == "booked"


def test_a_cancelled_booking_cannot_be_moved(nurse_client):
    booking_id = booked_through_the_form(nurse_client)
    token = token_of(nurse_client.get(f"/bookings/{booking_id}").text)
    nurse_client.post(
        f"/bookings/{booking_id}/cancel",
        data={"_csrf_token": token, "reason": "syy", "cancelled_by": "client"},
    )
    page = nurse_client.get(f"/bookings/{booking_id}/move")
    assert page.status_code == 409 and "sitä ei voi siirtää" in page.text


# --- times to rebook -------------------------------------------------------------


def orphan(runtime, scheduling, principal_of) -> None:  # type: ignore[no-untyped-def]
    """The instructor is away on Tuesday 3 March: that day's bookings go to the rebook list."""
    with runtime.uow() as uow:
        sessions.record_absence(
            uow,
            principal=principal_of(scheduling.instructor),
            worker_id=scheduling.worker_id,
            starts_at=datetime(2026, 3, 3, 6, tzinfo=UTC),
            ends_at=datetime(2026, 3, 3, 12, tzinfo=UTC),
            reason="sick",
        )


def test_a_time_to_rebook_shows_the_real_count_and_leaves_the_list_once_rebooked(
    client, scheduling, runtime, principal_of
):
    orphaned = book(client, scheduling, name="Orpo Asiakas")
    orphan(runtime, scheduling, principal_of)
    sign_in(client, scheduling.nurse.username)
    token = login(client, scheduling.nurse.username)
    free = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id, "scope": "nearby", "limit": 100},
        headers=bearer(token),
    ).json()
    assert len(free) > 8  # Tuesdays for eight weeks, less the absent one
    listing = client.get("/orphaned").text
    assert f"{len(free)} vapaata aikaa lähellä" in listing
    form = client.get(f"/bookings/{orphaned}/move").text
    assert "<h1>Varaa uusi aika</h1>" in form and 'value="Orpo Asiakas"' in form
    _, fields = booking_form(client)
    fields.update(
        _csrf_token=token_of(form),
        idempotency_key=IDEMPOTENCY.search(form).group(1),
        move_from=str(orphaned),
        client_name="Orpo Asiakas",
        slot_id=SLOT.search(form).group(1),
    )
    response = client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert "Orpo Asiakas" not in client.get("/orphaned").text
    old = status_of(runtime, orphaned)
    assert old.orphan_resolved_at is not None


def test_a_dismissed_time_leaves_the_list_and_a_blank_reason_is_refused(
    client, scheduling, runtime, principal_of
):
    orphaned = book(client, scheduling, name="Orpo Asiakas")
    orphan(runtime, scheduling, principal_of)
    sign_in(client, scheduling.nurse.username)
    token = token_of(client.get("/orphaned").text)
    blank = client.post(f"/orphaned/{orphaned}/dismiss", data={"_csrf_token": token, "reason": " "})
    assert blank.status_code == 422 and f'href="#dismiss-{orphaned}"' in blank.text
    assert "Orpo Asiakas" in blank.text
    done = client.post(
        f"/orphaned/{orphaned}/dismiss",
        data={"_csrf_token": token, "reason": "Asiakas hoitaa itse"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/orphaned"
    assert "Orpo Asiakas" not in client.get("/orphaned").text
    page = client.get(f"/bookings/{orphaned}").text
    assert "ohjaaja on poissa; Asiakas hoitaa itse" in page


def test_a_standing_booking_cannot_be_dismissed_as_a_time_to_rebook(nurse_client, runtime):
    booking_id = booked_through_the_form(nurse_client)
    token = token_of(nurse_client.get("/orphaned").text)
    response = nurse_client.post(
        f"/orphaned/{booking_id}/dismiss", data={"_csrf_token": token, "reason": "x"}
    )
    assert response.status_code == 409
    assert status_of(runtime, booking_id).status == "booked"


# --- the booking form's searches -------------------------------------------------


def test_changing_the_station_keeps_everything_typed(nurse_client, runtime):
    tapiola = station_id(runtime, "espoo-tapiola")
    _, fields = booking_form(nurse_client, note="Tärkeä huomio", station=str(tapiola), action="show")
    response = nurse_client.post("/book", data=fields)
    assert response.status_code == 200
    text = response.text
    assert re.search(rf'<option value="{tapiola}" selected>', text)
    assert (
        'value="Maija Meikäläinen"' in text
        and 'value="040 123 4567"' in text
        and ">Tärkeä huomio</textarea>" in text
    )
    assert 'value="loneliness" checked' in text and '<option value="sv" selected>' in text
    with runtime.uow() as uow:
        assert uow.session.scalars(select(Booking)).first() is None  # only shown, nothing booked


def test_the_municipalitys_age_groups_are_shown_before_submitting(nurse_client):
    assert "Kunta palvelee 18–64-vuotiaita." in nurse_client.get("/book").text


def test_the_earliest_times_at_any_station_are_one_click_away_from_a_day(nurse_client):
    _, fields = booking_form(nurse_client, action="earliest", search_from="2026-03-17")
    response = nurse_client.post("/book", data=fields)
    assert response.status_code == 200
    section = response.text.split('id="earliest-title"')[1].split("</ul>")[0]
    times = re.findall(r'<time datetime="([^"]+)"', section)
    assert len(times) > 8 and min(times) >= "2026-03-17"
    assert times == sorted(times)
    assert 'value="2026-03-17"' in response.text and 'value="Maija Meikäläinen"' in response.text
    assert "Aikaisimmat vapaat ajat kaikilla terveysasemilla" in nurse_client.get("/book?earliest=true").text


@pytest.mark.parametrize("day", ["huomenna", "2025-01-01", "2030-01-01", "32.1.2026", "1.2.3.4"])
def test_an_unreadable_or_out_of_range_start_day_keeps_the_form(nurse_client, day):
    _, fields = booking_form(nurse_client, action="show", search_from=day)
    response = nurse_client.post("/book", data=fields)
    assert response.status_code == 422
    assert 'href="#search-from"' in response.text and f'value="{day}"' in response.text
    assert 'value="Maija Meikäläinen"' in response.text
