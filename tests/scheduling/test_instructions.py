"""The client's printed instructions: who organises, when (start to end), whom the client
meets, where (the street address in the client's language) and the station's phone."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from page_support import booking_form, sign_in, token_of

from sotesilta.core.organisations.public import Station
from sotesilta.core.scheduling.service.instructions import Venue, client_instructions

LEPPAVAARA = Venue(
    "Leppävaaran terveysasema",
    "Alberga hälsostation",
    "Hevosenkenkä 3, Espoo",
    "Hästskon 3, Esbo",
    "09 816 30300",
    "Länsi-Uudenmaan hyvinvointialue",
    "Västra Nylands välfärdsområde",
    "health_station",
)


@pytest.fixture
def nurse_client(client, scheduling, runtime):  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        station = uow.session.get(Station, scheduling.station_id)
        station.address, station.address_sv = LEPPAVAARA.address, LEPPAVAARA.address_sv
        station.phone = LEPPAVAARA.phone
        uow.session.add(station)
        uow.commit()
    sign_in(client, scheduling.nurse.username)
    return client


def instructions_of(page: str) -> str:
    found = re.search(r'<section class="printable instructions".*?</section>', page, re.S)
    assert found, "the page has no printable instructions"
    return found.group(0)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fi",
            [
                "Länsi-Uudenmaan hyvinvointialue",
                "Aika: tiistaina 3.3.2026 klo 9.00–9.45",
                "Sosiaaliohjaaja: Elina Ohjaaja",
                "Paikka: Leppävaaran terveysasema, Hevosenkenkä 3, Espoo",
                "Terveysaseman puhelin: 09 816 30300",
            ],
        ),
        (
            "sv",
            [
                "Västra Nylands välfärdsområde",
                "Tid: tisdag 3.3.2026 kl. 9.00–9.45",
                "Socialhandledare: Elina Ohjaaja",
                "Plats: Alberga hälsostation, Hästskon 3, Esbo",
                "Hälsostationens telefon: 09 816 30300",
            ],
        ),
    ],
)
def test_the_printed_instructions_carry_county_end_time_instructor_address_and_phone(
    nurse_client, language, expected
):
    _, fields = booking_form(nurse_client, preferred_language=language)
    location = nurse_client.post("/book", data=fields, follow_redirects=False).headers["location"]
    confirmation = nurse_client.get(location).text
    printed = instructions_of(confirmation)
    assert f'lang="{language}"' in printed
    for line in expected:
        assert f"<p>{line}</p>" in printed, (line, re.sub(r"<figure.*", "", printed, flags=re.S))
    # the client's own link shows the same
    link = re.search(r'id="client-link" type="text" readonly value="([^"]+)"', confirmation).group(1)
    nurse_client.cookies.clear()
    behind_the_link = instructions_of(nurse_client.get(urlsplit(link).path).text)
    for line in expected:
        assert f"<p>{line}</p>" in behind_the_link, line


def test_swedish_instructions_fall_back_to_the_finnish_address_and_leave_out_a_missing_phone():
    venue = Venue(
        "Lohjan terveysasema",
        "Lojo hälsostation",
        "Sairaalatie 8, Lohja",
        "",
        "",
        "L-U",
        "V-N",
        "health_station",
    )
    printed = client_instructions(
        language="sv",
        starts_at=datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 3, 7, 45, tzinfo=UTC),
        worker_name="Laura Ohjaaja",
        venue=venue,
        video_link=None,
    )
    assert printed.address == "Sairaalatie 8, Lohja"
    assert "Plats: Lojo hälsostation, Sairaalatie 8, Lohja" in printed.lines
    assert not any("telefon" in line for line in printed.lines)
    assert printed.when == "tisdag 3.3.2026 kl. 9.00–9.45"  # "kl. 9.00", as Finnish "klo 9.00"


def test_a_video_appointment_gives_the_link_and_still_the_phone_and_county():
    printed = client_instructions(
        language="fi",
        starts_at=datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 3, 7, 45, tzinfo=UTC),
        worker_name="Elina Ohjaaja",
        venue=LEPPAVAARA,
        video_link="https://video.example/abc",
    )
    assert printed.lines[1] == "Länsi-Uudenmaan hyvinvointialue"
    assert "Linkki videovastaanotolle: https://video.example/abc" in printed.lines
    assert "Terveysaseman puhelin: 09 816 30300" in printed.lines
    assert not any(line.startswith("Paikka") for line in printed.lines)


def test_a_cancelled_booking_still_offers_no_instructions(nurse_client):
    _, fields = booking_form(nurse_client, preferred_language="fi")
    location = nurse_client.post("/book", data=fields, follow_redirects=False).headers["location"]
    page = nurse_client.get(location).text
    link = re.search(r'id="client-link" type="text" readonly value="([^"]+)"', page).group(1)
    response = nurse_client.post(
        f"{location}/cancel",
        data={"_csrf_token": token_of(page), "reason": "Asiakas soitti", "cancelled_by": "client"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cancelled = nurse_client.get(location).text
    # the station's phone stays only where the page says who booked (for the instructor)
    instructions = re.sub(r'<dd id="booked-by">.*?</dd>', "", cancelled, flags=re.S)
    assert 'class="printable instructions"' not in cancelled and "09 816 30300" not in instructions
    nurse_client.cookies.clear()
    behind_the_link = nurse_client.get(urlsplit(link).path).text
    assert 'class="printable instructions"' not in behind_the_link
    assert "Elina Ohjaaja" not in behind_the_link and "Hevosenkenkä" not in behind_the_link


@pytest.mark.parametrize(
    ("language", "advice", "phone"),
    [
        ("fi", "ilmoita siitä toimipisteeseen.", "Toimipisteen puhelin: 09 816 30300"),
        ("sv", "meddela verksamhetsstället.", "Verksamhetsställets telefon: 09 816 30300"),
        ("en", "let the office know.", "Office's phone: 09 816 30300"),
    ],
)
def test_at_a_social_care_office_the_client_tells_the_office_not_a_health_station(language, advice, phone):
    office = dataclasses.replace(LEPPAVAARA, kind="social_care_unit")
    printed = client_instructions(
        language=language,
        starts_at=datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 3, 7, 45, tzinfo=UTC),
        worker_name="Laura Ohjaaja",
        venue=office,
        video_link=None,
    )
    text = "\n".join(printed.lines)
    assert advice in text and phone in printed.lines
    assert "terveysasema" not in text.replace("Leppävaaran terveysasema", "")
    assert "hälsostation" not in text.replace("Alberga hälsostation", "").lower()
    assert "health station" not in text.lower()
