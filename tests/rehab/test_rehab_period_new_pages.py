"""Opening an intensive period in the browser's forms (through the test client, both databases):
from a service decision with its contacts planned on weekdays for some weeks; overlaps listed
by event and time with nothing written; refused input kept and answered with a 4xx page.

The clock starts on Monday 2 March 2026 at 10:00 in Helsinki.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import add_worker
from page_support import sign_in, token_of
from rehab_support import PH_CODES, Rehab, api_token, decision, new_client, period_body
from sqlalchemy import func, select

from sotesilta.core.rehab.tables import Contact, IntensivePeriod


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


class Waiting:
    """A client with a decision and no period yet, and the instructor's other, open period."""

    decision_id: int
    client_id: int
    other_period_id: int
    rehab: Rehab


@pytest.fixture
def waiting(client, runtime, make_user, principal_of) -> Waiting:  # type: ignore[no-untyped-def]
    instructor = make_user("ph.instructor", ["instructor"], PH_CODES)
    make_user("espoo.guide", ["instructor"], ["049"])
    worker = add_worker(runtime, instructor.id, "398", "Paula Ohjaaja", "fi")
    principal = principal_of(instructor)
    first = new_client(runtime, principal, "Nuori Asiakas", date(2000, 5, 15), 901)
    second = new_client(runtime, principal, "Toinen Asiakas", date(1999, 9, 9), 902)
    rehab = Rehab(api_token(client, "ph.instructor"), {}, worker, 0, first, 0)
    body = period_body(rehab, decision(client, rehab, first), co_worker_id=None)
    opened = client.post("/api/v1/intensive-periods", json=body, headers=rehab.headers)
    assert opened.status_code == 201, opened.text
    found = Waiting()
    found.decision_id, found.client_id = decision(client, rehab, second), second
    found.other_period_id, found.rehab = int(opened.json()["id"]), rehab
    client.cookies.clear()
    return found


def new_fields(page_text: str, waiting: Waiting, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "_csrf_token": token_of(page_text),
        "decision_id": str(waiting.decision_id),
        "starts_on": "2026-03-02",
        "planned_end": "2026-08-31",
        "responsible_worker_id": str(waiting.rehab.worker_id),
        "co_worker_id": "",
        "weekly_target": "",
        "goals": "Arjen rytmi\n- Herään kahdeksalta\nOma talous",
        "age_exception_reason": "",
        "kind": "individual_meeting",
        "day": "2026-03-03",
        "weekdays": ["1", "3"],  # Tuesday and Thursday
        "weeks": "8",
        "start": "13:00",
        "minutes": "60",
        "place": "Nuorten tila, Lahti",
        "video_link": "",
        "note": "",
    }
    fields.update(changes)
    return fields


def test_the_form_offers_the_waiting_decision_by_client_number_and_not_the_one_with_a_period(client, waiting):
    sign_in(client, "ph.instructor")
    form = client.get("/rehab/periods/new")
    assert form.status_code == 200
    assert f'<option value="{waiting.decision_id}" selected>' in form.text
    assert f"Asiakas nro {waiting.client_id}" in form.text and "Toinen Asiakas" not in form.text
    assert form.text.count("<option value=") >= 1 and 'name="weekdays"' in form.text
    assert 'href="/rehab/periods/new"' in client.get("/rehab").text


def test_a_period_opens_with_tuesdays_and_thursdays_for_eight_weeks(client, runtime, waiting):
    sign_in(client, "ph.instructor")
    form = client.get("/rehab/periods/new").text
    opened = client.post("/rehab/periods", data=new_fields(form, waiting), follow_redirects=False)
    assert opened.status_code == 303, opened.text
    assert count(runtime, IntensivePeriod) == 2
    with runtime.uow() as uow:
        period = uow.session.scalar(
            select(IntensivePeriod).where(IntensivePeriod.client_id == waiting.client_id)
        )
        assert period is not None
        days = [
            c.starts_at.date()
            for c in uow.session.scalars(select(Contact).where(Contact.period_id == period.id))
        ]
    assert len(days) == 16 and {d.weekday() for d in days} == {1, 3}
    shown = client.get(opened.headers["location"]).text
    assert "Jakso avattiin." in shown and "Suunniteltiin 16 kontaktia." in shown
    assert "Herään kahdeksalta" in shown  # the sub-goal under its goal


