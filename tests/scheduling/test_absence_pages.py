"""The admin's absence pages: the preview before recording, the list, one absence, undo."""

from __future__ import annotations

import re

import pytest
from page_support import book, sign_in, token_of
from sqlalchemy import func, select

from sotesilta.core.scheduling.tables import Absence, Booking


def absence_form(token: str, scheduling, **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "_csrf_token": token,
        "worker_id": str(scheduling.worker_id),
        "first_day": "2026-03-03",
        "last_day": "2026-03-03",
        "from_time": "",
        "to_time": "",
        "reason": "Koulutus",
        **changes,
    }


@pytest.fixture
def admin_client(client, scheduling):  # type: ignore[no-untyped-def]
    book(client, scheduling, name="Maija Meikäläinen")  # Tuesday 3 March 9.00 at Leppävaara
    sign_in(client, scheduling.admin.username)
    return client


def absences_recorded(runtime) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Absence))


def test_the_absence_form_first_shows_what_it_will_cancel_and_records_nothing(
    admin_client, runtime, scheduling
):
    token = token_of(admin_client.get("/admin/sessions").text)
    preview = admin_client.post(
        "/admin/absences", data=absence_form(token, scheduling), follow_redirects=False
    )
    assert preview.status_code == 200
    text = preview.text
    assert "<h1>Tarkista poissaolo ennen kirjaamista</h1>" in text
    assert "Elina Ohjaaja" in text and "ti 3.3.2026" in text and "Koulutus" in text
    assert "Poissaolo koskee 1 vastaanottoa" in text and "perutaan" in text
    assert "1 varattu aika perutaan" in text
    assert (
        "ti 3.3.2026 klo 9.00–9.45" in text and "Leppävaaran terveysasema" in text and "Espoo.Nurse" in text
    )
    assert "Maija" not in text  # the admin sees times and who booked, never the client
    assert 'name="confirm" value="1"' in text and 'name="back" value="1"' in text
    assert absences_recorded(runtime) == 0
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Booking.status)) == "booked"
    # "Record the absence" on the preview
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', text))
    recorded = admin_client.post("/admin/absences", data={**fields, "confirm": "1"}, follow_redirects=False)
    assert recorded.status_code == 303 and "cancelled=1" in recorded.headers["location"]
    assert absences_recorded(runtime) == 1


def test_back_returns_to_the_form_with_everything_typed(admin_client, runtime, scheduling):
    token = token_of(admin_client.get("/admin/sessions").text)
    fields = absence_form(token, scheduling, from_time="11:00", to_time="12:00", reason="Lääkärissä")
    back = admin_client.post("/admin/absences", data={**fields, "back": "1"}, follow_redirects=False)
    assert back.status_code == 200
    for value in ('value="2026-03-03"', 'value="11:00"', 'value="12:00"', 'value="Lääkärissä"'):
        assert value in back.text, value
    assert absences_recorded(runtime) == 0


def test_a_bad_absence_is_refused_before_the_preview_with_what_was_typed(admin_client, runtime, scheduling):
    token = token_of(admin_client.get("/admin/sessions").text)
    refused = admin_client.post(
        "/admin/absences", data=absence_form(token, scheduling, last_day="2026-03-01"), follow_redirects=False
    )
    assert refused.status_code == 422 and 'class="error-summary"' in refused.text
    assert 'value="Koulutus"' in refused.text and absences_recorded(runtime) == 0


def record(client, scheduling) -> int:  # type: ignore[no-untyped-def]
    token = token_of(client.get("/admin/sessions").text)
    fields = absence_form(token, scheduling, confirm="1")
    assert client.post("/admin/absences", data=fields, follow_redirects=False).status_code == 303
    listing = client.get("/admin/absences").text
    return int(re.search(r'href="/admin/absences/(\d+)"', listing).group(1))


def test_the_list_shows_the_absence_and_undo_restores_and_says_what_it_did(admin_client, runtime, scheduling):
    absence_id = record(admin_client, scheduling)
    listing = admin_client.get("/admin/absences")
    assert listing.status_code == 200
    row = listing.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Elina Ohjaaja" in row and "ti 3.3.2026" in row and "Koulutus" in row
    assert "Espoo.Admin" in row and "1 vastaanotto, 1 varattu aika" in row and "tuleva" in row
    page = admin_client.get(f"/admin/absences/{absence_id}")
    assert page.status_code == 200 and "Peru poissaolo" in page.text and "Maija" not in page.text
    undone = admin_client.post(
        f"/admin/absences/{absence_id}/undo",
        data={"_csrf_token": token_of(page.text)},
        follow_redirects=False,
    )
    assert (
        undone.status_code == 303 and undone.headers["location"] == f"/admin/absences/{absence_id}?undone=1"
    )
    result = admin_client.get(undone.headers["location"]).text
    assert "Poissaolo peruttiin." in result
    assert "1 vastaanotto palautettiin" in result and "1 varattu aika palautettiin" in result
    assert "palautettu: aika on taas varattu" in result
    assert 'action="/admin/absences/' not in result  # no second undo offered
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Booking.status)) == "booked"
    assert "peruttu (Espoo.Admin)" in admin_client.get("/admin/absences").text
    again = admin_client.post(
        f"/admin/absences/{absence_id}/undo",
        data={"_csrf_token": token_of(page.text)},
        follow_redirects=False,
    )
    assert again.status_code == 303 and again.headers["location"] == f"/admin/absences/{absence_id}"


def test_the_preview_reads_in_swedish(admin_client, scheduling):
    token = token_of(admin_client.get("/admin/sessions").text)
    admin_client.post(
        "/me/language", data={"language": "sv", "_csrf_token": token, "next_path": "/admin/sessions"}
    )
    preview = admin_client.post("/admin/absences", data=absence_form(token, scheduling)).text
    assert '<html lang="sv">' in preview and "Kontrollera frånvaron innan du registrerar den" in preview
    assert "Frånvaron berör 1 mottagning" in preview and "ställs in" in preview
    assert "1 bokad tid avbokas" in preview and "Alberga hälsostation" in preview


def test_another_municipalitys_admin_and_a_nurse_get_no_absence(client, runtime, scheduling, make_user):
    sign_in(client, scheduling.admin.username)
    absence_id = record(client, scheduling)
    make_user("lohja.admin", ["admin"], ["444"])
    sign_in(client, "lohja.admin")
    assert "Elina Ohjaaja" not in client.get("/admin/absences").text
    assert client.get(f"/admin/absences/{absence_id}").status_code == 404
    token = token_of(client.get("/admin/absences").text)
    refused = client.post(
        f"/admin/absences/{absence_id}/undo", data={"_csrf_token": token}, follow_redirects=False
    )
    assert refused.status_code == 404
    sign_in(client, scheduling.nurse.username)
    assert client.get("/admin/absences").status_code == 403
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Absence.undone_at)) is None
