"""The walk-in queue's pages through Litestar's test client (both databases): arrivals
registered from the booking page's link and the queue page, refused before the walk-in
opens with the choices kept, the instructor calling the next and putting a client who
did not answer back in the line, the page refreshing itself, and who may see it."""

from __future__ import annotations

import re

import pytest
from page_support import sign_in, token_of
from support import lohja_walk_in_session


@pytest.fixture
def walk_in_session(runtime, scheduling, principal_of) -> int:  # type: ignore[no-untyped-def]
    """Lohja, Monday 2 March 2026: walk-in 12-14 for three (the clock says 10.00)."""
    return lohja_walk_in_session(runtime, scheduling, principal_of, capacity=3)


def arrive(client, session_id: int, **fields):  # type: ignore[no-untyped-def]
    queue = client.get(f"/walk-ins/{session_id}")
    data = {"_csrf_token": token_of(queue.text), "referrer": "self", "preferred_language": "fi", **fields}
    return client.post(f"/walk-ins/{session_id}/arrivals", data=data, follow_redirects=False)


def test_the_booking_page_links_each_walk_in_of_today_to_its_queue(client, scheduling, walk_in_session):
    sign_in(client, scheduling.lohja_nurse.username)
    book = client.get("/book")
    assert f'href="/walk-ins/{walk_in_session}#arrival"' in book.text
    assert "Kirjaa saapuminen" in book.text and "Jonossa on 0 asiakasta." in book.text


def test_a_nurse_registers_an_arrival_and_sees_its_place_in_the_queue(
    client, scheduling, walk_in_session, clock
):
    clock.advance(hours=2, minutes=30)  # 12.30
    sign_in(client, scheduling.lohja_nurse.username)
    assert arrive(client, walk_in_session).status_code == 303
    registered = arrive(
        client, walk_in_session, referrer="staff", reasons=["loneliness"], preferred_language="sv"
    )
    assert registered.status_code == 303
    assert re.fullmatch(
        rf"/walk-ins/{walk_in_session}\?registered=\d+#confirmation", registered.headers["location"]
    )
    confirmation = client.get(registered.headers["location"])
    text = confirmation.text
    assert "Saapuminen kirjattu: numero 2. Paikka jonossa: 2." in text
    assert "Jonossa on 2 asiakasta." in text and "Vapaana 1 paikka." in text
    assert "terveydenhuollon lähettämä" in text and "Ruotsi" in text and "Yksinäisyys" in text
    assert confirmation.headers["refresh"] == f"30; url=/walk-ins/{walk_in_session}"
    assert f'<a href="/walk-ins/{walk_in_session}">Päivitä</a>' in text
    # a nurse registers, she does not call
    assert "Kutsu seuraava asiakas" not in text and "no-answer" not in text
    assert "Jonossa on 2 asiakasta." in client.get("/book").text


def test_an_arrival_before_the_walk_in_opens_is_refused_with_the_choices_kept(
    client, scheduling, walk_in_session, clock
):
    clock.advance(hours=1, minutes=45)  # 11.45
    sign_in(client, scheduling.lohja_nurse.username)
    refused = arrive(
        client, walk_in_session, referrer="staff", reasons=["loneliness"], preferred_language="sv"
    )
    assert refused.status_code == 409
    assert "Avovastaanotto alkaa klo 12.00. Saapumisia kirjataan siitä alkaen." in refused.text
    assert 'id="referrer-staff" value="staff" checked' in refused.text
    assert 'value="loneliness" checked' in refused.text and '<option value="sv" selected>' in refused.text
    assert "Jonossa on 0 asiakasta." in refused.text


def test_before_and_after_the_walk_in_the_queue_page_says_so_instead_of_a_form(
    client, scheduling, walk_in_session, clock
):
    sign_in(client, scheduling.lohja_nurse.username)
    before = client.get(f"/walk-ins/{walk_in_session}").text  # 10.00
    assert "Avovastaanotto alkaa klo 12.00." in before and "/arrivals" not in before
    clock.advance(hours=4)  # 14.00: over
    sign_in(client, scheduling.lohja_nurse.username)
    after = client.get(f"/walk-ins/{walk_in_session}").text
    assert "Avovastaanotto on päättynyt" in after and "/arrivals" not in after


