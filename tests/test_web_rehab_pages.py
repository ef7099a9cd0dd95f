"""The instructor's intensive-rehabilitation pages through the test client (both databases):
my periods, a period's week-by-week intensity, planning a contact and recording its outcome,
the 3X10D form; role guards, other municipalities, and bad input.

The clock starts on Monday 2 March 2026 at 10:00 in Helsinki.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import add_worker
from sqlalchemy import func, select
from test_rehab import PH_CODES, Rehab, _client, api_token, decision, period_body
from test_web_work_pages import sign_in, token_of

from sotesilta.consent.tables import AccessLogEntry
from sotesilta.core.persistence.rehab import Contact, Measurement, MeasurementAnswer


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


class Ph:
    period_id: int
    client_id: int


@pytest.fixture
def ph(client, runtime, make_user, principal_of) -> Ph:  # type: ignore[no-untyped-def]
    instructor = make_user("ph.instructor", ["instructor"], PH_CODES)
    make_user("ph.boss", ["manager"], PH_CODES)
    make_user("espoo.nurse", ["health_staff"], ["049"])
    make_user("espoo.guide", ["instructor"], ["049"])
    worker = add_worker(runtime, instructor.id, "398", "Paula Ohjaaja", "fi")
    young = _client(runtime, principal_of(instructor), "Nuori Asiakas", date(2000, 5, 15), 901)

    rehab = Rehab(api_token(client, "ph.instructor"), {}, worker, 0, young, 0)
    decision_id = decision(client, rehab, young)
    body = period_body(rehab, decision_id, co_worker_id=None)
    opened = client.post("/api/v1/intensive-periods", json=body, headers=rehab.headers)
    assert opened.status_code == 201, opened.text
    found = Ph()
    found.period_id, found.client_id = int(opened.json()["id"]), young
    client.cookies.clear()
    return found


def plan_fields(page_text: str, **changes: str) -> dict[str, str]:
    fields = {
        "_csrf_token": token_of(page_text),
        "kind": "individual_meeting",
        "day": "2026-03-04",
        "start": "13:00",
        "minutes": "60",
        "place": "Nuorten tila, Lahti",
        "video_link": "",
        "note": "",
    }
    fields.update(changes)
    return fields


def test_my_periods_list_shows_the_client_by_number_and_the_measurements_due(client, runtime, ph):
    sign_in(client, "ph.instructor")
    response = client.get("/rehab")
    assert response.status_code == 200
    assert f"/rehab/periods/{ph.period_id}" in response.text
    assert "Nuori Asiakas" not in response.text  # a number, never a name
    assert f"/rehab/periods/{ph.period_id}/measurement?point=start" in response.text  # due at the start


def test_the_period_page_shows_week_by_week_intensity_as_a_table_and_a_chart(client, runtime, ph):
    sign_in(client, "ph.instructor")
    reads_before = count(runtime, AccessLogEntry)
    response = client.get(f"/rehab/periods/{ph.period_id}")
    assert response.status_code == 200
    text = response.text
    assert "2026-W10" in text and "<svg" in text and 'class="bar-planned"' in text
    assert "Arjen rytmi" in text  # the goal
    assert "style=" not in text  # CSP: classes only
    assert count(runtime, AccessLogEntry) > reads_before  # the reads are logged


def test_an_instructor_plans_a_contact_and_records_its_outcome(client, runtime, clock, ph):
    sign_in(client, "ph.instructor")
    page_text = client.get(f"/rehab/periods/{ph.period_id}").text
    planned = client.post(
        f"/rehab/periods/{ph.period_id}/contacts", data=plan_fields(page_text), follow_redirects=False
    )
    assert planned.status_code == 303, planned.text
    assert count(runtime, Contact) == 1
    with runtime.uow() as uow:
        contact_id = uow.session.scalar(select(Contact.id))
    clock.advance(days=2, hours=5)  # Wednesday 4 March, after the meeting
    sign_in(client, "ph.instructor")
    page_text = client.get(f"/rehab/periods/{ph.period_id}").text
    assert f'action="/rehab/contacts/{contact_id}/outcome"' in page_text
    recorded = client.post(
        f"/rehab/contacts/{contact_id}/outcome",
        data={"_csrf_token": token_of(page_text), "period_id": str(ph.period_id), "status": "fulfilled"},
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Contact.status)) == "fulfilled"
    shown = client.get(recorded.headers["location"]).text
    assert re.search(r"<td>1</td><td>1</td>", shown)  # week 10: one planned, one realised


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"day": "2027-01-01"}, 422),  # outside the period
        ({"day": "4.3.2026"}, 422),
        ({"start": "25:99"}, 422),
        ({"minutes": "2"}, 422),
        ({"kind": "group_session"}, 422),
        ({"kind": "video_call", "video_link": "http://example.com"}, 422),
    ],
)
def test_a_contact_that_cannot_be_planned_shows_the_form_again_and_writes_nothing(
    client, runtime, ph, changes, status
):
    sign_in(client, "ph.instructor")
    page_text = client.get(f"/rehab/periods/{ph.period_id}").text
    refused = client.post(
        f"/rehab/periods/{ph.period_id}/contacts",
        data=plan_fields(page_text, **changes),
        follow_redirects=False,
    )
    assert refused.status_code == status
    assert 'class="error-summary"' in refused.text
    assert count(runtime, Contact) == 0


def test_an_outcome_for_a_contact_still_to_come_is_refused(client, runtime, ph):
    sign_in(client, "ph.instructor")
    page_text = client.get(f"/rehab/periods/{ph.period_id}").text
    client.post(f"/rehab/periods/{ph.period_id}/contacts", data=plan_fields(page_text))
    with runtime.uow() as uow:
        contact_id = uow.session.scalar(select(Contact.id))
    for status in ("fulfilled", "nonsense"):
        refused = client.post(
            f"/rehab/contacts/{contact_id}/outcome",
            data={"_csrf_token": token_of(page_text), "period_id": str(ph.period_id), "status": status},
            follow_redirects=False,
        )
        assert 400 <= refused.status_code < 500
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Contact.status)) == "booked"


def test_the_3x10d_form_records_the_answers_by_item_key(client, runtime, ph):
    sign_in(client, "ph.instructor")
    form = client.get(f"/rehab/periods/{ph.period_id}/measurement?point=start")
    assert form.status_code == 200
    assert 'name="item-life_as_a_whole"' in form.text and 'for="item-health"' in form.text
    answers = {f"item-{key}": "5" for key in ("health", "housing", "finances")}
    saved = client.post(
        f"/rehab/periods/{ph.period_id}/measurement",
        data={"_csrf_token": token_of(form.text), "point": "start", "measured_on": "2026-03-02", **answers},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert count(runtime, Measurement) == 1 and count(runtime, MeasurementAnswer) == 3
    again = client.post(
        f"/rehab/periods/{ph.period_id}/measurement",
        data={"_csrf_token": token_of(form.text), "point": "start", "measured_on": "2026-03-02", **answers},
        follow_redirects=False,
    )
    assert again.status_code == 409 and count(runtime, Measurement) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"item-health": "11"},
        {"item-health": "x"},
        {"item-health": ""},  # nothing answered
        {"measured_on": "2026-03-09"},  # in the future
        {"point": "middle"},
    ],
)
def test_a_3x10d_form_with_bad_answers_writes_nothing(client, runtime, ph, changes):
    sign_in(client, "ph.instructor")
    form = client.get(f"/rehab/periods/{ph.period_id}/measurement").text
    fields = {
        "_csrf_token": token_of(form),
        "point": "start",
        "measured_on": "2026-03-02",
        "item-health": "4",
    }
    fields.update(changes)
    refused = client.post(f"/rehab/periods/{ph.period_id}/measurement", data=fields, follow_redirects=False)
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.text
    assert count(runtime, Measurement) == 0


@pytest.mark.parametrize("username", ["ph.boss", "espoo.nurse"])
def test_only_instructors_open_the_rehabilitation_pages(client, ph, username):
    sign_in(client, username)
    for path in ("/rehab", f"/rehab/periods/{ph.period_id}", f"/rehab/periods/{ph.period_id}/measurement"):
        assert client.get(path).status_code == 403, path


def test_an_instructor_of_another_municipality_is_told_nothing_of_the_period(client, runtime, ph):
    sign_in(client, "espoo.guide")
    assert client.get(f"/rehab/periods/{ph.period_id}").status_code == 404
    token = token_of(client.get("/rehab").text)
    refused = client.post(
        f"/rehab/periods/{ph.period_id}/contacts",
        data={**plan_fields(f'name="_csrf_token" value="{token}"')},
        follow_redirects=False,
    )
    assert refused.status_code == 404
    assert count(runtime, Contact) == 0
