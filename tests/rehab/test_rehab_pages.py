"""The instructor's intensive-rehabilitation pages through the test client (both databases):
my periods, a period's week-by-week intensity, planning a contact and recording its outcome,
the 3X10D form, closing a period, the period feedback, closed groups and their attendance;
role guards, other municipalities, forged forms, and bad input.

The clock starts on Monday 2 March 2026 at 10:00 in Helsinki.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import add_worker
from page_support import sign_in, token_of
from rehab_support import PH_CODES, Rehab, api_token, decision, new_client, period_body
from sqlalchemy import func, select
from support import chain_access_log

from sotesilta.consent.tables import AccessLogEntry
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.web.i18n import LANGUAGE_COOKIE, translate
from sotesilta.core.rehab.service import client_names
from sotesilta.core.rehab.tables import (
    Contact,
    GroupMeeting,
    IntensivePeriod,
    Measurement,
    MeasurementAnswer,
    PeriodFeedback,
    RehabGroup,
)


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


class Ph:
    period_id: int
    client_id: int
    rehab: Rehab
    principal: Principal


@pytest.fixture
def ph(client, runtime, make_user, principal_of) -> Ph:  # type: ignore[no-untyped-def]
    instructor = make_user("ph.instructor", ["instructor"], PH_CODES)
    make_user("ph.boss", ["manager"], PH_CODES)
    make_user("espoo.nurse", ["health_staff"], ["049"])
    make_user("espoo.guide", ["instructor"], ["049"])
    worker = add_worker(runtime, instructor.id, "398", "Paula Ohjaaja", "fi")
    young = new_client(runtime, principal_of(instructor), "Nuori Asiakas", date(2000, 5, 15), 901)

    rehab = Rehab(api_token(client, "ph.instructor"), {}, worker, 0, young, 0)
    decision_id = decision(client, rehab, young)
    body = period_body(rehab, decision_id, co_worker_id=None)
    opened = client.post("/api/v1/intensive-periods", json=body, headers=rehab.headers)
    assert opened.status_code == 201, opened.text
    found = Ph()
    found.period_id, found.client_id, found.rehab = int(opened.json()["id"]), young, rehab
    found.principal = principal_of(instructor)
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


def client_reads(runtime, client_id: int) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """Who read the client's record itself (their name), on what basis."""
    chain_access_log(runtime)
    with runtime.uow() as uow:
        return list(
            uow.session.execute(
                select(AccessLogEntry.user_id, AccessLogEntry.basis).where(
                    AccessLogEntry.subject_type == "client",
                    AccessLogEntry.action == "read",
                    AccessLogEntry.client_id == client_id,
                )
            )
        )


def test_my_periods_list_names_my_own_clients_and_the_measurements_due(client, runtime, ph):
    reads_before = client_reads(runtime, ph.client_id)
    sign_in(client, "ph.instructor")
    response = client.get("/rehab")
    assert response.status_code == 200
    link = f'<a href="/rehab/periods/{ph.period_id}">Nuori Asiakas, jakso {ph.period_id}</a>'
    assert link in response.text  # her own client: by name, not "Asiakas nro 3"
    assert f"/rehab/periods/{ph.period_id}/measurement?point=start" in response.text  # due at the start
    assert f"Nuori Asiakas, jakso {ph.period_id}\n" in response.text  # ...named in the due list too
    assert "Asiakas nro" not in response.text
    # the name was read once for the page, on the client relationship her period is
    assert client_reads(runtime, ph.client_id) == [
        *reads_before,
        (ph.principal.user_id, "client_relationship"),
    ]


def test_a_period_of_another_worker_is_never_named_to_her(client, runtime, ph, make_user, principal_of):
    other = make_user("ph.other", ["instructor"], PH_CODES)
    other_worker = add_worker(runtime, other.id, "398", "Olli Ohjaaja", "fi")
    theirs = new_client(runtime, principal_of(other), "Toisen Nuori", date(2001, 1, 2), 903)
    headers = api_token(client, "ph.other")
    other_rehab = Rehab(headers, {}, other_worker, 0, theirs, 0)
    body = period_body(other_rehab, decision(client, other_rehab, theirs), co_worker_id=None)
    opened = client.post("/api/v1/intensive-periods", json=body, headers=headers)
    assert opened.status_code == 201, opened.text
    with runtime.uow() as uow:
        named = client_names.own_client_names(
            uow,
            principal=ph.principal,
            worker_id=ph.rehab.worker_id,
            period_ids=[ph.period_id, int(opened.json()["id"])],
        )
    assert named == {ph.client_id: "Nuori Asiakas"}
    assert client_reads(runtime, theirs) == []
    sign_in(client, "ph.instructor")
    assert "Toisen Nuori" not in client.get("/rehab").text


