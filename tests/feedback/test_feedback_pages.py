"""The client's feedback page: reached by the link or QR code on the printed instructions, no login."""

from __future__ import annotations

import re

from page_support import booking_form, post_login, token_of
from sqlalchemy import func, select

from sotesilta.core.feedback.tables import FeedbackResponse


def _book(client, scheduling) -> str:  # type: ignore[no-untyped-def]
    """A nurse books through the page; returns the feedback link's path from the confirmation."""
    assert post_login(client, scheduling.nurse.username).status_code == 303
    _, fields = booking_form(client, preferred_language="fi")
    booked = client.post("/book", data=fields, follow_redirects=False)
    assert booked.status_code == 303, booked.text
    confirmation = client.get(booked.headers["location"]).text
    # the printed instructions carry the link, and a QR code of it with the same words as its title
    url = re.search(r"(https?://[^\s<]+/feedback/[A-Za-z0-9._-]+)", confirmation).group(1)
    assert (
        '<figure class="feedback-qr">' in confirmation
        and '<svg xmlns="http://www.w3.org/2000/svg"' in confirmation
    )
    client.post("/logout", data={"_csrf_token": token_of(confirmation)})
    client.cookies.clear()
    return "/feedback/" + url.rsplit("/", 1)[1]


def _responses(runtime) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(FeedbackResponse)) or 0)


def test_a_client_answers_once_anonymously_after_the_visit(client, scheduling, clock, runtime):
    path = _book(client, scheduling)
    early = client.get(path)
    assert early.status_code == 409 and "avautuu, kun käyntisi alkaa" in early.text
    clock.advance(days=1, hours=2)  # the visit has begun
    form = client.get(path)
    assert form.status_code == 200, form.text
    assert "Vastauksesi ovat nimettömiä" in form.text and 'type="radio"' in form.text
    assert "Content-Security-Policy" in form.headers
    swedish = client.get(path, params={"lang": "sv"})
    assert "Dina svar är anonyma" in swedish.text

    token = token_of(form.text)
    missing = client.post(path, data={"_csrf_token": token, "overall": "4"})
    assert missing.status_code == 422 and 'href="#useful"' in missing.text  # the required answer
    assert 'value="4" checked' in missing.text  # what was chosen stays
    assert _responses(runtime) == 0

    sent = client.post(path, data={"_csrf_token": token, "useful": "yes", "overall": "5", "comments": "Hyvä"})
    assert sent.status_code == 200 and "Kiitos palautteestasi" in sent.text
    assert _responses(runtime) == 1
    again = client.get(path)
    assert again.status_code == 409 and "jo annettu palaute" in again.text
    assert client.post(path, data={"_csrf_token": token, "useful": "no"}).status_code == 409
    assert _responses(runtime) == 1


def test_a_form_post_without_its_token_or_with_a_forged_link_changes_nothing(
    client, scheduling, clock, runtime
):
    path = _book(client, scheduling)
    clock.advance(days=1, hours=2)
    client.get(path)
    assert client.post(path, data={"useful": "yes", "overall": "5"}).status_code == 403
    forged = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert client.get(forged).status_code == 404
    assert _responses(runtime) == 0


def test_a_nurse_answers_the_yearly_survey_once_from_the_menu(client, scheduling, runtime, make_user):
    assert post_login(client, scheduling.nurse.username).status_code == 303
    home = client.get("/book")
    assert 'href="/survey"' in home.text
    survey = client.get("/survey")
    assert survey.status_code == 200 and "Vastauksiasi ei yhdistetä sinuun" in survey.text
    token = token_of(survey.text)
    refused = client.post("/survey", data={"_csrf_token": token, "municipality": "049", "easy_to_book": "4"})
    assert refused.status_code == 422 and 'href="#patients_referred"' in refused.text
    assert _responses(runtime) == 0
    answers = {"patients_referred": "one_to_five", "easy_to_book": "4", "helps_patients": "5"}
    sent = client.post("/survey", data={"_csrf_token": token, "municipality": "049", **answers})
    assert sent.status_code == 200 and "Kiitos palautteestasi" in sent.text
    assert _responses(runtime) == 1
    assert "Olet vastannut tämän vuoden kyselyyn" in client.get("/survey").text
    again = client.post("/survey", data={"_csrf_token": token, "municipality": "049", **answers})
    assert again.status_code == 409 and _responses(runtime) == 1


def test_the_survey_is_for_health_staff_only(client, scheduling):
    assert post_login(client, scheduling.instructor.username).status_code == 303
    assert client.get("/survey").status_code == 403
    assert 'href="/survey"' not in client.get("/work").text
