"""Who may touch what: municipality scope, roles and ownership, in one place.

Where the mere existence of a record must not leak, refusals are "not found".
"""

from __future__ import annotations

from datetime import datetime

from sotesilta.core.kernel.errors import AccessDenied, InputInvalid, RecordNotFound
from sotesilta.core.kernel.plugins.registry import MunicipalityRegistry
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis, AccessEvent
from sotesilta.core.kernel.uow import UnitOfWork


def require_role(principal: Principal, *roles: Role) -> None:
    if not principal.has_any_role(*roles):
        names = ", ".join(r.value for r in roles)
        raise AccessDenied(f"this needs one of the roles: {names}")


#: the role an access is logged under, when a person holds several
_ROLE_ORDER = (Role.INSTRUCTOR, Role.HEALTH_STAFF, Role.MANAGER, Role.ADMIN)


def acting_role(principal: Principal) -> str:
    return next((r.value for r in _ROLE_ORDER if r in principal.roles), "unknown")


def log_use(
    uow: UnitOfWork,
    principal: Principal,
    action: AccessAction,
    subject: str,
    subject_id: int,
    client_id: int | None,
    *,
    basis: AccessBasis = AccessBasis.TASK,
    reason: str | None = None,
) -> None:
    """Write the access-log entry of this use of a client's data, in the use case's transaction."""
    plugins, now = uow.plugins, uow.now
    event = access_event(
        principal, action, subject, subject_id, client_id=client_id, now=now, basis=basis, reason=reason
    )
    plugins.record_access(uow.connection, event)


def access_event(
    principal: Principal,
    action: AccessAction,
    subject_type: str,
    subject_id: int,
    *,
    client_id: int | None,
    now: datetime,
    basis: AccessBasis = AccessBasis.TASK,
    consent_id: int | None = None,
    reason: str | None = None,
) -> AccessEvent:
    """The access-log entry for this person's use of a client's data."""
    return AccessEvent(
        at=now,
        user_id=principal.user_id,
        role=acting_role(principal),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        client_id=client_id,
        basis=basis,
        consent_id=consent_id,
        reason=reason,
    )


def report_scope(
    principal: Principal, registry: MunicipalityRegistry, municipality: str | None, county: str | None
) -> tuple[str, tuple[str, ...]]:
    """The municipalities a report covers: one of the reader's, or a county all of whose are theirs."""
    if (municipality is None) == (county is None):
        raise InputInvalid("give either a municipality or a county", field="municipality")
    if municipality is not None:
        if municipality not in principal.municipalities or registry.get(municipality) is None:
            raise RecordNotFound(f"no municipality {municipality} for you", field="municipality")
        return f"municipality {municipality}", (municipality,)
    codes = tuple(sorted(p.code for p in registry.all() if p.county.code == county))
    if not codes or not set(codes) <= set(principal.municipalities):
        raise RecordNotFound(f"no county {county} for you", field="county")
    return f"county {county}", codes
