"""Feedback forms: plugins register versioned forms; clients answer anonymously through the
link on their instructions, health staff once a year; the statistics read the answers."""

from __future__ import annotations

import itertools
import types
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text
from support import bearer, free_slots, login

from sotesilta.core import plugin_api as api
from sotesilta.core.feedback.domain import (
    REHAB_QUESTIONS,
    Audience,
    FeedbackForm,
    Option,
    Question,
    QuestionKind,
    Texts,
    answer_rows,
    answers_of,
)
from sotesilta.core.feedback.service import links as feedback_links
from sotesilta.core.feedback.service import responses as feedback
from sotesilta.core.feedback.tables import FeedbackLinkUsed, FeedbackRespondent, FeedbackResponse
from sotesilta.core.kernel.errors import FeedbackNotOpen, InputInvalid
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegistry
from sotesilta.core.kernel.plugins.manager import PluginError, load_plugins
from sotesilta.core.kernel.secrets import token_digest
from sotesilta.core.statistics.service.feedback_summary import feedback_summary

PROBLEM = "application/problem+json"
VISIT = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # the first slot: Tuesday 3 March 09:00 in Helsinki
T = Texts("Kysymys", "Fråga", "Question")
ANSWERS = {"useful": "partly", "overall": 4, "next_step": "contact_service", "comments": "  Hyvä käynti.  "}


def form(key: str = "test_form", version: int = 1, audience=Audience.CLIENT_VISIT, codes=("049",), **changes):  # type: ignore[no-untyped-def]
    return FeedbackForm(
        **{
            "key": key,
            "version": version,
            "audience": audience,
            "municipalities": codes,
            "title": T,
            "questions": (Question.scale("overall", T, 1, 5, required=True), Question.free_text("notes", T)),
        }
        | changes
    )


# --- the hook and its registry ---------------------------------------------------------


def _plugin(*forms: FeedbackForm) -> types.SimpleNamespace:
    @api.hookimpl
    def sotesilta_register_feedback_forms(register: api.FeedbackFormRegister) -> None:
        for f in forms:
            register(f)

    return types.SimpleNamespace(sotesilta_register_feedback_forms=sotesilta_register_feedback_forms)


def test_hook_sotesilta_register_feedback_forms():
    survey = form("vantaa_survey", audience=Audience.STAFF_SURVEY, codes=("398",))
    plugins = load_plugins(
        extra=[("survey", _plugin(survey, form("vantaa_survey", 2, Audience.STAFF_SURVEY, ("398",))))]
    )
    forms = plugins.feedback_forms
    assert forms.get("vantaa_survey") is not None and forms.get("vantaa_survey").version == 2  # the newest
    assert forms.get("vantaa_survey", 1) == survey
    assert forms.current(Audience.STAFF_SURVEY, "398").version == 2
    assert forms.plugin_of("vantaa_survey") == "survey"
    # the shipped plugins' forms are there too, each from its own plugin
    assert (
        forms.plugin_of("espoo_client_visit") == "espoo"
        and forms.plugin_of("paijat_hame_rehab") == "paijat_hame"
    )
    # Espoo and Lohja (county 03) both offer the county's one shared client form; their own
    # earlier forms stay registered, retired, to read the answers given to them
    shared = forms.get("lansi_uusimaa_client_visit")
    assert shared is not None and shared.county == "03" and forms.plugin_of(shared.key) == "lansi_uusimaa"
    assert (
        forms.current(Audience.CLIENT_VISIT, "444") == forms.current(Audience.CLIENT_VISIT, "049") == shared
    )
    assert forms.municipalities_of(shared) == ("049", "444")
    assert forms.get("lohja_client_visit", 1).retired and forms.get("espoo_client_visit", 1).retired
    assert forms.current(Audience.CLIENT_VISIT, "398") is None  # Päijät-Häme has none


