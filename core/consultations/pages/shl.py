"""SHL §35 notifications on pages: the sender's form and list, the receiving unit's inbox.

The sender names the person by client number (found on the consent pages, which send her
back here with ``client=<number>``, as the consultation form does), chooses the ground —
the person's consent, or one of §35's two grounds without it — and writes what she saw. The
notification goes to the unit the county named; her list shows how far it has got. The
receiving unit's members see the inbox, open a notification (the person's name and identity
code: logged under the unit's worklist) and move it on with one button per next status.
The county's admin names the receiving unit on ``/admin/shl-receiver``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.accounts import public as accounts
from sotesilta.core.consultations.domain import SHL_ORDER, ShlGround, ShlStatus
from sotesilta.core.consultations.service import TEXT_MAX, shl
from sotesilta.core.kernel.errors import AccessReasonRequired, ConsentMissing, DomainError, RecordNotFound
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.privacy import ConsentScope
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS, BOOKERS, county_of, is_number
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import page, page_exists, refusal_status, see_other

#: a refusal's message, by the field the use case names
MESSAGES = {
    "client_id": N_(
        "Find the client first: the client was not found in your county, or you have no client "
        "relationship with them."
    ),
    "ground": N_("Choose the ground of the notification."),
    "ground_without_consent": N_(
        "Say what shows the ground for notifying without consent (at least 20 characters); "
        "with consent, leave it empty."
    ),
    "summary": N_("Describe the need for social care (at most 4000 characters)."),
    "municipality": N_(
        "Your county has not named the unit that receives SHL notifications: ask its administrator."
    ),
    "consent": N_(
        "Client no. %(client)s has no consent to contacting social care in force. Record the "
        "consent, or choose a ground without consent if one applies."
    ),
    "unit_id": N_("Choose an active unit of the county."),
    "secure_email": N_("Give an e-mail address, or leave it empty."),
    "county": N_("Choose your county."),
}
TARGETS = {
    "client_id": "client",
    "ground": "ground",
    "ground_without_consent": "ground-detail",
    "summary": "summary",
    "municipality": "municipality",
    "consent": "ground",
    "unit_id": "unit",
    "secure_email": "secure-email",
    "county": "county",
}


def _error(exc: DomainError, **params: Any) -> FormError:
    name = "consent" if exc.code == "consent-missing" else exc.field or ""
    if name in MESSAGES:
        return FormError(MESSAGES[name], params, TARGETS[name])
    return FormError(N_("The change was not saved: %(reason)s"), {"reason": exc.detail}, "")


# --- the lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lists:
    inbox: list[shl.ShlView]
    sent: list[shl.ShlView]
    in_unit: bool


def _lists(uow: UnitOfWork, principal: Principal) -> Lists:
    in_unit = shl.own_unit(uow, principal) is not None
    inbox = shl.list_shl_notifications(uow, principal=principal, box="inbox") if in_unit else []
    sent = shl.list_shl_notifications(uow, principal=principal, box="sent")
    return Lists(inbox, sent, in_unit)


@get("/shl-notifications", guards=BOOKERS, name="web-shl-notifications")
async def shl_list(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    lists = await runtime.run_db(_lists, uow, request.user)
    return page(request, "shl_notifications.html", lists=lists)


# --- sending -----------------------------------------------------------------------------


@dataclass
class ShlForm:
    municipality: str = ""
    client: str = ""
    ground: str = ""
    ground_detail: str = ""
    summary: str = ""
    errors: list[FormError] = field(default_factory=list)


def _links(request: Request[Principal, Any, Any], form: ShlForm) -> dict[str, str]:
    """The consent plugin's pages: find the client (and come back), record a consent."""
    if not page_exists(request, "web-consents"):
        return {}
    need = {
        "for_scope": ConsentScope.CONTACT_SOCIAL_CARE.value,
        "for_recipient": county_of(request, form.municipality),
    }
    links = {"find": "/consents?" + urlencode({"next": "/shl-notifications/new", **need})}
    if is_number(form.client):
        links["client"] = f"/clients/{form.client}/consents?" + urlencode(need)
    return links


