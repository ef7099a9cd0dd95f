"""Intensive rehabilitation (Päijät-Häme): decisions, periods, contact plans, groups,
3X10D measurements, feedback, intensity and the outcome report, through the API.

The clock starts on Monday 2 March 2026 at 10:00 in Helsinki.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from conftest import add_worker
from rehab_support import PH_CODES, Rehab, api_token, decision, new_client, period_body
from sqlalchemy import func, select
from support import Staff, bearer, chain_access_log, free_slots, login

from sotesilta.consent.tables import AccessLogEntry
from sotesilta.core.clients import service as clients
from sotesilta.core.rehab.tables import Contact, IntensivePeriod, Measurement, PeriodFeedback, PeriodGoal


@pytest.fixture
def ph(client, runtime, make_user, principal_of) -> Rehab:  # type: ignore[no-untyped-def]
    instructor = make_user("ph.instructor", ["instructor"], PH_CODES)
    make_user("ph.boss", ["manager"], PH_CODES)
    worker = add_worker(runtime, instructor.id, "398", "Paula Ohjaaja", "fi")
    co_worker = add_worker(runtime, None, "398", "Päivi Sairaanhoitaja", "fi")
    principal = principal_of(instructor)
    young = new_client(runtime, principal, "Nuori Asiakas", date(2000, 5, 15), 901)
    older = new_client(runtime, principal, "Vanhempi Asiakas", date(1980, 1, 1), 902)
    # personal API tokens: tests move the clock by weeks, past a login session's idle timeout
    headers = api_token(client, "ph.instructor")
    manager = api_token(client, "ph.boss")
    return Rehab(headers, manager, worker, co_worker, young, older)


def open_period(client, ph: Rehab, client_id: int | None = None, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    decision_id = decision(client, ph, client_id or ph.young)
    response = client.post(
        "/api/v1/intensive-periods", json=period_body(ph, decision_id, **overrides), headers=ph.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def field_of(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["errors"][0]["field"])


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


# --- periods ---------------------------------------------------------------------


def test_a_period_opens_with_the_municipality_defaults_and_its_goals(client, ph):
    period = open_period(client, ph)
    assert period["max_end"] == "2026-09-02"  # six months from 2 March
    assert period["weekly_target"] == 2  # Päijät-Häme's default
    assert period["age_exception"] is False
    assert [g["text"] for g in period["goals"]] == ["Arjen rytmi"]
    assert [s[1] for s in period["goals"][0]["sub_goals"]] == ["Herään kahdeksalta", "Käyn kaupassa"]
    again = client.get(f"/api/v1/intensive-periods/{period['id']}", headers=ph.headers).json()
    assert again["goals"] == period["goals"]


def test_goals_and_exception_reasons_are_sealed_at_rest(client, runtime, ph):
    period = open_period(client, ph, ph.older, age_exception_reason="Nuoren aikuisen palvelut sopivat")
    with runtime.uow() as uow:
        reason = uow.session.scalar(
            select(IntensivePeriod.age_exception_reason).where(IntensivePeriod.id == period["id"])
        )
        goals = uow.session.scalars(select(PeriodGoal.text)).all()
    assert reason is not None and "sopivat" not in reason
    assert len(goals) == 3 and not any("Arjen" in g or "kaupassa" in g for g in goals)


def test_a_period_longer_than_the_maximum_is_refused_and_nothing_is_written(client, runtime, ph):
    decision_id = decision(client, ph, ph.young)
    response = client.post(
        "/api/v1/intensive-periods",
        json=period_body(ph, decision_id, planned_end="2026-09-03"),
        headers=ph.headers,
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/invalid-input" and field_of(response) == "planned_end"
    assert "2026-09-02" in problem["detail"]
    assert count(runtime, IntensivePeriod) == 0


def test_one_active_period_per_client_and_service(client, ph):
    period = open_period(client, ph)
    second = client.post(
        "/api/v1/intensive-periods", json=period_body(ph, decision(client, ph, ph.young)), headers=ph.headers
    )
    assert second.status_code == 409 and second.json()["type"] == "/problems/period-active"
    closed = client.post(
        f"/api/v1/intensive-periods/{period['id']}/close",
        json={"ended_on": "2026-03-02", "reason": "client_withdrew"},
        headers=ph.headers,
    )
    assert closed.status_code == 200 and closed.json()["end_reason"] == "client_withdrew"
    third = client.post(
        "/api/v1/intensive-periods", json=period_body(ph, decision(client, ph, ph.young)), headers=ph.headers
    )
    assert third.status_code == 201, third.text


def test_an_ineligible_client_needs_a_recorded_reason(client, ph):
    decision_id = decision(client, ph, ph.older)
    refused = client.post("/api/v1/intensive-periods", json=period_body(ph, decision_id), headers=ph.headers)
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/age-not-eligible"
    assert "18-29" in refused.json()["detail"]
    allowed = client.post(
        "/api/v1/intensive-periods",
        json=period_body(ph, decision_id, age_exception_reason="Kehitysviive; nuorten ryhmä sopii"),
        headers=ph.headers,
    )
    assert allowed.status_code == 201 and allowed.json()["age_exception"] is True


def test_a_municipality_without_intensive_rehabilitation_refuses_a_decision(
    client, make_user, runtime, principal_of
):
    instructor = make_user("espoo.rehab", ["instructor"], ["049"])
    with runtime.uow() as uow:
        espoo_client = clients.create_client(
            uow,
            principal=principal_of(instructor),
            municipality="049",
            name="E",
            identity_code=None,
            phone=None,
            language="fi",
            index_key=runtime.index_key,
        ).id
    response = client.post(
        "/api/v1/service-decisions",
        json={
            "client_id": espoo_client,
            "decided_on": "2026-02-20",
            "valid_from": "2026-03-01",
            "valid_until": "2026-09-01",
            "decision_maker": "X",
        },
        headers=bearer(login(client, "espoo.rehab")),
    )
    assert response.status_code == 422 and response.json()["type"] == "/problems/service-not-offered"


def test_a_period_cannot_outlast_its_decision(client, ph):
    decision_id = decision(client, ph, ph.young, valid_until="2026-05-31")
    response = client.post(
        "/api/v1/intensive-periods",
        json=period_body(ph, decision_id, planned_end="2026-06-30"),
        headers=ph.headers,
    )
    assert response.status_code == 422 and field_of(response) == "planned_end"


# --- contacts ----------------------------------------------------------------------


def plan(client, ph: Rehab, period_id: int, **body: Any):  # type: ignore[no-untyped-def]
    payload = {"kind": "individual_meeting", "minutes": 60, "place": "Lahden toimipiste", **body}
    return client.post(f"/api/v1/intensive-periods/{period_id}/contacts", json=payload, headers=ph.headers)


def test_contacts_are_planned_inside_the_period_and_checked_for_conflicts(client, runtime, ph):
    period = open_period(client, ph)
    first = plan(client, ph, period["id"], starts_at="2026-03-03T10:00:00+02:00", worker_ids=[ph.worker_id])
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "booked" and first.json()["worker_ids"] == [ph.worker_id]
    clash = plan(
        client, ph, period["id"], kind="phone_call", starts_at="2026-03-03T10:30:00+02:00", minutes=10
    )
    assert clash.status_code == 409 and clash.json()["type"] == "/problems/schedule-conflict"
    other_worker = plan(
        client,
        ph,
        period["id"],
        kind="phone_call",
        starts_at="2026-03-03T10:30:00+02:00",
        minutes=10,
        worker_ids=[ph.co_worker_id],
    )
    assert other_worker.status_code == 201  # the co-worker is free; a short call counts too
    outside = plan(client, ph, period["id"], starts_at="2026-09-01T10:00:00+03:00")
    assert outside.status_code == 422 and field_of(outside) == "starts_at"
    video = plan(
        client, ph, period["id"], kind="video_call", starts_at="2026-03-04T10:00:00+02:00", place=None
    )
    assert video.status_code == 422 and field_of(video) == "video_link"
    assert count(runtime, Contact) == 2


def test_a_contact_in_a_closed_period_is_refused(client, runtime, ph):
    period = open_period(client, ph)
    client.post(
        f"/api/v1/intensive-periods/{period['id']}/close",
        json={"ended_on": "2026-03-02", "reason": "no_engagement"},
        headers=ph.headers,
    )
    response = plan(client, ph, period["id"], starts_at="2026-03-03T10:00:00+02:00")
    assert 400 <= response.status_code < 500 and field_of(response) == "period_id"
    assert count(runtime, Contact) == 0


def test_closing_a_period_cancels_its_later_contacts(client, clock, ph):
    period = open_period(client, ph)
    early = plan(client, ph, period["id"], starts_at="2026-03-03T10:00:00+02:00").json()
    late = plan(client, ph, period["id"], starts_at="2026-03-20T10:00:00+02:00").json()
    clock.advance(days=7)
    client.post(
        f"/api/v1/intensive-periods/{period['id']}/close",
        json={"ended_on": "2026-03-09", "reason": "goals_reached"},
        headers=ph.headers,
    )
    intensity = client.get("/api/v1/intensity", params={"period_id": period["id"]}, headers=ph.headers).json()
    assert intensity["period"]["planned"] == 1  # the late one was cancelled
    done = client.post(
        f"/api/v1/contacts/{early['id']}/outcome", json={"status": "fulfilled"}, headers=ph.headers
    )
    assert done.status_code == 200 and done.json()["sequence"] == 1
    late_now = client.post(
        f"/api/v1/contacts/{late['id']}/outcome", json={"status": "cancelled"}, headers=ph.headers
    )
    assert late_now.json()["status"] == "cancelled" and late_now.json()["sequence"] == 1


def test_an_outcome_waits_for_the_contact_and_can_be_corrected(client, clock, ph):
    period = open_period(client, ph)
    contact = plan(client, ph, period["id"], starts_at="2026-03-03T10:00:00+02:00", note="ensikäynti").json()
    assert contact["note"] == "ensikäynti"
    url = f"/api/v1/contacts/{contact['id']}/outcome"
    early = client.post(url, json={"status": "fulfilled"}, headers=ph.headers)
    assert early.status_code == 409
    clock.advance(days=1, hours=2)
    assert client.post(url, json={"status": "noshow"}, headers=ph.headers).json()["sequence"] == 1
    corrected = client.post(
        url, json={"status": "fulfilled", "note": "tuli myöhässä"}, headers=ph.headers
    ).json()
    assert (corrected["status"], corrected["sequence"], corrected["note"]) == (
        "fulfilled",
        2,
        "tuli myöhässä",
    )


def test_contacts_appear_in_the_worker_schedule_without_client_identity(client, ph):
    period = open_period(client, ph)
    plan(client, ph, period["id"], starts_at="2026-03-03T10:00:00+02:00", note="Nuori Asiakas kertoi")
    response = client.get(
        f"/api/v1/workers/{ph.worker_id}/schedule",
        params={"start": "2026-03-02T00:00:00+02:00", "end": "2026-03-09T00:00:00+02:00"},
        headers=ph.headers,
    )
    assert response.status_code == 200
    entries = response.json()
    assert [(e["kind"], e["detail"]) for e in entries] == [("contact", "individual_meeting")]
    assert "Asiakas" not in response.text


def test_a_closed_group_gives_members_contacts_and_takes_attendance(client, clock, ph):
    first = open_period(client, ph)
    second = open_period(client, ph, ph.older, age_exception_reason="ryhmä sopii")
    group = client.post(
        "/api/v1/rehab-groups",
        json={
            "municipality": "398",
            "name": "Torstairyhmä",
            "worker_ids": [ph.worker_id, ph.co_worker_id],
            "member_period_ids": [first["id"], second["id"]],
            "weekday": 3,
            "start": "13:00",
            "minutes": 90,
            "first_date": "2026-03-02",
            "meetings": 3,
            "place": "Ryhmätila",
        },
        headers=ph.headers,
    )
    assert group.status_code == 201, group.text
    meetings = group.json()["meetings"]
    assert [m[1][:10] for m in meetings] == ["2026-03-05", "2026-03-12", "2026-03-19"]
    assert meetings[0][1].endswith(("11:00:00Z", "11:00:00+00:00"))  # 13:00 in Helsinki (UTC+2)
    # the group's time is now taken for both workers
    clash = plan(client, ph, first["id"], starts_at="2026-03-05T13:30:00+02:00", worker_ids=[ph.co_worker_id])
    assert clash.status_code == 409
    url = f"/api/v1/group-meetings/{meetings[0][0]}/attendance"
    too_early = client.post(
        url, json={"attendance": [{"period_id": first["id"], "status": "fulfilled"}]}, headers=ph.headers
    )
    assert too_early.status_code == 409
    clock.advance(days=3, hours=6)
    taken = client.post(
        url,
        json={
            "attendance": [
                {"period_id": first["id"], "status": "fulfilled"},
                {"period_id": second["id"], "status": "noshow"},
            ]
        },
        headers=ph.headers,
    )
    assert taken.status_code == 200, taken.text
    assert sorted(tuple(a) for a in taken.json()["attendance"]) == sorted(
        [(first["id"], "fulfilled"), (second["id"], "noshow")]
    )
    intensity = client.get("/api/v1/intensity", params={"period_id": first["id"]}, headers=ph.headers).json()
    assert intensity["period"]["realised"] == 1 and intensity["period"]["planned"] == 3


def test_a_cancelled_contact_cannot_be_revived_into_time_given_to_a_group_since(client, clock, ph):
    """Found by the state machine: cancelled, its time taken by a group meeting, then marked realised."""
    period = open_period(client, ph)
    contact = plan(client, ph, period["id"], starts_at="2026-03-05T13:30:00+02:00", worker_ids=[ph.worker_id])
    assert contact.status_code == 201, contact.text
    url = f"/api/v1/contacts/{contact.json()['id']}/outcome"
    assert client.post(url, json={"status": "cancelled"}, headers=ph.headers).status_code == 200
    group = client.post(
        "/api/v1/rehab-groups",
        json={
            "municipality": "398",
            "name": "Torstairyhmä",
            "worker_ids": [ph.worker_id],
            "member_period_ids": [period["id"]],
            "weekday": 3,
            "start": "13:00",
            "minutes": 90,
            "first_date": "2026-03-02",
            "meetings": 1,
        },
        headers=ph.headers,
    )
    assert group.status_code == 201, group.text
    clock.advance(days=4)
    revived = client.post(url, json={"status": "fulfilled"}, headers=ph.headers)
    assert revived.status_code == 409 and revived.json()["type"] == "/problems/schedule-conflict"
    assert revived.json()["errors"][0]["field"] == "status"
    # the group's own contacts are not a conflict for each other: its attendance still corrects freely
    meeting = group.json()["meetings"][0][0]
    attendance = f"/api/v1/group-meetings/{meeting}/attendance"
    for status in ("cancelled", "fulfilled"):
        marked = client.post(
            attendance,
            json={"attendance": [{"period_id": period["id"], "status": status}]},
            headers=ph.headers,
        )
        assert marked.status_code == 200, marked.text


# --- intensity ---------------------------------------------------------------------


def test_intensity_flags_weeks_below_target_and_days_without_contact(client, clock, ph):
    period = open_period(client, ph, planned_end="2026-04-30")
    # week 10 (2-8 March): two contacts, both realised; week 11: one, realised; week 12: none
    for when in ("2026-03-03T10:00:00+02:00", "2026-03-05T10:00:00+02:00", "2026-03-10T10:00:00+02:00"):
        contact = plan(client, ph, period["id"], starts_at=when).json()
        clock._now = max(clock.now(), clock.now().fromisoformat(contact["ends_at"]))
        client.post(
            f"/api/v1/contacts/{contact['id']}/outcome", json={"status": "fulfilled"}, headers=ph.headers
        )
    clock._now = clock.now().fromisoformat("2026-03-24T10:00:00+02:00")
    view = client.get("/api/v1/intensity", params={"period_id": period["id"]}, headers=ph.headers).json()[
        "period"
    ]
    weeks = {w["week"]: w for w in view["weeks"]}
    assert (weeks["2026-W10"]["realised"], weeks["2026-W10"]["below_target"]) == (2, False)
    assert (weeks["2026-W11"]["realised"], weeks["2026-W11"]["below_target"]) == (1, True)
    assert weeks["2026-W12"]["below_target"] is True
    assert weeks["2026-W13"]["complete"] is False  # the current week is not judged yet
    assert view["weeks_below_target"] == 2
    assert view["days_without_contact"] == 14 and view["no_contact_alert"] is True
    assert view["days_to_end"] == 37 and view["end_approaching"] is False
    mine = client.get("/api/v1/intensity", params={"worker_id": ph.worker_id}, headers=ph.headers).json()[
        "worker"
    ]
    assert [p["period_id"] for p in mine["periods"]] == [period["id"]]
    assert ["2026-W10", 2, 2] in mine["weeks"]


def test_intensity_needs_exactly_one_subject(client, ph):
    both = client.get("/api/v1/intensity", params={"period_id": 1, "worker_id": 1}, headers=ph.headers)
    assert both.status_code == 422


# --- 3X10D ---------------------------------------------------------------------------


ANSWERS = {
    "health": 4,
    "overcoming_difficulties": 3,
    "housing": 6,
    "daily_coping": 4,
    "family_and_close_ones": 5,
    "trusted_friends": 2,
    "finances": 3,
    "own_strengths": 4,
    "self_esteem": 3,
    "life_as_a_whole": 6,
}


@pytest.mark.parametrize(
    "answers, field",
    [
        ({**ANSWERS, "health": 11}, "answers.health"),
        ({**ANSWERS, "housing": -1}, "answers.housing"),
        ({"health": 5, "shoe_size": 5}, "answers"),
        ({}, "answers"),
    ],
)
def test_bad_measurements_are_refused_and_nothing_is_written(client, runtime, ph, answers, field):
    period = open_period(client, ph)
    response = client.post(
        f"/api/v1/intensive-periods/{period['id']}/measurements",
        json={"point": "start", "measured_on": "2026-03-02", "answers": answers},
        headers=ph.headers,
    )
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert count(runtime, Measurement) == 0


def test_measurements_show_the_change_per_item_and_of_the_mean(client, clock, ph):
    period = open_period(client, ph, planned_end="2026-04-30")
    url = f"/api/v1/intensive-periods/{period['id']}/measurements"
    due = client.get("/api/v1/measurements/due", headers=ph.headers).json()
    assert [(d["period_id"], d["point"], d["overdue"]) for d in due] == [(period["id"], "start", False)]
    start = client.post(
        url, json={"point": "start", "measured_on": "2026-03-02", "answers": ANSWERS}, headers=ph.headers
    )
    assert start.status_code == 201 and start.json()["change_of_mean"] is None
    again = client.post(
        url, json={"point": "start", "measured_on": "2026-03-02", "answers": ANSWERS}, headers=ph.headers
    )
    assert again.status_code == 409
    clock._now = clock.now().fromisoformat("2026-04-20T10:00:00+03:00")
    due = client.get("/api/v1/measurements/due", headers=ph.headers).json()
    assert [(d["point"], d["due_on"]) for d in due] == [
        ("follow_up", "2026-04-30")
    ]  # the end comes before 6 months
    follow = {**{k: v + 1 for k, v in ANSWERS.items()}, "life_as_a_whole": 6}
    summary = client.post(
        url, json={"point": "follow_up", "measured_on": "2026-04-20", "answers": follow}, headers=ph.headers
    ).json()
    assert summary["item_changes"]["health"] == 1 and summary["item_changes"]["life_as_a_whole"] == 0
    assert summary["start_mean"] == pytest.approx(4.0) and summary["follow_up_mean"] == pytest.approx(4.9)
    assert summary["change_of_mean"] == pytest.approx(0.225)
    assert client.get("/api/v1/measurements/due", headers=ph.headers).json() == []
    assert client.get(url, headers=ph.headers).json() == summary


def test_the_change_is_undefined_when_the_baseline_mean_is_zero(client, clock, ph):
    period = open_period(client, ph)
    url = f"/api/v1/intensive-periods/{period['id']}/measurements"
    client.post(
        url,
        json={"point": "start", "measured_on": "2026-03-02", "answers": {"health": 0}},
        headers=ph.headers,
    )
    summary = client.post(
        url,
        json={"point": "follow_up", "measured_on": "2026-03-02", "answers": {"health": 5}},
        headers=ph.headers,
    ).json()
    assert summary["change_of_mean"] is None and summary["item_changes"]["health"] == 5


# --- feedback ---------------------------------------------------------------------------


def feedback(client, ph: Rehab, period_id: int, **body: Any):  # type: ignore[no-untyped-def]
    payload = {"kind": "quarterly", "useful": "yes", "towards_goals": "partly", **body}
    return client.post(f"/api/v1/intensive-periods/{period_id}/feedback", json=payload, headers=ph.headers)


def test_quarterly_feedback_is_taken_in_the_first_two_weeks_of_a_quarter(client, runtime, clock, ph):
    period = open_period(client, ph)
    outside = feedback(client, ph, period["id"], submitted_on="2026-03-02")
    assert outside.status_code == 422 and field_of(outside) == "submitted_on"
    clock._now = clock.now().fromisoformat("2026-04-14T12:00:00+03:00")
    inside = feedback(client, ph, period["id"], submitted_on="2026-04-14", free_text="Hyvä, kiitos")
    assert inside.status_code == 201 and inside.json()["window"] == "2026Q2"
    assert inside.json()["has_free_text"] is True and "free_text" not in inside.json()
    twice = feedback(client, ph, period["id"], submitted_on="2026-04-13")
    assert twice.status_code == 409
    with runtime.uow() as uow:
        stored = uow.session.scalars(select(PeriodFeedback.free_text)).one()
    assert stored is not None and "kiitos" not in stored


def test_end_feedback_is_taken_around_the_end(client, clock, ph):
    period = open_period(client, ph, planned_end="2026-03-31")
    assert feedback(client, ph, period["id"], kind="end", submitted_on="2026-03-02").status_code == 422
    clock._now = clock.now().fromisoformat("2026-03-25T12:00:00+02:00")
    ok = feedback(client, ph, period["id"], kind="end", submitted_on="2026-03-25", useful="partly")
    assert ok.status_code == 201 and ok.json()["window"] == "end"


# --- the outcome report -----------------------------------------------------------------


def test_the_outcome_report_suppresses_small_numbers(client, ph):
    open_period(client, ph)
    report = client.get(
        "/api/v1/reports/rehab-outcomes", params={"municipality": "398", "year": 2026}, headers=ph.manager
    )
    assert report.status_code == 200, report.text
    body = report.json()
    q1 = body["rows"][0]
    assert q1["label"] == "2026-Q1" and q1["periods_started"] == "<5"
    assert body["rows"][1]["periods_started"] == 0
    assert body["total"]["periods_started"] == "<5"
    assert body["change_target"] == 0.25 and body["satisfaction_target"] == 1.0
    assert "Asiakas" not in report.text


def test_the_outcome_report_counts_a_believable_year(client, runtime, clock, ph, principal_of, make_user):
    """Six clients: periods, measurements and feedback add up to the figures shown."""
    principal = principal_of(Staff(_user_id(runtime, "ph.instructor"), "ph.instructor"))
    periods = []
    for n in range(6):
        client_id = new_client(runtime, principal, f"Asiakas {n}", date(2001, 1, 1 + n), 910 + n)
        periods.append(open_period(client, ph, client_id, planned_end="2026-05-29"))
    for p in periods:
        client.post(
            f"/api/v1/intensive-periods/{p['id']}/measurements",
            json={"point": "start", "measured_on": "2026-03-02", "answers": {"health": 4, "housing": 4}},
            headers=ph.headers,
        )
    clock._now = clock.now().fromisoformat("2026-05-29T15:00:00+03:00")
    for n, p in enumerate(periods):
        client.post(
            f"/api/v1/intensive-periods/{p['id']}/measurements",
            json={"point": "follow_up", "measured_on": "2026-05-29", "answers": {"health": 5, "housing": 5}},
            headers=ph.headers,
        )
        feedback(client, ph, p["id"], kind="end", submitted_on="2026-05-29", useful="yes" if n else "partly")
        ended_on = "2026-05-15" if n < 2 else "2026-05-29"
        closed = client.post(
            f"/api/v1/intensive-periods/{p['id']}/close",
            json={"ended_on": ended_on, "reason": "client_withdrew" if n < 2 else "completed"},
            headers=ph.headers,
        )
        assert closed.status_code == 200, closed.text
    body = client.get(
        "/api/v1/reports/rehab-outcomes",
        params={"county": "09", "year": 2026, "group_by": "quarter"},
        headers=ph.manager,
    ).json()
    q1, q2 = body["rows"][0], body["rows"][1]
    assert q1["periods_started"] == 6 and q2["periods_ended"] == 6
    assert q2["ended_early"] == "<5"  # two ended early
    assert q2["measured_pairs"] == 6 and q2["mean_change_of_mean"] == pytest.approx(0.25)
    assert q2["feedback_answers"] == 6 and q2["useful_yes_share"] == pytest.approx(5 / 6, abs=1e-4)
    assert q2["useful_partly_share"] == pytest.approx(1 / 6, abs=1e-4)
    assert body["municipalities"] == sorted(PH_CODES)
    assert body["total"]["periods_started"] == 6


def test_every_use_of_a_period_is_access_logged(client, runtime, ph):
    chain_access_log(runtime)
    before = count(runtime, AccessLogEntry)
    period = open_period(client, ph)  # decision + period
    client.get(f"/api/v1/intensive-periods/{period['id']}", headers=ph.headers)
    client.get("/api/v1/intensity", params={"period_id": period["id"]}, headers=ph.headers)
    chain_access_log(runtime)
    with runtime.uow() as uow:
        rows = uow.session.execute(
            select(AccessLogEntry.action, AccessLogEntry.subject_type, AccessLogEntry.client_id)
            .order_by(AccessLogEntry.seq)
            .offset(before)
        ).all()
    assert [(a, s) for a, s, _ in rows] == [
        ("create", "service_decision"),
        ("create", "intensive_period"),
        ("read", "intensive_period"),
        ("read", "intensive_period"),
    ]
    assert {c for _, _, c in rows} == {ph.young}


# --- the database holds the invariants --------------------------------------------------


def _raw_period(runtime, ph: Rehab, decision_id: int, **overrides: Any) -> None:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        values = {
            "decision_id": decision_id,
            "client_id": ph.young,
            "municipality_code": "398",
            "service": "social_rehabilitation",
            "starts_on": date(2026, 3, 2),
            "planned_end": date(2026, 6, 1),
            "max_end": date(2026, 9, 2),
            "responsible_worker_id": ph.worker_id,
            "weekly_target": 2,
            "created_by": 1,
            "created_at": runtime.clock.now(),
            **overrides,
        }
        uow.session.add(IntensivePeriod(**values))
        uow.commit()


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # a second active period of the same service
        {"planned_end": date(2026, 9, 3), "client_id": None},  # beyond the maximum
        {"ended_on": date(2026, 9, 3), "client_id": None},  # ended beyond the maximum
    ],
)
def test_the_database_refuses_periods_that_break_the_rules(client, runtime, ph, overrides):
    from sqlalchemy.exc import IntegrityError

    first = open_period(client, ph)
    if overrides.get("client_id", 0) is None:
        overrides["client_id"] = ph.older
    with pytest.raises(IntegrityError):
        _raw_period(runtime, ph, first["decision_id"], **overrides)


def test_the_database_refuses_an_answer_outside_0_to_10(client, runtime, ph):
    from sqlalchemy.exc import IntegrityError

    from sotesilta.core.rehab.tables import MeasurementAnswer

    period = open_period(client, ph)
    response = client.post(
        f"/api/v1/intensive-periods/{period['id']}/measurements",
        json={"point": "start", "measured_on": "2026-03-02", "answers": {"health": 5}},
        headers=ph.headers,
    )
    assert response.status_code == 201
    with runtime.uow() as uow:
        measurement_id = uow.session.scalar(select(Measurement.id))
    with pytest.raises(IntegrityError), runtime.uow() as uow:
        uow.session.add(MeasurementAnswer(measurement_id=measurement_id, item_key="housing", value=11))
        uow.commit()


def test_parallel_attempts_open_exactly_one_period(client, runtime, ph, principal_of):
    from concurrent.futures import ThreadPoolExecutor

    from sotesilta.core.kernel.errors import PeriodActive
    from sotesilta.core.rehab.service import periods as rehab_periods

    decisions = [decision(client, ph, ph.young) for _ in range(8)]
    principal = principal_of(Staff(_user_id(runtime, "ph.instructor"), "ph.instructor"))

    def attempt(decision_id: int) -> str:
        try:
            with runtime.uow() as uow:
                rehab_periods.open_intensive_period(
                    uow,
                    principal=principal,
                    draft=rehab_periods.PeriodDraft(
                        decision_id=decision_id,
                        starts_on=date(2026, 3, 2),
                        planned_end=date(2026, 6, 1),
                        responsible_worker_id=ph.worker_id,
                    ),
                )
            return "opened"
        except PeriodActive:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, decisions))
    assert sorted(results) == ["opened"] + ["refused"] * 7
    assert count(runtime, IntensivePeriod) == 1


def _user_id(runtime, username: str) -> int:  # type: ignore[no-untyped-def]
    from sotesilta.core.accounts.tables import UserAccount

    with runtime.uow() as uow:
        return int(uow.session.scalar(select(UserAccount.id).where(UserAccount.username == username)) or 0)


def test_the_schedule_shows_sessions_bookings_and_absences(client, scheduling):
    instructor = bearer(login(client, "espoo.instructor"))
    nurse = bearer(login(client, "espoo.nurse"))
    free = free_slots(client, nurse, scheduling.station_id)
    booked = client.post(
        "/api/v1/bookings",
        json={
            "slot_id": free[0]["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": "Ei Näy", "age": 40},
        },
        headers=nurse,
    )
    assert booked.status_code == 201, booked.text
    absence = client.post(
        "/api/v1/absences",
        json={
            "worker_id": scheduling.worker_id,
            "starts_at": "2026-03-05T08:00:00+02:00",
            "ends_at": "2026-03-05T16:00:00+02:00",
            "reason": "koulutus",
        },
        headers=instructor,
    )
    assert absence.status_code == 201, absence.text
    entries = client.get(
        f"/api/v1/workers/{scheduling.worker_id}/schedule",
        params={"start": "2026-03-02T00:00:00+02:00", "end": "2026-03-09T00:00:00+02:00"},
        headers=instructor,
    )
    assert entries.status_code == 200
    kinds = [(e["kind"], e["starts_at"][:10]) for e in entries.json()]
    assert kinds == [("guidance_session", "2026-03-03"), ("booking", "2026-03-03"), ("absence", "2026-03-05")]
    assert entries.json()[0]["detail"] == str(scheduling.station_id)
    assert "Ei Näy" not in entries.text
    too_long = client.get(
        f"/api/v1/workers/{scheduling.worker_id}/schedule",
        params={"start": "2026-03-02T00:00:00+02:00", "end": "2026-06-09T00:00:00+02:00"},
        headers=instructor,
    )
    assert too_long.status_code == 422


def test_a_period_cannot_end_before_its_recorded_contacts(client, clock, ph):
    period = open_period(client, ph)
    contact = plan(client, ph, period["id"], starts_at="2026-03-03T09:00:00+02:00").json()
    clock.advance(days=2)
    client.post(f"/api/v1/contacts/{contact['id']}/outcome", json={"status": "fulfilled"}, headers=ph.headers)
    url = f"/api/v1/intensive-periods/{period['id']}/close"
    early = client.post(url, json={"ended_on": "2026-03-02", "reason": "client_withdrew"}, headers=ph.headers)
    assert early.status_code == 422 and "2026-03-03" in early.json()["detail"]
    ok = client.post(url, json={"ended_on": "2026-03-03", "reason": "client_withdrew"}, headers=ph.headers)
    assert ok.status_code == 200


def test_a_contact_over_a_busy_time_from_the_workers_own_calendar_is_refused(client, runtime, ph):
    from datetime import UTC, datetime

    from sotesilta.core.scheduling.tables import WorkerBusy

    period = open_period(client, ph)
    with runtime.uow() as uow:
        uow.session.add(
            WorkerBusy(
                worker_id=ph.worker_id,
                source="external:1",
                starts_at=datetime(2026, 3, 4, 8, tzinfo=UTC),
                ends_at=datetime(2026, 3, 4, 9, tzinfo=UTC),
            )
        )
        uow.commit()
    refused = plan(client, ph, period["id"], starts_at="2026-03-04T10:30:00+02:00")
    assert refused.status_code == 409 and refused.json()["conflicts"] == [{"kind": "busy", "id": 1}]
    assert plan(client, ph, period["id"], starts_at="2026-03-04T11:00:00+02:00").status_code == 201