def test_a_municipalitys_own_form_overrides_its_countys():
    own = form("lohja_own_visit", codes=("444",))
    plugins = load_plugins(extra=[("lohja_own", _plugin(own))])
    forms = plugins.feedback_forms
    assert forms.current(Audience.CLIENT_VISIT, "444") == own
    assert forms.current(Audience.CLIENT_VISIT, "049").key == "lansi_uusimaa_client_visit"
    # a county form serves whichever of the county's municipalities are installed
    without_espoo = load_plugins(blocked=["espoo"]).feedback_forms
    assert without_espoo.municipalities_of(without_espoo.get("lansi_uusimaa_client_visit")) == ("444",)
    alone = load_plugins(blocked=["espoo", "lohja"]).feedback_forms  # none: it serves nobody
    assert alone.municipalities_of(alone.get("lansi_uusimaa_client_visit")) == ()


@pytest.mark.parametrize(
    ("forms", "message"),
    [
        ((form(codes=("398",)), form(codes=("398",))), "test_form v1 is registered by both"),
        ((form("espoo_client_visit", 2),), "belongs to 'espoo'"),
        ((form("a_client_form"), form("b_client_form")), "municipality 049 has two client_visit forms"),
        ((form("other_county_form", codes=(), county="03"),), "county 03 has two client_visit forms"),
        ((form(codes=("999",)),), "names unregistered municipalities: 999"),
    ],
)
def test_a_clashing_feedback_form_stops_start_up(forms, message):
    extra = [(f"impostor{n}", _plugin(f)) for n, f in enumerate(forms)]
    with pytest.raises(PluginError, match=message):
        load_plugins(extra=extra)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"key": "Bad Key"}, "key"),
        ({"version": 0}, "version"),
        ({"municipalities": ()}, "three-digit"),
        ({"municipalities": (), "county": "3"}, "county"),
        ({"county": "03"}, "no municipalities"),
        ({"questions": ()}, "questions"),
        ({"questions": (Question.free_text("a", T), Question.free_text("a", T))}, "distinct"),
        ({"open_months": (13,)}, "open months"),
        ({"audience": Audience.REHAB, "questions": (Question.scale("useful", T),)}, "rehab form"),
    ],
)
def test_a_malformed_form_is_refused_when_it_is_made(changes, problem):
    with pytest.raises(InputInvalid, match=problem):
        form(**changes)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Question("q", QuestionKind.SCALE, T, minimum=5, maximum=1),
        lambda: Question.scale("q", T, 0, 20),  # more than 11 steps
        lambda: Question.choice("q", T, [Option("a", T)]),  # one option is no choice
        lambda: Question.choice("q", T, [Option("a", T), Option("a", T)]),
        lambda: Question("q", QuestionKind.FREE_TEXT, T, options=(Option("a", T), Option("b", T))),
        lambda: Texts("Kysymys", "", "Question"),
    ],
)
def test_a_malformed_question_is_refused(make):
    with pytest.raises(InputInvalid):
        make()


# --- checking answers (the domain) ----------------------------------------------------


SHIPPED = load_plugins().feedback_forms
ESPOO_VISIT, ESPOO_SURVEY = SHIPPED.get("lansi_uusimaa_client_visit"), SHIPPED.get("espoo_staff_survey")


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"overall": 4}, "answers.useful"),  # required
        ({"useful": "maybe", "overall": 4}, "answers.useful"),
        ({"useful": "yes", "overall": 6}, "answers.overall"),
        ({"useful": "yes", "overall": 4.0}, "answers.overall"),
        ({"useful": "yes", "overall": True}, "answers.overall"),
        ({"useful": "yes", "overall": "4"}, "answers.overall"),
        ({"useful": "yes", "overall": 4, "next_step": "elsewhere"}, "answers.next_step"),
        ({"useful": "yes", "overall": 4, "comments": "x" * 2001}, "answers.comments"),
        ({"useful": "yes", "overall": 4, "comments": "nul\x00"}, "answers.comments"),
        ({"useful": "yes", "overall": 4, "comments": ["a list"]}, "answers.comments"),
        ({"useful": "yes", "overall": 4, "overal": 4}, "answers.overal"),  # a typo is not "no answer"
    ],
)
def test_a_wrong_answer_is_refused_naming_its_question(answers, field):
    with pytest.raises(InputInvalid) as refused:
        ESPOO_VISIT.check_answers(answers)
    assert refused.value.field == field


