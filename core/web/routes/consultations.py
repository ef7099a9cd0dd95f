"""Consulting social care: a nurse asks, an instructor of the municipality answers.

A consultation opened here is anonymous: the page has no field for the client,
and it asks the nurse not to write the client's name in the question. Naming
the client needs a recorded ``named_consultation`` consent, which the consent
plugin records (the JSON API); a named consultation opened there is read and
answered here like any other, and the use cases check its consent at every use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from ...domain.accounts import Principal
from ...domain.errors import DomainError
from ...persistence.uow import UnitOfWork
from ...runtime import Runtime
from ...services import consultations
from ...services.consultations import TEXT_MAX, Channel, ConsultationView
from ..forms import FormError
from ..i18n import N_
from ..rendering import language_of, page, runtime_of, see_other
from .common import BOOKERS

#: how many consultations the list shows
LISTED = 100
#: message for a refusal, by the field the use case names
FIELD_MESSAGES = {
    "question": N_("Write the question (at most %(max)s characters)."),
    "body": N_("Write the answer (at most %(max)s characters)."),
    "municipality": N_("Choose the municipality whose social care you consult."),
}
TARGETS = {"question": "question", "body": "body", "municipality": "municipality"}


def consultation_error(exc: DomainError) -> FormError:
    message = FIELD_MESSAGES.get(exc.field or "", N_("The message could not be sent: %(reason)s"))
    params = {"max": TEXT_MAX} if exc.field in FIELD_MESSAGES else {"reason": exc.detail}
    return FormError(message, params, TARGETS.get(exc.field or "", ""))


@dataclass
class QuestionForm:
    municipality: str = ""
    question: str = ""
    errors: list[FormError] = field(default_factory=list)


def _list(uow: UnitOfWork, runtime: Runtime, principal: Principal) -> list[tuple[ConsultationView, int]]:
    found = consultations.list_consultations(uow, principal=principal, sealer=runtime.sealer, limit=LISTED)
    unread = consultations.unread_counts(uow, principal=principal)
    return [(c, unread.get(c.id, 0)) for c in found]


@get("/consultations", guards=BOOKERS, name="web-consultations")
async def consultation_list(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    listed = await runtime.run_db(_list, uow, runtime, request.user)
    return page(request, "consultations.html", listed=listed)


def _municipality_name(request: Request[Principal, Any, Any], code: str) -> str:
    profile = runtime_of(request).plugins.municipalities.get(code)
    if profile is None:
        return code
    return profile.name_sv if language_of(request) == "sv" else profile.name_fi


def _new_page(request: Request[Principal, Any, Any], form: QuestionForm, status_code: int = 200) -> Template:
    return page(
        request,
        "consultation_new.html",
        status_code=status_code,
        form=form,
        errors=form.errors,
        field_errors={e.target: e for e in form.errors if e.target},
        municipalities=[
            (code, _municipality_name(request, code)) for code in sorted(request.user.municipalities)
        ],
        max_length=TEXT_MAX,
    )


@get("/consultations/new", guards=BOOKERS, name="web-consultation-new")
async def new_consultation(request: Request[Principal, Any, Any]) -> Template:
    municipalities = sorted(request.user.municipalities)
    return _new_page(request, QuestionForm(municipality=municipalities[0] if municipalities else ""))


@post("/consultations", guards=BOOKERS, name="web-consultation-open", status_code=303)
async def open_consultation(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    form = QuestionForm(
        municipality=str(posted.get("municipality") or "").strip()[:3],
        question=str(posted.get("question") or "")[: TEXT_MAX + 1],
    )
    try:
        view = await runtime.run_db(
            consultations.create_consultation,
            uow,
            principal=request.user,
            municipality=form.municipality,
            channel=Channel.CHAT,
            question=form.question,
            plugins=runtime.plugins,
            sealer=runtime.sealer,
            now=runtime.clock.now(),
        )
    except DomainError as exc:
        uow.rollback()
        if exc.kind not in ("invalid", "not_found"):
            raise
        form.errors = [consultation_error(exc)]
        return _new_page(request, form, status_code=422)
    return see_other(f"/consultations/{view.id}")


def _thread(
    uow: UnitOfWork, runtime: Runtime, principal: Principal, consultation_id: int
) -> ConsultationView:
    return consultations.read_thread(
        uow,
        principal=principal,
        consultation_id=consultation_id,
        plugins=runtime.plugins,
        sealer=runtime.sealer,
        now=runtime.clock.now(),
    )


async def _thread_page(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    consultation_id: int,
    *,
    body: str = "",
    errors: list[FormError] | None = None,
    status_code: int = 200,
) -> Template:
    view = await runtime.run_db(_thread, uow, runtime, request.user, consultation_id)
    errors = errors or []
    return page(
        request,
        "consultation.html",
        status_code=status_code,
        consultation=view,
        body=body,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        max_length=TEXT_MAX,
    )


@get("/consultations/{consultation_id:int}", guards=BOOKERS, name="web-consultation")
async def consultation_thread(
    request: Request[Principal, Any, Any],
    consultation_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    return await _thread_page(request, uow, runtime, consultation_id)


@post(
    "/consultations/{consultation_id:int}/messages",
    guards=BOOKERS,
    name="web-consultation-reply",
    status_code=303,
)
async def reply(
    request: Request[Principal, Any, Any],
    consultation_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    body = str((await request.form()).get("body") or "")[: TEXT_MAX + 1]
    try:
        await runtime.run_db(
            consultations.post_message,
            uow,
            principal=request.user,
            consultation_id=consultation_id,
            body=body,
            plugins=runtime.plugins,
            sealer=runtime.sealer,
            now=runtime.clock.now(),
        )
    except DomainError as exc:
        uow.rollback()
        if exc.kind != "invalid":
            raise  # not hers to answer (404) or its consent withdrawn (403): the error page
        return await _thread_page(
            request,
            uow,
            runtime,
            consultation_id,
            body=body,
            errors=[consultation_error(exc)],
            status_code=422,
        )
    return see_other(f"/consultations/{consultation_id}#latest")


ROUTES = [consultation_list, new_consultation, open_consultation, consultation_thread, reply]
