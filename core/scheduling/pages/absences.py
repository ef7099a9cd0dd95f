"""Absences in the admin's browser: the form's preview of what an absence will cancel, the
list of absences, one absence with what it cancelled, and undo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import language_of, page, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.scheduling.pages.schedule_forms import AbsenceForm, schedule_error
from sotesilta.core.scheduling.pages.sessions import render_sessions
from sotesilta.core.scheduling.service import absences, sessions
from sotesilta.core.scheduling.service.absences import BookingOutcome, SessionOutcome

#: whole-day absences end at midnight after their last day
ONE_DAY = timedelta(days=1)
SESSION_OUTCOMES = {
    SessionOutcome.RESTORED: N_("restored"),
    SessionOutcome.REOPENED: N_("its times are bookable again"),
    SessionOutcome.PAST: N_("not restored: it is over"),
    SessionOutcome.OTHER_ABSENCE: N_("not restored: another absence of the worker covers it"),
    SessionOutcome.OVERLAP: N_("not restored: the worker has another session at that time"),
    SessionOutcome.RULE_ENDED: N_("not restored: its session rule has ended"),
    SessionOutcome.STATION_CLOSED: N_("not restored: the station is closed"),
    SessionOutcome.CHANGED: N_("not restored: it was changed meanwhile"),
}
BOOKING_OUTCOMES = {
    BookingOutcome.RESTORED: N_("booked again"),
    BookingOutcome.REBOOKED: N_("not restored: already rebooked"),
    BookingOutcome.DISMISSED: N_("not restored: removed from the times to rebook"),
    BookingOutcome.PAST: N_("not restored: the time has begun"),
    BookingOutcome.SESSION_CANCELLED: N_("not restored: its session did not come back"),
    BookingOutcome.OTHER_ABSENCE: N_("not restored: another absence of the worker covers it"),
    BookingOutcome.WORKER_BUSY: N_("not restored: the worker is busy at that time"),
    BookingOutcome.SLOT_TAKEN: N_("not restored: the time is taken"),
    BookingOutcome.CHANGED: N_("not restored: it was changed meanwhile"),
}


def _station_names(uow: UnitOfWork, language: str) -> dict[int, str]:
    names = organisations.station_names(uow, language)
    uow.rollback()
    return names


@post("/admin/absences", guards=ADMINS, name="web-admin-absence", status_code=303)
async def record_absence(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """The absence form: first its preview (what it will cancel), then, confirmed, recorded;
    "Back" returns to the form with everything typed."""
    posted = await request.form()
    form = AbsenceForm.from_form(posted)
    if posted.get("back"):
        return await render_sessions(request, uow, runtime, absence=form)
    confirmed = posted.get("confirm") == "1"
    try:
        worker_id, starts_at, ends_at, reason = form.values()
        if not confirmed:
            preview = await runtime.run_db(
                absences.preview_absence,
                uow,
                principal=request.user,
                worker_id=worker_id,
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason,
            )
        else:
            result = await runtime.run_db(
                sessions.record_absence,
                uow,
                principal=request.user,
                worker_id=worker_id,
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason,
            )
    except DomainError as exc:
        uow.rollback()
        if exc.kind in ("not_found", "forbidden"):
            raise
        return await render_sessions(
            request,
            uow,
            runtime,
            absence=form,
            absence_errors=[schedule_error(exc, "absence")],
            status_code=409 if exc.kind == "conflict" else 422,
        )
    if not confirmed:
        language = language_of(request)
        names = await runtime.run_db(_station_names, uow, language)
        return page(
            request,
            "absence_preview.html",
            language=language,
            preview=preview,
            form=form,
            station_names=names,
            one_day=ONE_DAY,
        )
    return see_other(
        f"/admin/sessions?cancelled={result.cancelled_sessions}&orphaned={result.orphaned_bookings}"
        f"&partly={result.partly_blocked_sessions}"
    )


@get("/admin/absences", guards=ADMINS, name="web-admin-absences")
async def absences_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Upcoming and recent absences of the workers of the admin's municipalities, by worker."""
    language = language_of(request)
    found = await runtime.run_db(absences.list_absences, uow, principal=request.user)
    return page(
        request, "absences.html", language=language, absences=found, now=runtime.clock.now(), one_day=ONE_DAY
    )


@get("/admin/absences/{absence_id:int}", guards=ADMINS, name="web-admin-absence-detail")
async def absence_page(
    request: Request[Principal, Any, Any],
    absence_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """One absence: the sessions and bookings it cancelled, and what its undo did with each."""
    language = language_of(request)
    absence = await runtime.run_db(absences.get_absence, uow, principal=request.user, absence_id=absence_id)
    names = await runtime.run_db(_station_names, uow, language)
    return page(
        request,
        "absence.html",
        language=language,
        absence=absence,
        station_names=names,
        undone_now=request.query_params.get("undone") == "1",
        one_day=ONE_DAY,
        session_outcomes={k.value: v for k, v in SESSION_OUTCOMES.items()},
        booking_outcomes={k.value: v for k, v in BOOKING_OUTCOMES.items()},
    )


@post("/admin/absences/{absence_id:int}/undo", guards=ADMINS, name="web-admin-absence-undo", status_code=303)
async def undo_absence(
    request: Request[Principal, Any, Any],
    absence_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """Undo, then the absence's page says what came back and what could not."""
    try:
        await runtime.run_db(absences.undo_absence, uow, principal=request.user, absence_id=absence_id)
    except DomainError as exc:
        uow.rollback()
        if exc.kind != "conflict":
            raise
        # undone already (another tab, another admin): the page shows what that undo did
        return see_other(f"/admin/absences/{absence_id}")
    return see_other(f"/admin/absences/{absence_id}?undone=1")


ROUTES = [record_absence, absences_page, absence_page, undo_absence]
