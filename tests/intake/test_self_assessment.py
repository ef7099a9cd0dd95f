"""The online self-assessment: the county's questions, a contact request sealed at rest,
nothing personal in an address or a log, and the abuse limits (rate, honeypot, size, caps)."""

from __future__ import annotations

import logging

import pytest
from intake_support import assessment_fields
from sqlalchemy import func, select, text

from sotesilta.core.accounts.tables import SecurityEvent
from sotesilta.core.intake.domain import FloodLimits
from sotesilta.core.intake.service import assessments
from sotesilta.core.intake.service.assessments import Submission
from sotesilta.core.intake.tables import ContactRequest, SelfAssessment
from sotesilta.core.kernel.errors import InputInvalid, StateConflict, SubmissionThrottled

NAME, PHONE = "Maija Meikäläinen", "040 765 4321"


def _count(runtime, table) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def test_the_demo_questionnaire_asks_about_the_six_needs_in_the_readers_language(client):
    finnish = client.get("/self-assessment/03")
    assert finnish.status_code == 200, finnish.text
    for need in (
        "service_mapping",
        "life_situation",
        "everyday_management",
        "rehabilitation_assessment",
        "loneliness",
        "substance_use",
    ):
        assert f'name="{need}"' in finnish.text
    assert "Tunnetko itsesi yksinäiseksi" in finnish.text
    assert "Känner du dig ensam" in client.get("/self-assessment/03?lang=sv").text
    # the hidden trap is not rendered for people (nor read by screen readers)
    assert '<div class="trap" hidden>' in finnish.text


