"""The walk-in queue of a session: health staff and the instructor register arrivals; the
instructor calls the next and puts a client who did not answer back in the line.

The page refreshes itself every half minute (a ``Refresh`` header, no JavaScript)
and has a link to do it at once. Numbers only, never names: the queue is read at a
desk anyone may walk past.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.feedback import public as feedback
from sotesilta.core.kernel.errors import BookingStateInvalid, DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import BOOKERS, INSTRUCTORS, is_number
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_, Dates
from sotesilta.core.kernel.web.rendering import language_of, page, see_other
from sotesilta.core.organisations.public import station_names
from sotesilta.core.scheduling.domain.bookings import LANGUAGES, Referrer
from sotesilta.core.scheduling.service import walk_ins
from sotesilta.core.scheduling.service.instructions import TEXTS
from sotesilta.core.scheduling.service.walk_ins import WalkInDesk

#: seconds between the page's own refreshes
REFRESH_SECONDS = 30


@dataclass
class ArrivalForm:
    """What was chosen for an arrival, kept to show again when it is refused."""

    referrer: str = Referrer.SELF.value
    reasons: list[str] = field(default_factory=list)
    preferred_language: str = "fi"

    @classmethod
    def from_form(cls, form: FormMultiDict) -> ArrivalForm:
        return cls(
            referrer=text_field(form, "referrer", 10),
            reasons=[str(r)[:64] for r in form.getall("reasons", [])][:20],
            preferred_language=text_field(form, "preferred_language", 2),
        )


#: refusals as staff should read them, by problem code or field
MESSAGES = {
    "walk-in-full": N_("Every walk-in place of this session is taken."),
    "walk-in-closed": N_("The walk-in of this session is over: arrivals can no longer be registered."),
    "booking-state": N_(
        "That number can no longer be put back in the queue: it was not called, or its outcome is recorded."
    ),
    "walk-in-queue-empty": N_("Nobody is waiting."),
    "reasons": N_("Choose the reasons from the list."),
    "preferred_language": N_("Choose the client's language."),
    "referrer": N_("Choose whether the client came on their own or was sent by staff."),
}
NOT_OPEN_YET = N_("The walk-in opens at %(time)s. Arrivals are registered from then.")
TARGETS = {
    "reasons": "arrival-reasons",
    "preferred_language": "arrival-language",
    "referrer": "arrival-referrer",
}


def arrival_error(exc: DomainError, language: str) -> FormError:
    """A refusal beside the field it concerns, or at the top of the form."""
    opens_at = exc.extra.get("opens_at")
    if exc.extra.get("not_open_yet") and isinstance(opens_at, str):
        return FormError(NOT_OPEN_YET, {"time": Dates(language).time(datetime.fromisoformat(opens_at))}, "")
    target = TARGETS.get(exc.field or "", "")
    message = MESSAGES.get(exc.field or "") or MESSAGES.get(exc.code)
    if message:
        return FormError(message, {}, target)
    return FormError(N_("The arrival was not registered: %(reason)s"), {"reason": exc.detail}, target)


@dataclass(frozen=True)
class Flash:
    """What the last action did, from the address it came back to."""

    registered: int | None = None
    called: int | None = None
    returned: int | None = None
    queue_empty: bool = False


def _number(value: str | None) -> int | None:
    return int(value) if value and is_number(value) and len(value) < 9 else None


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    session_id: int,
    *,
    form: ArrivalForm | None = None,
    errors: list[FormError] | None = None,
    flash: Flash | None = None,
    status_code: int = 200,
    error_title: str = "",
) -> Template:
    language = language_of(request)
    desk: WalkInDesk = await runtime.run_db(
        walk_ins.walk_in_desk, uow, principal=request.user, session_id=session_id
    )
    names = await runtime.run_db(station_names, uow, language)
    reasons = [
        (entry.code, entry.label(language))
        for entry in runtime.plugins.code_lists.entries("guidance_reason", desk.municipality)
    ]
    errors = errors or []
    registered = None
    if flash and flash.registered is not None:
        registered = next((e for e in desk.queue.entries if e.place_id == flash.registered), None)
    response = page(
        request,
        "walk_in_queue.html",
        status_code=status_code,
        language=language,
        desk=desk,
        station_name=names.get(desk.station_id, ""),
        reasons=reasons,
        reason_labels=dict(reasons),
        # a new arrival's language starts as the page's: staff reading Swedish mostly receive Swedish
        form=form or ArrivalForm(preferred_language=language if language in LANGUAGES else "fi"),
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        flash=flash or Flash(),
        registered=registered,
        refresh_seconds=REFRESH_SECONDS,
        error_title=error_title,
    )
    # a fresh dict: the page headers are shared by every page
    response.headers = {**response.headers, "Refresh": f"{REFRESH_SECONDS}; url=/walk-ins/{session_id}"}
    return response


@get("/walk-ins/{session_id:int}", guards=BOOKERS, name="web-walk-in-queue")
async def queue_page(
    request: Request[Principal, Any, Any],
    session_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    registered: FromQuery[str | None] = None,
    called: FromQuery[str | None] = None,
    returned: FromQuery[str | None] = None,
    queue_empty: FromQuery[str | None] = None,
) -> Template:
    """The queue: how many wait, the numbers, the arrival form; the instructor's buttons."""
    flash = Flash(_number(registered), _number(called), _number(returned), queue_empty == "1")
    return await _render(request, uow, runtime, session_id, flash=flash)


