"""The consent plugin's pages: find (or register) the client, record the client's consent, see
the client's consents and withdraw one.

Registered through ``sotesilta_register_routes`` as a page router of core's web layer (its form
check and error pages), rendering the plugin's own ``consent_find.html`` and ``consent.html``
(in ``templates/`` beside this module, translated through its own ``locale/``). Every reading
and change goes through a use case (this plugin's ``services``, core's ``clients``), which
decides who may see what and writes the access log: staff with a client relationship may;
other staff of the county state a reason first (a code and their own words, asked for here
and logged), and anyone else finds nothing. A client shows as a client number, never a name.

A page that sends the nurse here, such as the consultation form, passes where to return
(``next``, a path on this site) and the consent it needs (``for_scope``, ``for_recipient``); the
client's page then leads back there with the client's number (``client=``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.consent import services
from sotesilta.consent.plugin import CONSENT_SCOPES
from sotesilta.core.plugin_api import (
    AccessReason,
    AccessReasonCode,
    ConsentGiven,
    ConsentScope,
    DomainError,
    InputInvalid,
    Principal,
    Runtime,
    local_date,
    local_to_utc,
)
from sotesilta.core.plugin_api.data import (
    UnitOfWork,
    create_client,
    find_client_by_identity_code,
    parse_reason,
)
from sotesilta.core.plugin_api.web import (
    BOOKERS,
    county_choices,
    is_number,
    language_of,
    municipality_choices,
    page,
    page_router,
    refusal_status,
    safe_next,
    see_other,
    text_field,
)

FIND_PATH = "/consents"
GIVEN_HOW = tuple(g.value for g in ConsentGiven)
#: the form's fields the use cases name, by the input they concern
RECORD_TARGETS = {
    "scope": "scope",
    "recipient": "recipient",
    "given_how": "given-how",
    "valid_from": "valid-from",
    "valid_until": "valid-until",
}

REGISTER_TARGETS = {"name": "name", "language": "language", "identity_code": "register-identity-code"}
REASON_CODES = tuple(r.value for r in AccessReasonCode)
#: the refusal that asks for a stated reason (no client relationship): the form asks for one
REASON_REQUIRED = "access-reason-required"


@dataclass
class ReasonForm:
    """The reason a user states to open a client they have no relationship with."""

    code: str = ""
    detail: str = ""
    asked: bool = False  # refused for want of one: the form shows the reason's fields

    @classmethod
    def read(cls, posted: Mapping[str, Any]) -> ReasonForm:
        return cls(text_field(posted, "access_reason", 40), text_field(posted, "access_reason_detail", 501))

    def reason(self) -> AccessReason | None:
        """The stated reason; InputInvalid (field ``access_reason.*``) when it is not one."""
        return parse_reason(self.code, self.detail)


def _asks_reason(exc: DomainError) -> bool:
    return exc.code == REASON_REQUIRED


# --- where the nurse came from ------------------------------------------------------


@dataclass(frozen=True)
class Detour:
    """The page to return to, and the consent it needs (preselected in the form)."""

    next: str = ""
    scope: str = ConsentScope.NAMED_CONSULTATION.value
    recipient: str = ""

    @classmethod
    def read(cls, values: Mapping[str, Any]) -> Detour:
        scope = str(values.get("for_scope") or "")
        return cls(
            next=safe_next(str(values.get("next") or "")[:500], ""),
            scope=scope if scope in CONSENT_SCOPES else cls.scope,
            recipient=str(values.get("for_recipient") or "").strip()[:200],
        )

    def query(self, **extra: object) -> str:
        """The detour (and ``extra``) as a query string for the next page."""
        params = {"next": self.next, "for_scope": self.scope, "for_recipient": self.recipient}
        params.update({key: str(value) for key, value in extra.items()})
        kept = {key: value for key, value in params.items() if value}
        return f"?{urlencode(kept)}" if kept else ""

    def back(self, client_id: int) -> str:
        """The page to return to, naming the client; empty when none was given."""
        if not self.next:
            return ""
        parts = urlsplit(self.next)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "client"] + [("client", str(client_id))]
        return f"{parts.path}?{urlencode(query)}"


def _scopes(request: Request[Principal, Any, Any]) -> list[tuple[str, str]]:
    language = language_of(request)
    return [(code, labels.get(language) or labels["fi"]) for code, labels in CONSENT_SCOPES.items()]


# --- finding or registering the client -------------------------------------------------


@dataclass
class FindForm:
    identity_code: str = ""
    name: str = ""
    municipality: str = ""
    language: str = "fi"
    not_found: bool = False  # searched, and nobody: offer to register the client
    errors: list[str] = field(default_factory=list)
    reason: ReasonForm = field(default_factory=ReasonForm)


def _find_page(
    request: Request[Principal, Any, Any], detour: Detour, form: FindForm, status_code: int = 200
) -> Template:
    return page(
        request,
        "consent_find.html",
        status_code=status_code,
        detour=detour,
        form=form,
        errors=form.errors,
        municipalities=municipality_choices(request),
        reason_codes=REASON_CODES,
    )


@get(FIND_PATH, guards=BOOKERS, name="web-consents")
async def find_page(request: Request[Principal, Any, Any]) -> Template:
    """Whose consent: the client is found by identity code (typed, never in an address)."""
    detour = Detour.read(request.query_params)
    municipalities = sorted(request.user.municipalities)
    preferred = detour.recipient if detour.recipient in municipalities else ""
    return _find_page(request, detour, FindForm(municipality=preferred or next(iter(municipalities), "")))


async def _posted(request: Request[Principal, Any, Any]) -> tuple[Detour, Mapping[str, Any]]:
    posted = await request.form()
    return Detour.read(posted), posted


@post(f"{FIND_PATH}/find", guards=BOOKERS, name="web-consents-find", status_code=303)
async def find_client(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    detour, posted = await _posted(request)
    form = FindForm(
        identity_code=str(posted.get("identity_code") or "").strip()[:20],
        municipality=str(posted.get("municipality") or "").strip()[:3],
        reason=ReasonForm.read(posted),
    )
    try:
        found = await runtime.run_db(
            find_client_by_identity_code,
            uow,
            principal=request.user,
            identity_code=form.identity_code,
            index_key=runtime.index_key,
            reason=form.reason.reason(),
        )
    except DomainError as exc:
        uow.rollback()
        if _asks_reason(exc):  # no relationship (or nobody: the answer is the same): ask why
            asked = replace(form, reason=replace(form.reason, asked=True), errors=["access-reason"])
            return _find_page(request, detour, asked, 403)
        if exc.field and exc.field.startswith("access_reason"):
            asked = replace(form, reason=replace(form.reason, asked=True), errors=["access-reason"])
            return _find_page(request, detour, asked, 422 if exc.kind == "invalid" else 403)
        if exc.kind == "not_found":  # nobody of her county has that code: register them
            return _find_page(request, detour, replace(form, not_found=True))
        status = refusal_status(uow, exc)
        return _find_page(request, detour, replace(form, errors=["find-identity-code"]), status)
    return see_other(f"/clients/{found.id}/consents{detour.query()}")


@post(f"{FIND_PATH}/register", guards=BOOKERS, name="web-consents-register", status_code=303)
async def register_client(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    detour, posted = await _posted(request)
    form = FindForm(
        identity_code=str(posted.get("identity_code") or "").strip()[:20],
        name=str(posted.get("name") or "").strip()[:201],
        municipality=str(posted.get("municipality") or "").strip()[:3],
        language=str(posted.get("language") or "").strip()[:2],
        not_found=True,
    )
    # found again by identity code: the page registers no one without it
    blanks = [
        target
        for value, target in ((form.name, "name"), (form.identity_code, "register-identity-code"))
        if not value
    ]
    if blanks:
        return _find_page(request, detour, replace(form, errors=blanks), 422)
    try:
        registered = await runtime.run_db(
            create_client,
            uow,
            principal=request.user,
            municipality=form.municipality,
            name=form.name,
            identity_code=form.identity_code,
            phone=None,
            language=form.language,
            index_key=runtime.index_key,
        )
    except DomainError as exc:
        uow.rollback()
        if exc.kind == "forbidden":
            raise
        if exc.kind == "conflict":
            target = "registered"
        elif exc.kind == "not_found":
            target = "municipality"
        else:
            target = REGISTER_TARGETS.get(exc.field or "", "register-identity-code")
        status = 409 if exc.kind == "conflict" else 422
        return _find_page(request, detour, replace(form, errors=[target]), status)
    return see_other(f"/clients/{registered.id}/consents{detour.query()}")


# --- the client's consents ---------------------------------------------------------------


@dataclass
class ConsentForm:
    """What the nurse chose, kept to show again when something is refused."""

    scope: str = ""
    recipient: str = ""
    recipient_other: str = ""
    given_how: str = ""
    valid_from: str = ""
    valid_until: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_form(cls, posted: Mapping[str, Any]) -> ConsentForm:
        return cls(
            scope=text_field(posted, "scope", 40),
            recipient=text_field(posted, "recipient", 3),  # a county code; longer is refused
            recipient_other=text_field(posted, "recipient_other", 201),
            given_how=text_field(posted, "given_how", 20),
            valid_from=text_field(posted, "valid_from", 10),
            valid_until=text_field(posted, "valid_until", 10),
        )


def _day(value: str, name: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InputInvalid("give the day as YYYY-MM-DD", field=name) from None


def _validity(form: ConsentForm, now: datetime) -> tuple[datetime | None, datetime | None]:
    """From the first day's start (from now on, if it is today) to the end of the last day."""
    start = None
    if form.valid_from:
        first = _day(form.valid_from, "valid_from")
        start = None if first == local_date(now) else local_to_utc(first, time(0))
    end = None
    if form.valid_until:
        end = local_to_utc(_day(form.valid_until, "valid_until") + timedelta(days=1), time(0))
    return start, end


