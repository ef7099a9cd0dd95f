"""Feedback from every client (issue 23, item 4): a walk-in client's queue ticket carries the
feedback link and its QR code, and the link works like a booked client's; the instructor enters
feedback given orally or on paper (``recordOralFeedback``), marked with its channel; the
statistics count responses by channel, small numbers suppressed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_support import sign_in, token_of
from sqlalchemy import select
from support import bearer, login, lohja_walk_in_session

from sotesilta.core.feedback.public import Audience, FeedbackChannel, FeedbackResponse
from sotesilta.core.feedback.service import responses as feedback
from sotesilta.core.statistics.service.feedback_summary import feedback_summary

FORM = "lansi_uusimaa_client_visit"
ANSWERS = {"useful": "yes", "overall": 4}
ENTERED = "/api/v1/feedback/entered"


@pytest.fixture
def walk_in_session(runtime, scheduling, principal_of) -> int:  # type: ignore[no-untyped-def]
    """Lohja, Monday 2 March 2026: walk-in 12-14 for three (the clock says 10.00)."""
    return lohja_walk_in_session(runtime, scheduling, principal_of, capacity=3)


def _version(client, runtime) -> int:  # type: ignore[no-untyped-def]
    form = runtime.plugins.feedback_forms.current(Audience.CLIENT_VISIT, "049")
    assert form is not None and form.key == FORM
    return int(form.version)


def test_a_walk_in_clients_ticket_carries_a_working_feedback_link(client, scheduling, walk_in_session, clock):
    clock.advance(hours=2, minutes=30)  # 12.30, the walk-in is open
    sign_in(client, scheduling.lohja_nurse.username)
    queue = client.get(f"/walk-ins/{walk_in_session}")
    data = {"_csrf_token": token_of(queue.text), "referrer": "self", "preferred_language": "sv"}
    registered = client.post(f"/walk-ins/{walk_in_session}/arrivals", data=data, follow_redirects=False)
    place_id = int(re.search(r"registered=(\d+)", registered.headers["location"]).group(1))
    confirmation = client.get(registered.headers["location"]).text
    ticket_path = f"/walk-ins/{walk_in_session}/places/{place_id}/ticket"
    assert f'href="{ticket_path}"' in confirmation
    ticket = client.get(ticket_path)
    assert ticket.status_code == 200
    assert 'lang="sv"' in ticket.text and "Könummer" in ticket.text  # in the client's language
    assert "<svg" in ticket.text and 'class="qr"' in ticket.text
    url = re.search(r"(http://[^\s<]+/feedback/(w\d+\.[\w-]+))", ticket.text)
    assert url, ticket.text
    token = url.group(2)
    # another place, or another municipality's nurse: no ticket
    assert client.get(f"/walk-ins/{walk_in_session}/places/{place_id + 1}/ticket").status_code == 404
    sign_in(client, scheduling.nurse.username)
    assert client.get(ticket_path).status_code == 404

    client.cookies.clear()
    form = client.get(f"/api/v1/feedback/forms/{token}")
    assert form.status_code == 200 and form.json()["language"] == "sv"
    version = form.json()["version"]
    body = {"form_key": FORM, "version": version, "answers": ANSWERS}
    assert client.post(f"/api/v1/feedback/forms/{token}", json=body).status_code == 201
    again = client.post(f"/api/v1/feedback/forms/{token}", json=body)
    assert again.status_code == 409 and again.json()["type"] == "/problems/feedback-given"
    forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    assert client.get(f"/api/v1/feedback/forms/{forged}").status_code == 404
    assert client.get(f"/api/v1/feedback/forms/w999999.{token.split('.')[1]}").status_code == 404
    response = client.app.state.runtime  # the stored response: the walk-in's station, by link
    with response.uow() as uow:
        stored = uow.session.scalars(select(FeedbackResponse)).one()
        assert (stored.municipality_code, stored.station_key, stored.channel) == (
            "444",
            "lohja-keskusta",
            "link",
        )


def test_a_walk_in_client_who_left_has_no_feedback_to_give(
    client, scheduling, walk_in_session, clock, runtime
):
    from sotesilta.core.scheduling.public import WalkInPlace

    clock.advance(hours=2, minutes=30)
    sign_in(client, scheduling.lohja_nurse.username)
    queue = client.get(f"/walk-ins/{walk_in_session}")
    data = {"_csrf_token": token_of(queue.text), "referrer": "self", "preferred_language": "fi"}
    registered = client.post(f"/walk-ins/{walk_in_session}/arrivals", data=data, follow_redirects=False)
    place_id = int(re.search(r"registered=(\d+)", registered.headers["location"]).group(1))
    token = re.search(
        r"/feedback/(w\d+\.[\w-]+)", client.get(f"/walk-ins/{walk_in_session}/places/{place_id}/ticket").text
    ).group(1)
    with runtime.uow() as uow:
        uow.session.get(WalkInPlace, place_id).status = "left"
        uow.commit()
    client.cookies.clear()
    closed = client.get(f"/api/v1/feedback/forms/{token}")
    assert closed.status_code == 410 and closed.json()["type"] == "/problems/feedback-closed"


def test_the_instructor_enters_oral_or_paper_feedback_marked_with_its_channel(client, scheduling, runtime):
    instructor = bearer(login(client, scheduling.instructor.username))
    version = _version(client, runtime)
    body = {
        "municipality": "049",
        "channel": "oral",
        "form_key": FORM,
        "version": version,
        "answers": ANSWERS,
    }
    made = client.post(ENTERED, json=body, headers=instructor)
    assert made.status_code == 201, made.text
    paper = client.post(
        ENTERED, json=body | {"channel": "paper", "station_key": "espoo-leppavaara"}, headers=instructor
    )
    assert paper.status_code == 201
    with runtime.uow() as uow:
        stored = sorted(
            (r.channel, r.station_key) for r in uow.session.scalars(select(FeedbackResponse)).all()
        )
    assert stored == [("oral", None), ("paper", "espoo-leppavaara")]
    # refusals: the client's own channel, another municipality, a station elsewhere, an old form,
    # a bad answer, and anyone but an instructor
    assert client.post(ENTERED, json=body | {"channel": "link"}, headers=instructor).status_code == 422
    assert client.post(ENTERED, json=body | {"municipality": "444"}, headers=instructor).status_code == 404
    elsewhere = client.post(ENTERED, json=body | {"station_key": "lohja-keskusta"}, headers=instructor)
    assert elsewhere.status_code == 404 and elsewhere.json()["errors"][0]["field"] == "station_key"
    stale = client.post(ENTERED, json=body | {"version": version + 1}, headers=instructor)
    assert stale.status_code == 409 and stale.json()["type"] == "/problems/state-conflict"
    bad = client.post(ENTERED, json=body | {"answers": {"useful": "maybe", "overall": 4}}, headers=instructor)
    assert bad.status_code == 422
    nurse = bearer(login(client, scheduling.nurse.username))
    assert client.post(ENTERED, json=body, headers=nurse).status_code == 403
    with runtime.uow() as uow:
        assert len(uow.session.scalars(select(FeedbackResponse)).all()) == 2


def test_the_instructors_page_enters_feedback_and_keeps_refused_answers(client, scheduling, runtime):
    sign_in(client, scheduling.instructor.username)
    assert 'href="/work/feedback"' in client.get("/work").text
    page = client.get("/work/feedback")
    assert page.status_code == 200 and 'id="channel-oral"' in page.text and 'id="channel-paper"' in page.text
    assert 'value="espoo-leppavaara"' in page.text
    refused = client.post(
        "/work/feedback",
        data={"_csrf_token": token_of(page.text), "municipality": "049", "channel": "oral", "overall": "4"},
    )
    assert refused.status_code == 422 and 'value="4" checked' in refused.text
    no_channel = client.post(
        "/work/feedback",
        data={"_csrf_token": token_of(page.text), "municipality": "049", "useful": "yes", "overall": "4"},
    )
    assert no_channel.status_code == 422 and "Valitse, miten asiakas antoi palautteen." in no_channel.text
    saved = client.post(
        "/work/feedback",
        data={
            "_csrf_token": token_of(page.text),
            "municipality": "049",
            "channel": "paper",
            "station_key": "espoo-leppavaara",
            "useful": "partly",
            "overall": "3",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    assert "Palaute tallennettiin." in client.get(saved.headers["location"]).text
    with runtime.uow() as uow:
        assert [r.channel for r in uow.session.scalars(select(FeedbackResponse)).all()] == ["paper"]
    sign_in(client, scheduling.nurse.username)
    assert client.get("/work/feedback").status_code == 403


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(channels=st.lists(st.sampled_from([FeedbackChannel.ORAL, FeedbackChannel.PAPER]), max_size=12))
def test_responses_by_channel_add_up_to_the_responses(runtime, scheduling, principal_of, channels):
    """However many are entered through which channel, the summary counts each channel exactly
    and the channels add up to the form's responses."""
    instructor = principal_of(scheduling.instructor)
    forms = runtime.plugins.feedback_forms
    with runtime.uow() as uow:
        before = {
            s.form_key: dict(s.by_channel)
            for s in feedback_summary(uow, ["049"], date(2026, 1, 1), date(2027, 1, 1), forms=forms)
        }[FORM]
    for channel in channels:
        with runtime.uow() as uow:
            form = forms.current(Audience.CLIENT_VISIT, "049")
            feedback.record_oral_feedback(
                uow,
                principal=instructor,
                municipality="049",
                channel=channel,
                form_key=FORM,
                version=form.version,
                answers=ANSWERS,
                forms=forms,
            )
    with runtime.uow() as uow:
        (summary,) = [
            s
            for s in feedback_summary(uow, ["049"], date(2026, 1, 1), date(2027, 1, 1), forms=forms)
            if s.form_key == FORM
        ]
    assert set(summary.by_channel) == {"link", "oral", "paper"}
    assert sum(summary.by_channel.values()) == summary.responses
    for channel in (FeedbackChannel.ORAL, FeedbackChannel.PAPER):
        assert summary.by_channel[channel.value] - before[channel.value] == channels.count(channel)


def test_the_report_shows_responses_by_channel_with_small_numbers_suppressed(client, scheduling, runtime):
    instructor = bearer(login(client, scheduling.instructor.username))
    version = _version(client, runtime)
    body = {"municipality": "049", "form_key": FORM, "version": version, "answers": ANSWERS}
    for channel in ["oral"] * 6 + ["paper"] * 2:
        assert client.post(ENTERED, json=body | {"channel": channel}, headers=instructor).status_code == 201
    manager = bearer(login(client, scheduling.instructor.username))
    reports = client.get("/api/v1/statistics/reports", headers=manager)
    assert reports.status_code == 200, reports.text
    key = next(r["key"] for r in reports.json() if "lansi-uusimaa" in r["key"])
    report = client.get(
        f"/api/v1/statistics/reports/{key}", params={"municipality": "049", "year": 2026}, headers=manager
    )
    assert report.status_code == 200, report.text
    (form,) = [f for f in report.json()["feedback"] if f["form_key"] == FORM]
    assert form["responses"] == 8
    # paper (2) is under five; link (0) is shown as 0, so oral would give paper away: both hidden
    assert form["by_channel"]["link"] == 0
    assert form["by_channel"]["paper"] == "<5" and form["by_channel"]["oral"] == "<5"