def test_a_contact_request_is_sealed_and_nothing_personal_reaches_an_address_or_the_log(
    client, runtime, caplog
):
    caplog.set_level(logging.DEBUG)
    sent = client.post("/self-assessment/03", data=assessment_fields(client), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    target = sent.headers["location"]
    assert target == "/self-assessment/03/sent?lang=fi&contact=1"
    thanks = client.get(target)
    assert "Pyrimme ottamaan sinuun yhteyttä 2 arkipäivän kuluessa" in thanks.text
    assert _count(runtime, SelfAssessment) == 1 and _count(runtime, ContactRequest) == 1
    with runtime.uow() as uow:
        row = uow.session.scalars(select(ContactRequest)).one()
        status, language, channel = row.status, row.language, row.channel
        raw = uow.connection.execute(
            text("SELECT name, phone, reach_when, address_digest FROM contact_request")
        ).one()
        answers = uow.connection.execute(text("SELECT answers FROM self_assessment")).scalar_one()
    assert (status, language, channel) == ("new", "sv", "phone")
    assert NAME not in str(raw) and "765" not in str(raw) and "Arkisin" not in str(raw)
    assert all(value.startswith("v1.") for value in raw[:3]) and len(raw[3]) == 64
    assert "loneliness" not in answers and answers.startswith("v1.")
    logged = " ".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert NAME not in logged and "765 4321" not in logged and "testclient" not in logged


def test_the_honeypot_answers_like_success_and_stores_nothing(client, runtime):
    sent = client.post(
        "/self-assessment/03",
        data=assessment_fields(client, website="http://spam.example"),
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/self-assessment/03/sent")
    assert _count(runtime, ContactRequest) == 0 and _count(runtime, SelfAssessment) == 0


def test_refusals_come_back_beside_their_fields_with_what_was_typed(client, runtime):
    missing_phone = client.post("/self-assessment/03", data=assessment_fields(client, contact_phone="12"))
    assert missing_phone.status_code == 422
    assert 'href="#contact-phone"' in missing_phone.text and NAME in missing_phone.text
    bad_answer = client.post("/self-assessment/03", data=assessment_fields(client, loneliness="maybe"))
    assert bad_answer.status_code == 422 and 'href="#loneliness"' in bad_answer.text
    nothing = client.post(
        "/self-assessment/03", data=assessment_fields(client, contact="", life_situation="", loneliness="")
    )
    assert nothing.status_code == 422
    assert _count(runtime, ContactRequest) == 0
    assert client.get("/self-assessment/99").status_code == 404


def test_answers_alone_are_kept_without_any_contact(client, runtime):
    sent = client.post(
        "/self-assessment/03", data=assessment_fields(client, contact=""), follow_redirects=False
    )
    assert sent.headers["location"] == "/self-assessment/03/sent?lang=fi"
    assert _count(runtime, SelfAssessment) == 1 and _count(runtime, ContactRequest) == 0


def test_a_bounded_burst_from_one_address_is_mostly_refused_and_refusals_write_nothing(client, runtime):
    limits = FloodLimits()
    answers = []
    for _ in range(40):
        answers.append(
            client.post(
                "/self-assessment/03", data=assessment_fields(client, contact=""), follow_redirects=False
            )
        )
    accepted = [a for a in answers if a.status_code == 303]
    refused = [a for a in answers if a.status_code == 429]
    assert len(accepted) == limits.per_address and len(refused) == 40 - limits.per_address
    assert int(refused[0].headers["retry-after"]) > 0
    assert _count(runtime, SelfAssessment) == limits.per_address
    # only the accepted ones were counted: a refusal takes no write
    with runtime.uow() as uow:
        events = uow.session.scalar(
            select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "self_assessment")
        )
    assert events == limits.per_address


def _submission(runtime, key: str, *, contact: bool = True) -> Submission:  # type: ignore[no-untyped-def]
    from sotesilta.core.intake.domain import contact_details

    with runtime.uow() as uow:
        form = assessments.current_form(uow, "03")
    assert form is not None
    return Submission(
        county="03",
        form_key=form.key,
        version=form.version,
        answers={"loneliness": "yes"},
        contact=contact_details(
            name="A", channel="sms", phone="0401234567", email=None, when="", language="fi"
        )
        if contact
        else None,
        address_key=key,
    )


def test_the_queue_caps_open_requests_per_address_and_per_county(runtime):
    limits = FloodLimits(per_address=100, open_per_address=2, open_per_county=5)
    with runtime.uow() as uow:
        for _ in range(2):
            assessments.submit_self_assessment(uow, submission=_submission(runtime, "a" * 64), limits=limits)
        with pytest.raises(SubmissionThrottled, match="still waiting"):
            assessments.submit_self_assessment(uow, submission=_submission(runtime, "a" * 64), limits=limits)
        uow.rollback()
        for sender in ("b", "c", "d"):
            try:
                assessments.submit_self_assessment(
                    uow, submission=_submission(runtime, sender * 64), limits=limits
                )
            except SubmissionThrottled:
                uow.rollback()
        with pytest.raises(SubmissionThrottled, match="queue is full"):
            assessments.submit_self_assessment(uow, submission=_submission(runtime, "e" * 64), limits=limits)
        uow.rollback()
        # answers without a contact request are not queued, so a full queue does not stop them
        assessments.submit_self_assessment(
            uow, submission=_submission(runtime, "e" * 64, contact=False), limits=limits
        )
    assert _count(runtime, ContactRequest) == limits.open_per_county


def test_a_changed_questionnaire_or_an_unknown_question_is_refused(runtime):
    submission = _submission(runtime, "f" * 64)
    with runtime.uow() as uow:
        with pytest.raises(StateConflict):
            assessments.submit_self_assessment(
                uow, submission=Submission(**{**submission.__dict__, "version": 99})
            )
        with pytest.raises(InputInvalid):
            assessments.submit_self_assessment(
                uow, submission=Submission(**{**submission.__dict__, "answers": {"unknown": "yes"}})
            )


def test_the_api_takes_json_only_and_answers_with_the_target_day(client, runtime):
    with runtime.uow() as uow:
        form = assessments.current_form(uow, "03")
    body = {
        "county": "03",
        "station": "espoo-leppavaara",
        "form_key": form.key,
        "version": form.version,
        "answers": {"life_situation": "partly"},
        "contact": {"name": "Matti", "channel": "email", "email": "matti@example.fi", "language": "en"},
    }
    created = client.post("/api/v1/self-assessments", json=body)
    assert created.status_code == 201, created.text
    assert created.json() == {
        "county_code": "03",
        "assessed": True,
        "contact_requested": True,
        "answer_by": "2026-03-04",  # two working days after Monday 2 March
    }
    form_post = client.post("/api/v1/self-assessments", data={"county": "03"})
    assert form_post.status_code == 415  # a cross-site form cannot send JSON without a preflight
    too_big = client.post("/api/v1/self-assessments", json={**body, "answers": {"x" * 60: "y" * 20_000}})
    assert too_big.status_code == 413
    bad_email = client.post(
        "/api/v1/self-assessments", json={**body, "contact": {**body["contact"], "email": "not-an-address"}}
    )
    assert bad_email.status_code == 422 and "contact.email" in bad_email.text


def test_a_sender_refused_lately_is_refused_again_before_any_database_work(runtime, clock):
    from sotesilta.core.kernel.cache import ExpiringCache

    refused: ExpiringCache = ExpiringCache()
    limits = FloodLimits(per_address=1)
    with runtime.uow() as uow:
        assessments.submit_self_assessment(
            uow, submission=_submission(runtime, "g" * 64, contact=False), limits=limits, refused=refused
        )
    with runtime.uow() as uow, pytest.raises(SubmissionThrottled):
        assessments.submit_self_assessment(
            uow, submission=_submission(runtime, "g" * 64, contact=False), limits=limits, refused=refused
        )
    # remembered: even a county that does not exist is not looked up for this sender now
    nowhere = Submission(**{**_submission(runtime, "g" * 64).__dict__, "county": "98"})
    with runtime.uow() as uow, pytest.raises(SubmissionThrottled) as again:
        assessments.submit_self_assessment(uow, submission=nowhere, limits=limits, refused=refused)
    assert 0 < again.value.retry_after_seconds <= 3600
    clock.advance(hours=1, minutes=1)  # the refusal has passed: the database decides again
    with runtime.uow() as uow, pytest.raises(Exception) as later:
        assessments.submit_self_assessment(uow, submission=nowhere, limits=limits, refused=refused)
    assert type(later.value).__name__ == "RecordNotFound"
