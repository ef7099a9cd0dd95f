"""API routes for linked external calendars (busy times in)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from sotesilta.calendar import external
from sotesilta.calendar.external import ExternalCalendarView
from sotesilta.calendar.settings import CalendarSettings
from sotesilta.core.plugin_api import Principal, Runtime
from sotesilta.core.plugin_api.data import UnitOfWork


class ExternalCalendarIn(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="e.g. Outlook")]
    url: (
        Annotated[
            str, msgspec.Meta(max_length=2000, description="the calendar's ICS address (an allowed origin)")
        ]
        | None
    ) = None
    ics: Annotated[str | None, msgspec.Meta(description="or the text of an uploaded .ics file")] = None


class ExternalCalendarRefreshIn(msgspec.Struct, kw_only=True):
    ics: Annotated[str | None, msgspec.Meta(description="a new file, for an uploaded calendar")] = None


def _limits(runtime: Runtime) -> external.FetchLimits:
    return external.fetch_limits(runtime.plugins.settings(CalendarSettings))


@post(
    "/api/v1/workers/{worker_id:int}/external-calendars",
    operation_id="linkExternalCalendar",
    tags=["calendar"],
    status_code=201,
    summary="Link a worker's external calendar (ICS URL or uploaded file): its events block their slots",
    sync_to_thread=True,
)
def link_external_calendar(
    worker_id: FromPath[int],
    data: JSONBody[ExternalCalendarIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> ExternalCalendarView:
    return external.link_external_calendar(
        uow,
        principal=principal,
        worker_id=worker_id,
        name=data.name,
        url=data.url,
        ics=data.ics,
        limits=_limits(runtime),
    )


@post(
    "/api/v1/external-calendars/{calendar_id:int}/refresh",
    operation_id="refreshExternalCalendar",
    tags=["calendar"],
    status_code=200,
    summary="Read a linked calendar again (an uploaded one: send the new file) and replace its busy times",
    sync_to_thread=True,
)
def refresh_external_calendar(
    calendar_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    data: JSONBody[ExternalCalendarRefreshIn | None] = None,
) -> ExternalCalendarView:
    return external.refresh_external_calendar(
        uow,
        principal=principal,
        calendar_id=calendar_id,
        ics=data.ics if data is not None else None,
        limits=_limits(runtime),
    )


@get(
    "/api/v1/workers/{worker_id:int}/external-calendars",
    operation_id="listExternalCalendars",
    tags=["calendar"],
    summary="A worker's linked external calendars, linked and unlinked",
    sync_to_thread=True,
)
def list_external_calendars(
    worker_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> list[ExternalCalendarView]:
    return external.list_external_calendars(uow, principal=principal, worker_id=worker_id)


@delete(
    "/api/v1/external-calendars/{calendar_id:int}",
    operation_id="unlinkExternalCalendar",
    tags=["calendar"],
    status_code=200,
    summary="Unlink an external calendar: its busy times stop blocking slots",
    sync_to_thread=True,
)
def unlink_external_calendar(
    calendar_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> ExternalCalendarView:
    return external.unlink_external_calendar(uow, principal=principal, calendar_id=calendar_id)


ROUTES = [
    link_external_calendar,
    refresh_external_calendar,
    list_external_calendars,
    unlink_external_calendar,
]
