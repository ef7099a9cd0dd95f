"""The organisation on the admin's pages (both databases): the county's units, stations and
workers listed, added and changed through forms that keep what was typed when refused; a
user linked to a worker; a station closed under its bookings only when they go to rebook."""

from __future__ import annotations

import re

import pytest
from page_support import book, sign_in, token_of
from sqlalchemy import func, select

from sotesilta.core.organisations.tables import OrganisationChange, ServiceUnit, Station, Worker
from sotesilta.core.scheduling.tables import Booking


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


STATION_FORM = {
    "name_fi": "Otaniemen terveysasema",
    "name_sv": "Otnäs hälsostation",
    "municipality_code": "049",
    "address": "Otakaari 1, Espoo",
    "address_sv": "",
    "phone": "+358 9 816 31300",
    "provider": "",
    "kind": "health_station",
    "booking_mode": "booked",
    "key": "espoo-otaniemi",
    "active": "yes",
}


def test_the_admin_page_lists_the_whole_county_and_nothing_of_another(client, scheduling):
    sign_in(client, "espoo.admin")
    text = client.get("/admin").text
    # Lohja is of the same county (Länsi-Uusimaa); Lahti is of Päijät-Häme
    assert "Leppävaaran terveysasema" in text and "Lohjan" in text
    assert "Päijät-Hämeen sosiaalisen kuntoutuksen yksikkö" not in text
    assert "Elina Ohjaaja" in text and "Laura Ohjaaja" in text
    assert 'href="/admin/stations/new"' in text and 'href="/admin/workers/new"' in text
    # the column of edit links is "actions", not "Muutos" (a change, as statistics use the word)
    assert text.count('<th scope="col">Toiminnot</th>') == 3 and ">Muutos<" not in text


def test_an_admin_adds_a_station_a_refused_form_keeps_what_was_typed(client, runtime, scheduling):
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/stations/new").text)
    before = count(runtime, Station)
    refused = client.post("/admin/stations", data={**STATION_FORM, "phone": "soita", "_csrf_token": token})
    assert refused.status_code == 422
    assert 'value="Otaniemen terveysasema"' in refused.text and 'value="soita"' in refused.text
    assert 'aria-invalid="true"' in refused.text and count(runtime, Station) == before
    foreign = client.post(
        "/admin/stations", data={**STATION_FORM, "municipality_code": "398", "_csrf_token": token}
    )
    assert foreign.status_code == 422 and count(runtime, Station) == before
    added = client.post(
        "/admin/stations", data={**STATION_FORM, "_csrf_token": token}, follow_redirects=False
    )
    assert added.status_code == 303 and added.headers["location"].startswith("/admin?saved=station")
    with runtime.uow() as uow:
        station = uow.session.scalar(select(Station).where(Station.key == "espoo-otaniemi"))
        assert (station.phone, station.county_code, station.active) == ("+358 9 816 31300", "03", True)
    assert "+358 9 816 31300" in client.get("/admin").text


def test_a_form_without_its_token_is_refused(client, runtime, scheduling):
    sign_in(client, "espoo.admin")
    before = count(runtime, Station)
    assert client.post("/admin/stations", data=STATION_FORM).status_code == 403
    assert count(runtime, Station) == before


def test_an_admin_adds_a_unit_and_a_worker_and_links_a_new_user(client, runtime, scheduling, make_user):
    newcomer = make_user("espoo.newcomer", ["instructor"], ["049"])
    make_user("lahti.someone", ["instructor"], ["398"])
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/units/new").text)
    unit_form = {
        "county_code": "03",
        "name_fi": "Kotoutuminen",
        "name_sv": "Integration",
        "key": "lu-kotoutuminen",
    }
    added = client.post(
        "/admin/units", data={**unit_form, "active": "yes", "_csrf_token": token}, follow_redirects=False
    )
    assert added.status_code == 303
    with runtime.uow() as uow:
        unit_id = uow.session.scalar(select(ServiceUnit.id).where(ServiceUnit.key == "lu-kotoutuminen"))

    screen = client.get("/admin/workers/new").text
    # the county's users to link: not another county's, not one linked already
    assert "espoo.newcomer" in screen and "lahti.someone" not in screen and "espoo.instructor" not in screen
    worker_form = {
        "_csrf_token": token_of(screen),
        "display_name": "Onni Ohjaaja",
        "title": "social_instructor",
        "languages": ["fi", "sv"],
        "unit_id": str(unit_id),
        "municipalities": [],
        "station_ids": [str(scheduling.station_id)],
        "user_id": "",
        "active": "yes",
    }
    refused = client.post("/admin/workers", data=worker_form)
    assert refused.status_code == 422 and 'value="Onni Ohjaaja"' in refused.text
    assert count(runtime, Worker) == 2
    saved = client.post(
        "/admin/workers", data={**worker_form, "municipalities": ["049", "444"]}, follow_redirects=False
    )
    assert saved.status_code == 303
    with runtime.uow() as uow:
        worker = uow.session.scalar(select(Worker).where(Worker.display_name == "Onni Ohjaaja"))
        assert (worker.user_id, worker.unit_id, worker.languages) == (None, unit_id, "fi,sv")
        worker_id = worker.id
    edit = client.get(f"/admin/workers/{worker_id}").text
    linked = client.post(
        f"/admin/workers/{worker_id}",
        data={
            **worker_form,
            "_csrf_token": token_of(edit),
            "municipalities": ["049"],
            "user_id": str(newcomer.id),
        },
        follow_redirects=False,
    )
    assert linked.status_code == 303
    with runtime.uow() as uow:
        assert uow.session.get(Worker, worker_id).user_id == newcomer.id
        logged = uow.session.scalars(
            select(OrganisationChange).where(OrganisationChange.entity_id == worker_id)
        ).all()
        assert [c.action for c in logged if c.entity == "worker"] == ["create", "update"]
    # the session-rule form offers the new worker
    assert "Onni Ohjaaja" in client.get("/admin/sessions").text


