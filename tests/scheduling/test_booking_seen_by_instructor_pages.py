"""What the nurse wrote reaches the instructor: the booking's page shows her note as typed,
her answer about an existing social-care client relationship, her name, her station and its
phone. The booker's station is the booking's when she works there, else the first of hers."""

from __future__ import annotations

import pytest
from conftest import station_id
from page_support import booking_form, sign_in
from sqlalchemy import update

from sotesilta.core.accounts.public import staff_contact
from sotesilta.core.organisations.tables import Station

NOTE = "Toimeentulo huolettaa.\nVuokra on maksamatta <kaksi> kuukautta."


def set_phone(runtime, key: str, phone: str) -> None:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        uow.session.execute(update(Station).where(Station.key == key).values(phone=phone))
        uow.commit()


def booked_with_a_note(client, scheduling, **changes) -> int:  # type: ignore[no-untyped-def]
    sign_in(client, scheduling.nurse.username)
    _, fields = booking_form(client, note=NOTE, existing_relationship="yes", **changes)
    response = client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_the_instructor_reads_the_note_the_answer_and_who_booked_from_where(client, scheduling, runtime):
    set_phone(runtime, "espoo-leppavaara", "09 816 31300")
    booking_id = booked_with_a_note(client, scheduling)
    sign_in(client, scheduling.instructor.username)
    page = client.get(f"/bookings/{booking_id}")
    assert page.status_code == 200
    text = page.text
    # as typed, escaped, its line break kept (the page keeps white space in it)
    assert (
        'id="booking-note">Toimeentulo huolettaa.\nVuokra on maksamatta &lt;kaksi&gt; kuukautta.</dd>' in text
    )
    assert "Onko asiakkaalla jo sosiaalihuollon asiakkuus?" in text
    assert '<dd id="booking-relationship">Kyllä</dd>' in text
    assert "Espoo.Nurse, Leppävaaran terveysasema, puh." in text
    assert '<a href="tel:0981631300">09 816 31300</a>' in text


def test_without_a_note_or_a_station_phone_the_page_says_so_and_offers_no_number(client, scheduling):
    sign_in(client, scheduling.nurse.username)
    _, fields = booking_form(client, note="", existing_relationship="unknown")
    booking_id = int(
        client.post("/book", data=fields, follow_redirects=False).headers["location"].rsplit("/")[-1]
    )
    sign_in(client, scheduling.instructor.username)
    text = client.get(f"/bookings/{booking_id}").text
    assert '<dd class="written" id="booking-note">Ei viestiä.</dd>' in text
    assert '<dd id="booking-relationship">Ei tiedossa</dd>' in text
    assert "tel:" not in text and "Espoo.Nurse, Leppävaaran terveysasema" in text


def test_the_swedish_page_names_the_station_in_swedish(client, scheduling, runtime):
    set_phone(runtime, "espoo-leppavaara", "+358 9 816 31300")
    booking_id = booked_with_a_note(client, scheduling)
    sign_in(client, scheduling.instructor.username)
    client.cookies.set("sotesilta_lang", "sv")
    text = client.get(f"/bookings/{booking_id}").text
    assert "Bokad av" in text and "Espoo.Nurse, Alberga hälsostation, tfn" in text
    assert '<a href="tel:+358981631300">+358 9 816 31300</a>' in text


def test_a_nurse_of_another_station_still_cannot_open_it(client, scheduling, make_user):
    booking_id = booked_with_a_note(client, scheduling)
    make_user("espoo.other", ["health_staff"], ["049"], ["espoo-tapiola"])
    sign_in(client, "espoo.other")
    page = client.get(f"/bookings/{booking_id}")
    assert page.status_code == 404 and "Toimeentulo" not in page.text


@pytest.mark.parametrize(
    ("stations", "expected"),
    [
        (["espoo-tapiola", "espoo-leppavaara"], "Leppävaaran terveysasema"),  # the booking's own
        (["espoo-tapiola", "espoo-keskus"], "Espoon keskuksen terveysasema"),  # the first by name
        ([], None),
    ],
)
def test_the_bookers_station_is_the_bookings_when_she_works_there(runtime, make_user, stations, expected):
    nurse = make_user("espoo.many", ["health_staff"], ["049"], stations)
    with runtime.uow() as uow:
        found = staff_contact(uow, user_id=nurse.id, station_id=station_id(runtime, "espoo-leppavaara"))
    assert found.name == "Espoo.Many"
    assert found.station_name("fi") == expected
