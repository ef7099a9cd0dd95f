"""Recurring contact plans (e.g. Tue and Thu at 13 for 8 weeks), on their own or with the
opening of a period.

A plan expands into single planned contacts through the contact use case's own
checks, all or nothing: when any of them overlaps a worker's other appointment,
every overlap is listed (which event, when) and nothing is written. Public
holidays (the municipality's closing days) are left out of a plan, as they are
of guidance sessions and group meetings.
"""

from __future__ import annotations

from datetime import date, time

import msgspec

from sotesilta.core.kernel.clock import local_to_utc
from sotesilta.core.kernel.errors import InputInvalid, ScheduleConflict
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.domain import ContactKind, Recurrence
from sotesilta.core.rehab.service.contacts import (
    ContactDraft,
    add_planned_contact,
    check_draft,
    conflicts_of,
)
from sotesilta.core.rehab.service.periods import (
    PeriodDraft,
    add_intensive_period,
    closing_days_of,
    period_in_scope,
)
from sotesilta.core.rehab.tables import IntensivePeriod

#: a refusal lists this many overlaps at most (a plan has at most 26 weeks x 7 days)
MAX_LISTED_CONFLICTS = 50


class PlanDraft(msgspec.Struct, frozen=True, kw_only=True):
    kind: ContactKind
    weekdays: tuple[int, ...]  # 0 = Monday
    start: time  # Europe/Helsinki
    minutes: int
    first_day: date
    weeks: int
    worker_ids: tuple[int, ...] = ()  # the period's responsible worker when empty
    place: str | None = None
    video_link: str | None = None
    note: str | None = None


class PlanResult(msgspec.Struct, frozen=True, kw_only=True):
    period_id: int
    contact_ids: tuple[int, ...]
    #: public holidays the plan left out
    skipped_days: tuple[date, ...]


def _drafts(
    uow: UnitOfWork, period: IntensivePeriod, plan: PlanDraft
) -> tuple[list[ContactDraft], list[date]]:
    recurrence = Recurrence(plan.weekdays, plan.start, plan.first_day, plan.weeks)
    days, skipped = recurrence.days(closing_days_of(uow.plugins.municipalities, period.municipality_code))
    if plan.first_day < period.starts_on:
        raise InputInvalid(
            f"the plan starts within the period, on {period.starts_on} or later", field="first_day"
        )
    if days and days[-1] > period.planned_end:
        raise InputInvalid(f"the plan runs past the period's end, {period.planned_end}", field="weeks")
    if not days:
        raise InputInvalid("the plan has no working day: every chosen day is a holiday", field="weekdays")
    drafts = [
        ContactDraft(
            kind=plan.kind,
            starts_at=local_to_utc(day, plan.start),
            minutes=plan.minutes,
            worker_ids=plan.worker_ids,
            place=plan.place,
            video_link=plan.video_link,
            note=plan.note,
        )
        for day in days
    ]
    return drafts, skipped


def add_plan(uow: UnitOfWork, principal: Principal, period: IntensivePeriod, plan: PlanDraft) -> PlanResult:
    """Check every contact of the plan, list all overlaps, then add them all (no commit)."""
    drafts, skipped = _drafts(uow, period, plan)
    checked = [check_draft(uow, period, draft) for draft in drafts]
    overlaps = [
        {
            "starts_at": c.starts_at.isoformat(),
            "ends_at": c.ends_at.isoformat(),
            "worker_id": worker_id,
            "kind": event.kind,
            "id": event.id,
            "event_starts_at": event.starts_at.isoformat(),
            "event_ends_at": event.ends_at.isoformat(),
        }
        for c in checked
        for worker_id, event in conflicts_of(uow, c.worker_ids, c.starts_at, c.ends_at)
    ]
    if overlaps:
        clashing = len({o["starts_at"] for o in overlaps})
        raise ScheduleConflict(
            f"{clashing} of the {len(checked)} planned contacts overlap a worker's other appointments",
            field="plan",
            planned=len(checked),
            clashing=clashing,
            conflicts=overlaps[:MAX_LISTED_CONFLICTS],
        )
    ids = tuple(add_planned_contact(uow, principal, period, draft).id or 0 for draft in drafts)
    return PlanResult(period_id=period.id or 0, contact_ids=ids, skipped_days=tuple(skipped))


def plan_recurring_contacts(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
    plan: PlanDraft,
) -> PlanResult:
    """A recurring plan in an open period: every contact, or none when any overlaps."""
    period = period_in_scope(uow, principal, period_id)
    result = add_plan(uow, principal, period, plan)
    uow.commit()
    return result


def open_period_with_plan(
    uow: UnitOfWork,
    *,
    principal: Principal,
    draft: PeriodDraft,
    plan: PlanDraft | None,
) -> PlanResult:
    """Open a period and plan its contacts in one transaction: when the plan is refused, the
    period is not opened either (the form keeps both, to be corrected together)."""
    period = add_intensive_period(uow, principal, draft)
    if plan is None:
        result = PlanResult(period_id=period.id or 0, contact_ids=(), skipped_days=())
    else:
        result = add_plan(uow, principal, period, plan)
    uow.commit()
    return result
