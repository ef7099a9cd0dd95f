"""Who may touch what: municipality scope, roles and ownership, in one place.

Where the mere existence of a record must not leak, refusals are "not found".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.accounts import Principal, Role
from ..domain.errors import AccessDenied, InputInvalid, RecordNotFound
from ..domain.privacy import AccessAction, AccessBasis, AccessEvent
from ..persistence.clients import ClientRecord
from ..persistence.tables import Station, Worker
from ..persistence.uow import UnitOfWork
from ..plugins.manager import Plugins
from ..plugins.registry import MunicipalityRegistry


def require_role(principal: Principal, *roles: Role) -> None:
    if not principal.has_any_role(*roles):
        names = ", ".join(r.value for r in roles)
        raise AccessDenied(f"this needs one of the roles: {names}")


def station_in_scope(uow: UnitOfWork, principal: Principal, station_id: int) -> Station:
    station = uow.session.get(Station, station_id)
    if station is None or station.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no station {station_id}")
    return station


def client_in_scope(uow: UnitOfWork, principal: Principal, client_id: int) -> ClientRecord:
    """A client of the person's municipalities; any other is "not found"."""
    client = uow.session.get(ClientRecord, client_id)
    if client is None or client.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no client {client_id}", field="client_id")
    return client


def worker_in_scope(uow: UnitOfWork, principal: Principal, worker_id: int) -> Worker:
    worker = uow.session.get(Worker, worker_id)
    if worker is None or worker.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no worker {worker_id}")
    return worker


def own_worker_id(uow: UnitOfWork, principal: Principal) -> int | None:
    """The worker record of the signed-in professional, if they have one."""
    return uow.session.scalar(select(Worker.id).where(Worker.user_id == principal.user_id))


def may_manage_worker(uow: UnitOfWork, principal: Principal, worker: Worker) -> None:
    """Admins of the worker's municipality, or the worker themself."""
    if principal.has_any_role(Role.ADMIN) and worker.municipality_code in principal.municipalities:
        return
    if principal.has_any_role(Role.INSTRUCTOR) and worker.user_id == principal.user_id:
        return
    raise AccessDenied("only an admin or the worker themself may change this worker's sessions")


#: the role an access is logged under, when a person holds several
_ROLE_ORDER = (Role.INSTRUCTOR, Role.HEALTH_STAFF, Role.MANAGER, Role.ADMIN)


def acting_role(principal: Principal) -> str:
    return next((r.value for r in _ROLE_ORDER if r in principal.roles), "unknown")


def log_use(
    plugins: Plugins,
    uow: UnitOfWork,
    principal: Principal,
    action: AccessAction,
    subject: str,
    subject_id: int,
    client_id: int | None,
    now: datetime,
) -> None:
    """Write the access-log entry of this use of a client's data, in the use case's transaction."""
    plugins.record_access(
        uow.connection, access_event(principal, action, subject, subject_id, client_id=client_id, now=now)
    )


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