def test_an_unknown_reason_comes_back_beside_the_reasons(client, scheduling, walk_in_session, clock):
    clock.advance(hours=2, minutes=30)
    sign_in(client, scheduling.lohja_nurse.username)
    refused = arrive(client, walk_in_session, reasons=["astrology"], referrer="nobody")
    assert refused.status_code == 422
    assert 'id="arrival-referrer-error"' in refused.text and "Jonossa on 0 asiakasta." in refused.text
    refused = arrive(client, walk_in_session, reasons=["astrology"])
    assert refused.status_code == 422 and 'id="arrival-reasons-error"' in refused.text


def test_the_instructor_calls_the_next_and_puts_back_one_who_did_not_answer(
    client, scheduling, walk_in_session, clock
):
    clock.advance(hours=2, minutes=30)
    sign_in(client, scheduling.lohja_nurse.username)
    arrive(client, walk_in_session)
    arrive(client, walk_in_session)
    sign_in(client, scheduling.lohja_instructor.username)
    day = client.get("/work")
    assert f'href="/walk-ins/{walk_in_session}"' in day.text
    queue = client.get(f"/walk-ins/{walk_in_session}")
    assert "Jonossa on 2 asiakasta." in queue.text and "Kutsu seuraava asiakas" in queue.text
    token = token_of(queue.text)
    called = client.post(
        f"/walk-ins/{walk_in_session}/call-next", data={"_csrf_token": token}, follow_redirects=False
    )
    assert called.headers["location"] == f"/walk-ins/{walk_in_session}?called=1"
    after = client.get(called.headers["location"])
    assert "Numero 1 kutsuttu." in after.text and "Jonossa on 1 asiakas." in after.text
    no_answer = re.search(r'action="(/walk-ins/\d+/places/\d+/no-answer)"', after.text)
    assert no_answer and "Ei vastannut: takaisin jonoon" in after.text
    back = client.post(no_answer.group(1), data={"_csrf_token": token}, follow_redirects=False)
    assert back.headers["location"] == f"/walk-ins/{walk_in_session}?returned=1"
    page = client.get(back.headers["location"]).text
    assert "Numero 1 on taas jonossa." in page and "Jonossa on 2 asiakasta." in page
    # behind number 2, who is called next
    waiting = re.findall(r"<li>Numero (\d+): jonossa klo", page)
    assert waiting == ["2", "1"]
    again = client.post(no_answer.group(1), data={"_csrf_token": token}, follow_redirects=False)
    assert again.status_code == 409 and "Numeroa ei palautettu jonoon" in again.text


def test_another_municipalitys_staff_cannot_see_the_queue(client, scheduling, walk_in_session, make_user):
    sign_in(client, scheduling.nurse.username)  # Espoo
    assert client.get(f"/walk-ins/{walk_in_session}").status_code == 404
    make_user("lohja.manager", ["manager"], ["444"])
    sign_in(client, "lohja.manager")
    assert client.get(f"/walk-ins/{walk_in_session}").status_code == 403


def test_a_nurse_cannot_call_or_put_back(client, scheduling, walk_in_session, clock):
    clock.advance(hours=2, minutes=30)
    sign_in(client, scheduling.lohja_nurse.username)
    arrive(client, walk_in_session)
    token = token_of(client.get(f"/walk-ins/{walk_in_session}").text)
    for path in ("call-next", "places/1/no-answer"):
        response = client.post(f"/walk-ins/{walk_in_session}/{path}", data={"_csrf_token": token})
        assert response.status_code == 403


def test_the_queue_page_reads_in_swedish(client, scheduling, walk_in_session, clock, make_user):
    clock.advance(hours=2, minutes=30)
    make_user("lojo.nurse", ["health_staff"], ["444"], ["lohja-keskusta"])
    sign_in(client, "lojo.nurse")
    client.cookies.set("sotesilta_lang", "sv")
    assert '<option value="sv" selected>' in client.get(f"/walk-ins/{walk_in_session}").text
    registered = arrive(client, walk_in_session, referrer="staff", preferred_language="sv")
    text = client.get(registered.headers["location"]).text
    assert "Ankomsten registrerad: nummer 1. Plats i kön: 1." in text
    assert "1 klient väntar." in text and "Kö till öppen mottagning" in text
