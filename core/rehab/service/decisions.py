"""Service decisions waiting for an intensive period: what the worker opens a period from."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.service.periods import DecisionView, decision_view
from sotesilta.core.rehab.tables import IntensivePeriod, ServiceDecision

MAX_LISTED = 200


def list_open_decisions(uow: UnitOfWork, *, principal: Principal) -> list[DecisionView]:
    """Valid decisions in the worker's municipalities whose client has no active period of the
    service, newest first; each read is logged (a decision names its client)."""
    access.require_role(principal, Role.INSTRUCTOR)
    today = local_date(uow.now)
    active = select(col(IntensivePeriod.client_id)).where(
        col(IntensivePeriod.ended_on).is_(None),
        col(IntensivePeriod.service) == col(ServiceDecision.service),
    )
    found = uow.session.scalars(
        select(ServiceDecision)
        .where(
            col(ServiceDecision.municipality_code).in_(list(principal.municipalities)),
            col(ServiceDecision.valid_until) >= today,
            col(ServiceDecision.client_id).not_in(active),
        )
        .order_by(col(ServiceDecision.decided_on).desc(), col(ServiceDecision.id).desc())
        .limit(MAX_LISTED)
    ).all()
    views = [decision_view(d, uow.sealer) for d in found]
    for view in views:
        access.log_use(uow, principal, AccessAction.READ, "service_decision", view.id, view.client_id)
    uow.commit()
    return views
