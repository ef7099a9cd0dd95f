"""Consulting social care: a nurse asks, an instructor of the municipality answers.

A consultation is anonymous unless the nurse names the client: the page then
carries only the client's number, and the use case opens it only under the
client's ``named_consultation`` consent to the consulted municipality's social
care, in force at that moment (refused here as 409, the form kept). The consent
plugin's pages record that consent: the form links there when they are served
(``page_exists``), passing where to return (``next``) and the consent needed
(``for_scope``, ``for_recipient``); they come back with ``client=<number>``.
The nurse may address the question to one of the municipality's instructors.
A named consultation is read and answered here like any other, and the use
cases check its consent at every use; the client's name and identity code are shown to the
one who asked and to the instructor it is addressed to (each such read logged), never to
others of social care.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.accounts import public as accounts
from sotesilta.core.accounts.public import StaffContact
from sotesilta.core.consultations import service as consultations
from sotesilta.core.consultations.service import TEXT_MAX, Channel, ConsultationView, NamedClient
from sotesilta.core.kernel.errors import (
    AccessReasonRequired,
    ConsentMissing,
    DomainError,
    InputInvalid,
    RecordNotFound,
)
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.privacy import ConsentScope
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import BOOKERS, county_of, is_number, municipality_choices
from sotesilta.core.kernel.web.forms import FormError, counted_error
from sotesilta.core.kernel.web.i18n import N_, N_plural
from sotesilta.core.kernel.web.rendering import language_of, page, page_exists, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import WorkerTitle, WorkerView

#: how many consultations the list shows
LISTED = 100
#: whom health staff may address a question to: the county's social care (its instructors there)
SOCIAL_CARE_TITLES = frozenset(
    t.value
    for t in (
        WorkerTitle.SOCIAL_INSTRUCTOR,
        WorkerTitle.SOCIAL_WORKER,
        WorkerTitle.SOCIAL_ADVISER,
        WorkerTitle.PSYCHIATRIC_NURSE,
    )
)
#: message for a refusal, by the field the use case names
FIELD_MESSAGES: dict[str, str | tuple[str, str]] = {
    "question": N_plural(
        "Write the question (at most %(num)s character).", "Write the question (at most %(num)s characters)."
    ),
    "body": N_plural(
        "Write the answer (at most %(num)s character).", "Write the answer (at most %(num)s characters)."
    ),
    "municipality": N_("Choose the municipality whose social care you consult."),
    "to_worker_id": N_(
        "Choose an instructor of the municipality you consult, or leave the choice to its social care."
    ),
    "client_id": N_(
        "The client was not found in your county, or you have no client relationship with them: "
        "find the client again on the consents page."
    ),
}
TARGETS = {
    "question": "question",
    "body": "body",
    "municipality": "municipality",
    "to_worker_id": "to-worker",
    "client_id": "client-named",
}
CONSENT_MISSING = N_(
    "Client no. %(client)s has no consent to a named consultation with the social care of "
    "%(municipality)s in force: it was not recorded, or it was withdrawn or has expired. "
    "Record the consent, or send the question anonymously."
)


def consultation_error(exc: DomainError) -> FormError:
    message = FIELD_MESSAGES.get(exc.field or "", N_("The message could not be sent: %(reason)s"))
    target = TARGETS.get(exc.field or "", "")
    if isinstance(message, tuple):
        return counted_error(message, target, TEXT_MAX)
    params = {} if exc.field in FIELD_MESSAGES else {"reason": exc.detail}
    return FormError(message, params, target)


@dataclass
class QuestionForm:
    """What the nurse chose and wrote, kept to show again when something is refused."""

    municipality: str = ""
    question: str = ""
    to_worker_id: str = ""  # empty: anyone in the county's social care there
    client: str = ""  # the client's number, once the consent pages sent her back with one
    named: bool = False  # whether she names that client (or sends it anonymously after all)
    errors: list[FormError] = field(default_factory=list)

    @classmethod
    def from_form(cls, posted: FormMultiDict) -> QuestionForm:
        client = str(posted.get("client") or "").strip()[:12]
        return cls(
            municipality=str(posted.get("municipality") or "").strip()[:3],
            question=str(posted.get("question") or "")[: TEXT_MAX + 1],
            to_worker_id=str(posted.get("to_worker_id") or "").strip()[:12],
            client=client,
            named=bool(client) and posted.get("naming") == "named",
        )

    def worker_id(self) -> int | None:
        if not self.to_worker_id:
            return None
        if not is_number(self.to_worker_id):
            raise InputInvalid("choose an instructor from the list", field="to_worker_id")
        return int(self.to_worker_id)

    def client_id(self) -> int | None:
        if not self.named:
            return None
        if not is_number(self.client):
            raise InputInvalid("no such client", field="client_id")
        return int(self.client)


def _workers(uow: UnitOfWork, principal: Principal) -> dict[int, WorkerView]:
    """The professionals of her municipalities, by id (staff names are not client data)."""
    return {w.id: w for w in organisations.list_workers(uow, municipalities=principal.municipalities)}


def _list(
    uow: UnitOfWork, principal: Principal
) -> tuple[list[tuple[ConsultationView, int]], dict[int, WorkerView]]:
    found = consultations.list_consultations(uow, principal=principal, limit=LISTED)
    unread = consultations.unread_counts(uow, principal=principal)
    return [(c, unread.get(c.id, 0)) for c in found], _workers(uow, principal)


@get("/consultations", guards=BOOKERS, name="web-consultations")
async def consultation_list(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    listed, workers = await runtime.run_db(_list, uow, request.user)
    return page(request, "consultations.html", listed=listed, workers=workers)


def _consent_links(request: Request[Principal, Any, Any], form: QuestionForm) -> dict[str, str]:
    """The consent plugin's pages for this form, when they are served: finding the client and
    coming back here with the client's number, or (once named) that client's consents."""
    if not page_exists(request, "web-consents"):
        return {}
    # the recipient of a named consultation is the social care of the municipality's county
    recipient = county_of(request, form.municipality)
    need = {"for_scope": ConsentScope.NAMED_CONSULTATION.value, "for_recipient": recipient}
    back = {"municipality": form.municipality, "worker": form.to_worker_id}
    next_path = "/consultations/new?" + urlencode({k: v for k, v in back.items() if v})
    links = {"find": "/consents?" + urlencode({"next": next_path, **need})}
    if is_number(form.client):
        links["client"] = f"/clients/{form.client}/consents?" + urlencode(need)
    return links


async def _new_page(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    form: QuestionForm,
    status_code: int = 200,
) -> Template:
    workers = await runtime.run_db(_workers, uow, request.user)
    municipalities = municipality_choices(request)
    return page(
        request,
        "consultation_new.html",
        status_code=status_code,
        form=form,
        errors=form.errors,
        field_errors={e.target: e for e in form.errors if e.target},
        municipalities=municipalities,
        instructors=[
            (
                name,
                [w for w in workers.values() if code in w.municipalities and w.title in SOCIAL_CARE_TITLES],
            )
            for code, name in municipalities
        ],
        consent_links=_consent_links(request, form),
        max_length=TEXT_MAX,
    )


@get("/consultations/new", guards=BOOKERS, name="web-consultation-new")
async def new_consultation(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """A blank question; back from the consent pages, naming the client they found."""
    municipalities = sorted(request.user.municipalities)
    asked = request.query_params.get("municipality") or ""
    client = (request.query_params.get("client") or "")[:12]
    worker = (request.query_params.get("worker") or "")[:12]
    form = QuestionForm(
        municipality=asked if asked in municipalities else next(iter(municipalities), ""),
        to_worker_id=worker if is_number(worker) else "",
        client=client if is_number(client) else "",
        named=is_number(client),
    )
    return await _new_page(request, uow, runtime, form)


def _open(uow: UnitOfWork, principal: Principal, form: QuestionForm) -> ConsultationView:
    return consultations.create_consultation(
        uow,
        principal=principal,
        municipality=form.municipality,
        channel=Channel.CHAT,
        question=form.question,
        client_id=form.client_id(),
        to_worker_id=form.worker_id(),
    )


@post("/consultations", guards=BOOKERS, name="web-consultation-open", status_code=303)
async def open_consultation(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = QuestionForm.from_form(await request.form())
    try:
        view = await runtime.run_db(_open, uow, request.user, form)
    except ConsentMissing:
        # the one rule, the use case's: a name only under the client's consent in force
        uow.rollback()
        name = dict(municipality_choices(request)).get(form.municipality, form.municipality)
        params = {"client": form.client, "municipality": name}
        form.errors = [FormError(CONSENT_MISSING, params, "client-named")]
        return await _new_page(request, uow, runtime, form, status_code=409)
    except DomainError as exc:
        uow.rollback()
        if isinstance(exc, AccessReasonRequired):
            # no relationship with that client number: told as "no such client" beside the field
            # (the consent pages, where the client is found, ask for a reason)
            exc = RecordNotFound(exc.detail, field="client_id")
        if exc.kind not in ("invalid", "not_found"):
            raise
        form.errors = [consultation_error(exc)]
        return await _new_page(request, uow, runtime, form, status_code=422)
    return see_other(f"/consultations/{view.id}")


@dataclass(frozen=True)
class Thread:
    """A consultation's page: the thread, who asked (and from where), whom it names (to those
    who may see that), and the professionals, by id."""

    consultation: ConsultationView
    asker: StaffContact
    named: NamedClient | None
    workers: dict[int, WorkerView]


def _thread(uow: UnitOfWork, principal: Principal, consultation_id: int) -> Thread:
    view = consultations.read_thread(
        uow,
        principal=principal,
        consultation_id=consultation_id,
    )
    named = consultations.identify_client(uow, principal=principal, consultation_id=consultation_id)
    asker = accounts.staff_contact(uow, user_id=view.asked_by)
    return Thread(view, asker, named, _workers(uow, principal))


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
    thread = await runtime.run_db(_thread, uow, request.user, consultation_id)
    errors = errors or []
    return page(
        request,
        "consultation.html",
        status_code=status_code,
        consultation=thread.consultation,
        workers=thread.workers,
        asker=thread.asker,
        asker_station=thread.asker.station_name(language_of(request)),
        named=thread.named,
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
