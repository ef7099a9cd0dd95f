"""Consulting an instructor, and the instructor's calendar subscriptions, through the
test client (both databases): the nurse asks anonymously, the instructor answers from
the list, the thread follows; feeds are created, shown once, fetched and revoked;
role guards and bad input (a 4xx page, nothing written)."""

from __future__ import annotations

import re

import pytest
from page_support import sign_in, token_of
from sqlalchemy import func, select
from support import bearer, login

from sotesilta.core.consultations.tables import Consultation, ConsultationMessage

QUESTION = "Mihin ohjaan asunnottoman työikäisen?"


def count(runtime, table) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def ask(client, question: str = QUESTION, **fields):  # type: ignore[no-untyped-def]
    form = client.get("/consultations/new")
    assert form.status_code == 200
    data = {"_csrf_token": token_of(form.text), "municipality": "049", "question": question, **fields}
    return client.post("/consultations", data=data, follow_redirects=False)


# --- consultations -------------------------------------------------------------------


def test_a_nurse_asks_anonymously_and_follows_the_answer_in_the_thread(client, scheduling, runtime):
    sign_in(client, scheduling.nurse.username)
    menu = client.get("/book").text
    assert 'href="/consultations"' in menu and 'href="/work/feeds"' not in menu
    form = client.get("/consultations/new")
    assert "Konsultaatio on nimetön" in form.text and 'for="question"' in form.text
    assert 'name="client_id"' not in form.text  # nothing on the page names the client
    asked = ask(client)
    assert asked.status_code == 303
    thread_path = asked.headers["location"]
    consultation_id = int(thread_path.rsplit("/", 1)[1])
    with runtime.uow() as uow:
        stored = uow.session.get(Consultation, consultation_id)
        assert stored is not None and stored.client_id is None and stored.channel == "chat"
        assert QUESTION not in str(stored.question)  # sealed at rest
    thread = client.get(thread_path)
    assert thread.status_code == 200 and QUESTION in thread.text and "Ei vielä vastauksia." in thread.text
    assert "nimetön" in thread.text

    # the instructor finds it unanswered first, answers in its thread
    sign_in(client, scheduling.instructor.username)
    listed = client.get("/consultations")
    assert listed.status_code == 200 and "vastaamatta" in listed.text and QUESTION in listed.text
    thread = client.get(thread_path)
    answered = client.post(
        f"{thread_path}/messages",
        data={"_csrf_token": token_of(thread.text), "body": "Aikuissosiaalityön neuvontaan."},
        follow_redirects=False,
    )
    assert answered.status_code == 303 and answered.headers["location"] == f"{thread_path}#latest"
    assert "vastattu" in client.get("/consultations").text

    # the nurse sees one unread answer, then reads it
    sign_in(client, scheduling.nurse.username)
    assert "lukematta: 1" in client.get("/consultations").text
    thread = client.get(thread_path)
    assert "Aikuissosiaalityön neuvontaan." in thread.text and "Sosiaalihuolto" in thread.text
    assert "lukematta" not in client.get("/consultations").text


def test_an_instructor_sees_unanswered_consultations_first(client, scheduling):
    sign_in(client, scheduling.nurse.username)
    first = ask(client, "Ensimmäinen kysymys").headers["location"]
    ask(client, "Toinen kysymys")
    sign_in(client, scheduling.instructor.username)
    thread = client.get(first)
    client.post(f"{first}/messages", data={"_csrf_token": token_of(thread.text), "body": "Vastaus."})
    listed = client.get("/consultations").text
    assert listed.index("Toinen kysymys") < listed.index("Ensimmäinen kysymys")