def test_an_overlap_lists_the_event_and_its_time_keeps_the_form_and_writes_nothing(client, runtime, waiting):
    # the worker's other client has a contact on Tuesday 10 March at 13.30
    made = client.post(
        f"/api/v1/intensive-periods/{waiting.other_period_id}/contacts",
        json={"kind": "phone_call", "starts_at": "2026-03-10T13:30:00+02:00", "minutes": 20},
        headers=waiting.rehab.headers,
    )
    assert made.status_code == 201, made.text
    sign_in(client, "ph.instructor")
    form = client.get("/rehab/periods/new").text
    refused = client.post("/rehab/periods", data=new_fields(form, waiting), follow_redirects=False)
    assert refused.status_code == 409
    text = refused.text
    assert "1 suunnitelluista 16 kontaktista menee päällekkäin toisen kalenterimerkinnän kanssa" in text
    assert "ti 10.3.2026 klo 13.00" in text and "toisen kontaktin kanssa klo 13.30–13.50" in text
    assert "Herään kahdeksalta" in text and 'id="weekday-1" value="1" checked' in text  # kept
    assert count(runtime, IntensivePeriod) == 1 and count(runtime, Contact) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"decision_id": "x"},
        {"starts_on": "2.3.2026"},
        {"planned_end": "2026-12-31"},  # more than six months
        {"responsible_worker_id": ""},
        {"weekly_target": "99"},
        {"weekdays": ["9"]},
        {"weeks": "0"},
        {"weeks": "abc"},
        {"day": "2026-03-10", "weeks": "26"},  # past the period's end
        {"start": "25:00"},
        {"minutes": "2"},
        {"kind": "group_session"},
        {"kind": "video_call", "video_link": "http://example.com"},
        {"day": "2026-02-01"},  # before the period
        {"goals": "x" * 501},
    ],
)
def test_bad_input_is_refused_with_the_form_kept_and_nothing_written(client, runtime, waiting, changes):
    sign_in(client, "ph.instructor")
    form = client.get("/rehab/periods/new").text
    refused = client.post("/rehab/periods", data=new_fields(form, waiting, **changes), follow_redirects=False)
    assert refused.status_code == 422, refused.text
    assert 'class="error-summary"' in refused.text
    assert "Nuorten tila, Lahti" in refused.text  # what was typed is still there
    assert count(runtime, IntensivePeriod) == 1 and count(runtime, Contact) == 0


def test_a_forged_decision_or_a_client_with_a_period_opens_nothing(client, runtime, waiting):
    sign_in(client, "ph.instructor")
    form = client.get("/rehab/periods/new").text
    forged = client.post("/rehab/periods", data=new_fields(form, waiting, decision_id="999999"))
    assert forged.status_code == 404
    opened = client.post(
        "/rehab/periods", data=new_fields(form, waiting, weekdays=[]), follow_redirects=False
    )
    assert opened.status_code == 303 and count(runtime, Contact) == 0  # a period without a plan
    again = client.post("/rehab/periods", data=new_fields(form, waiting, weekdays=[]), follow_redirects=False)
    assert again.status_code == 409 and "Asiakkaalla on jo käynnissä oleva intensiivijakso" in again.text
    assert count(runtime, IntensivePeriod) == 2


def test_another_municipalitys_instructor_sees_no_decision_and_opens_nothing(client, runtime, waiting):
    sign_in(client, "espoo.guide")
    form = client.get("/rehab/periods/new")
    assert form.status_code == 200 and f'value="{waiting.decision_id}"' not in form.text
    refused = client.post("/rehab/periods", data=new_fields(form.text, waiting))
    assert refused.status_code == 404
    assert count(runtime, IntensivePeriod) == 1
