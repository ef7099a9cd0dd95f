"""The outcome report of intensive rehabilitation: aggregates only, small numbers suppressed.

The kind of table in the Päijät-Häme model's "Arvioinnin tulokset": periods
started and ended (and why ended early), the mean change of the 3X10D mean
against its 25 % target, the shares of satisfied clients against their 100 %
targets, and realised contacts per week, by quarter or year.

Definitions (docs/api.md repeats them):
- a period *ended early* when it ended before its planned end;
- the 3X10D change of a client is the relative change of the mean of answered
  items from the start to the follow-up measurement; the report gives the
  mean over clients whose follow-up falls in the bucket and whose change is
  defined;
- a client is *satisfied* when they answered "yes" ("partly" is shown apart);
- contacts per week = realised contacts / (days of open periods / 7).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum

import msgspec
from sqlalchemy import and_, or_, select
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.access import report_scope
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.public import (
    Contact,
    ContactStatus,
    EndReason,
    IntensivePeriod,
    MeasurementPoint,
    PeriodFeedback,
    answers_by_point,
    change_of_mean,
)
from sotesilta.core.statistics.domain import disclosure
from sotesilta.core.statistics.domain import reports as statistics
from sotesilta.core.statistics.domain.disclosure import Shown

CHANGE_TARGET = 0.25
SATISFACTION_TARGET = 1.0


class OutcomeGroupBy(StrEnum):
    """The outcome report's buckets: quarters or years."""

    QUARTER = "quarter"
    YEAR = "year"


class OutcomeRow(msgspec.Struct, frozen=True, kw_only=True):
    """Counts under 5 read "<5"; means and shares over fewer than 5 people too."""

    label: str  # "2025-Q1" or "2025"
    first: date
    last: date
    periods_started: Shown
    periods_ended: Shown
    ended_early: Shown
    ended_early_by_reason: dict[str, Shown]
    measured_pairs: Shown
    mean_change_of_mean: Shown
    feedback_answers: Shown
    useful_yes_share: Shown
    useful_partly_share: Shown
    goals_yes_share: Shown
    goals_partly_share: Shown
    contacts_per_week: Shown


class OutcomeReport(msgspec.Struct, frozen=True, kw_only=True):
    scope: str  # "municipality 398" or "county 09"
    municipalities: tuple[str, ...]
    year: int
    group_by: str
    rows: tuple[OutcomeRow, ...]
    total: OutcomeRow
    change_target: float
    satisfaction_target: float


def _buckets(year: int, group_by: OutcomeGroupBy) -> list[tuple[str, date, date]]:
    return [(b.label, b.first, b.last) for b in statistics.buckets(year, year, statistics.GroupBy(group_by))]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _row(
    label: str,
    first: date,
    last: date,
    periods: list[IntensivePeriod],
    changes: dict[int, tuple[date, float | None]],
    feedback: list[tuple[date, str, str]],
    contacts: list[date],
    today: date,
) -> OutcomeRow:
    def inside(day: date | None) -> bool:
        return day is not None and first <= day <= last

    started = sum(inside(p.starts_on) for p in periods)
    ended = [p for p in periods if inside(p.ended_on)]
    early = [p for p in ended if p.ended_on is not None and p.ended_on < p.planned_end]
    reasons = {r.value: sum(p.end_reason == r.value for p in early) for r in EndReason}
    pairs = [c for on, c in changes.values() if inside(on) and c is not None]
    answers = [(u, g) for on, u, g in feedback if inside(on)]
    n = len(answers)
    open_days = 0
    active = 0
    for p in periods:
        # days not yet lived have no contacts yet: count open days up to today
        a, b = max(p.starts_on, first), min(p.last_day, last, today)
        if a <= b:
            open_days += (b - a).days + 1
            active += 1
    realised = sum(inside(day) for day in contacts)
    return OutcomeRow(
        label=label,
        first=first,
        last=last,
        periods_started=disclosure.count(started).shown,
        periods_ended=disclosure.count(len(ended)).shown,
        ended_early=disclosure.count(len(early)).shown,
        ended_early_by_reason=disclosure.shown(disclosure.row(reasons)),
        measured_pairs=disclosure.count(len(pairs)).shown,
        mean_change_of_mean=disclosure.statistic(
            sum(pairs) / len(pairs) if pairs else None, len(pairs)
        ).shown,
        feedback_answers=disclosure.count(n).shown,
        useful_yes_share=disclosure.statistic(_share(sum(u == "yes" for u, _ in answers), n), n).shown,
        useful_partly_share=disclosure.statistic(_share(sum(u == "partly" for u, _ in answers), n), n).shown,
        goals_yes_share=disclosure.statistic(_share(sum(g == "yes" for _, g in answers), n), n).shown,
        goals_partly_share=disclosure.statistic(_share(sum(g == "partly" for _, g in answers), n), n).shown,
        contacts_per_week=disclosure.statistic(
            realised / (open_days / 7) if open_days else None, active
        ).shown,
    )


