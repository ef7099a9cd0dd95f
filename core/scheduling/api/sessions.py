"""Generated guidance sessions and workers' absences."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta

from sotesilta.core.kernel.clock import require_aware
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import SCHEDULERS
from sotesilta.core.scheduling.service import absences, sessions
from sotesilta.core.scheduling.service.absences import AbsencePreview, AbsenceView
from sotesilta.core.scheduling.service.sessions import SessionView


class AbsenceIn(msgspec.Struct):
    worker_id: int
    starts_at: Annotated[datetime, Meta(tz=True)]
    ends_at: Annotated[datetime, Meta(tz=True)]
    reason: Annotated[str, Meta(min_length=1, max_length=200)]


class AbsenceRecorded(msgspec.Struct, rename={"absence_id": "id"}):
    absence_id: int
    cancelled_sessions: int
    orphaned_bookings: int


@get(
    "/api/v1/sessions",
    operation_id="listSessions",
    tags=["sessions"],
    summary="Sessions in a period (default: the next four weeks)",
    sync_to_thread=True,
)
def list_sessions(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    now: NamedDependency[datetime],
    start: FromQuery[datetime | None] = None,
    until: FromQuery[datetime | None] = None,
    station_id: FromQuery[int | None] = None,
    worker_id: FromQuery[int | None] = None,
) -> list[SessionView]:
    begin = require_aware(start, "start") or now
    until = require_aware(until, "until")
    return sessions.list_sessions(
        uow,
        principal=principal,
        start=begin,
        end=until or begin + timedelta(weeks=4),
        station_id=station_id,
        worker_id=worker_id,
    )


@post(
    "/api/v1/absences",
    operation_id="recordAbsence",
    tags=["sessions"],
    guards=SCHEDULERS,
    summary="Record a worker's absence: their sessions are cancelled, bookings orphaned",
    sync_to_thread=True,
)
def record_absence(
    data: JSONBody[AbsenceIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> AbsenceRecorded:
    result = sessions.record_absence(
        uow,
        principal=principal,
        worker_id=data.worker_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        reason=data.reason,
    )
    return msgspec.convert(result, AbsenceRecorded, from_attributes=True)


@post(
    "/api/v1/absences/preview",
    operation_id="previewAbsence",
    tags=["sessions"],
    guards=SCHEDULERS,
    status_code=200,
    summary="What recording an absence would cancel now: sessions, booked times, who booked them",
    sync_to_thread=True,
)
def preview_absence(
    data: JSONBody[AbsenceIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> AbsencePreview:
    return absences.preview_absence(
        uow,
        principal=principal,
        worker_id=data.worker_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        reason=data.reason,
    )


@get(
    "/api/v1/absences",
    operation_id="listAbsences",
    tags=["sessions"],
    guards=SCHEDULERS,
    summary="Upcoming and recent absences of the workers of your municipalities",
    sync_to_thread=True,
)
def list_absences(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> list[AbsenceView]:
    return absences.list_absences(uow, principal=principal)


@get(
    "/api/v1/absences/{absence_id:int}",
    operation_id="getAbsence",
    tags=["sessions"],
    guards=SCHEDULERS,
    summary="An absence with the sessions and booked times it cancelled, and what undoing it did with each",
    sync_to_thread=True,
)
def get_absence(
    absence_id: FromPath[int], principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> AbsenceView:
    return absences.get_absence(uow, principal=principal, absence_id=absence_id)


@post(
    "/api/v1/absences/{absence_id:int}/undo",
    operation_id="undoAbsence",
    tags=["sessions"],
    guards=SCHEDULERS,
    status_code=200,
    summary=(
        "Undo an absence: its sessions come back, and its booked times that were not rebooked or "
        "dismissed, have not begun and are still free (409 when undone already)"
    ),
    sync_to_thread=True,
)
def undo_absence(
    absence_id: FromPath[int], principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> AbsenceView:
    return absences.undo_absence(uow, principal=principal, absence_id=absence_id)


ROUTES = [list_sessions, record_absence, preview_absence, list_absences, get_absence, undo_absence]