def test_empty_answers_count_as_unanswered_and_text_is_trimmed():
    clean = ESPOO_VISIT.check_answers(
        {"useful": "no", "overall": 1, "next_step": None, "comments": "  ok\n "}
    )
    assert clean == {"useful": "no", "overall": 1, "comments": "ok"}
    assert ESPOO_VISIT.check_answers({"useful": "no", "overall": 1, "comments": "   "}) == {
        "useful": "no",
        "overall": 1,
    }


# --- the client's link ----------------------------------------------------------------


@pytest.fixture
def nurse(client, scheduling):  # type: ignore[no-untyped-def]
    return bearer(login(client, "espoo.nurse"))


def book(client, nurse, scheduling, language="fi", slot=0):  # type: ignore[no-untyped-def]
    free = free_slots(client, nurse, scheduling.station_id)
    response = client.post(
        "/api/v1/bookings",
        json={
            "slot_id": free[slot]["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": "Maija Meikäläinen", "age": 40},
            "preferred_language": language,
        },
        headers=nurse,
    )
    assert response.status_code == 201, response.text
    return response.json()


def token_of(booking) -> str:  # type: ignore[no-untyped-def]
    return booking["instructions"]["feedback_url"].rsplit("/", 1)[1]


def test_the_instructions_carry_the_feedback_link_and_a_reprint_shows_the_same(
    client, nurse, scheduling, runtime
):
    booking = book(client, nurse, scheduling, language="sv")
    instructions = booking["instructions"]
    url = instructions["feedback_url"]
    assert url.startswith(f"{runtime.settings.public_base_url}/feedback/{booking['reference']}.")
    assert instructions["lines"][-1] == f"Berätta efter besöket om det var till hjälp (anonymt): {url}"
    again = client.get(f"/api/v1/bookings/{booking['id']}", headers=nurse).json()
    assert again["instructions"]["feedback_url"] == url
    # nothing about the link is stored until it is used
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(FeedbackLinkUsed)) == 0


def test_a_municipality_without_a_client_form_gives_no_link(runtime):
    forms = FeedbackFormRegistry()
    assert (
        feedback_links.feedback_url(b"s" * 32, "", forms, reference="r", municipality="049", status="booked")
        is None
    )


def test_the_client_answers_once_after_the_visit_and_nothing_links_the_answer_to_them(
    client, nurse, scheduling, runtime, clock
):
    booking = book(client, nurse, scheduling)
    path = f"/api/v1/feedback/forms/{token_of(booking)}"
    early = client.get(path)
    assert early.status_code == 409 and early.json()["type"] == "/problems/feedback-not-open"
    assert early.headers["content-type"].startswith(PROBLEM)
    clock._now = VISIT + timedelta(minutes=40)
    shown = client.get(path)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["form_key"], body["version"], body["language"]) == ("lansi_uusimaa_client_visit", 1, "fi")
    assert body["title"] == "Palaute sosiaaliohjauksesta terveysasemalla"
    useful = next(q for q in body["questions"] if q["key"] == "useful")
    assert useful["kind"] == "yes_partly_no" and useful["required"] is True
    assert [o["label"] for o in useful["options"]] == ["Kyllä", "Osittain", "Ei"]
    overall = next(q for q in body["questions"] if q["key"] == "overall")
    assert (overall["minimum"], overall["maximum"]) == (1, 5)
    assert (
        client.get(path, params={"lang": "en"}).json()["title"]
        == "Feedback on social guidance at the health station"
    )

    sent = client.post(
        path, json={"form_key": "lansi_uusimaa_client_visit", "version": 1, "answers": ANSWERS}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json() == {
        "form_key": "lansi_uusimaa_client_visit",
        "version": 1,
        "message": "Kiitos palautteestasi!",
    }
    again = client.post(
        path, json={"form_key": "lansi_uusimaa_client_visit", "version": 1, "answers": ANSWERS}
    )
    assert again.status_code == 409 and again.json()["type"] == "/problems/feedback-given"
    assert client.get(path).status_code == 409

    with runtime.uow() as uow:
        response = uow.session.scalars(select(FeedbackResponse)).one()
        stored_response = (response.municipality_code, response.station_key, response.submitted_on)
        used = uow.session.scalars(select(FeedbackLinkUsed.token_hash)).all()
    assert stored_response == ("049", "espoo-leppavaara", date(2026, 3, 3))
    assert used == [token_digest(token_of(booking))]
    # the schema itself has nowhere to put a client, a booking, a user or a time of day
    columns = {c["name"] for c in inspect(runtime.engine).get_columns("feedback_response")}
    assert columns == {
        "id",
        "form_key",
        "form_version",
        "audience",
        "municipality_code",
        "station_key",
        "submitted_on",
        "channel",  # link, oral or paper: how the answers came, never from whom
    }
    assert {c["name"] for c in inspect(runtime.engine).get_columns("feedback_link_used")} == {"token_hash"}
    with runtime.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT free_text FROM feedback_answer WHERE free_text IS NOT NULL")
        ).scalar()
    assert stored.startswith("v1.") and "Hyvä" not in stored  # sealed


