"""Busy times in: a worker links an external calendar (ICS URL or uploaded file) whose events block
their bookable slots.

Only start and end of each busy event are kept, as ``WorkerBusy`` rows of source
``external:<calendar id>``; a refresh replaces exactly those rows in one
transaction. The URL is sealed at rest and shown only as its origin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

import httpx
import msgspec
from sqlalchemy import delete, select, update
from sqlmodel import col

from sotesilta.calendar.busy import Block, parse_busy
from sotesilta.calendar.fetching import check_origin, fetch_ics, origin_of
from sotesilta.calendar.settings import CalendarSettings
from sotesilta.calendar.tables import ExternalCalendar
from sotesilta.core.plugin_api import InputInvalid, Principal, RecordNotFound, Role, StateConflict
from sotesilta.core.plugin_api.data import (
    Sealer,
    UnitOfWork,
    WorkerBusy,
    may_manage_worker,
    require_role,
    worker_in_scope,
)

log = logging.getLogger(__name__)

URL_CONTEXT = "external_calendar.url"
#: the stretch of time whose busy blocks are kept, from now
WINDOW_BACK, WINDOW_AHEAD = timedelta(days=1), timedelta(days=180)
MAX_CALENDARS_PER_WORKER = 10


@dataclass(frozen=True)
class FetchLimits:
    """From the settings: where calendars may be fetched from, how much and how long."""

    allowed_origins: tuple[str, ...]
    max_bytes: int
    timeout: float
    transport: httpx.BaseTransport | None = None


def fetch_limits(settings: CalendarSettings) -> FetchLimits:
    """The limits the plugin's settings section sets."""
    return FetchLimits(
        allowed_origins=settings.allowed_origins,
        max_bytes=settings.fetch_max_bytes,
        timeout=settings.fetch_timeout_seconds,
    )


class ExternalCalendarView(msgspec.Struct, frozen=True, kw_only=True):
    """A linked external calendar, as the use cases return it and the API sends it."""

    id: int
    worker_id: int
    name: str
    source: Annotated[str, msgspec.Meta(description="url or upload")]
    origin: Annotated[
        str | None, msgspec.Meta(description="where a URL calendar is fetched from; never the whole URL")
    ]
    refreshed_at: datetime | None
    busy_count: int
    last_error: str | None
    active: bool


def _view(calendar: ExternalCalendar, sealer: Sealer) -> ExternalCalendarView:
    origin = None
    if calendar.url is not None:
        origin = origin_of(sealer.open(calendar.url, context=URL_CONTEXT))
    return ExternalCalendarView(
        id=calendar.id or 0,
        worker_id=calendar.worker_id,
        name=calendar.name,
        source="url" if calendar.url is not None else "upload",
        origin=origin,
        refreshed_at=calendar.refreshed_at,
        busy_count=calendar.busy_count,
        last_error=calendar.last_error,
        active=calendar.active,
    )


def _managed_worker(uow: UnitOfWork, principal: Principal, worker_id: int) -> None:
    """Admins of the worker's municipality, or the instructor who is the worker."""
    require_role(principal, Role.INSTRUCTOR, Role.ADMIN)
    worker = worker_in_scope(uow, principal, worker_id)
    may_manage_worker(uow, principal, worker)


def _managed_calendar(uow: UnitOfWork, principal: Principal, calendar_id: int) -> ExternalCalendar:
    require_role(principal, Role.INSTRUCTOR, Role.ADMIN)
    calendar = uow.session.get(ExternalCalendar, calendar_id)
    if calendar is None:
        raise RecordNotFound(f"no external calendar {calendar_id}")
    try:
        _managed_worker(uow, principal, calendar.worker_id)
    except RecordNotFound:
        raise RecordNotFound(f"no external calendar {calendar_id}") from None
    return calendar


def _window(now: datetime) -> tuple[datetime, datetime]:
    return now - WINDOW_BACK, now + WINDOW_AHEAD


def _uploaded(ics: str, max_bytes: int) -> bytes:
    data = ics.encode("utf-8")
    if not data.strip():
        raise InputInvalid("the uploaded calendar is empty", field="ics")
    if len(data) > max_bytes:
        raise InputInvalid(f"the uploaded calendar is larger than {max_bytes} bytes", field="ics")
    return data


def _busy_from_url(url: str, limits: FetchLimits, now: datetime) -> list[Block]:
    data = fetch_ics(
        url,
        allowed_origins=limits.allowed_origins,
        max_bytes=limits.max_bytes,
        timeout=limits.timeout,
        transport=limits.transport,
    )
    try:
        return parse_busy(data, *_window(now))
    except InputInvalid as exc:
        raise InputInvalid(f"the calendar at {origin_of(url)}: {exc.detail}", field="url") from None