@dataclass(frozen=True)
class ClientConsents:
    consents: list[services.ConsentView]
    names: dict[int, str]


def _client_consents(uow: UnitOfWork, principal: Principal, client_id: int) -> ClientConsents:
    listed = services.list_consents(uow, principal=principal, client_id=client_id)
    return ClientConsents(listed, services.staff_names(uow, {c.recorded_by for c in listed}))


async def _client_page(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    client_id: int,
    detour: Detour,
    form: ConsentForm,
    *,
    status_code: int = 200,
    recorded: int | None = None,
    withdrawn: int | None = None,
) -> Template:
    try:
        screen = await runtime.run_db(_client_consents, uow, request.user, client_id)
    except DomainError as exc:
        uow.rollback()
        if not _asks_reason(exc):
            raise  # a manager's or admin's: the error page
        # no relationship and no reason stated yet: the page asks for one, shows nothing
        return _reason_page(request, client_id, detour, ReasonForm(asked=True))
    return page(
        request,
        "consent.html",
        status_code=status_code,
        client_id=client_id,
        consents=screen.consents,
        names=screen.names,
        now=runtime.clock.now(),
        today=local_date(runtime.clock.now()).isoformat(),
        last_moment=lambda end: end - timedelta(microseconds=1),  # an end is exclusive
        detour=detour,
        back=detour.back(client_id),
        form=form,
        errors=form.errors,
        recorded=recorded,
        withdrawn=withdrawn,
        scopes=_scopes(request),
        counties=county_choices(request),
        given_how=GIVEN_HOW,
    )