def test_a_refused_answer_leaves_the_link_usable(client, nurse, scheduling, clock):
    path = f"/api/v1/feedback/forms/{token_of(book(client, nurse, scheduling))}"
    clock._now = VISIT + timedelta(hours=1)
    wrong = client.post(
        path, json={"form_key": "lansi_uusimaa_client_visit", "version": 1, "answers": {"overall": 9}}
    )
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith(PROBLEM)
    assert wrong.json()["errors"] == [{"field": "answers.overall", "message": "overall: give a number 1-5"}]
    stale = client.post(
        path, json={"form_key": "lansi_uusimaa_client_visit", "version": 2, "answers": ANSWERS}
    )
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"
    malformed = client.post(path, json={"form_key": "lansi_uusimaa_client_visit", "answers": ANSWERS})
    assert malformed.status_code in (400, 422) and "version" in malformed.text
    too_many = {f"q{n}": 1 for n in range(41)}
    assert client.post(path, json={"form_key": "x", "version": 1, "answers": too_many}).status_code in (
        400,
        422,
    )
    huge = client.post(
        path, content=b'{"answers": "' + b"x" * 70_000 + b'"}', headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413
    assert (
        client.post(
            path, json={"form_key": "lansi_uusimaa_client_visit", "version": 1, "answers": ANSWERS}
        ).status_code
        == 201
    )


def test_a_link_closes_thirty_days_after_the_visit(client, nurse, scheduling, clock):
    path = f"/api/v1/feedback/forms/{token_of(book(client, nurse, scheduling))}"
    clock._now = VISIT + timedelta(days=30) - timedelta(seconds=1)
    assert client.get(path).status_code == 200
    clock._now = VISIT + timedelta(days=30)
    closed = client.get(path)
    assert closed.status_code == 410 and closed.json()["type"] == "/problems/feedback-closed"


def test_a_cancelled_visit_takes_no_feedback_and_a_moved_one_keeps_its_link(client, nurse, scheduling, clock):
    cancelled = book(client, nurse, scheduling)
    client.post(f"/api/v1/bookings/{cancelled['id']}/cancel", json={"reason": "sairas"}, headers=nurse)
    moved = book(client, nurse, scheduling, slot=1)
    free = client.get("/api/v1/slots/free", params={"municipality": "049"}, headers=nurse).json()
    new = client.post(
        f"/api/v1/bookings/{moved['id']}/reschedule", json={"slot_id": free[-1]["slot_id"]}, headers=nurse
    )
    assert new.status_code == 201, new.text
    new_visit = datetime.fromisoformat(new.json()["starts_at"])
    clock._now = new_visit + timedelta(minutes=5)
    assert client.get(f"/api/v1/feedback/forms/{token_of(cancelled)}").status_code == 410
    old_path, new_path = (f"/api/v1/feedback/forms/{token_of(b)}" for b in (moved, new.json()))
    assert client.get(old_path).status_code == 200  # the old instructions lead to the new visit
    body = {"form_key": "lansi_uusimaa_client_visit", "version": 1, "answers": ANSWERS}
    assert client.post(old_path, json=body).status_code == 201
    assert client.post(new_path, json=body).status_code == 409  # one visit, one answer


@pytest.mark.parametrize(
    "token",
    # a fixed well-formed reference: parameters must be the same in every xdist worker
    ["nonsense", "x" * 80, f"3f2c8e1a-6b4d-4c7e-9a15-0d8b7e6f5a43.{'A' * 43}", "../../etc/passwd", "%00"],
)
def test_an_unknown_link_is_not_found_and_says_nothing_else(client, scheduling, token):
    response = client.get(f"/api/v1/feedback/forms/{token}")
    assert response.status_code == 404 and "booking" not in response.text


def test_a_well_signed_link_to_no_booking_is_not_found(client, runtime, scheduling):
    token = feedback_links.link_token(runtime.secret, str(uuid.uuid4()))
    assert client.get(f"/api/v1/feedback/forms/{token}").status_code == 404


# --- the staff survey -----------------------------------------------------------------

SURVEY = {
    "patients_referred": "six_to_twenty",
    "easy_to_book": 4,
    "helps_patients": 5,
    "improvements": "Lisää aikoja",
}


def test_health_staff_answer_the_yearly_survey_once_without_being_linked_to_it(
    client, nurse, scheduling, runtime
):
    shown = client.get("/api/v1/feedback/staff-survey", params={"municipality": "049"}, headers=nurse)
    assert shown.status_code == 200, shown.text
    assert shown.json() | {"questions": None} == {
        "form_key": "espoo_staff_survey",
        "version": 1,
        "audience": "staff_survey",
        "language": "fi",
        "title": "Terveydenhuollon henkilöstön vuosikysely: sosiaaliohjaus terveysasemilla",
        "intro": None,
        "questions": None,
        "municipality": "049",
        "survey_year": 2026,
        "open": True,
        "answered": False,
    }
    body = {"municipality": "049", "form_key": "espoo_staff_survey", "version": 1, "answers": SURVEY}
    sent = client.post("/api/v1/feedback/staff-survey", json=body, headers=nurse)
    assert sent.status_code == 201, sent.text
    again = client.post("/api/v1/feedback/staff-survey", json=body, headers=nurse)
    assert again.status_code == 409 and again.json()["type"] == "/problems/feedback-given"
    assert client.get("/api/v1/feedback/staff-survey", params={"municipality": "049"}, headers=nurse).json()[
        "answered"
    ]
    with runtime.uow() as uow:
        respondent = uow.session.scalars(select(FeedbackRespondent)).one()
        assert (respondent.form_key, respondent.survey_year, respondent.user_id) == (
            "espoo_staff_survey",
            2026,
            scheduling.nurse.id,
        )
        assert uow.session.scalars(select(FeedbackResponse)).one().station_key is None
    missing = dict(body, answers={"patients_referred": "none"})
    other = bearer(login(client, "lohja.nurse"))
    assert client.post("/api/v1/feedback/staff-survey", json=missing, headers=other).status_code == 404


def test_the_survey_is_for_health_staff_of_the_municipality(client, scheduling, make_user):
    make_user("espoo.manager", ["manager"], ["049"])
    for username, status in (("espoo.instructor", 403), ("espoo.manager", 403), ("lohja.nurse", 404)):
        headers = bearer(login(client, username))
        response = client.get(
            "/api/v1/feedback/staff-survey", params={"municipality": "049"}, headers=headers
        )
        assert response.status_code == status, (username, response.text)


def test_a_survey_outside_its_months_is_not_open(runtime, scheduling, principal_of):
    november = FeedbackRegistryWith(
        form("espoo_staff_survey", audience=Audience.STAFF_SURVEY, open_months=(11,))
    )
    nurse = principal_of(scheduling.nurse)
    with runtime.uow(now=VISIT) as uow:
        survey = feedback.get_staff_survey(uow, principal=nurse, municipality="049", forms=november)
        assert survey.is_open is False
        with pytest.raises(FeedbackNotOpen):
            feedback.submit_staff_survey(
                uow,
                principal=nurse,
                municipality="049",
                form_key="espoo_staff_survey",
                version=1,
                answers={"overall": 3},
                forms=november,
            )


def FeedbackRegistryWith(*forms: FeedbackForm) -> FeedbackFormRegistry:
    registry = FeedbackFormRegistry()
    for f in forms:
        registry.register(f, plugin="test")
    return registry


# --- the statistics' summary ----------------------------------------------------------


def test_the_summary_counts_every_answer_and_opens_the_free_texts(client, nurse, scheduling, runtime, clock):
    answers = [
        {"useful": "yes", "overall": 5, "comments": "Sain apua."},
        {"useful": "yes", "overall": 4, "next_step": "meet_again"},
        {"useful": "no", "overall": 2, "comments": "Aika oli liian lyhyt."},
    ]
    tokens = [token_of(book(client, nurse, scheduling)) for _ in answers]  # 09:00, 09:45, 10:30
    survey = {"municipality": "049", "form_key": "espoo_staff_survey", "version": 1, "answers": SURVEY}
    assert client.post("/api/v1/feedback/staff-survey", json=survey, headers=nurse).status_code == 201
    clock._now = VISIT + timedelta(days=1)
    for token, given_answers in zip(tokens, answers, strict=True):
        body = {"form_key": "lansi_uusimaa_client_visit", "version": 1, "answers": given_answers}
        assert client.post(f"/api/v1/feedback/forms/{token}", json=body).status_code == 201

    with runtime.uow() as uow:
        forms = runtime.plugins.feedback_forms
        summaries = feedback_summary(uow, ["049"], date(2026, 3, 1), date(2026, 4, 1), forms=forms)
        nothing = feedback_summary(uow, ["049"], date(2026, 4, 1), date(2026, 5, 1), forms=forms)
        lohja = feedback_summary(uow, ["444"], date(2026, 3, 1), date(2026, 4, 1), forms=forms)
        clients_only = feedback_summary(
            uow,
            ["049"],
            datetime(2026, 2, 28, 22, tzinfo=UTC),  # Helsinki midnight, as the statistics' buckets give it
            datetime(2026, 3, 31, 21, tzinfo=UTC),
            forms=forms,
            audience=Audience.CLIENT_VISIT,
        )
    staff, visit = summaries  # by form key
    assert (visit.form_key, visit.version, visit.audience, visit.responses) == (
        "lansi_uusimaa_client_visit",
        1,
        Audience.CLIENT_VISIT,
        3,
    )
    by_key = {q.key: q for q in visit.questions}
    assert by_key["useful"].counts == {"yes": 2, "partly": 0, "no": 1}
    assert by_key["overall"].counts == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert by_key["overall"].mean == pytest.approx(11 / 3)
    assert by_key["next_step"].answered == 1 and by_key["next_step"].counts["meet_again"] == 1
    assert by_key["comments"].texts == ("Aika oli liian lyhyt.", "Sain apua.")  # sorted: no order to read
    assert staff.form_key == "espoo_staff_survey" and staff.responses == 1
    assert {q.key: q.texts for q in staff.questions}["improvements"] == ("Lisää aikoja",)
    assert [(s.form_key, s.responses) for s in nothing] == [
        ("espoo_staff_survey", 0),
        ("lansi_uusimaa_client_visit", 0),
    ]
    # Lohja's survey and the county's shared client form, with no answers from Lohja
    assert [(s.form_key, s.responses) for s in lohja] == [
        ("lansi_uusimaa_client_visit", 0),
        ("lohja_staff_survey", 0),
    ]
    assert clients_only == [visit]


def test_the_summary_reads_period_feedback_as_the_rehab_form(runtime, scheduling):
    from sotesilta.core.clients.tables import ClientRecord
    from sotesilta.core.rehab import tables

    now = runtime.clock.now()
    user = scheduling.instructor.id
    with runtime.uow() as uow:
        record = ClientRecord(
            county_code="09", municipality_code="398", name="sealed", created_by=user, created_at=now
        )
        uow.session.add(record)
        uow.session.flush()
        decision = tables.ServiceDecision(
            client_id=record.id,
            municipality_code="398",
            service="social_rehabilitation",
            decided_on=date(2026, 1, 1),
            valid_from=date(2026, 1, 5),
            valid_until=date(2026, 7, 5),
            decision_maker="Test",
            created_by=user,
            created_at=now,
        )
        uow.session.add(decision)
        uow.session.flush()
        worker = uow.session.execute(text("SELECT id FROM worker LIMIT 1")).scalar()
        period = tables.IntensivePeriod(
            decision_id=decision.id,
            client_id=record.id,
            municipality_code="398",
            service="social_rehabilitation",
            starts_on=date(2026, 1, 5),
            planned_end=date(2026, 7, 4),
            max_end=date(2026, 7, 5),
            responsible_worker_id=worker,
            weekly_target=2,
            created_by=user,
            created_at=now,
        )
        uow.session.add(period)
        uow.session.flush()
        for window, useful, goals, free in (
            ("2026Q1", "yes", "partly", "Kiitos"),
            ("2026Q2", "partly", "yes", None),
        ):
            uow.session.add(
                tables.PeriodFeedback(
                    period_id=period.id,
                    kind="quarterly",
                    window=window,
                    submitted_on=date(2026, 1, 10) if window == "2026Q1" else date(2026, 4, 3),
                    useful=useful,
                    towards_goals=goals,
                    free_text=runtime.sealer.seal(free, context="period_feedback.free_text")
                    if free
                    else None,
                    recorded_by=user,
                    recorded_at=now,
                )
            )
        uow.commit()
    with runtime.uow() as uow:
        (rehab,) = feedback_summary(
            uow,
            ["398", "111"],
            date(2026, 1, 1),
            date(2027, 1, 1),
            forms=runtime.plugins.feedback_forms,
            audience=Audience.REHAB,
        )
    assert (rehab.form_key, rehab.responses) == ("paijat_hame_rehab", 2)
    questions = {q.key: q for q in rehab.questions}
    assert questions["useful"].counts == {"yes": 1, "partly": 1, "no": 0}
    assert questions["towards_goals"].counts == {"yes": 1, "partly": 1, "no": 0}
    assert questions["free_text"].texts == ("Kiitos",)
    assert set(questions) == set(REHAB_QUESTIONS)


# --- properties -----------------------------------------------------------------------

texts = st.builds(Texts, st.just("fi"), st.just("sv"), st.just("en"))
keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@st.composite
def questions(draw):  # type: ignore[no-untyped-def]
    key = draw(keys)
    kind = draw(st.sampled_from(list(QuestionKind)))
    required = draw(st.booleans())
    if kind is QuestionKind.SCALE:
        low = draw(st.integers(0, 5))
        return Question.scale(key, T, low, draw(st.integers(low + 1, low + 10)), required=required)
    if kind is QuestionKind.CHOICE:
        options = draw(st.lists(keys, min_size=2, max_size=5, unique=True))
        return Question.choice(key, T, [Option(o, T) for o in options], required=required)
    if kind is QuestionKind.YES_PARTLY_NO:
        return Question.yes_partly_no(key, T, required=required)
    return Question.free_text(key, T, max_length=draw(st.integers(1, 50)))


forms_ = st.lists(questions(), min_size=1, max_size=6, unique_by=lambda q: q.key).map(
    lambda qs: form(questions=tuple(qs))
)
values = (
    st.none()
    | st.booleans()
    | st.integers(-3, 20)
    | st.floats(allow_nan=False)
    | st.text(max_size=60)
    | st.sampled_from(["yes", "partly", "no", "a", "b", "aa"])
    | st.lists(st.integers(), max_size=2)
)


def valid(question: Question):  # type: ignore[no-untyped-def]
    if question.kind is QuestionKind.FREE_TEXT:
        return st.text(max_size=question.max_length)
    return st.sampled_from(question.values()).map(
        lambda v: int(v) if question.kind is QuestionKind.SCALE else v
    )


@st.composite
def answers_to(draw, f: FeedbackForm):  # type: ignore[no-untyped-def]
    """Mostly honest answers, then a few keys overwritten or added with anything JSON may carry."""
    answers = {q.key: draw(valid(q)) for q in f.questions if q.required or draw(st.booleans())}
    for key in draw(st.lists(st.sampled_from([q.key for q in f.questions]) | keys, max_size=2)):
        answers[key] = draw(values)
    return answers


submissions = forms_.flatmap(lambda f: st.tuples(st.just(f), answers_to(f)))


@given(submissions)
def test_a_submission_is_either_kept_as_given_or_refused_naming_the_field(submission):
    f, answers = submission
    try:
        clean = f.check_answers(answers)
    except InputInvalid as refused:
        event("refused")
        assert refused.field == "answers" or refused.field.removeprefix("answers.") in {
            *answers,
            *(q.key for q in f.questions),
        }
        return
    event("kept")
    # every kept answer is the one given (text trimmed), and it survives storage as rows
    for key, value in clean.items():
        assert value == (answers[key].strip() if isinstance(answers[key], str) else answers[key])
    assert set(answers) >= set(clean) and all(q.key in clean for q in f.questions if q.required)
    assert answers_of(answer_rows(f, clean)) == clean


YEARS = itertools.count(2027)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers_to(ESPOO_SURVEY))
def test_a_stored_survey_reads_back_as_given_or_leaves_nothing(answers, runtime, scheduling, principal_of):
    year = next(YEARS)  # each example answers a new year's survey, so the one nurse may answer each
    now = datetime(year, 6, 1, 9, tzinfo=UTC)
    nurse = principal_of(scheduling.nurse)
    forms = runtime.plugins.feedback_forms
    survey = forms.get("espoo_staff_survey")
    with runtime.uow(now=now) as uow:
        try:
            expected = survey.check_answers(answers)
            feedback.submit_staff_survey(
                uow,
                principal=nurse,
                municipality="049",
                form_key=survey.key,
                version=1,
                answers=answers,
                forms=forms,
            )
        except InputInvalid as refused:
            assert refused.field
            expected = None
    event("refused" if expected is None else "stored")
    with runtime.uow() as uow:
        (summary,) = feedback_summary(
            uow,
            ["049"],
            date(year, 1, 1),
            date(year + 1, 1, 1),
            forms=forms,
            audience=Audience.STAFF_SURVEY,
        )
    if expected is None:
        assert summary.responses == 0
        return
    read_back: dict[str, object] = {}
    for q in summary.questions:
        for value in [*q.texts, *(v for v, n in q.counts.items() if n)]:
            assert q.key not in read_back  # one response: one answer per question
            read_back[q.key] = int(value) if q.kind is QuestionKind.SCALE else value
    assert summary.responses == 1 and read_back == expected