@pytest.mark.parametrize("path", ["", "/measurement?point=start", "/close", "/feedback"])
def test_the_period_pages_name_her_own_client_and_log_the_read(client, runtime, ph, make_user, path):
    """Each page of her own client's period names them (a read on the client relationship,
    logged); another instructor of the municipality, who runs no period of theirs, sees the
    client's number only and reads no name."""
    reads_before = client_reads(runtime, ph.client_id)
    sign_in(client, "ph.instructor")
    response = client.get(f"/rehab/periods/{ph.period_id}{path}")
    assert response.status_code == 200, response.text
    assert f"Nuori Asiakas, jakso {ph.period_id}" in response.text and "Asiakas nro" not in response.text
    assert client_reads(runtime, ph.client_id) == [
        *reads_before,
        (ph.principal.user_id, "client_relationship"),
    ]
    make_user("ph.colleague", ["instructor"], PH_CODES)
    client.cookies.clear()
    sign_in(client, "ph.colleague")
    theirs = client.get(f"/rehab/periods/{ph.period_id}{path}")
    assert theirs.status_code == 200, theirs.text
    assert f"Asiakas nro {ph.client_id}, jakso {ph.period_id}" in theirs.text
    assert "Nuori Asiakas" not in theirs.text
    assert len(client_reads(runtime, ph.client_id)) == len(reads_before) + 1


def test_the_period_page_shows_week_by_week_intensity_as_a_table_and_a_chart(client, runtime, ph):
    sign_in(client, "ph.instructor")
    chain_access_log(runtime)
    reads_before = count(runtime, AccessLogEntry)
    response = client.get(f"/rehab/periods/{ph.period_id}")
    assert response.status_code == 200
    text = response.text
    assert "vk 10" in text and "2026-W10" not in text and "<svg" in text and 'class="bar-planned"' in text
    assert "Arjen rytmi" in text  # the goal
    assert "style=" not in text  # CSP: classes only
    chain_access_log(runtime)
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


