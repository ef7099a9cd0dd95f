"""What announces itself to a rehabilitation worker: her measurements due, counted for the
menu and the start page on every page she opens, so in two small statements and no more."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlmodel import col

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.service.outcomes import CLOSED_GRACE_DAYS, DUE_HORIZON_DAYS, due_of
from sotesilta.core.rehab.tables import IntensivePeriod, Measurement


def due_measurement_count(uow: UnitOfWork, *, principal: Principal) -> int:
    """The 3X10D measurements due in her own periods (responsible or co-worker), as her
    period list shows them; none without a worker record (nothing is read then)."""
    worker = principal.worker_id
    if worker is None or not principal.has_any_role(Role.INSTRUCTOR):
        return 0
    today = local_date(uow.now)
    periods = list(
        uow.session.scalars(
            select(IntensivePeriod).where(
                col(IntensivePeriod.municipality_code).in_(sorted(principal.municipalities)),
                or_(
                    col(IntensivePeriod.responsible_worker_id) == worker,
                    col(IntensivePeriod.co_worker_id) == worker,
                ),
                or_(
                    col(IntensivePeriod.ended_on).is_(None),
                    col(IntensivePeriod.ended_on) >= today - timedelta(days=CLOSED_GRACE_DAYS),
                ),
            )
        )
    )
    if not periods:
        return 0
    rows = uow.session.execute(
        select(col(Measurement.period_id), col(Measurement.point)).where(
            col(Measurement.period_id).in_([p.id for p in periods])
        )
    )
    taken = {(period_id, point) for period_id, point in rows}
    horizon = today + timedelta(days=DUE_HORIZON_DAYS)
    registry = uow.plugins.municipalities
    return sum(len(due_of(p, taken, registry, today, horizon)) for p in periods)
