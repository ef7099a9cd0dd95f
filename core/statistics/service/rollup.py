"""Monthly rollups: a closed month is counted once and read from then on, until something in it changes.

A report over eight years would otherwise rescan every visit of those years.
Instead, each closed month's counts are kept in ``statistic_rollup``. No
write path has to know about it: before a report is read, the visits and
bookings written since the municipality was last checked (``recorded_at`` and
``updated_at``, both indexed) name the months that changed, and only those,
plus months never counted, are counted again. The look-back starts a
``SETTLE`` earlier than the last check, so a transaction that committed late
with an earlier timestamp is still seen. The current month and any month
that ended within ``SETTLE`` are always counted live.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.public import Booking
from sotesilta.core.statistics.domain.reports import COUNT_MEASURES, Bucket, GroupBy, Measure, buckets
from sotesilta.core.statistics.service.data import Counts, empty_counts, read_counts, read_history
from sotesilta.core.statistics.tables import StatisticRollup, StatisticRollupMonth, StatisticRollupState
from sotesilta.core.visits.public import Visit

#: how late a commit may land after its timestamp and still be seen
SETTLE = timedelta(minutes=15)


def _month_of(instant: datetime) -> date:
    local = instant.astimezone(HELSINKI)
    return date(local.year, local.month, 1)


def _runs(months: Sequence[Bucket]) -> list[list[Bucket]]:
    """Consecutive months grouped, so each run is one query."""
    runs: list[list[Bucket]] = []
    for month in months:
        if runs and runs[-1][-1].ends_at == month.starts_at:
            runs[-1].append(month)
        else:
            runs.append([month])
    return runs


def _changed_months(uow: UnitOfWork, code: str, since: datetime) -> set[date]:
    session = uow.session
    instants: list[datetime] = list(
        session.scalars(
            select(col(Visit.occurred_at)).where(
                col(Visit.municipality_code) == code, col(Visit.recorded_at) >= since
            )
        )
    )
    for booked_at, starts_at in session.execute(
        select(col(Booking.booked_at), col(Booking.starts_at)).where(
            col(Booking.municipality_code) == code, col(Booking.updated_at) >= since
        )
    ):
        instants += [booked_at, starts_at]
    return {_month_of(at) for at in instants}


def refresh(uow: UnitOfWork, code: str, months: Sequence[Bucket]) -> int:
    """Bring the rollup of ``code`` up to date for the closed ``months``; returns how many were counted."""
    now = uow.now
    session = uow.session
    state = session.get(StatisticRollupState, code)
    done = set(
        session.scalars(
            select(col(StatisticRollupMonth.month)).where(col(StatisticRollupMonth.municipality_code) == code)
        )
    )
    if state is not None:
        changed = _changed_months(uow, code, state.checked_at - SETTLE) & done
        if changed:
            # counted again now if this report needs them, else when one does
            session.execute(
                delete(StatisticRollupMonth).where(
                    col(StatisticRollupMonth.municipality_code) == code,
                    col(StatisticRollupMonth.month).in_(changed),
                )
            )
            done -= changed
    stale = [m for m in months if m.first not in done]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for run in _runs(stale):
        counts = read_counts(uow, [code], run, set(COUNT_MEASURES), history=False)
        first, last = run[0].first, run[-1].first
        session.execute(
            delete(StatisticRollup).where(
                col(StatisticRollup.municipality_code) == code,
                col(StatisticRollup.month) >= first,
                col(StatisticRollup.month) <= last,
            )
        )
        rows = [
            {
                "municipality_code": code,
                "month": run[index].first,
                "measure": measure.value,
                "category": c,
                "value": n,
            }
            for measure, by_bucket in counts.items()
            for index, cells in by_bucket.items()
            for c, n in cells.items()
            if n
        ]
        if rows:
            statement = insert(StatisticRollup).values(rows)
            # a report refreshing the same month at the same moment wrote the same counts
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["municipality_code", "month", "measure", "category"],
                    set_={"value": statement.excluded.value},
                )
            )
        statement = insert(StatisticRollupMonth).values(
            [{"municipality_code": code, "month": m.first, "refreshed_at": now} for m in run]
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["municipality_code", "month"],
                set_={"refreshed_at": statement.excluded.refreshed_at},
            )
        )
    statement = insert(StatisticRollupState).values(municipality_code=code, checked_at=now)
    session.execute(
        statement.on_conflict_do_update(index_elements=["municipality_code"], set_={"checked_at": now})
    )
    return len(stale)


def monthly_counts(
    uow: UnitOfWork,
    codes: Sequence[str],
    report_buckets: Sequence[Bucket],
    measures: set[Measure],
) -> Counts:
    """The same counts as ``read_counts``, with closed months read from the rollup."""
    now = uow.now
    counts = empty_counts()
    if not measures:
        return counts
    months = buckets(report_buckets[0].first.year, report_buckets[-1].last.year, GroupBy.MONTH)
    closed = [m for m in months if m.ends_at <= now - SETTLE]
    open_months = [m for m in months if m.ends_at > now - SETTLE]
    index_of: dict[date, int] = {}
    for index, bucket in enumerate(report_buckets):
        for first in (m.first for m in months):
            if bucket.first <= first <= bucket.last:
                index_of[first] = index
    if closed:
        for code in codes:
            refresh(uow, code, closed)
        uow.commit()
        rows = uow.session.execute(
            select(
                col(StatisticRollup.month),
                col(StatisticRollup.measure),
                col(StatisticRollup.category),
                col(StatisticRollup.value),
            ).where(
                col(StatisticRollup.municipality_code).in_(codes),
                col(StatisticRollup.month) >= closed[0].first,
                col(StatisticRollup.month) <= closed[-1].first,
                col(StatisticRollup.measure).in_([m.value for m in measures]),
            )
        )
        for month, measure, category, value in rows:
            counts[Measure(measure)][index_of[month]][category] += value
    if open_months:
        live = read_counts(uow, codes, open_months, measures, history=False)
        for measure, by_bucket in live.items():
            for index, cells in by_bucket.items():
                for category, value in cells.items():
                    counts[measure][index_of[open_months[index].first]][category] += value
    read_history(uow, codes, report_buckets, measures, counts)
    return counts


def rebuild(uow: UnitOfWork) -> int:
    """Forget every rollup; the next reports count their months again. Returns months forgotten."""
    forgotten = len(list(uow.session.scalars(select(col(StatisticRollupMonth.month)))))
    for table in (StatisticRollup, StatisticRollupMonth, StatisticRollupState):
        uow.session.execute(delete(table))
    uow.commit()
    return forgotten