def get_rehab_outcome_report(
    uow: UnitOfWork,
    *,
    principal: Principal,
    year: int,
    group_by: OutcomeGroupBy = OutcomeGroupBy.QUARTER,
    municipality: str | None = None,
    county: str | None = None,
    today: date | None = None,
) -> OutcomeReport:
    registry = uow.plugins.municipalities
    access.require_role(principal, Role.MANAGER, Role.INSTRUCTOR)
    if not 2000 <= year <= 2100:
        raise InputInvalid("year must be 2000-2100", field="year")
    scope, codes = report_scope(principal, registry, municipality, county)
    rows, total = outcome_rows(uow, codes, _buckets(year, group_by), str(year), today)
    return OutcomeReport(
        scope=scope,
        municipalities=codes,
        year=year,
        group_by=group_by.value,
        rows=tuple(rows),
        total=total,
        change_target=CHANGE_TARGET,
        satisfaction_target=SATISFACTION_TARGET,
    )


def outcome_rows(
    uow: UnitOfWork,
    codes: Sequence[str],
    spans: Sequence[tuple[str, date, date]],
    total_label: str,
    today: date | None = None,
) -> tuple[list[OutcomeRow], OutcomeRow]:
    """The outcome rows of ``spans`` (label, first day, last day, in order) and their total."""
    first, last = spans[0][1], spans[-1][2]
    periods = list(
        uow.session.scalars(
            select(IntensivePeriod).where(
                col(IntensivePeriod.municipality_code).in_(codes),
                col(IntensivePeriod.starts_on) <= last,
                or_(
                    col(IntensivePeriod.ended_on).is_(None) & (col(IntensivePeriod.planned_end) >= first),
                    col(IntensivePeriod.ended_on) >= first,
                ),
            )
        )
    )
    ids = [p.id or 0 for p in periods]
    measured = answers_by_point(uow, ids)
    changes: dict[int, tuple[date, float | None]] = {}
    for period_id in ids:
        follow = measured.get((period_id, MeasurementPoint.FOLLOW_UP.value))
        start = measured.get((period_id, MeasurementPoint.START.value))
        if follow is not None:
            changes[period_id] = (follow[0], change_of_mean(start[1] if start else None, follow[1]))
    feedback = [
        (on, useful, goals)
        for on, useful, goals in uow.session.execute(
            select(
                col(PeriodFeedback.submitted_on),
                col(PeriodFeedback.useful),
                col(PeriodFeedback.towards_goals),
            ).where(
                col(PeriodFeedback.period_id).in_(ids), col(PeriodFeedback.submitted_on).between(first, last)
            )
        )
    ]
    contacts = _realised_days(uow, ids)
    today = today or date.max
    rows = [_row(label, a, b, periods, changes, feedback, contacts, today) for label, a, b in spans]
    return rows, _row(total_label, first, last, periods, changes, feedback, contacts, today)


def _realised_days(uow: UnitOfWork, period_ids: Iterable[int]) -> list[date]:
    rows = uow.session.scalars(
        select(col(Contact.starts_at)).where(
            and_(
                col(Contact.period_id).in_(list(period_ids)),
                col(Contact.status) == ContactStatus.FULFILLED.value,
            )
        )
    )
    return [at.astimezone(HELSINKI).date() for at in rows]