def _reason_page(
    request: Request[Principal, Any, Any],
    client_id: int,
    detour: Detour,
    reason: ReasonForm,
    errors: list[str] | None = None,
) -> Template:
    return page(
        request,
        "consent_reason.html",
        status_code=403 if not errors else 422,
        client_id=client_id,
        detour=detour,
        reason=reason,
        reason_codes=REASON_CODES,
        errors=errors or [],
    )


def _blank(request: Request[Principal, Any, Any], detour: Detour) -> ConsentForm:
    """The county's social care, or the organisation the page that sent the nurse here named."""
    counties = sorted(request.user.counties)
    recipient = detour.recipient if detour.recipient in counties else ""
    other = "" if recipient or is_number(detour.recipient) else detour.recipient
    return ConsentForm(
        scope=detour.scope,
        recipient=recipient or next(iter(counties), ""),
        recipient_other=other,
    )


def _flag(request: Request[Principal, Any, Any], name: str) -> int | None:
    value = request.query_params.get(name) or ""
    return int(value) if is_number(value) and len(value) < 12 else None


@get("/clients/{client_id:int}/consents", guards=BOOKERS, name="web-client-consents")
async def client_consents(
    request: Request[Principal, Any, Any],
    client_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    detour = Detour.read(request.query_params)
    return await _client_page(
        request,
        uow,
        runtime,
        client_id,
        detour,
        _blank(request, detour),
        recorded=_flag(request, "recorded"),
        withdrawn=_flag(request, "withdrawn"),
    )


def _record(
    uow: UnitOfWork, runtime: Runtime, principal: Principal, client_id: int, form: ConsentForm
) -> services.ConsentView:
    now = runtime.clock.now()
    valid_from, valid_until = _validity(form, now)
    return services.create_consent(
        uow,
        principal=principal,
        client_id=client_id,
        scope=form.scope,
        recipient=form.recipient_other or form.recipient,
        given_how=form.given_how,
        valid_from=valid_from,
        valid_until=valid_until,
    )


@post("/clients/{client_id:int}/consents", guards=BOOKERS, name="web-client-consents-record", status_code=303)
async def record_consent(
    request: Request[Principal, Any, Any],
    client_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    detour, posted = await _posted(request)
    form = ConsentForm.from_form(posted)
    try:
        recorded = await runtime.run_db(_record, uow, runtime, request.user, client_id, form)
    except DomainError as exc:
        if _asks_reason(exc):
            uow.rollback()
            return _reason_page(request, client_id, detour, ReasonForm(asked=True))
        status = refusal_status(uow, exc)  # not hers: the 404 page
        form.errors = ["live"] if status == 409 else [RECORD_TARGETS.get(exc.field or "", "scope")]
        return await _client_page(request, uow, runtime, client_id, detour, form, status_code=status)
    return see_other(f"/clients/{client_id}/consents{detour.query(recorded=recorded.id)}")


@post("/consents/{consent_id:int}/withdraw", guards=BOOKERS, name="web-consents-withdraw", status_code=303)
async def withdraw_consent(
    request: Request[Principal, Any, Any],
    consent_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    detour, posted = await _posted(request)
    try:
        withdrawn = await runtime.run_db(
            services.withdraw_consent,
            uow,
            principal=request.user,
            consent_id=consent_id,
        )
    except DomainError as exc:
        client_id = str(posted.get("client_id") or "")
        if _asks_reason(exc) and is_number(client_id) and len(client_id) < 12:
            uow.rollback()
            return _reason_page(request, int(client_id), detour, ReasonForm(asked=True))
        status = refusal_status(uow, exc)  # not hers, or no such consent: the 404 page
        if not is_number(client_id) or len(client_id) > 12:
            raise
        form = replace(_blank(request, detour), errors=["withdrawn"])
        return await _client_page(request, uow, runtime, int(client_id), detour, form, status_code=status)
    return see_other(f"/clients/{withdrawn.client_id}/consents{detour.query(withdrawn=withdrawn.id)}")


@post(
    "/clients/{client_id:int}/consents/open",
    guards=BOOKERS,
    name="web-client-consents-open",
    status_code=303,
)
async def open_with_reason(
    request: Request[Principal, Any, Any],
    client_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """The reason stated: it is recorded and logged with this reading, then the page shows."""
    detour, posted = await _posted(request)
    reason = ReasonForm.read(posted)
    try:
        stated = reason.reason()
        if stated is None:
            raise InputInvalid("state a reason", field="access_reason.code")
        await runtime.run_db(
            services.list_consents, uow, principal=request.user, client_id=client_id, reason=stated
        )
    except DomainError as exc:
        uow.rollback()
        if exc.kind == "invalid":
            return _reason_page(request, client_id, detour, replace(reason, asked=True), ["access-reason"])
        raise  # not of her county, a role that may not state it: the error pages
    return see_other(f"/clients/{client_id}/consents{detour.query()}")


def pages() -> Any:
    """The router of these pages, for ``sotesilta_register_routes``."""
    return page_router(
        [
            find_page,
            find_client,
            register_client,
            client_consents,
            record_consent,
            withdraw_consent,
            open_with_reason,
        ]
    )