def test_a_nurse_of_two_municipalities_chooses_whose_social_care_she_consults(client, make_user, runtime):
    make_user("west.nurse", ["health_staff"], ["049", "444"])
    sign_in(client, "west.nurse")
    form = client.get("/consultations/new").text
    assert '<label for="municipality">' in form
    assert (
        '<option value="444">Lohja</option>' in form and '<option value="049" selected>Espoo</option>' in form
    )
    assert ask(client, municipality="444").status_code == 303
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Consultation.municipality_code)) == "444"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"question": "   "}, "Kirjoita kysymys (enintään 4000 merkkiä)."),
        ({"question": "x" * 4001}, "Kirjoita kysymys (enintään 4000 merkkiä)."),
        ({"municipality": "444"}, "Valitse kunta, jonka sosiaalihuoltoa konsultoit."),
        ({"municipality": "<b>"}, "Valitse kunta, jonka sosiaalihuoltoa konsultoit."),
    ],
)
def test_a_bad_question_is_a_422_page_and_nothing_is_written(client, scheduling, runtime, fields, message):
    sign_in(client, scheduling.nurse.username)
    refused = ask(client, **fields)
    assert refused.status_code == 422
    assert message in refused.text and 'role="alert"' in refused.text
    assert count(runtime, Consultation) == 0


def test_an_empty_answer_is_a_422_page_and_nothing_is_written(client, scheduling, runtime):
    sign_in(client, scheduling.nurse.username)
    thread_path = ask(client).headers["location"]
    sign_in(client, scheduling.instructor.username)
    thread = client.get(thread_path)
    refused = client.post(f"{thread_path}/messages", data={"_csrf_token": token_of(thread.text), "body": " "})
    assert refused.status_code == 422 and "Kirjoita vastaus (enintään 4000 merkkiä)." in refused.text
    assert count(runtime, ConsultationMessage) == 0


def test_others_cannot_open_or_answer_a_consultation(client, scheduling, runtime, make_user):
    sign_in(client, scheduling.nurse.username)
    thread_path = ask(client).headers["location"]
    make_user("espoo.nurse2", ["health_staff"], ["049"])
    make_user("espoo.manager", ["manager"], ["049"])
    for username, status in (
        ("espoo.nurse2", 404),  # another nurse's question
        (scheduling.lohja_instructor.username, 404),  # another municipality's social care
        ("espoo.manager", 403),  # a manager sees numbers, not consultations
    ):
        sign_in(client, username)
        token = token_of(client.get("/login").text)
        assert client.get(thread_path).status_code == status, username
        answered = client.post(f"{thread_path}/messages", data={"_csrf_token": token, "body": "Hei"})
        assert answered.status_code == status, username
    assert client.get("/consultations").status_code == 403
    assert count(runtime, ConsultationMessage) == 0


def test_a_form_without_its_token_is_refused(client, scheduling, runtime):
    sign_in(client, scheduling.nurse.username)
    refused = client.post("/consultations", data={"municipality": "049", "question": QUESTION})
    assert refused.status_code == 403
    assert count(runtime, Consultation) == 0


def test_a_named_consultation_is_read_here_only_while_its_consent_holds(client, scheduling):
    nurse = bearer(login(client, scheduling.nurse.username))
    client_id = client.post(
        "/api/v1/clients",
        headers=nurse,
        json={"municipality": "049", "name": "Väinö Testinen", "identity_code": "100190Y999P"},
    ).json()["id"]
    consent = client.post(
        f"/api/v1/clients/{client_id}/consents",
        headers=nurse,
        json={"scope": "named_consultation", "recipient": "03", "given_how": "oral"},
    ).json()
    made = client.post(
        "/api/v1/consultations",
        headers=nurse,
        json={
            "municipality": "049",
            "channel": "phone",
            "question": "Väinön tilanne",
            "client_id": client_id,
        },
    ).json()
    sign_in(client, scheduling.instructor.username)
    listed = client.get("/consultations").text
    assert "asiakas nimetty (suostumuksella)" in listed and "Väinön tilanne" not in listed
    assert "Väinön tilanne" in client.get(f"/consultations/{made['id']}").text
    client.post(f"/api/v1/consents/{consent['id']}/withdraw", headers=nurse)
    assert client.get(f"/consultations/{made['id']}").status_code == 403


# --- named consultations: the client's consent through the consent plugin's pages ----


