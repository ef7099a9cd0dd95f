"""The names of a worker's own clients, for the rehabilitation pages: she runs their periods,
so she sees who they are (a client relationship); each name opened is a read, logged.

Only the periods she is responsible for or co-works are named; any other period keeps its
client number.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlmodel import col

from sotesilta.core.clients import public as clients
from sotesilta.core.kernel import access
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.rehab.tables import IntensivePeriod


def own_client_names(
    uow: UnitOfWork, *, principal: Principal, worker_id: int, period_ids: Iterable[int]
) -> dict[int, str]:
    """Client names by client number, for those of ``period_ids`` that are the worker's own
    (she is the principal's own worker); two statements, one log entry per client named."""
    access.require_role(principal, Role.INSTRUCTOR)
    wanted = sorted(set(period_ids))
    if not wanted:
        return {}
    own = set(
        uow.session.scalars(
            select(col(IntensivePeriod.client_id)).where(
                col(IntensivePeriod.id).in_(wanted),
                col(IntensivePeriod.municipality_code).in_(sorted(principal.municipalities)),
                or_(
                    col(IntensivePeriod.responsible_worker_id) == worker_id,
                    col(IntensivePeriod.co_worker_id) == worker_id,
                ),
            )
        )
    )
    names = clients.client_names(uow, own)
    for client_id in sorted(names):
        access.log_use(
            uow,
            principal,
            AccessAction.READ,
            "client",
            client_id,
            client_id,
            basis=AccessBasis.CLIENT_RELATIONSHIP,
        )
    uow.commit()
    return names


def names_for_periods(uow: UnitOfWork, principal: Principal, period_ids: Iterable[int]) -> dict[int, str]:
    """``own_client_names`` for the signed-in user's own worker record; none without one."""
    worker_id = organisations.own_worker_id(uow, principal)
    if worker_id is None:
        return {}
    return own_client_names(uow, principal=principal, worker_id=worker_id, period_ids=period_ids)
