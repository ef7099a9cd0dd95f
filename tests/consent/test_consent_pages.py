"""The consent plugin's pages through the test client (both databases): a nurse finds the
client by identity code (or registers the client), records the client's consent with how it
was given and by whom, sees the client's consents and withdraws one; the access rules of the
JSON API; bad input as a 4xx page with nothing written; the form check; Swedish."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from page_support import sign_in, token_of
from sqlalchemy import func, select
from support import bearer, chain_access_log, login

from sotesilta.consent.tables import AccessLogEntry, Consent
from sotesilta.core.clients.tables import ClientRecord
from sotesilta.core.kernel.web.i18n import LANGUAGE_COOKIE

CODE = "100190Y999P"
OTHER_CODE = "010190-900P"


def count(runtime, table, *where) -> int:  # type: ignore[no-untyped-def]
    chain_access_log(runtime)
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def consents(runtime) -> list[Consent]:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        found = list(uow.session.scalars(select(Consent).order_by(Consent.id)))
        uow.session.expunge_all()
        return found


def api_client(client, username: str, code: str = CODE, municipality: str = "049") -> int:  # type: ignore[no-untyped-def]
    """A client registered through the JSON API (signs the test client out of the pages)."""
    headers = bearer(login(client, username))
    made = client.post(
        "/api/v1/clients",
        headers=headers,
        json={"municipality": municipality, "name": "Väinö Testinen", "identity_code": code},
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def find(client, code: str = CODE, query: str = "", **reason):  # type: ignore[no-untyped-def]
    form = client.get(f"/consents{query}")
    assert form.status_code == 200
    fields = dict(
        re.findall(r'<input type="hidden" name="(next|for_scope|for_recipient)" value="([^"]*)"', form.text)
    )
    data = {"_csrf_token": token_of(form.text), "identity_code": code, **fields, **reason}
    return client.post("/consents/find", data=data, follow_redirects=False)


#: a stated reason, as the find form sends it
PRESENT = {"access_reason": "client_present", "access_reason_detail": "asiakas vastaanotolla"}


def record(client, client_id: int, **fields):  # type: ignore[no-untyped-def]
    form = client.get(f"/clients/{client_id}/consents")
    assert form.status_code == 200
    data = {
        "_csrf_token": token_of(form.text),
        "scope": "named_consultation",
        "recipient": "03",
        "given_how": "oral",
        "valid_from": "2026-03-02",
        **fields,
    }
    return client.post(f"/clients/{client_id}/consents", data=data, follow_redirects=False)


def withdraw(client, client_id: int, consent_id: int, token: str | None = None):  # type: ignore[no-untyped-def]
    if token is None:
        token = token_of(client.get(f"/clients/{client_id}/consents").text)
    return client.post(
        f"/consents/{consent_id}/withdraw",
        data={"_csrf_token": token, "client_id": str(client_id)},
        follow_redirects=False,
    )


def test_a_nurse_finds_the_client_and_records_an_oral_consent_with_who_recorded_it(
    client, scheduling, runtime
):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    found = find(client)
    assert found.status_code == 303
    location = found.headers["location"]
    assert location.startswith(f"/clients/{client_id}/consents") and CODE not in location
    page = client.get(location)
    assert page.status_code == 200
    assert (
        f"Asiakkaan nro {client_id} suostumukset" in page.text
        and "Suostumuksia ei ole kirjattu." in page.text
    )
    assert "Väinö" not in page.text  # a client shows as a number, never a name
    assert "Kirjaaja: Espoo.Nurse, tallennushetkellä." in page.text

    recorded = record(client, client_id)
    assert recorded.status_code == 303
    (consent,) = consents(runtime)
    assert recorded.headers["location"] == (
        f"/clients/{client_id}/consents?for_scope=named_consultation&recorded={consent.id}"
    )
    assert (consent.client_id, consent.scope, consent.recipient, consent.given_how) == (
        client_id,
        "named_consultation",
        "03",  # the county's social care
        "oral",
    )
    assert consent.recorded_by == scheduling.nurse.id and consent.valid_until is None
    assert consent.valid_from == runtime.clock.now()  # given today: in force from this moment
    shown = client.get(recorded.headers["location"]).text
    assert "Suostumus kirjattiin." in shown
    row = shown[shown.index("<tbody>") : shown.index("</tbody>")]
    for text in (
        "Konsultaatio asiakkaan nimellä",
        "Sosiaalihuolto: Länsi-Uudenmaan hyvinvointialue",
        "suullisesti",
        "kirjaaja: Espoo.Nurse",
    ):
        assert text in row, text
    assert "<strong>voimassa</strong>" in row and f'action="/consents/{consent.id}/withdraw"' in row
    # the recording, and every look at the client's consents, is in the access log
    assert (
        count(
            runtime,
            AccessLogEntry,
            AccessLogEntry.subject_type == "consent",
            AccessLogEntry.action == "create",
        )
        == 1
    )
    assert (
        count(
            runtime, AccessLogEntry, AccessLogEntry.subject_type == "consent", AccessLogEntry.action == "read"
        )
        >= 2
    )


def test_a_consent_in_writing_lasts_to_the_end_of_its_last_day(client, scheduling, runtime):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    recorded = record(
        client,
        client_id,
        scope="information_exchange",
        recipient="",
        recipient_other="Kela",
        given_how="written",
        valid_from="2026-03-03",
        valid_until="2026-03-31",
    )
    assert recorded.status_code == 303
    (consent,) = consents(runtime)
    assert (consent.scope, consent.recipient, consent.given_how) == (
        "information_exchange",
        "Kela",
        "written",
    )
    assert consent.valid_from == datetime(2026, 3, 2, 22, 0, tzinfo=UTC)  # Helsinki midnight, winter time
    assert consent.valid_until == datetime(2026, 3, 31, 21, 0, tzinfo=UTC)  # the next midnight, summer time
    shown = client.get(recorded.headers["location"]).text
    assert "ti 3.3.2026–ti 31.3.2026" in shown and "kirjallisesti" in shown
    assert "voimassa ti 3.3.2026 alkaen" in shown  # not yet in force


def test_a_client_not_yet_registered_is_registered_from_the_page_and_found_again(client, scheduling, runtime):
    sign_in(client, scheduling.nurse.username)
    # nobody she has a relationship with: the page asks why, as it would for a registered code
    asked = find(client, OTHER_CODE)
    assert asked.status_code == 403 and 'name="access_reason"' in asked.text
    assert "Sinulla ei ole asiakassuhdetta" in asked.text
    searched = find(client, OTHER_CODE, **PRESENT)
    assert searched.status_code == 200
    assert "Hyvinvointialueellasi ei ole asiakasta tällä henkilötunnuksella." in searched.text
    assert (
        f'id="register-identity-code" name="identity_code" type="text" autocomplete="off" spellcheck="false" maxlength="20" required value="{OTHER_CODE}"'
        in searched.text
    )
    data = {
        "_csrf_token": token_of(searched.text),
        "identity_code": OTHER_CODE,
        "name": "Saara Esimerkki",
        "municipality": "049",
        "language": "sv",
    }
    blank = client.post("/consents/register", data={**data, "name": " "})
    assert blank.status_code == 422 and "Anna asiakkaan nimi (enintään 200 merkkiä)." in blank.text
    registered = client.post("/consents/register", data=data, follow_redirects=False)
    assert registered.status_code == 303
    with runtime.uow() as uow:
        stored = uow.session.scalars(select(ClientRecord)).one()
        assert "Saara" not in stored.name and stored.language == "sv"  # sealed at rest
        client_id = stored.id
    assert registered.headers["location"].startswith(f"/clients/{client_id}/consents")
    again = client.post("/consents/register", data=data)
    assert again.status_code == 409 and "Hyvinvointialueelle on jo rekisteröity asiakas" in again.text
    assert find(client, OTHER_CODE).headers["location"].startswith(f"/clients/{client_id}/consents")
    assert count(runtime, ClientRecord) == 1


def test_a_bad_identity_code_is_a_422_beside_its_field(client, scheduling):
    sign_in(client, scheduling.nurse.username)
    refused = find(client, "100190Y999A")  # a wrong check character
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    assert "Tarkista henkilötunnus" in refused.text and 'role="alert"' in refused.text


def test_withdrawing_a_consent_keeps_it_listed_as_withdrawn_and_twice_is_a_409(client, scheduling, runtime):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    record(client, client_id)
    (consent,) = consents(runtime)
    token = token_of(client.get(f"/clients/{client_id}/consents").text)
    withdrawn = withdraw(client, client_id, consent.id, token)
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == (
        f"/clients/{client_id}/consents?for_scope=named_consultation&withdrawn={consent.id}"
    )
    (after,) = consents(runtime)
    assert after.withdrawn_at == runtime.clock.now() and after.withdrawn_by == scheduling.nurse.id
    shown = client.get(withdrawn.headers["location"]).text
    assert "Suostumus peruttiin" in shown and "peruttu ma 2.3.2026" in shown
    assert f'action="/consents/{consent.id}/withdraw"' not in shown
    again = withdraw(client, client_id, consent.id, token)
    assert again.status_code == 409 and "Suostumus oli jo peruttu." in again.text
    # a new consent may be recorded after the withdrawn one
    assert record(client, client_id, given_how="written").status_code == 303
    assert count(runtime, Consent, Consent.withdrawn_at.is_(None)) == 1


def test_a_second_consent_in_force_for_the_same_use_is_a_409_and_the_form_is_kept(
    client, scheduling, runtime
):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    assert record(client, client_id).status_code == 303
    refused = record(client, client_id, given_how="written", valid_until="2026-12-31")
    assert refused.status_code == 409 and "Asiakkaalla on jo voimassa oleva suostumus" in refused.text
    assert (
        'value="2026-12-31"' in refused.text
        and 'id="given-how-written" value="written" checked' in refused.text
    )
    assert count(runtime, Consent) == 1


@pytest.mark.parametrize(
    ("fields", "message", "target"),
    [
        ({"given_how": ""}, "Valitse, miten asiakas antoi suostumuksen.", "given-how"),
        ({"given_how": "telepathy"}, "Valitse, miten asiakas antoi suostumuksen.", "given-how"),
        ({"scope": "everything"}, "Valitse, mihin asiakas suostuu.", "scope"),
        (
            {"recipient": "", "recipient_other": "x" * 201},
            "Valitse hyvinvointialueen sosiaalihuolto",
            "recipient",
        ),
        ({"recipient": ""}, "Valitse hyvinvointialueen sosiaalihuolto", "recipient"),
        ({"valid_from": "2.3.2026"}, "Anna ensimmäinen päivä päivämääränä.", "valid-from"),
        ({"valid_until": "31.3.2026"}, "Anna viimeinen päivä päivämääränä", "valid-until"),
        (
            {"valid_from": "2026-03-10", "valid_until": "2026-03-05"},
            "Anna viimeinen päivä päivämääränä",
            "valid-until",
        ),
    ],
)
def test_a_bad_consent_form_is_a_422_beside_its_field_and_nothing_is_written(
    client, scheduling, runtime, fields, message, target
):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    refused = record(client, client_id, **fields)
    assert refused.status_code == 422
    assert (
        message in refused.text and f'id="{target}-error"' in refused.text and 'role="alert"' in refused.text
    )
    assert count(runtime, Consent) == 0


def test_only_staff_with_a_relationship_or_a_stated_reason_see_or_change_its_consents(
    client, scheduling, runtime, make_user
):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    record(client, client_id)
    (consent,) = consents(runtime)
    make_user("espoo.manager", ["manager"], ["049"])
    make_user("lahti.nurse", ["health_staff"], ["398"])
    for username, status in (
        # the county's staff without a relationship: asked for a reason, shown nothing
        (scheduling.lohja_nurse.username, 403),
        (scheduling.lohja_instructor.username, 403),
        ("lahti.nurse", 403),  # another county's: the same answer as for no client at all
        ("espoo.manager", 403),  # a manager sees numbers, not people
        (scheduling.admin.username, 403),
    ):
        sign_in(client, username)
        token = token_of(client.get("/login").text)
        seen = client.get(f"/clients/{client_id}/consents")
        assert seen.status_code == status, username
        assert "Konsultaatio asiakkaan nimellä" not in seen.text and "suullisesti" not in seen.text
        written = client.post(
            f"/clients/{client_id}/consents",
            data={
                "_csrf_token": token,
                "scope": "information_exchange",
                "recipient": "03",
                "given_how": "oral",
            },
        )
        assert written.status_code == status, username
        assert withdraw(client, client_id, consent.id, token).status_code == status, username
    assert count(runtime, Consent) == 1 and consents(runtime)[0].withdrawn_at is None
    # another county's nurse finds nothing even with a reason
    sign_in(client, "lahti.nurse")
    assert "Hyvinvointialueellasi ei ole asiakasta" in find(client, **PRESENT).text
    # the Lohja nurse (the same county) finds the Espoo nurse's client after stating a reason
    sign_in(client, scheduling.lohja_nurse.username)
    assert find(client).status_code == 403
    found = find(client, **PRESENT)
    assert found.headers["location"].startswith(f"/clients/{client_id}/consents")
    assert "Konsultaatio asiakkaan nimellä" in client.get(found.headers["location"]).text
    # the consents page itself asks for a reason, and records it, for another user
    sign_in(client, scheduling.lohja_instructor.username)
    asked = client.get(f"/clients/{client_id}/consents")
    bad = client.post(
        f"/clients/{client_id}/consents/open",
        data={"_csrf_token": token_of(asked.text), "access_reason": "curiosity", "access_reason_detail": "x"},
    )
    assert bad.status_code == 422 and "Valitse syy luettelosta" in bad.text
    opened = client.post(
        f"/clients/{client_id}/consents/open",
        data={
            "_csrf_token": token_of(asked.text),
            "access_reason": "care_handover",
            "access_reason_detail": "jatkan asiakkaan ohjausta",
        },
    )
    assert opened.status_code == 200 and "Konsultaatio asiakkaan nimellä" in opened.text
    # both reads show, flagged with their reasons, in the client's access report
    report = bearer(login(client, scheduling.nurse.username))
    rows = client.get(f"/api/v1/clients/{client_id}/access-log", headers=report).json()
    flagged = [(r["who"], r["reason"]) for r in rows if r["flagged"]]
    assert ("Lohja.Nurse", "client_present: asiakas vastaanotolla") in flagged
    assert ("Lohja.Instructor", "care_handover: jatkan asiakkaan ohjausta") in flagged
    # ...opened from the grants: the chained log itself keeps only the code and a reference
    chain_access_log(runtime)
    with runtime.uow() as uow:
        logged = [r for r in uow.session.scalars(select(AccessLogEntry.reason)) if r]
    assert logged and not any("vastaanotolla" in r or "jatkan" in r for r in logged)
    assert {"client_present", "care_handover"} <= {r.split(" (grant ")[0] for r in logged}
    assert not any(r["flagged"] for r in rows if r["who"] == "Espoo.Nurse")


def test_forms_without_their_token_are_refused_and_nothing_changes(client, scheduling, runtime):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    record(client, client_id)
    (consent,) = consents(runtime)
    data = {"scope": "information_exchange", "recipient": "03", "given_how": "oral"}
    assert client.post(f"/clients/{client_id}/consents", data=data).status_code == 403
    assert client.post(f"/consents/{consent.id}/withdraw", data={"client_id": client_id}).status_code == 403
    assert client.post("/consents/find", data={"identity_code": CODE}).status_code == 403
    assert (
        client.post("/consents/register", data={"identity_code": OTHER_CODE, "name": "X"}).status_code == 403
    )
    assert count(runtime, Consent) == 1 and consents(runtime)[0].withdrawn_at is None
    assert count(runtime, ClientRecord) == 1


def test_the_swedish_page_names_the_consents_in_swedish(client, scheduling, runtime):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    record(client, client_id, given_how="written")
    client.cookies.set(LANGUAGE_COOKIE, "sv")
    shown = client.get(f"/clients/{client_id}/consents")
    assert shown.status_code == 200 and '<html lang="sv">' in shown.text
    for text in (
        f"Samtycken för klient nr {client_id}",
        "Konsultation med klientens namn",
        "Socialvården: Västra Nylands välfärdsområde",
        "skriftligt",
        "Registrera samtycket",
    ):
        assert text in shown.text, text
    assert "Klientens personbeteckning" in client.get("/consents").text


def test_the_way_back_goes_only_to_a_page_of_this_site_with_the_clients_number(client, scheduling):
    client_id = api_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    back = find(client, query="?next=/consultations/new%3Fmunicipality%3D049&for_recipient=03")
    page = client.get(back.headers["location"]).text
    assert f'href="/consultations/new?municipality=049&amp;client={client_id}"' in page
    assert '<option value="03" selected>Sosiaalihuolto: Länsi-Uudenmaan hyvinvointialue</option>' in page
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        away = find(client, query=f"?next={target}")
        page = client.get(away.headers["location"]).text
        assert "evil.example" not in page and "Jatka asiakkaan" not in page
