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
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import col

from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.public import AppointmentStatus, Booking, Referrer, VisitOutcome
from sotesilta.core.statistics.domain.reports import Bucket, Measure
from sotesilta.core.statistics.tables import StatisticHistory
from sotesilta.core.visits.public import Visit, VisitReferral

#: counts[measure][bucket index][category]
Counts = dict[Measure, dict[int, dict[str, int]]]

CANCELLED = "cancelled"
NO_TOPIC = "none"


def bucket_of(column: SQLCoreOperations[datetime], bounds: Sequence[datetime]) -> ColumnElement[int]:
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
        bucket = bucket_of(col(Visit.occurred_at), bounds)
        visits = session.execute(
            select(bucket, col(Visit.outcome), col(Visit.referrer), col(Visit.topic), func.count())
            .where(
                col(Visit.municipality_code).in_(codes),
                col(Visit.occurred_at) >= bounds[0],
                col(Visit.occurred_at) < bounds[-1],
            )
            .group_by(bucket, col(Visit.outcome), col(Visit.referrer), col(Visit.topic))
        )
        for index, outcome, referrer, topic, n in visits:
            counts[Measure.VISITS_BY_OUTCOME][index][outcome] += n
            if outcome == VisitOutcome.REALISED.value:
                counts[Measure.CLIENTS_BY_REFERRER][index][referrer] += n
                counts[Measure.TOPICS][index][topic or NO_TOPIC] += n
    if Measure.VISITS_BY_OUTCOME in measures:
        _cancellations(uow, codes, bounds, counts)
    if Measure.STAFF_REFERRALS in measures:
        bucket = bucket_of(col(Booking.booked_at), bounds)
        referrals = session.execute(
            select(bucket, func.count())
            .where(
                col(Booking.municipality_code).in_(codes),
                col(Booking.booked_at) >= bounds[0],
                col(Booking.booked_at) < bounds[-1],
                col(Booking.referrer) == Referrer.STAFF.value,
                # a moved booking is the same referral
                col(Booking.rescheduled_from).is_(None),
                col(Booking.status) != AppointmentStatus.ENTERED_IN_ERROR.value,
            )
            .group_by(bucket)
        )
        for index, n in referrals:
            counts[Measure.STAFF_REFERRALS][index][Referrer.STAFF.value] += n
    if Measure.ONWARD_REFERRALS in measures:
        bucket = bucket_of(col(Visit.occurred_at), bounds)
        onward = session.execute(
            select(bucket, col(VisitReferral.target), func.count())
            .join(Visit, col(Visit.id) == col(VisitReferral.visit_id))
            .where(
                col(Visit.municipality_code).in_(codes),
                col(Visit.occurred_at) >= bounds[0],
                col(Visit.occurred_at) < bounds[-1],
                col(Visit.outcome) == VisitOutcome.REALISED.value,
            )
            .group_by(bucket, col(VisitReferral.target))
        )
        for index, target, n in onward:
            counts[Measure.ONWARD_REFERRALS][index][target] += n
    if history:
        read_history(uow, codes, buckets, measures, counts)
    return counts


def _cancellations(uow: UnitOfWork, codes: Sequence[str], bounds: list[datetime], counts: Counts) -> None:
    """Bookings cancelled before their time: not moved elsewhere, and with no visit outcome."""
    moved = aliased(Booking)
    bucket = bucket_of(col(Booking.starts_at), bounds)
    rows = uow.session.execute(
        select(bucket, col(Booking.late_cancellation), func.count())
        .where(
            col(Booking.municipality_code).in_(codes),
            col(Booking.status) == AppointmentStatus.CANCELLED.value,
            col(Booking.starts_at) >= bounds[0],
            col(Booking.starts_at) < bounds[-1],
            ~exists().where(col(moved.rescheduled_from) == col(Booking.id)),
            ~exists().where(col(Visit.booking_id) == col(Booking.id)),
        )
        .group_by(bucket, col(Booking.late_cancellation))
    )
    for index, late, n in rows:
        key = VisitOutcome.LATE_CANCELLATION.value if late else CANCELLED
        counts[Measure.VISITS_BY_OUTCOME][index][key] += n


def read_history(
    uow: UnitOfWork, codes: Sequence[str], buckets: Sequence[Bucket], measures: set[Measure], counts: Counts
) -> None:
    rows = uow.session.execute(
        select(
            col(StatisticHistory.month),
            col(StatisticHistory.measure),
            col(StatisticHistory.category),
            col(StatisticHistory.value),
        )
        .where(
            and_(
                col(StatisticHistory.municipality_code).in_(codes),
                col(StatisticHistory.month) >= buckets[0].first,
                col(StatisticHistory.month) <= buckets[-1].last,
                col(StatisticHistory.measure).in_([m.value for m in measures]),
            )
        )
        .order_by(col(StatisticHistory.month))
    )
    index = 0
    for month, measure, category, value in rows:
        while buckets[index].last < month:  # both are in order
            index += 1
        counts[Measure(measure)][index][category] += value
