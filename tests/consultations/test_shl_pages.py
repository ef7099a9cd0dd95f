"""SHL §35 notifications on pages (issue 21, items 9-10): the admin names the receiving unit,
the nurse sends one about her client with a ground, the receiving unit's instructor finds it
in the inbox, sees the person and moves it on; the nurse sees its status; bad input keeps the
form with a message, and a sender's attempt to move it is refused."""

from __future__ import annotations

import re
from datetime import date

from page_support import sign_in, token_of
from sqlalchemy import func, select
from support import bearer, identity_code, login

from sotesilta.core.consultations.tables import ShlNotification, ShlReceiver

GROUND = "Ei pysty huolehtimaan ruokailustaan eikä lääkityksestään."


def _client(client, scheduling) -> int:  # type: ignore[no-untyped-def]
    nurse = bearer(login(client, scheduling.nurse.username))
    created = client.post(
        "/api/v1/clients",
        headers=nurse,
        json={
            "municipality": "049",
            "name": "Ilona Ilmoitettu",
            "identity_code": identity_code(date(1960, 4, 1)),
        },
    )
    assert created.status_code == 201, created.text
    client.cookies.clear()
    return int(created.json()["id"])


def _name_receiver(client, scheduling, runtime) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, scheduling.admin.username)
    page = client.get("/admin/shl-receiver")
    assert page.status_code == 200 and 'id="no-receiver"' in page.text
    assert 'href="/admin/shl-receiver" aria-current="page"' in page.text
    unit = re.search(r'<option value="(\d+)">Espoon aikuissosiaalityö', page.text)
    assert unit, page.text
    bad = client.post(
        "/admin/shl-receiver",
        data={"_csrf_token": token_of(page.text), "unit_id": unit.group(1), "secure_email": "ei osoite"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "Anna sähköpostiosoite tai jätä kenttä tyhjäksi." in bad.text
    saved = client.post(
        "/admin/shl-receiver",
        data={
            "_csrf_token": token_of(page.text),
            "unit_id": unit.group(1),
            "secure_email": "kirjaamo@example.fi",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/shl-receiver?saved=1"
    with runtime.uow() as uow:
        receiver = uow.session.get(ShlReceiver, "03")
        assert receiver is not None and receiver.unit_id == int(unit.group(1))
        assert receiver.secure_email == "kirjaamo@example.fi"


def _send(client, client_id: int, **fields):  # type: ignore[no-untyped-def]
    form = client.get(f"/shl-notifications/new?client={client_id}")
    assert form.status_code == 200
    data = {
        "_csrf_token": token_of(form.text),
        "municipality": "049",
        "client": str(client_id),
        "ground": "cannot_look_after_self",
        "ground_detail": GROUND,
        "summary": "Asuu yksin, kotona ei ruokaa.",
    } | fields
    return client.post("/shl-notifications", data=data, follow_redirects=False)


def test_a_notification_goes_from_the_nurse_to_the_receiving_units_inbox_and_back_as_status(
    client, scheduling, runtime
):
    client_id = _client(client, scheduling)
    sign_in(client, scheduling.nurse.username)
    form = client.get(f"/shl-notifications/new?client={client_id}")
    assert "ei ole vielä nimennyt" in form.text  # no receiver yet: said before she writes
    refused = _send(client, client_id)
    assert refused.status_code == 409 and "pyydä sitä pääkäyttäjältä" in refused.text

    _name_receiver(client, scheduling, runtime)

    sign_in(client, scheduling.nurse.username)
    form = client.get(f"/shl-notifications/new?client={client_id}")
    assert "Ilmoitus menee yksikköön Espoon aikuissosiaalityö" in form.text
    for ground in ("consent", "cannot_look_after_self", "child_interest"):
        assert f'id="ground-{ground}"' in form.text and f'for="ground-{ground}"' in form.text
    sent = _send(client, client_id)
    assert sent.status_code == 303
    path = sent.headers["location"]
    mine = client.get(path)
    assert mine.status_code == 200 and "lähetetty, ei vielä vastaanotettu" in mine.text
    assert "Ilona Ilmoitettu" not in mine.text and 'name="status"' not in mine.text  # the sender: status only
    listed = client.get("/shl-notifications")
    assert 'href="/shl-notifications" aria-current="page"' in listed.text
    assert path in listed.text and 'id="inbox"' not in listed.text

    sign_in(client, scheduling.instructor.username)
    inbox = client.get("/shl-notifications")
    assert 'id="inbox"' in inbox.text and path in inbox.text
    assert "Ilona Ilmoitettu" not in inbox.text  # the list names nobody
    opened = client.get(path)
    assert "Ilona Ilmoitettu" in opened.text and GROUND in opened.text
    assert "henkilö on ilmeisen kykenemätön" in opened.text
    moved = client.post(
        f"{path}/status",
        data={"_csrf_token": token_of(opened.text), "status": "received"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    page = client.get(path)
    assert 'id="shl-status">vastaanotettu' in page.text and 'value="received"' not in page.text
    assert 'value="in_progress"' in page.text and 'value="closed"' in page.text  # forward only
    stale = client.post(f"{path}/status", data={"_csrf_token": token_of(page.text), "status": "received"})
    assert stale.status_code == 409 and "sillä välin" in stale.text
    junk = client.post(f"{path}/status", data={"_csrf_token": token_of(page.text), "status": "archived"})
    assert junk.status_code == 422

    sign_in(client, scheduling.nurse.username)
    assert 'id="shl-status">vastaanotettu' in client.get(path).text
    denied = client.post(f"{path}/status", data={"_csrf_token": token_of(mine.text), "status": "closed"})
    assert denied.status_code == 403
    with runtime.uow() as uow:
        assert uow.session.scalar(select(ShlNotification.status)) == "received"


def test_a_refused_notification_keeps_the_form_and_says_why(client, scheduling, runtime):
    client_id = _client(client, scheduling)
    _name_receiver(client, scheduling, runtime)
    sign_in(client, scheduling.nurse.username)
    short = _send(client, client_id, ground_detail="huoli")
    assert short.status_code == 422 and "Kerro, mikä osoittaa perusteen" in short.text
    assert "Asuu yksin, kotona ei ruokaa." in short.text  # kept
    no_ground = _send(client, client_id, ground="")
    assert no_ground.status_code == 422 and "Valitse ilmoituksen peruste." in no_ground.text
    no_consent = _send(client, client_id, ground="consent", ground_detail="")
    assert no_consent.status_code == 409 and "ei ole voimassa olevaa suostumusta" in no_consent.text
    stranger = _send(client, 99999)
    assert stranger.status_code == 422 and "Hae asiakas ensin" in stranger.text
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ShlNotification)) == 0


def test_the_pages_are_for_staff_and_the_receiver_page_for_admins(client, scheduling):
    sign_in(client, scheduling.admin.username)
    assert client.get("/shl-notifications").status_code == 403
    sign_in(client, scheduling.nurse.username)
    assert client.get("/admin/shl-receiver").status_code == 403
    assert client.get("/shl-notifications/12345").status_code == 404
