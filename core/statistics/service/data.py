"""The aggregate queries behind the statistics: counts per bucket and category, nothing else.

Each query groups by a bucket number computed in SQL from the row's instant
and the buckets' bounds (a binary tree of comparisons, so any grouping works
on both databases and a bucket's bounds are Helsinki midnights, correct
across daylight-saving changes). The indexes named in the tables cover every
column read, so a query reads the index only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, select
from sqlalchemy.orm import aliased

from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.public import AppointmentStatus, Booking, Referrer, VisitOutcome
from sotesilta.core.statistics.domain.reports import Bucket, Measure
from sotesilta.core.statistics.tables import StatisticHistory
from sotesilta.core.visits.public import Visit, VisitReferral

#: counts[measure][bucket index][category]
Counts = dict[Measure, dict[int, dict[str, int]]]

CANCELLED = "cancelled"
NO_TOPIC = "none"


def bucket_of(column: ColumnElement[datetime], bounds: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the bucket an instant falls in; ``bounds`` holds each bucket's start and the last end."""

    def tree(low: int, high: int) -> ColumnElement[int]:
        if high - low == 1:
            return literal(low)
        middle = (low + high) // 2
        return case((column < bounds[middle], tree(low, middle)), else_=tree(middle, high))

    return tree(0, len(bounds) - 1)


def _bounds(buckets: Sequence[Bucket]) -> list[datetime]:
    return [b.starts_at for b in buckets] + [buckets[-1].ends_at]


def empty_counts() -> Counts:
    return defaultdict(lambda: defaultdict(lambda: defaultdict(int)))


def read_counts(
    uow: UnitOfWork,
    codes: Sequence[str],
    buckets: Sequence[Bucket],
    measures: set[Measure],
    *,
    history: bool = True,
) -> Counts:
    """Every count measure in ``measures`` for ``codes``, bucket by bucket, counted from the
    visits and bookings themselves (and, with ``history``, the imported figures added)."""
    counts = empty_counts()
    bounds = _bounds(buckets)
    session = uow.session
    visit_measures = {Measure.CLIENTS_BY_REFERRER, Measure.VISITS_BY_OUTCOME, Measure.TOPICS}
    if measures & visit_measures:
        bucket = bucket_of(Visit.occurred_at, bounds)
        rows = session.execute(
            select(bucket, Visit.outcome, Visit.referrer, Visit.topic, func.count())
            .where(
                Visit.municipality_code.in_(codes),
                Visit.occurred_at >= bounds[0],
                Visit.occurred_at < bounds[-1],
            )
            .group_by(bucket, Visit.outcome, Visit.referrer, Visit.topic)
        )
        for index, outcome, referrer, topic, n in rows:
            counts[Measure.VISITS_BY_OUTCOME][index][outcome] += n
            if outcome == VisitOutcome.REALISED.value:
                counts[Measure.CLIENTS_BY_REFERRER][index][referrer] += n
                counts[Measure.TOPICS][index][topic or NO_TOPIC] += n
    if Measure.VISITS_BY_OUTCOME in measures:
        _cancellations(uow, codes, bounds, counts)
    if Measure.STAFF_REFERRALS in measures:
        bucket = bucket_of(Booking.booked_at, bounds)
        rows = session.execute(
            select(bucket, func.count())
            .where(
                Booking.municipality_code.in_(codes),
                Booking.booked_at >= bounds[0],
                Booking.booked_at < bounds[-1],
                Booking.referrer == Referrer.STAFF.value,
                # a moved booking is the same referral
                Booking.rescheduled_from.is_(None),
                Booking.status != AppointmentStatus.ENTERED_IN_ERROR.value,
            )
            .group_by(bucket)
        )
        for index, n in rows:
            counts[Measure.STAFF_REFERRALS][index][Referrer.STAFF.value] += n
    if Measure.ONWARD_REFERRALS in measures:
        bucket = bucket_of(Visit.occurred_at, bounds)
        rows = session.execute(
            select(bucket, VisitReferral.target, func.count())
            .join(Visit, Visit.id == VisitReferral.visit_id)
            .where(
                Visit.municipality_code.in_(codes),
                Visit.occurred_at >= bounds[0],
                Visit.occurred_at < bounds[-1],
                Visit.outcome == VisitOutcome.REALISED.value,
            )
            .group_by(bucket, VisitReferral.target)
        )
        for index, target, n in rows:
            counts[Measure.ONWARD_REFERRALS][index][target] += n
    if history:
        read_history(uow, codes, buckets, measures, counts)
    return counts


def _cancellations(uow: UnitOfWork, codes: Sequence[str], bounds: list[datetime], counts: Counts) -> None:
    """Bookings cancelled before their time: not moved elsewhere, and with no visit outcome."""
    moved = aliased(Booking)
    bucket = bucket_of(Booking.starts_at, bounds)
    rows = uow.session.execute(
        select(bucket, Booking.late_cancellation, func.count())
        .where(
            Booking.municipality_code.in_(codes),
            Booking.status == AppointmentStatus.CANCELLED.value,
            Booking.starts_at >= bounds[0],
            Booking.starts_at < bounds[-1],
            ~exists().where(moved.rescheduled_from == Booking.id),
            ~exists().where(Visit.booking_id == Booking.id),
        )
        .group_by(bucket, Booking.late_cancellation)
    )
    for index, late, n in rows:
        key = VisitOutcome.LATE_CANCELLATION.value if late else CANCELLED
        counts[Measure.VISITS_BY_OUTCOME][index][key] += n


def read_history(
    uow: UnitOfWork, codes: Sequence[str], buckets: Sequence[Bucket], measures: set[Measure], counts: Counts
) -> None:
    rows = uow.session.execute(
        select(
            StatisticHistory.month,
            StatisticHistory.measure,
            StatisticHistory.category,
            StatisticHistory.value,
        )
        .where(
            and_(
                StatisticHistory.municipality_code.in_(codes),
                StatisticHistory.month >= buckets[0].first,
                StatisticHistory.month <= buckets[-1].last,
                StatisticHistory.measure.in_([m.value for m in measures]),
            )
        )
        .order_by(StatisticHistory.month)
    )
    index = 0
    for month, measure, category, value in rows:
        while buckets[index].last < month:  # both are in order
            index += 1
        counts[Measure(measure)][index][category] += value