@post("/walk-ins/{session_id:int}/arrivals", guards=BOOKERS, name="web-walk-in-register", status_code=303)
async def register(
    request: Request[Principal, Any, Any],
    session_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """Register an arrival; back to the queue with its number and place in line."""
    form = ArrivalForm.from_form(await request.form())
    language = language_of(request)
    try:
        if form.referrer not in {r.value for r in Referrer}:
            raise InputInvalid("referrer must be self or staff", field="referrer")
        if form.preferred_language not in LANGUAGES:
            raise InputInvalid("choose a language", field="preferred_language")
        entry = await runtime.run_db(
            walk_ins.register_walk_in,
            uow,
            principal=request.user,
            session_id=session_id,
            referrer=Referrer(form.referrer),
            reasons=form.reasons,
            preferred_language=form.preferred_language,
        )
    except DomainError as exc:
        if exc.kind in ("not_found", "forbidden"):
            raise
        uow.rollback()
        status = 409 if exc.kind == "conflict" else 422
        error = arrival_error(exc, language)
        return await _render(
            request,
            uow,
            runtime,
            session_id,
            form=form,
            errors=[error],
            status_code=status,
            error_title=N_("The arrival was not registered"),
        )
    return see_other(f"/walk-ins/{session_id}?registered={entry.place_id}#confirmation")


@post(
    "/walk-ins/{session_id:int}/call-next", guards=INSTRUCTORS, name="web-walk-in-call-next", status_code=303
)
async def call_next(
    request: Request[Principal, Any, Any],
    session_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """Call the first in line; back to the queue with the number called."""
    try:
        entry = await runtime.run_db(
            walk_ins.call_next_walk_in, uow, principal=request.user, session_id=session_id
        )
    except walk_ins.WalkInQueueEmpty:
        uow.rollback()
        return see_other(f"/walk-ins/{session_id}?queue_empty=1")
    return see_other(f"/walk-ins/{session_id}?called={entry.number}")


@post(
    "/walk-ins/{session_id:int}/places/{place_id:int}/no-answer",
    guards=INSTRUCTORS,
    name="web-walk-in-no-answer",
    status_code=303,
)
async def no_answer(
    request: Request[Principal, Any, Any],
    session_id: FromPath[int],
    place_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """The called client did not answer: back in the line, behind those waiting now."""
    try:
        entry = await runtime.run_db(
            walk_ins.return_to_queue, uow, principal=request.user, session_id=session_id, place_id=place_id
        )
    except BookingStateInvalid as exc:
        uow.rollback()
        error = arrival_error(exc, language_of(request))
        return await _render(
            request,
            uow,
            runtime,
            session_id,
            errors=[error],
            status_code=409,
            error_title=N_("The number was not put back in the queue"),
        )
    return see_other(f"/walk-ins/{session_id}?returned={entry.number}")


#: the ticket's own words, in the client's language (the page around it is in the staff's)
TICKET_TEXTS = {
    "fi": {"title": "Jonotusnumero", "wait": "Odota, kunnes numerosi kutsutaan."},
    "sv": {"title": "Könummer", "wait": "Vänta tills ditt nummer ropas upp."},
    "en": {"title": "Queue number", "wait": "Please wait until your number is called."},
}


@get(
    "/walk-ins/{session_id:int}/places/{place_id:int}/ticket",
    guards=BOOKERS,
    name="web-walk-in-ticket",
)
async def ticket_page(
    request: Request[Principal, Any, Any],
    session_id: FromPath[int],
    place_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """A walk-in client's printable queue ticket: the number, and the feedback link with its QR
    code, as a booked client's instructions carry it (shown on screen, or printed)."""
    ticket = await runtime.run_db(
        walk_ins.walk_in_ticket, uow, principal=request.user, session_id=session_id, place_id=place_id
    )
    names = await runtime.run_db(station_names, uow, ticket.language)
    url = feedback.walk_in_feedback_url(
        runtime.secret,
        runtime.settings.public_base_url,
        runtime.plugins.feedback_forms,
        place_id=ticket.place_id,
        municipality=ticket.municipality,
    )
    language = ticket.language if ticket.language in TICKET_TEXTS else "fi"
    return page(
        request,
        "walk_in_ticket.html",
        session_id=session_id,
        ticket=ticket,
        station_name=names.get(ticket.station_id, ""),
        client_dates=Dates(language),
        texts=TICKET_TEXTS[language] | {"feedback": TEXTS[language]["feedback"]},
        client_language=language,
        feedback_url=url,
    )


ROUTES = [queue_page, register, call_next, no_answer, ticket_page]