def test_the_demo_writes_a_year_of_feedback_once(runtime):
    from sotesilta.core.demo.builder import DemoLoader

    loader = DemoLoader(
        uow_factory=runtime.uow,
        now=runtime.clock.now(),
        password_for=lambda _username: "unused-password",
        reset_passwords=False,
        registry=runtime.plugins.municipalities,
        plugins=runtime.plugins,
        sealer=runtime.sealer,
    )
    shared = "lansi_uusimaa_client_visit"
    assert loader.feedback(form_key=shared, municipality="444", responses=30) == 30
    assert loader.feedback(form_key=shared, municipality="444", responses=30) == 0
    with pytest.raises(InputInvalid):
        loader.feedback(form_key="lohja_client_visit", municipality="049")
    with pytest.raises(InputInvalid):
        loader.feedback(form_key=shared, municipality="398")  # not in county 03
    today = runtime.clock.now().date()
    with runtime.uow() as uow:
        (visit,) = feedback_summary(
            uow,
            ["444"],
            today - timedelta(days=366),
            today + timedelta(days=1),
            forms=runtime.plugins.feedback_forms,
            audience=Audience.CLIENT_VISIT,
        )
    questions = {q.key: q for q in visit.questions}
    assert visit.responses == 30 and questions["useful"].answered == questions["overall"].answered == 30
    assert questions["useful"].counts["yes"] > questions["useful"].counts["no"]  # mostly content