def _replace_busy(uow: UnitOfWork, calendar_id: int, blocks: list[Block]) -> ExternalCalendar:
    """Swap the calendar's busy rows for new ones; the caller commits (one transaction)."""
    calendar = _locked(uow, calendar_id)
    source = f"external:{calendar_id}"
    uow.session.execute(delete(WorkerBusy).where(col(WorkerBusy.source) == source))
    uow.session.add_all(
        WorkerBusy(worker_id=calendar.worker_id, source=source, starts_at=s, ends_at=e) for s, e in blocks
    )
    calendar.busy_count, calendar.last_error = len(blocks), None
    return calendar


def _locked(uow: UnitOfWork, calendar_id: int) -> ExternalCalendar:
    """The linked calendar, read after taking its lock: two refreshes of one calendar take turns.

    A write comes first, since it takes PostgreSQL's row lock and SQLite's writer
    lock alike (SQLite ignores SELECT … FOR UPDATE); what is read after it is current.
    """
    now = uow.now
    written = uow.session.execute(
        update(ExternalCalendar)
        .where(col(ExternalCalendar.id) == calendar_id, col(ExternalCalendar.active).is_(True))
        .values(refreshed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(written, "rowcount", 0) != 1:
        raise StateConflict(f"external calendar {calendar_id} is unlinked")
    calendar = uow.session.get(ExternalCalendar, calendar_id, populate_existing=True)
    assert calendar is not None
    return calendar


def link_external_calendar(
    uow: UnitOfWork,
    *,
    principal: Principal,
    worker_id: int,
    name: str,
    limits: FetchLimits,
    url: str | None = None,
    ics: str | None = None,
) -> ExternalCalendarView:
    """Link a calendar by URL or by an uploaded file; store it only when it reads cleanly."""
    sealer, now = uow.sealer, uow.now
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InputInvalid("name must be 1-100 characters", field="name")
    if (url is None) == (ics is None):
        raise InputInvalid("give either the calendar's url or the uploaded ics, not both", field="url")
    if url is not None:
        url = url.strip()
        if len(url) > 2000:
            raise InputInvalid("the URL is longer than 2000 characters", field="url")
        check_origin(url, limits.allowed_origins)
    _managed_worker(uow, principal, worker_id)
    one_too_many = uow.session.scalar(
        select(col(ExternalCalendar.id))
        .where(col(ExternalCalendar.worker_id) == worker_id, col(ExternalCalendar.active).is_(True))
        .offset(MAX_CALENDARS_PER_WORKER - 1)
        .limit(1)
    )
    if one_too_many is not None:
        raise StateConflict(f"a worker may link at most {MAX_CALENDARS_PER_WORKER} calendars")
    # the fetch may take seconds: hold no database connection (or transaction) meanwhile
    uow.rollback()
    if url is not None:
        blocks = _busy_from_url(url, limits, now)
    else:
        blocks = parse_busy(_uploaded(ics or "", limits.max_bytes), *_window(now))
    calendar = ExternalCalendar(
        worker_id=worker_id,
        name=name,
        url=sealer.seal(url, context=URL_CONTEXT) if url is not None else None,
        created_by=principal.user_id,
        created_at=now,
    )
    uow.session.add(calendar)
    uow.session.flush()
    _replace_busy(uow, calendar.id or 0, blocks)
    view = _view(calendar, sealer)
    uow.commit()
    log.info(
        "external calendar linked",
        extra={"calendar_id": view.id, "worker_id": worker_id, "origin": view.origin, "busy": len(blocks)},
    )
    return view


def refresh_external_calendar(
    uow: UnitOfWork,
    *,
    principal: Principal | None,
    calendar_id: int,
    limits: FetchLimits,
    ics: str | None = None,
) -> ExternalCalendarView:
    """Read the calendar again and replace its busy rows.

    A URL calendar is fetched again; an uploaded one takes a new file. When a
    URL calendar cannot be fetched or read, its old busy rows stay, the error is
    recorded in ``last_error``, and the error is raised. ``principal`` None is
    the system (the refresh command).
    """
    sealer, now = uow.sealer, uow.now
    if principal is None:
        calendar = uow.session.get(ExternalCalendar, calendar_id)
        if calendar is None:
            raise RecordNotFound(f"no external calendar {calendar_id}")
    else:
        calendar = _managed_calendar(uow, principal, calendar_id)
    if not calendar.active:
        raise StateConflict(f"external calendar {calendar_id} is unlinked")
    sealed_url = calendar.url
    if sealed_url is None and ics is None:
        raise InputInvalid("an uploaded calendar is refreshed by uploading the file again", field="ics")
    if sealed_url is not None and ics is not None:
        raise InputInvalid("this calendar is read from its URL; send no file", field="ics")
    uow.rollback()  # fetching and reading take seconds: hold no database connection meanwhile
    if sealed_url is None:
        blocks = parse_busy(_uploaded(ics or "", limits.max_bytes), *_window(now))
    else:
        try:
            blocks = _busy_from_url(sealer.open(sealed_url, context=URL_CONTEXT), limits, now)
        except InputInvalid as exc:
            _record_error(uow, calendar_id, exc.detail)
            raise
    calendar = _replace_busy(uow, calendar_id, blocks)
    view = _view(calendar, sealer)
    uow.commit()
    return view


def _record_error(uow: UnitOfWork, calendar_id: int, detail: str) -> None:
    uow.rollback()
    calendar = uow.session.get(ExternalCalendar, calendar_id)
    if calendar is not None:
        calendar.last_error = detail[:300]
        uow.commit()


def list_external_calendars(
    uow: UnitOfWork, *, principal: Principal, worker_id: int
) -> list[ExternalCalendarView]:
    sealer = uow.sealer
    _managed_worker(uow, principal, worker_id)
    rows = uow.session.scalars(
        select(ExternalCalendar)
        .where(col(ExternalCalendar.worker_id) == worker_id)
        .order_by(col(ExternalCalendar.id))
    ).all()
    return [_view(c, sealer) for c in rows]


def unlink_external_calendar(
    uow: UnitOfWork, *, principal: Principal, calendar_id: int
) -> ExternalCalendarView:
    """Stop using the calendar: it no longer blocks slots. Unlinking twice changes nothing."""
    sealer = uow.sealer
    _managed_calendar(uow, principal, calendar_id)
    # written first, so that it waits for a refresh under way (see _locked)
    uow.session.execute(
        update(ExternalCalendar)
        .where(col(ExternalCalendar.id) == calendar_id)
        .values(active=False, busy_count=0)
        .execution_options(synchronize_session=False)
    )
    uow.session.execute(delete(WorkerBusy).where(col(WorkerBusy.source) == f"external:{calendar_id}"))
    calendar = uow.session.get(ExternalCalendar, calendar_id, populate_existing=True)
    assert calendar is not None
    view = _view(calendar, sealer)
    uow.commit()
    return view


@dataclass(frozen=True)
class RefreshSummary:
    refreshed: int
    failed: int
    busy_blocks: int
    #: (calendar id, error) of each failure
    errors: tuple[tuple[int, str], ...]


def refresh_all(
    uow_factory: Callable[[], UnitOfWork],
    *,
    limits: FetchLimits,
) -> RefreshSummary:
    """Refresh every linked URL calendar, one transaction each; a failure never stops the rest."""
    with uow_factory() as uow:
        found = uow.session.scalars(
            select(col(ExternalCalendar.id))
            .where(col(ExternalCalendar.active).is_(True), col(ExternalCalendar.url).is_not(None))
            .order_by(col(ExternalCalendar.id))
        )
        ids = [calendar_id for calendar_id in found if calendar_id is not None]  # stored rows have ids
    refreshed = busy = 0
    errors: list[tuple[int, str]] = []
    for calendar_id in ids:
        try:
            with uow_factory() as uow:
                view = refresh_external_calendar(
                    uow,
                    principal=None,
                    calendar_id=calendar_id,
                    limits=limits,
                )
        except InputInvalid as exc:
            errors.append((calendar_id, exc.detail))
            log.warning("external calendar refresh failed", extra={"calendar_id": calendar_id})
        except StateConflict:
            continue  # unlinked meanwhile
        except Exception as exc:  # one broken row must not stop the others
            errors.append((calendar_id, f"{type(exc).__name__}"))
            log.exception("external calendar refresh crashed", extra={"calendar_id": calendar_id})
        else:
            refreshed += 1
            busy += view.busy_count
    return RefreshSummary(refreshed, len(errors), busy, tuple(errors))


__all__ = [
    "ExternalCalendarView",
    "FetchLimits",
    "RefreshSummary",
    "link_external_calendar",
    "list_external_calendars",
    "refresh_all",
    "refresh_external_calendar",
    "unlink_external_calendar",
]