def test_her_measurements_due_are_counted_in_the_menu_and_on_her_start_page_until_taken(client, ph):
    sign_in(client, "ph.instructor")
    day = client.get("/work").text
    assert (
        '<a href="/rehab" aria-label="Intensiivijaksot, 1 mittaus tulossa">'
        'Intensiivijaksot <span class="menu-count" aria-hidden="true">1</span></a>'
    ) in day
    assert '<a href="/rehab#due">1 tulossa oleva 3X10D-mittaus</a>' in day
    form = client.get(f"/rehab/periods/{ph.period_id}/measurement?point=start")
    saved = client.post(
        f"/rehab/periods/{ph.period_id}/measurement",
        data={
            "_csrf_token": token_of(form.text),
            "point": "start",
            "measured_on": "2026-03-02",
            "item-health": "5",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    day = client.get("/work").text
    assert "menu-count" not in day and "3X10D-mittaus" not in day


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


# --- the end of a period, feedback, closed groups -----------------------------------


def period_row(runtime, period_id: int) -> IntensivePeriod:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        period = uow.session.get(IntensivePeriod, period_id)
        assert period is not None
        uow.session.expunge(period)
        return period


def in_swedish(client) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set(LANGUAGE_COOKIE, "sv")


@pytest.fixture
def second(client, runtime, ph) -> int:  # type: ignore[no-untyped-def]
    """A second open period of the instructor's, for another client: its id."""
    older = new_client(runtime, ph.principal, "Toinen Asiakas", date(1999, 9, 9), 902)
    decision_id = decision(client, ph.rehab, older)
    body = period_body(ph.rehab, decision_id, co_worker_id=None)
    opened = client.post("/api/v1/intensive-periods", json=body, headers=ph.rehab.headers)
    assert opened.status_code == 201, opened.text
    client.cookies.clear()
    return int(opened.json()["id"])


def group_fields(page_text: str, members: list[int], **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "_csrf_token": token_of(page_text),
        "municipality": "398",
        "name": "Nuorten aikuisten ryhmä",
        "member_period_ids": [str(m) for m in members],
        "weekday": "1",  # Tuesday
        "start": "13:00",
        "minutes": "90",
        "first_date": "2026-03-03",
        "meetings": "3",
        "place": "Ryhmätila, Lahti",
    }
    fields.update(changes)
    return fields


def create_group(client, runtime, members: list[int], **changes: object):  # type: ignore[no-untyped-def]
    page_text = client.get("/rehab/groups/new").text
    fields = group_fields(page_text, members, **changes)
    if "worker_ids" not in changes:
        fields["worker_ids"] = re.findall(
            r'name="worker_ids" id="worker-\d+" value="(\d+)" checked', page_text
        )
    return client.post("/rehab/groups", data=fields, follow_redirects=False)


def group_session_statuses(runtime) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        found: dict[int, list[str]] = {}
        for period_id, status in uow.session.execute(
            select(Contact.period_id, Contact.status)
            .where(Contact.kind == "group_session")
            .order_by(Contact.starts_at)
        ):
            found.setdefault(period_id, []).append(status)
        return found


PAGE_HEADINGS = {
    "/rehab/periods/{period}/close": "Close the intensive period",
    "/rehab/periods/{period}/feedback": "Period feedback",
    "/rehab/groups": "Closed groups",
    "/rehab/groups/new": "Create a closed group",
}


@pytest.mark.parametrize("language", ["fi", "sv"])
@pytest.mark.parametrize("path", sorted(PAGE_HEADINGS))
def test_the_end_and_group_pages_render_in_finnish_and_swedish(client, ph, language, path):
    sign_in(client, "ph.instructor")
    if language == "sv":
        in_swedish(client)
    response = client.get(path.format(period=ph.period_id))
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text
    heading = translate(language, PAGE_HEADINGS[path])
    assert heading != PAGE_HEADINGS[path]  # translated, not the English message
    assert f"<h1>{heading}</h1>" in response.text
    assert "style=" not in response.text
    if path != "/rehab/groups":  # a page about her own client's period names them (the list names groups)
        assert "Nuori Asiakas" in response.text


def test_the_period_page_and_the_list_link_to_the_new_pages(client, ph):
    sign_in(client, "ph.instructor")
    text = client.get(f"/rehab/periods/{ph.period_id}").text
    assert f'href="/rehab/periods/{ph.period_id}/close"' in text
    assert f'href="/rehab/periods/{ph.period_id}/feedback"' in text
    listing = client.get("/rehab").text
    assert 'href="/rehab/groups"' in listing and 'id="due"' in listing


def test_the_closing_form_tells_whether_the_end_measurement_is_in(client, ph):
    sign_in(client, "ph.instructor")
    before = client.get(f"/rehab/periods/{ph.period_id}/close").text
    assert f'href="/rehab/periods/{ph.period_id}/measurement?point=follow_up"' in before
    form = client.get(f"/rehab/periods/{ph.period_id}/measurement?point=follow_up").text
    saved = client.post(
        f"/rehab/periods/{ph.period_id}/measurement",
        data={
            "_csrf_token": token_of(form),
            "point": "follow_up",
            "measured_on": "2026-03-02",
            "item-health": "6",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    after = client.get(f"/rehab/periods/{ph.period_id}/close").text
    assert "point=follow_up" not in after


def test_an_instructor_closes_a_period_and_the_page_shows_it_closed(client, runtime, ph):
    sign_in(client, "ph.instructor")
    page_text = client.get(f"/rehab/periods/{ph.period_id}").text
    client.post(
        f"/rehab/periods/{ph.period_id}/contacts",
        data=plan_fields(page_text, day="2026-03-10"),  # planned after the end: closing cancels it
    )
    form = client.get(f"/rehab/periods/{ph.period_id}/close").text
    assert 'name="ended_on"' in form and 'id="reason-goals_reached"' in form
    closed = client.post(
        f"/rehab/periods/{ph.period_id}/close",
        data={"_csrf_token": token_of(form), "ended_on": "2026-03-02", "reason": "goals_reached"},
        follow_redirects=False,
    )
    assert closed.status_code == 303, closed.text
    period = period_row(runtime, ph.period_id)
    assert period.ended_on == date(2026, 3, 2) and period.end_reason == "goals_reached"
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Contact.status)) == "cancelled"
    shown = client.get(closed.headers["location"]).text
    assert translate("fi", "the goals were reached") in shown
    assert translate("fi", "The period was closed.") in shown
    assert f'href="/rehab/periods/{ph.period_id}/close"' not in shown  # nothing more to close


def test_closing_twice_is_a_conflict_that_keeps_the_first_closing(client, runtime, ph):
    sign_in(client, "ph.instructor")
    form = client.get(f"/rehab/periods/{ph.period_id}/close").text
    fields = {"_csrf_token": token_of(form), "ended_on": "2026-03-02", "reason": "completed"}
    assert client.post(f"/rehab/periods/{ph.period_id}/close", data=fields).status_code == 200
    first = period_row(runtime, ph.period_id)
    again = client.post(
        f"/rehab/periods/{ph.period_id}/close",
        data={**fields, "reason": "moved_away"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert 'class="error-summary"' in again.text
    assert translate("fi", "The period is already closed.") in again.text
    assert 'id="reason-moved_away" value="moved_away" checked' in again.text  # what was typed is kept
    now = period_row(runtime, ph.period_id)
    assert (now.end_reason, now.closed_at) == ("completed", first.closed_at)


@pytest.mark.parametrize(
    "changes",
    [
        {"ended_on": "2026-03-09"},  # in the future
        {"ended_on": "2026-02-27"},  # before the start
        {"ended_on": "2.3.2026"},
        {"reason": ""},
        {"reason": "bored"},
    ],
)
def test_a_closing_that_is_refused_shows_the_form_again_and_writes_nothing(client, runtime, ph, changes):
    sign_in(client, "ph.instructor")
    form = client.get(f"/rehab/periods/{ph.period_id}/close").text
    fields = {"_csrf_token": token_of(form), "ended_on": "2026-03-02", "reason": "completed", **changes}
    refused = client.post(f"/rehab/periods/{ph.period_id}/close", data=fields, follow_redirects=False)
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.text
    assert f'value="{fields["ended_on"]}"' in refused.text
    assert period_row(runtime, ph.period_id).ended_on is None


def test_a_forged_or_foreign_closing_writes_nothing(client, runtime, ph):
    sign_in(client, "ph.instructor")
    fields = {"ended_on": "2026-03-02", "reason": "completed"}
    forged = client.post(f"/rehab/periods/{ph.period_id}/close", data=fields, follow_redirects=False)
    assert forged.status_code == 403  # no form token
    sign_in(client, "espoo.guide")
    token = token_of(client.get("/rehab").text)
    assert client.get(f"/rehab/periods/{ph.period_id}/close").status_code == 404
    foreign = client.post(
        f"/rehab/periods/{ph.period_id}/close", data={**fields, "_csrf_token": token}, follow_redirects=False
    )
    assert foreign.status_code == 404
    assert period_row(runtime, ph.period_id).ended_on is None


def close(client, ph) -> None:  # type: ignore[no-untyped-def]
    form = client.get(f"/rehab/periods/{ph.period_id}/close").text
    fields = {"_csrf_token": token_of(form), "ended_on": "2026-03-02", "reason": "completed"}
    assert (
        client.post(f"/rehab/periods/{ph.period_id}/close", data=fields, follow_redirects=False).status_code
        == 303
    )


def feedback_fields(page_text: str, **changes: str) -> dict[str, str]:
    fields = {
        "_csrf_token": token_of(page_text),
        "kind": "end",
        "submitted_on": "2026-03-02",
        "useful": "yes",
        "towards_goals": "partly",
        "free_text": "Sain rytmiä arkeen.",
    }
    fields.update(changes)
    return fields


def test_the_feedback_form_asks_the_municipality_forms_questions_in_the_page_language(client, ph):
    sign_in(client, "ph.instructor")
    finnish = client.get(f"/rehab/periods/{ph.period_id}/feedback").text
    assert "Onko kuntoutuksesta ollut sinulle hyötyä?" in finnish and 'id="useful-partly"' in finnish
    assert 'for="towards_goals-no"' in finnish and "Osittain" in finnish
    in_swedish(client)
    swedish = client.get(f"/rehab/periods/{ph.period_id}/feedback").text
    assert "Har rehabiliteringen varit till nytta för dig?" in swedish and "Delvis" in swedish


def test_the_end_feedback_is_recorded_once_and_shown_on_the_period_page(client, runtime, ph):
    sign_in(client, "ph.instructor")
    close(client, ph)
    form = client.get(f"/rehab/periods/{ph.period_id}/feedback").text
    saved = client.post(
        f"/rehab/periods/{ph.period_id}/feedback", data=feedback_fields(form), follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    with runtime.uow() as uow:
        row = uow.session.scalars(select(PeriodFeedback)).one()
        assert (row.kind, row.window, row.useful, row.towards_goals) == ("end", "end", "yes", "partly")
        assert row.free_text is not None and "rytmiä" not in row.free_text  # sealed at rest
    shown = client.get(saved.headers["location"]).text
    assert translate("fi", "The feedback was saved.") in shown
    assert translate("fi", "at the end") in shown and "Sain rytmiä" not in shown
    again = client.post(
        f"/rehab/periods/{ph.period_id}/feedback",
        data=feedback_fields(form, useful="no"),
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert 'id="useful-no" value="no" checked' in again.text and "Sain rytmiä arkeen." in again.text
    assert count(runtime, PeriodFeedback) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"useful": ""},
        {"towards_goals": "maybe"},
        {"kind": "weekly"},
        {"submitted_on": "2026-03-03"},  # in the future
        {"submitted_on": "x"},
        {"free_text": "a" * 2001},
        {"kind": "quarterly"},  # 2 March is not in a quarter's window
    ],
)
def test_feedback_that_is_refused_writes_nothing(client, runtime, ph, changes):
    sign_in(client, "ph.instructor")
    close(client, ph)
    form = client.get(f"/rehab/periods/{ph.period_id}/feedback").text
    refused = client.post(
        f"/rehab/periods/{ph.period_id}/feedback",
        data=feedback_fields(form, **changes),
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.text
    assert count(runtime, PeriodFeedback) == 0


def test_end_feedback_before_the_end_window_is_refused(client, runtime, ph):
    sign_in(client, "ph.instructor")
    form = client.get(f"/rehab/periods/{ph.period_id}/feedback").text  # open until 31 August
    refused = client.post(
        f"/rehab/periods/{ph.period_id}/feedback", data=feedback_fields(form), follow_redirects=False
    )
    assert refused.status_code == 422 and count(runtime, PeriodFeedback) == 0


def test_forged_or_foreign_feedback_writes_nothing(client, runtime, ph):
    sign_in(client, "ph.instructor")
    close(client, ph)
    form = client.get(f"/rehab/periods/{ph.period_id}/feedback").text
    fields = feedback_fields(form)
    del fields["_csrf_token"]
    assert client.post(f"/rehab/periods/{ph.period_id}/feedback", data=fields).status_code == 403
    sign_in(client, "espoo.guide")
    token = token_of(client.get("/rehab").text)
    assert client.get(f"/rehab/periods/{ph.period_id}/feedback").status_code == 404
    foreign = client.post(
        f"/rehab/periods/{ph.period_id}/feedback",
        data={**fields, "_csrf_token": token},
        follow_redirects=False,
    )
    assert foreign.status_code == 404
    assert count(runtime, PeriodFeedback) == 0


def test_an_instructor_creates_a_group_of_her_period_clients(client, runtime, ph, second):
    sign_in(client, "ph.instructor")
    form = client.get("/rehab/groups/new").text
    for period_id in (ph.period_id, second):
        assert f'name="member_period_ids" id="member-{period_id}" value="{period_id}"' in form
    # both are her own periods: their clients by name, as on her period list
    assert (
        'name="worker_ids"' in form
        and f"Toinen Asiakas, jakso {second}" in form
        and "Asiakas nro" not in form
    )
    created = create_group(client, runtime, [ph.period_id, second])
    assert created.status_code == 303, created.text
    assert count(runtime, RehabGroup) == 1 and count(runtime, GroupMeeting) == 3
    assert group_session_statuses(runtime) == {ph.period_id: ["booked"] * 3, second: ["booked"] * 3}
    shown = client.get(created.headers["location"]).text
    assert "Nuorten aikuisten ryhmä" in shown and translate("fi", "The group was created.") in shown
    assert f'href="/rehab/periods/{second}"' in shown and f"Nuori Asiakas, jakso {ph.period_id}" in shown
    assert "Asiakas nro" not in shown
    listing = client.get("/rehab/groups").text
    assert "Nuorten aikuisten ryhmä" in listing and re.search(r"<td>2</td>\s*<td>3</td>", listing)
    in_swedish(client)
    assert translate("sv", "Mark the attendance") in client.get(created.headers["location"]).text


@pytest.mark.parametrize(
    "changes",
    [
        {"member_period_ids": []},
        {"name": ""},
        {"weekday": "0", "first_date": "2026-03-02", "start": "09:00"},  # an hour ago
        {"meetings": "0"},
        {"minutes": "2"},
        {"start": "9.00"},
        {"weekday": "7"},
        {"worker_ids": []},
    ],
)
def test_a_group_that_cannot_be_created_keeps_the_form_and_writes_nothing(client, runtime, ph, changes):
    sign_in(client, "ph.instructor")
    refused = create_group(client, runtime, [ph.period_id], **changes)
    assert refused.status_code == 422, refused.text
    assert 'class="error-summary"' in refused.text
    assert 'value="Ryhmätila, Lahti"' in refused.text  # what was typed is kept
    assert count(runtime, RehabGroup) == 0 and count(runtime, Contact) == 0


def test_a_group_of_a_closed_period_or_a_foreign_municipality_is_refused(client, runtime, ph):
    sign_in(client, "ph.instructor")
    foreign = create_group(client, runtime, [ph.period_id], municipality="049")
    assert foreign.status_code == 404  # not one of her municipalities
    close(client, ph)
    closed = create_group(client, runtime, [ph.period_id])
    assert closed.status_code == 422
    sign_in(client, "espoo.guide")
    token = token_of(client.get("/rehab").text)
    other = client.post(
        "/rehab/groups",
        data=group_fields(f'name="_csrf_token" value="{token}"', [ph.period_id]),
        follow_redirects=False,
    )
    assert other.status_code == 404
    assert count(runtime, RehabGroup) == 0


def group_and_meeting(runtime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        meeting = uow.session.scalars(select(GroupMeeting).order_by(GroupMeeting.starts_at)).first()
        assert meeting is not None
        return meeting.group_id, meeting.id or 0


def test_attendance_of_a_meeting_is_recorded_and_shown(client, runtime, clock, ph, second):
    sign_in(client, "ph.instructor")
    assert create_group(client, runtime, [ph.period_id, second]).status_code == 303
    group_id, meeting_id = group_and_meeting(runtime)
    clock.advance(days=1, hours=5)  # Tuesday 3 March, 15:00: the first meeting is over
    sign_in(client, "ph.instructor")
    form = client.get(f"/rehab/groups/{group_id}/meetings/{meeting_id}").text
    assert f'id="attendance-{ph.period_id}-fulfilled"' in form and f'for="attendance-{second}-noshow"' in form
    saved = client.post(
        f"/rehab/groups/{group_id}/meetings/{meeting_id}",
        data={
            "_csrf_token": token_of(form),
            f"attendance-{ph.period_id}": "fulfilled",
            f"attendance-{second}": "noshow",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    statuses = group_session_statuses(runtime)
    assert statuses[ph.period_id][0] == "fulfilled" and statuses[second][0] == "noshow"
    assert statuses[ph.period_id][1:] == ["booked", "booked"]
    shown = client.get(saved.headers["location"]).text
    label = translate("fi", "%(name)s, period %(period)s", name="Nuori Asiakas", period=ph.period_id)
    assert f"{label}: {translate('fi', 'came')}" in shown  # her own client, by name
    assert f"jakso {second}: {translate('fi', 'did not come')}" in shown
    period_page = client.get(f"/rehab/periods/{ph.period_id}").text
    assert re.search(r"<td>1</td><td>1</td>", period_page)  # the group session counts as realised


def test_attendance_that_is_refused_writes_nothing(client, runtime, clock, ph, second):
    sign_in(client, "ph.instructor")
    assert create_group(client, runtime, [ph.period_id]).status_code == 303  # the second is no member
    group_id, meeting_id = group_and_meeting(runtime)
    form = client.get(f"/rehab/groups/{group_id}/meetings/{meeting_id}").text
    assert f'id="attendance-{ph.period_id}-fulfilled"' not in form  # the meeting is still to come
    path = f"/rehab/groups/{group_id}/meetings/{meeting_id}"
    early = client.post(
        path,
        data={"_csrf_token": token_of(form), f"attendance-{ph.period_id}": "fulfilled"},
        follow_redirects=False,
    )
    assert early.status_code == 409
    assert translate("fi", "Only a cancellation can be marked before the meeting has started.") in early.text
    clock.advance(days=1, hours=5)
    sign_in(client, "ph.instructor")
    token = token_of(client.get(path).text)
    stranger = client.post(
        path,
        data={
            "_csrf_token": token,
            f"attendance-{ph.period_id}": "fulfilled",
            f"attendance-{second}": "fulfilled",
        },
        follow_redirects=False,
    )
    assert stranger.status_code == 422
    assert translate("fi", "Someone marked is not a member of the group at this meeting.") in stranger.text
    none_marked = client.post(path, data={"_csrf_token": token}, follow_redirects=False)
    assert none_marked.status_code == 422
    assert translate("fi", "Mark the attendance of at least one member.") in none_marked.text
    forged = client.post(path, data={f"attendance-{ph.period_id}": "fulfilled"}, follow_redirects=False)
    assert forged.status_code == 403
    wrong_group = client.post(
        f"/rehab/groups/{group_id + 1}/meetings/{meeting_id}",
        data={"_csrf_token": token, f"attendance-{ph.period_id}": "fulfilled"},
        follow_redirects=False,
    )
    assert wrong_group.status_code == 404
    sign_in(client, "espoo.guide")
    foreign_token = token_of(client.get("/rehab").text)
    assert client.get(path).status_code == 404
    foreign = client.post(
        path,
        data={"_csrf_token": foreign_token, f"attendance-{ph.period_id}": "fulfilled"},
        follow_redirects=False,
    )
    assert foreign.status_code == 404
    assert group_session_statuses(runtime) == {ph.period_id: ["booked"] * 3}


def test_attendance_for_a_member_whose_period_ended_before_the_meeting_is_refused(
    client, runtime, clock, ph, second
):
    sign_in(client, "ph.instructor")
    assert create_group(client, runtime, [ph.period_id, second]).status_code == 303
    group_id, meeting_id = group_and_meeting(runtime)
    close(client, ph)  # ended on Monday 2 March: closing cancelled the group's contacts after it
    clock.advance(days=1, hours=5)  # the first meeting is over
    sign_in(client, "ph.instructor")
    path = f"/rehab/groups/{group_id}/meetings/{meeting_id}"
    refused = client.post(
        path,
        data={
            "_csrf_token": token_of(client.get(path).text),
            f"attendance-{ph.period_id}": "fulfilled",
            f"attendance-{second}": "fulfilled",
        },
        follow_redirects=False,
    )
    assert refused.status_code == 409, refused.text
    message = "A member's period ended before this meeting: the contact stays cancelled."
    assert translate("fi", message) in refused.text
    statuses = group_session_statuses(runtime)
    assert statuses[ph.period_id][0] == "cancelled" and statuses[second][0] == "booked"  # nothing written


def test_groups_are_listed_for_the_instructors_who_lead_them(client, runtime, ph):
    sign_in(client, "ph.instructor")
    assert create_group(client, runtime, [ph.period_id]).status_code == 303
    group_id, _ = group_and_meeting(runtime)
    sign_in(client, "espoo.guide")
    assert "Nuorten aikuisten ryhmä" not in client.get("/rehab/groups").text
    assert client.get(f"/rehab/groups/{group_id}").status_code == 404


@pytest.mark.parametrize("username", ["ph.boss", "espoo.nurse"])
def test_only_instructors_open_the_end_and_group_pages(client, ph, username):
    sign_in(client, username)
    for path in (
        f"/rehab/periods/{ph.period_id}/close",
        f"/rehab/periods/{ph.period_id}/feedback",
        "/rehab/groups",
        "/rehab/groups/new",
    ):
        assert client.get(path).status_code == 403, path


# --- the period page in sections (issue 18) -------------------------------------------


def test_a_future_contact_has_a_cancel_button_and_no_select_of_one_choice(client, runtime, ph):
    sign_in(client, "ph.instructor")
    page_text = client.get(f"/rehab/periods/{ph.period_id}").text
    client.post(f"/rehab/periods/{ph.period_id}/contacts", data=plan_fields(page_text))
    with runtime.uow() as uow:
        contact_id = uow.session.scalar(select(Contact.id))
    shown = client.get(f"/rehab/periods/{ph.period_id}").text
    assert 'href="#summary"' in shown and 'id="summary"' in shown and 'href="#measurements"' in shown
    assert f'formaction="/rehab/contacts/{contact_id}/outcome" name="status" value="cancelled">Peru' in shown
    assert 'name="status"' in shown and '<select id="outcome-' not in shown
    assert shown.count("<form") <= 4  # the outcome buttons share one form: not one form a contact
    cancelled = client.post(
        f"/rehab/contacts/{contact_id}/outcome",
        data={"_csrf_token": token_of(shown), "period_id": str(ph.period_id), "status": "cancelled"},
        follow_redirects=False,
    )
    assert cancelled.status_code == 303
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Contact.status)) == "cancelled"


def test_the_period_page_plans_a_recurring_series_and_a_refused_one_keeps_the_input(client, runtime, ph):
    sign_in(client, "ph.instructor")
    page_text = client.get(f"/rehab/periods/{ph.period_id}").text
    refused = client.post(
        f"/rehab/periods/{ph.period_id}/contacts",
        data=plan_fields(page_text, weekdays=["1", "3"], weeks="99"),
        follow_redirects=False,
    )
    assert refused.status_code == 422 and 'id="weekday-3" value="3" checked' in refused.text
    assert count(runtime, Contact) == 0
    planned = client.post(
        f"/rehab/periods/{ph.period_id}/contacts",
        data=plan_fields(page_text, weekdays=["1", "3"], weeks="4"),
        follow_redirects=False,
    )
    assert planned.status_code == 303, planned.text
    assert count(runtime, Contact) == 8
    assert "Suunniteltiin 8 kontaktia." in client.get(planned.headers["location"]).text


def test_one_week_below_the_target_reads_in_the_singular(client, clock, ph):
    clock.advance(days=7)  # Monday 9 March: week 10 is over with no contact
    sign_in(client, "ph.instructor")
    shown = client.get(f"/rehab/periods/{ph.period_id}").text
    assert "1 viikko alle tavoitteen" in shown and "1 viikkoa" not in shown
    assert "2 kontaktia viikossa" in shown


def test_measurements_show_the_change_per_item_in_points_and_warn_of_an_early_follow_up(client, clock, ph):
    sign_in(client, "ph.instructor")
    form = client.get(f"/rehab/periods/{ph.period_id}/measurement").text
    start = {"item-health": "4", "item-housing": "5"}
    saved = client.post(
        f"/rehab/periods/{ph.period_id}/measurement",
        data={"_csrf_token": token_of(form), "point": "start", "measured_on": "2026-03-02", **start},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    clock.advance(days=30)  # 1 April: five months before the follow-up is due
    sign_in(client, "ph.instructor")
    form = client.get(f"/rehab/periods/{ph.period_id}/measurement").text
    follow = {"item-health": "6", "item-housing": "5"}
    saved = client.post(
        f"/rehab/periods/{ph.period_id}/measurement",
        data={"_csrf_token": token_of(form), "point": "follow_up", "measured_on": "2026-04-01", **follow},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    shown = client.get(f"/rehab/periods/{ph.period_id}").text
    assert "+2 pistettä" in shown and "0 pistettä" in shown
    assert "+22,2\xa0%" in shown  # the mean from 4.5 to 5.5
    assert "Seurantamittaus tehtiin 152 päivää ennen ajankohtaa" in shown