def closing_form(client, station_id: int) -> dict[str, str]:
    page = client.get(f"/admin/stations/{station_id}").text
    form = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)
        for name in ("name_fi", "name_sv", "address", "address_sv", "phone", "provider", "key")
    }
    return form | {
        "municipality_code": "049",
        "kind": "health_station",
        "booking_mode": "booked",
        "_csrf_token": token_of(page),
    }


def test_the_refusal_to_close_counts_in_words_and_leads_to_the_bookings(client, scheduling, make_user):
    booking_id = book(client, scheduling)
    sign_in(client, "espoo.admin")  # an admin only: she is told who moves the time
    refused = client.post(
        f"/admin/stations/{scheduling.station_id}", data=closing_form(client, scheduling.station_id)
    )
    assert refused.status_code == 409
    assert (
        "Toimipisteessä on 1 tuleva varattu käynti" in refused.text
    )  # one, not "1 tulevaa varattua käyntiä"
    assert f'href="/bookings/{booking_id}"' not in refused.text
    assert "siirtää sen varauksen sivulta" in refused.text
    make_user("espoo.admin-nurse", ["admin", "health_staff"], ["049"])
    sign_in(client, "espoo.admin-nurse")  # she may move it herself: each time links to its page
    refused = client.post(
        f"/admin/stations/{scheduling.station_id}", data=closing_form(client, scheduling.station_id)
    )
    assert refused.status_code == 409 and f'href="/bookings/{booking_id}"' in refused.text


def test_closing_a_station_with_bookings_asks_to_send_them_to_rebook(client, runtime, scheduling):
    book(client, scheduling)
    sign_in(client, "espoo.admin")
    page = client.get(f"/admin/stations/{scheduling.station_id}").text
    form = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)
        for name in ("name_fi", "name_sv", "address", "address_sv", "phone", "provider", "key")
    }
    form |= {
        "municipality_code": "049",
        "kind": "health_station",
        "booking_mode": "booked",
        "_csrf_token": token_of(page),
    }
    refused = client.post(f"/admin/stations/{scheduling.station_id}", data=form)
    assert refused.status_code == 409
    assert 'href="#rebook"' in refused.text and "<time" in refused.text
    with runtime.uow() as uow:
        assert uow.session.get(Station, scheduling.station_id).active is True
    closed = client.post(
        f"/admin/stations/{scheduling.station_id}", data={**form, "rebook": "yes"}, follow_redirects=False
    )
    assert closed.status_code == 303
    with runtime.uow() as uow:
        assert uow.session.get(Station, scheduling.station_id).active is False
        assert {b.status for b in uow.session.scalars(select(Booking))} == {"cancelled"}


@pytest.mark.parametrize("path", ["/admin/units/new", "/admin/stations/new", "/admin/workers/new"])
def test_a_nurse_cannot_open_the_organisation_forms(client, scheduling, path):
    sign_in(client, "espoo.nurse")
    assert client.get(path).status_code == 403


def test_another_countys_records_are_not_found_on_the_pages(client, runtime, scheduling):
    with runtime.uow() as uow:
        lahti_unit = uow.session.scalar(select(ServiceUnit.id).where(ServiceUnit.county_code == "09"))
        lahti_station = uow.session.scalar(select(Station.id).where(Station.county_code == "09"))
    sign_in(client, "espoo.admin")
    assert client.get(f"/admin/units/{lahti_unit}").status_code == 404
    assert client.get(f"/admin/stations/{lahti_station}").status_code == 404
    assert client.get("/admin/workers/999999").status_code == 404
