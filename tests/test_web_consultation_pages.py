"""Consulting an instructor, and the instructor's calendar subscriptions, through the
test client (both databases): the nurse asks anonymously, the instructor answers from
the list, the thread follows; feeds are created, shown once, fetched and revoked;
role guards and bad input (a 4xx page, nothing written)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from support import bearer, login
from test_web_work_pages import sign_in, token_of

from sotesilta.core.persistence.consultations import Consultation, ConsultationMessage

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
        json={"scope": "named_consultation", "recipient": "049", "given_how": "oral"},
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

    from sotesilta.core.api.app import create_app

    original = runtime.plugins.routes
    # the calendar plugin's page router left out, as if the plugin did not offer it
    monkeypatch.setattr(
        runtime.plugins, "routes", lambda: [r for r in original() if not isinstance(r, Router)]
    )
    with TestClient(app=create_app(runtime), raise_server_exceptions=False) as client:
        sign_in(client, scheduling.instructor.username)
        assert client.get("/work/feeds").status_code in (403, 404, 405)
        assert 'href="/work/feeds"' not in client.get("/work").text