async def _new_page(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    form: ShlForm,
    status_code: int = 200,
) -> Template:
    receiver = await runtime.run_db(shl.receiving_unit_name, uow, form.municipality)
    return page(
        request,
        "shl_notification_new.html",
        status_code=status_code,
        form=form,
        errors=form.errors,
        field_errors={e.target: e for e in form.errors if e.target},
        grounds=[g.value for g in ShlGround],
        receiver=receiver,
        links=_links(request, form),
        max_length=TEXT_MAX,
    )


@get("/shl-notifications/new", guards=BOOKERS, name="web-shl-notification-new")
async def new_notification(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    client = (request.query_params.get("client") or "")[:12]
    form = ShlForm(
        municipality=next(iter(sorted(request.user.municipalities)), ""),
        client=client if is_number(client) else "",
    )
    return await _new_page(request, uow, runtime, form)


def _send(uow: UnitOfWork, principal: Principal, form: ShlForm) -> shl.ShlView:
    if not is_number(form.client):
        raise RecordNotFound("no such client", field="client_id")
    try:
        ground = ShlGround(form.ground)
    except ValueError:
        raise RecordNotFound("choose a ground", field="ground") from None
    return shl.create_shl_notification(
        uow,
        principal=principal,
        municipality=form.municipality,
        client_id=int(form.client),
        ground=ground,
        summary=form.summary,
        ground_without_consent=form.ground_detail or None,
    )


@post("/shl-notifications", guards=BOOKERS, name="web-shl-notification-send", status_code=303)
async def send_notification(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    municipalities = sorted(request.user.municipalities)
    chosen = text_field(posted, "municipality", 3)
    form = ShlForm(
        municipality=chosen if chosen in municipalities else next(iter(municipalities), ""),
        client=text_field(posted, "client", 12),
        ground=text_field(posted, "ground", 32),
        ground_detail=text_field(posted, "ground_detail", TEXT_MAX + 1),
        summary=text_field(posted, "summary", TEXT_MAX + 1),
    )
    try:
        view = await runtime.run_db(_send, uow, request.user, form)
    except ConsentMissing as exc:
        # the one rule, the use case's: on consent only while a consent is in force (kept as 409)
        uow.rollback()
        form.errors = [_error(exc, client=form.client)]
        return await _new_page(request, uow, runtime, form, status_code=409)
    except DomainError as exc:
        uow.rollback()
        if isinstance(exc, AccessReasonRequired):
            exc = RecordNotFound(exc.detail, field="client_id")  # find the client on the consent pages
        if exc.field is None or exc.kind not in ("invalid", "not_found", "conflict"):
            raise
        form.errors = [_error(exc, client=form.client)]
        return await _new_page(
            request, uow, runtime, form, status_code=409 if exc.kind == "conflict" else 422
        )
    return see_other(f"/shl-notifications/{view.id}")


# --- one notification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    notification: shl.ShlView
    receives: bool
    sender: accounts.StaffContact
    names: dict[int, str]


def _open(uow: UnitOfWork, principal: Principal, notification_id: int) -> Opened:
    view = shl.read_shl_notification(uow, principal=principal, notification_id=notification_id)
    receives = view.to_unit_id is not None and view.to_unit_id == shl.own_unit(uow, principal)
    sender = accounts.staff_contact(uow, user_id=view.from_user)
    names = {s.by_user: accounts.staff_contact(uow, user_id=s.by_user).name for s in view.history}
    return Opened(view, receives, sender, names)


async def _notification_page(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    notification_id: int,
    *,
    errors: list[FormError] | None = None,
    status_code: int = 200,
) -> Template:
    opened = await runtime.run_db(_open, uow, request.user, notification_id)
    current = SHL_ORDER.index(opened.notification.status)
    return page(
        request,
        "shl_notification.html",
        status_code=status_code,
        n=opened.notification,
        receives=opened.receives,
        sender=opened.sender,
        names=opened.names,
        next_statuses=[s.value for s in SHL_ORDER[current + 1 :]] if opened.receives else [],
        errors=errors or [],
    )


@get("/shl-notifications/{notification_id:int}", guards=BOOKERS, name="web-shl-notification")
async def notification_page(
    request: Request[Principal, Any, Any],
    notification_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    return await _notification_page(request, uow, runtime, notification_id)


@post(
    "/shl-notifications/{notification_id:int}/status",
    guards=BOOKERS,
    name="web-shl-notification-move",
    status_code=303,
)
async def move_notification(
    request: Request[Principal, Any, Any],
    notification_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    wanted = text_field(await request.form(), "status", 16)
    try:
        status = ShlStatus(wanted)
        await runtime.run_db(
            shl.move_shl_notification,
            uow,
            principal=request.user,
            notification_id=notification_id,
            status=status,
        )
    except ValueError:
        error = FormError(N_("Choose the next status."), {}, "")
        code = 422
    except DomainError as exc:
        code = refusal_status(uow, exc)  # not hers (404) or not the receiver (403): the error pages
        error = FormError(N_("Someone moved the notification meanwhile: see its status now."), {}, "")
    else:
        return see_other(f"/shl-notifications/{notification_id}")
    return await _notification_page(request, uow, runtime, notification_id, errors=[error], status_code=code)


# --- where the county's notifications go (its admin) ------------------------------------------


def _receiver_screen(uow: UnitOfWork, principal: Principal) -> tuple[list[Any], dict[str, Any]]:
    counties = sorted(principal.counties)
    units = shl.unit_choices(uow, principal=principal)
    current = {c: shl.get_receiver(uow, principal=principal, county=c) for c in counties}
    return units, current


def _receiver_values(now: shl.ShlReceiverView | None) -> dict[str, str]:
    if now is None:
        return {"unit_id": "", "secure_email": ""}
    return {"unit_id": str(now.unit_id), "secure_email": now.secure_email or ""}


async def _receiver_page(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    *,
    values: dict[str, str] | None = None,
    errors: list[FormError] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    units, current = await runtime.run_db(_receiver_screen, uow, request.user)
    county = next(iter(sorted(request.user.counties)), "")
    now = current.get(county)
    errors = errors or []
    return page(
        request,
        "admin_shl_receiver.html",
        status_code=status_code,
        county=county,
        units=units,
        current=now,
        form=values or _receiver_values(now),
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        saved=saved,
    )


@get("/admin/shl-receiver", guards=ADMINS, name="web-admin-shl-receiver")
async def receiver_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    return await _receiver_page(request, uow, runtime, saved=request.query_params.get("saved") == "1")


@post("/admin/shl-receiver", guards=ADMINS, name="web-admin-shl-receiver-save", status_code=303)
async def save_receiver(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    values = {
        "unit_id": text_field(posted, "unit_id", 12),
        "secure_email": text_field(posted, "secure_email", 255),
    }
    county = next(iter(sorted(request.user.counties)), "")
    try:
        if not is_number(values["unit_id"]):
            raise RecordNotFound("choose a unit", field="unit_id")
        await runtime.run_db(
            shl.set_receiver,
            uow,
            principal=request.user,
            county=county,
            unit_id=int(values["unit_id"]),
            secure_email=values["secure_email"] or None,
        )
    except DomainError as exc:
        uow.rollback()
        if exc.field is None:
            raise
        return await _receiver_page(
            request, uow, runtime, values=values, errors=[_error(exc)], status_code=422
        )
    return see_other("/admin/shl-receiver?saved=1")


ROUTES = [
    shl_list,
    new_notification,
    send_notification,
    notification_page,
    move_notification,
    receiver_page,
    save_receiver,
]