def register_client(client, username: str, municipality: str = "049") -> int:  # type: ignore[no-untyped-def]
    headers = bearer(login(client, username))
    made = client.post(
        "/api/v1/clients",
        headers=headers,
        json={"municipality": municipality, "name": "Väinö Testinen", "identity_code": "100190Y999P"},
    )
    return int(made.json()["id"])


def hidden_fields(text: str) -> dict[str, str]:
    return dict(
        re.findall(r'<input type="hidden" name="(next|for_scope|for_recipient)" value="([^"]*)"', text)
    )


def ask_named(test_client, client_id: int, question: str = "Väinön tilanne", **fields):  # type: ignore[no-untyped-def]
    form = test_client.get(f"/consultations/new?client={client_id}")
    assert form.status_code == 200
    data = {
        "_csrf_token": token_of(form.text),
        "municipality": "049",
        "client": str(client_id),
        "naming": "named",
        "question": question,
        **fields,
    }
    return test_client.post("/consultations", data=data, follow_redirects=False)


def test_a_nurse_records_the_consent_from_the_form_and_opens_the_named_consultation(
    client, scheduling, runtime
):
    client_id = register_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    form = client.get("/consultations/new").text
    link = re.search(r'<a href="(/consents\?[^"]+)">Nimeä asiakas', form).group(1).replace("&amp;", "&")
    assert "for_scope=named_consultation" in link and "for_recipient=03" in link
    find_page = client.get(link)
    assert find_page.status_code == 200
    found = client.post(
        "/consents/find",
        data={
            "_csrf_token": token_of(find_page.text),
            "identity_code": "100190Y999P",
            **hidden_fields(find_page.text),
        },
        follow_redirects=False,
    )
    consents_page = client.get(found.headers["location"])
    assert (
        '<option value="03" selected>Sosiaalihuolto: Länsi-Uudenmaan hyvinvointialue</option>'
        in consents_page.text
    )
    recorded = client.post(
        f"/clients/{client_id}/consents",
        data={
            "_csrf_token": token_of(consents_page.text),
            "scope": "named_consultation",
            "recipient": "03",
            "given_how": "oral",
            **hidden_fields(consents_page.text),
        },
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    after = client.get(recorded.headers["location"]).text
    back = re.search(r'<a class="button-link" href="([^"]+)">Jatka asiakkaan', after).group(1)
    assert back.replace("&amp;", "&") == f"/consultations/new?municipality=049&client={client_id}"

    named_form = client.get(back.replace("&amp;", "&")).text
    assert f"Nimeä asiakas nro {client_id}" in named_form
    assert 'id="client-named" value="named" checked' in named_form
    assert '<option value="">Kuka tahansa sosiaalihuollosta</option>' in named_form
    asked = ask_named(client, client_id, to_worker_id=str(scheduling.worker_id))
    assert asked.status_code == 303
    with runtime.uow() as uow:
        stored = uow.session.scalars(select(Consultation)).one()
        assert (stored.client_id, stored.to_worker_id) == (client_id, scheduling.worker_id)
        assert stored.consent_id is not None
    thread = client.get(asked.headers["location"]).text
    assert "asiakas nimetty (suostumuksella)" in thread and "osoitettu: Elina Ohjaaja" in thread
    assert f'href="/clients/{client_id}/consents"' in thread
    # the instructor it was addressed to sees it as hers
    sign_in(client, scheduling.instructor.username)
    assert "osoitettu sinulle" in client.get("/consultations").text


def test_naming_a_client_without_consent_is_a_409_with_the_form_kept(client, scheduling, runtime):
    client_id = register_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    refused = ask_named(client, client_id, to_worker_id=str(scheduling.worker_id))
    assert refused.status_code == 409
    assert f"Asiakkaalla nro {client_id} ei ole voimassa olevaa suostumusta" in refused.text
    assert 'role="alert"' in refused.text and 'href="#client-named"' in refused.text
    assert ">Väinön tilanne</textarea>" in refused.text
    assert f'<option value="{scheduling.worker_id}" selected>Elina Ohjaaja</option>' in refused.text
    assert 'id="client-named" value="named" checked' in refused.text
    assert (
        f'href="/clients/{client_id}/consents?for_scope=named_consultation&amp;for_recipient=03" target="_blank"'
        in refused.text
    )
    assert count(runtime, Consultation) == 0
    # sent anonymously instead, from the same form: no client stored
    anonymous = ask_named(client, client_id, question="Yleinen kysymys", naming="anonymous")
    assert anonymous.status_code == 303
    with runtime.uow() as uow:
        assert uow.session.scalars(select(Consultation.client_id)).one() is None


def test_a_withdrawn_consent_no_longer_lets_a_new_consultation_name_the_client(client, scheduling, runtime):
    client_id = register_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    page = client.get(f"/clients/{client_id}/consents")
    client.post(
        f"/clients/{client_id}/consents",
        data={
            "_csrf_token": token_of(page.text),
            "scope": "named_consultation",
            "recipient": "03",
            "given_how": "written",
        },
    )
    assert ask_named(client, client_id).status_code == 303
    page = client.get(f"/clients/{client_id}/consents").text
    consent_id = re.search(r'action="/consents/(\d+)/withdraw"', page).group(1)
    withdrawn = client.post(
        f"/consents/{consent_id}/withdraw", data={"_csrf_token": token_of(page), "client_id": str(client_id)}
    )
    assert withdrawn.status_code == 200 and "Suostumus peruttiin" in withdrawn.text
    refused = ask_named(client, client_id, question="Toinen kysymys")
    assert refused.status_code == 409 and "ei ole voimassa olevaa suostumusta" in refused.text
    assert ">Toinen kysymys</textarea>" in refused.text
    assert count(runtime, Consultation) == 1


def test_a_consent_to_the_countys_social_care_covers_its_municipalities_and_no_other(
    client, scheduling, runtime, make_user
):
    make_user("west.nurse", ["health_staff"], ["049", "444"])
    client_id = register_client(client, "west.nurse")
    sign_in(client, "west.nurse")
    page = client.get(f"/clients/{client_id}/consents")
    for recipient, other in (("", "Päijät-Hämeen hyvinvointialue"), ("", "09")):
        client.post(
            f"/clients/{client_id}/consents",
            data={
                "_csrf_token": token_of(page.text),
                "scope": "named_consultation",
                "recipient": recipient,
                "recipient_other": other,
                "given_how": "oral",
            },
        )
    refused = ask_named(client, client_id, municipality="444")
    assert refused.status_code == 409 and "ei ole voimassa olevaa suostumusta" in refused.text
    client.post(
        f"/clients/{client_id}/consents",
        data={
            "_csrf_token": token_of(page.text),
            "scope": "named_consultation",
            "recipient": "03",
            "given_how": "oral",
        },
    )
    # Länsi-Uusimaa's social care: the consultation to Lohja's and to Espoo's alike
    assert ask_named(client, client_id, municipality="444").status_code == 303
    assert ask_named(client, client_id).status_code == 303


@pytest.mark.parametrize(
    ("fields", "message", "target"),
    [
        ({"to_worker_id": "lohja"}, "Valitse konsultoitavan kunnan sosiaaliohjaaja", "to-worker"),
        ({"to_worker_id": "999"}, "Valitse konsultoitavan kunnan sosiaaliohjaaja", "to-worker"),
        ({"client": "x1"}, "Asiakasta ei löytynyt hyvinvointialueeltasi", "client-named"),
        (
            {"client": "²"},
            "Asiakasta ei löytynyt hyvinvointialueeltasi",
            "client-named",
        ),  # a digit, not a number
        ({"client": "999"}, "Asiakasta ei löytynyt hyvinvointialueeltasi", "client-named"),
    ],
)
def test_a_foreign_instructor_or_client_is_a_422_beside_its_field(
    client, scheduling, runtime, fields, message, target
):
    client_id = register_client(client, scheduling.nurse.username)
    sign_in(client, scheduling.nurse.username)
    refused = ask_named(client, client_id, **fields)
    assert refused.status_code == 422 and message in refused.text and f'href="#{target}"' in refused.text
    assert count(runtime, Consultation) == 0


def test_another_municipalitys_instructor_cannot_be_chosen(client, scheduling, runtime):
    sign_in(client, scheduling.nurse.username)
    form = client.get("/consultations/new").text
    assert f'<option value="{scheduling.worker_id}">Elina Ohjaaja</option>' in form
    assert "Laura Ohjaaja" not in form  # Lohja's
    refused = ask(client, to_worker_id=str(scheduling.lohja_worker_id))
    assert refused.status_code == 422 and "Valitse konsultoitavan kunnan sosiaaliohjaaja" in refused.text
    assert count(runtime, Consultation) == 0


def test_a_nurse_without_a_relationship_cannot_name_the_client(client, scheduling, runtime):
    client_id = register_client(client, scheduling.nurse.username)
    nurse = bearer(login(client, scheduling.nurse.username))
    client.post(
        f"/api/v1/clients/{client_id}/consents",
        headers=nurse,
        json={"scope": "named_consultation", "recipient": "03", "given_how": "oral"},
    )
    sign_in(client, scheduling.lohja_nurse.username)
    refused = ask_named(client, client_id, municipality="444")
    assert refused.status_code == 422 and "Asiakasta ei löytynyt hyvinvointialueeltasi" in refused.text
    assert count(runtime, Consultation) == 0


def test_the_swedish_form_offers_the_instructors_and_the_way_to_the_consent(client, scheduling):
    from sotesilta.core.kernel.web.i18n import LANGUAGE_COOKIE

    sign_in(client, scheduling.nurse.username)
    client.cookies.set(LANGUAGE_COOKIE, "sv")
    form = client.get("/consultations/new").text
    for text in (
        "Socialhandledare (frivilligt)",
        "Vem som helst inom socialvården",
        "Namnge klienten: sök klienten",
    ):
        assert text in form, text
    named = client.get("/consultations/new?client=7").text
    assert "Namnge klient nr 7" in named and "Anonym: namnge inte klienten" in named


def test_without_the_consent_pages_the_form_offers_no_way_to_them(runtime, scheduling, monkeypatch):
    from litestar import Router
    from litestar.testing import TestClient

    from sotesilta.core.app import create_app

    original = runtime.plugins.routes
    monkeypatch.setattr(
        runtime.plugins, "routes", lambda: [r for r in original() if not isinstance(r, Router)]
    )
    with TestClient(app=create_app(runtime), raise_server_exceptions=False) as client:
        sign_in(client, scheduling.nurse.username)
        assert client.get("/consents").status_code in (403, 404, 405)
        assert "/consents" not in client.get("/consultations/new").text
        assert "/consents" not in client.get("/consultations/new?client=3").text
        assert "/consents" not in client.get("/consultations").text


# --- calendar subscriptions ---------------------------------------------------------


def create_feed(client, **fields):  # type: ignore[no-untyped-def]
    page = client.get("/work/feeds")
    assert page.status_code == 200
    data = {
        "_csrf_token": token_of(page.text),
        "name": "Työpuhelin",
        "feed": "mine",
        "privacy": "busy_only",
        "language": "fi",
        **fields,
    }
    return client.post("/work/feeds", data=data)


def feed_count(runtime) -> int:  # type: ignore[no-untyped-def]
    from sotesilta.calendar.tables import FeedSubscription

    return count(runtime, FeedSubscription)


def test_an_instructor_creates_a_feed_sees_its_url_once_and_when_it_was_fetched(client, scheduling):
    sign_in(client, scheduling.instructor.username)
    assert 'href="/work/feeds"' in client.get("/work").text  # in her menu: the calendar plugin is loaded
    created = create_feed(client)
    assert created.status_code == 200 and "Tilaus ”Työpuhelin” luotu" in created.text
    url = re.search(r'id="issued-url" type="text" readonly value="([^"]+)"', created.text).group(1)
    path = "/" + url.split("/", 3)[3]
    assert path.startswith("/feeds/") and path.endswith(".ics")
    again = client.get("/work/feeds").text
    assert path not in again and "Työpuhelin" in again and "<td>ei koskaan</td>" in again  # shown once

    feed = client.get(path, headers={"User-Agent": "Google-Calendar-Importer"})
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")
    fetched = client.get("/work/feeds").text
    assert "hakija: Google-Calendar-Importer" in fetched and "<td>ei koskaan</td>" not in fetched

    subscription_id = re.search(r'action="/work/feeds/(\d+)/revoke"', fetched).group(1)
    revoked = client.post(
        f"/work/feeds/{subscription_id}/revoke",
        data={"_csrf_token": token_of(fetched)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == "/work/feeds?revoked=1"
    after = client.get("/work/feeds?revoked=1").text
    assert "Tilaus peruttiin" in after and "peruttu" in after
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Nimeä tilaus, esimerkiksi työpuhelin (1–100 merkkiä)."),
        ({"feed": "everyone"}, "Valitse kalenteri."),
        ({"privacy": "full"}, "Valitse, kuinka paljon syöte näyttää."),
        ({"language": "de"}, "Valitse syötteen kieli."),
    ],
)
def test_a_bad_feed_form_is_a_422_page_and_nothing_is_written(client, scheduling, runtime, fields, message):
    sign_in(client, scheduling.instructor.username)
    refused = create_feed(client, **fields)
    assert refused.status_code == 422 and message in refused.text and 'aria-invalid="true"' in refused.text
    assert 'id="issued-url"' not in refused.text
    assert feed_count(runtime) == 0


def test_an_instructor_without_a_calendar_cannot_subscribe_to_her_own_feed(client, make_user, runtime):
    make_user("espoo.newcomer", ["instructor"], ["049"])
    sign_in(client, "espoo.newcomer")
    refused = create_feed(client)
    assert refused.status_code == 422 and "”Omat tapaamiset” edellyttää" in refused.text
    assert create_feed(client, feed="stations").status_code == 200
    assert feed_count(runtime) == 1


def test_only_instructors_have_the_page_and_only_their_own_feeds_can_be_revoked(
    client, scheduling, runtime, make_user
):
    sign_in(client, scheduling.instructor.username)
    created = create_feed(client)
    subscription_id = re.search(r'action="/work/feeds/(\d+)/revoke"', created.text).group(1)
    sign_in(client, scheduling.lohja_instructor.username)
    token = token_of(client.get("/work/feeds").text)
    other = client.post(f"/work/feeds/{subscription_id}/revoke", data={"_csrf_token": token})
    assert other.status_code == 404 and "Sivua ei löydy" in other.text
    make_user("espoo.manager", ["manager"], ["049"])
    for username in (scheduling.nurse.username, "espoo.manager"):
        sign_in(client, username)
        assert client.get("/work/feeds").status_code == 403
        token = token_of(client.get("/login").text)
        assert create_feed_post(client, token).status_code == 403
    assert "Työpuhelin" in _live_names(runtime)


def create_feed_post(client, token: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/work/feeds",
        data={
            "_csrf_token": token,
            "name": "x",
            "feed": "stations",
            "privacy": "busy_only",
            "language": "fi",
        },
    )


def _live_names(runtime) -> list[str]:  # type: ignore[no-untyped-def]
    from sotesilta.calendar.tables import FeedSubscription

    with runtime.uow() as uow:
        return list(
            uow.session.scalars(select(FeedSubscription.name).where(FeedSubscription.revoked_at.is_(None)))
        )


def test_without_the_subscription_page_the_menu_has_no_link(runtime, scheduling, monkeypatch):
    from litestar import Router
    from litestar.testing import TestClient

    from sotesilta.core.app import create_app

    original = runtime.plugins.routes
    # the calendar plugin's page router left out, as if the plugin did not offer it
    monkeypatch.setattr(
        runtime.plugins, "routes", lambda: [r for r in original() if not isinstance(r, Router)]
    )
    with TestClient(app=create_app(runtime), raise_server_exceptions=False) as client:
        sign_in(client, scheduling.instructor.username)
        assert client.get("/work/feeds").status_code in (403, 404, 405)
        assert 'href="/work/feeds"' not in client.get("/work").text
