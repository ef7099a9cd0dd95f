"""Recurring contact plans and the holidays of weekly series (Päijät-Häme): the domain's day
rules, the plan's use cases (all or nothing, every overlap listed), and a closed group's
meetings stepping over public holidays through the API.

The clock starts on Monday 2 March 2026 at 10:00 in Helsinki.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from conftest import add_worker
from rehab_support import PH_CODES, Rehab, api_token, decision, new_client, period_body
from sqlalchemy import func, select

from sotesilta.core.kernel.errors import InputInvalid, ScheduleConflict
from sotesilta.core.rehab.domain import ContactKind, Recurrence, weekly_meeting_days
from sotesilta.core.rehab.service import plans
from sotesilta.core.rehab.service.periods import GoalDraft, PeriodDraft
from sotesilta.core.rehab.tables import Contact, IntensivePeriod
from sotesilta.core.scheduling.domain.sessions import ClosingDayPolicy

HOLIDAYS = ClosingDayPolicy().is_closed


def never(_day: date) -> bool:
    return False


# --- the domain ------------------------------------------------------------------------


def test_tuesdays_and_thursdays_for_eight_weeks_are_sixteen_days_from_any_first_day():
    for first in (date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 8)):
        days, skipped = Recurrence((1, 3), time(13), first, 8).days(never)
        assert len(days) == 16 and not skipped
        assert {d.weekday() for d in days} == {1, 3}
        assert days[0] >= first and (days[-1] - first).days < 56


def test_a_recurring_plan_leaves_out_public_holidays():
    # Thursday 24.12.2026 (Christmas Eve, closed by default) and Friday 25.12 and 1.1.2027
    days, skipped = Recurrence((3, 4), time(10), date(2026, 12, 14), 3).days(HOLIDAYS)
    assert skipped == [date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)]
    assert date(2026, 12, 31) in days and len(days) == 3


@pytest.mark.parametrize("weekdays", [(), (7,), (-1,)])
def test_a_plan_needs_real_weekdays(weekdays):
    with pytest.raises(InputInvalid):
        Recurrence(weekdays, time(10), date(2026, 3, 2), 8)


@pytest.mark.parametrize("weeks", [0, 27])
def test_a_plan_lasts_one_to_twenty_six_weeks(weeks):
    with pytest.raises(InputInvalid):
        Recurrence((1,), time(10), date(2026, 3, 2), weeks)


def test_weekly_group_meetings_step_over_christmas_and_new_year_and_keep_their_number():
    days, skipped = weekly_meeting_days(date(2026, 12, 14), 4, 4, HOLIDAYS)  # Fridays
    assert skipped == [date(2026, 12, 25), date(2027, 1, 1)]
    assert days == [date(2026, 12, 18), date(2027, 1, 8), date(2027, 1, 15), date(2027, 1, 22)]


def test_weekly_group_meetings_without_holidays_are_consecutive_weeks():
    days, skipped = weekly_meeting_days(date(2026, 3, 2), 3, 3, HOLIDAYS)
    assert days == [date(2026, 3, 5), date(2026, 3, 12), date(2026, 3, 19)] and not skipped


# --- the use cases -----------------------------------------------------------------------


@pytest.fixture
def ph(client, runtime, make_user, principal_of):  # type: ignore[no-untyped-def]
    instructor = make_user("ph.instructor", ["instructor"], PH_CODES)
    worker = add_worker(runtime, instructor.id, "398", "Paula Ohjaaja", "fi")
    co_worker = add_worker(runtime, None, "398", "Päivi Sairaanhoitaja", "fi")
    principal = principal_of(instructor)
    young = new_client(runtime, principal, "Nuori Asiakas", date(2000, 5, 15), 901)
    found = Rehab(api_token(client, "ph.instructor"), {}, worker, co_worker, young, 0)
    found.principal = principal  # type: ignore[attr-defined]
    return found


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def period_draft(ph, decision_id: int) -> PeriodDraft:  # type: ignore[no-untyped-def]
    return PeriodDraft(
        decision_id=decision_id,
        starts_on=date(2026, 3, 2),
        planned_end=date(2026, 8, 31),
        responsible_worker_id=ph.worker_id,
        goals=(GoalDraft("Arjen rytmi"),),
    )


def tue_thu(first: date = date(2026, 3, 3), weeks: int = 8) -> plans.PlanDraft:
    return plans.PlanDraft(
        kind=ContactKind.INDIVIDUAL_MEETING,
        weekdays=(1, 3),
        start=time(13),
        minutes=60,
        first_day=first,
        weeks=weeks,
        place="Nuorten tila",
    )


def test_a_period_opens_with_its_plan_of_sixteen_contacts(client, runtime, ph):
    decision_id = decision(client, ph, ph.young)
    with runtime.uow() as uow:
        result = plans.open_period_with_plan(
            uow, principal=ph.principal, draft=period_draft(ph, decision_id), plan=tue_thu()
        )
    assert len(result.contact_ids) == 16 and not result.skipped_days
    assert count(runtime, IntensivePeriod) == 1 and count(runtime, Contact) == 16


def test_an_overlap_lists_every_clash_and_neither_the_period_nor_any_contact_is_written(client, runtime, ph):
    opened = client.post(
        "/api/v1/intensive-periods",
        json=period_body(ph, decision(client, ph, ph.young), co_worker_id=None),
        headers=ph.headers,
    )
    first = opened.json()["id"]
    # two contacts in the worker's week: Tuesday 10.3 13:30 and Thursday 19.3 12:30
    for starts_at in ("2026-03-10T13:30:00+02:00", "2026-03-19T12:30:00+02:00"):
        made = client.post(
            f"/api/v1/intensive-periods/{first}/contacts",
            json={"kind": "phone_call", "starts_at": starts_at, "minutes": 45},
            headers=ph.headers,
        )
        assert made.status_code == 201, made.text
    before = count(runtime, Contact)
    with runtime.uow() as uow, pytest.raises(ScheduleConflict) as refused:
        plans.plan_recurring_contacts(uow, principal=ph.principal, period_id=first, plan=tue_thu())
    listed = refused.value.extra["conflicts"]
    assert [(c["starts_at"][:16], c["kind"]) for c in listed] == [  # type: ignore[index]
        ("2026-03-10T11:00", "contact"),
        ("2026-03-19T11:00", "contact"),
    ]
    assert refused.value.extra["clashing"] == 2 and refused.value.extra["planned"] == 16
    assert count(runtime, Contact) == before


def test_a_refused_plan_does_not_open_the_period_either(client, runtime, ph):
    decision_id = decision(client, ph, ph.young)
    with runtime.uow() as uow, pytest.raises(InputInvalid) as refused:
        plans.open_period_with_plan(
            uow,
            principal=ph.principal,
            draft=period_draft(ph, decision_id),
            plan=tue_thu(first=date(2026, 8, 1), weeks=8),  # runs past the end, 31.8
        )
    assert refused.value.field == "weeks"
    assert count(runtime, IntensivePeriod) == 0 and count(runtime, Contact) == 0


def test_a_group_across_christmas_meets_on_no_public_holiday(client, runtime, ph):
    decision_id = decision(client, ph, ph.young, valid_until="2027-06-30")
    body = period_body(ph, decision_id, starts_on="2026-12-01", planned_end="2027-03-31", co_worker_id=None)
    period = client.post("/api/v1/intensive-periods", json=body, headers=ph.headers).json()
    group = client.post(
        "/api/v1/rehab-groups",
        json={
            "municipality": "398",
            "name": "Perjantairyhmä",
            "worker_ids": [ph.worker_id],
            "member_period_ids": [period["id"]],
            "weekday": 4,
            "start": "13:00",
            "minutes": 90,
            "first_date": "2026-12-14",
            "meetings": 4,
        },
        headers=ph.headers,
    )
    assert group.status_code == 201, group.text
    days = [m[1][:10] for m in group.json()["meetings"]]
    assert days == ["2026-12-18", "2027-01-08", "2027-01-15", "2027-01-22"]
    assert group.json()["skipped_days"] == ["2026-12-25", "2027-01-01"]
    with runtime.uow() as uow:
        contact_days = sorted(s.date().isoformat() for s in uow.session.scalars(select(Contact.starts_at)))
    assert "2026-12-25" not in contact_days and "2027-01-01" not in contact_days and len(contact_days) == 4
