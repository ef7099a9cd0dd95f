"""How many self-assessments and contact requests a county received: numbers only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import msgspec
from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.core.intake.tables import ContactRequest, SelfAssessment
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.uow import UnitOfWork


class IntakeCounts(msgspec.Struct, frozen=True, kw_only=True):
    self_assessments: int
    contact_requests: int


def intake_counts(uow: UnitOfWork, *, county: str, first: date, last: date) -> IntakeCounts:
    """Self-assessments and contact requests of ``county`` from ``first`` to ``last`` (Helsinki
    days, inclusive). The caller decides who may read them and suppresses small numbers."""
    assessed = uow.session.scalar(
        select(func.count())
        .select_from(SelfAssessment)
        .where(
            col(SelfAssessment.county_code) == county,
            col(SelfAssessment.submitted_on) >= first,
            col(SelfAssessment.submitted_on) <= last,
        )
    )
    start = datetime.combine(first, time(0), tzinfo=HELSINKI)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=HELSINKI)
    requested = uow.session.scalar(
        select(func.count())
        .select_from(ContactRequest)
        .where(
            col(ContactRequest.county_code) == county,
            col(ContactRequest.created_at) >= start,
            col(ContactRequest.created_at) < end,
        )
    )
    return IntakeCounts(self_assessments=int(assessed or 0), contact_requests=int(requested or 0))
