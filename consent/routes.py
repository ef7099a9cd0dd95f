"""API routes of the consent plugin (registered through sotesilta_register_routes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Annotated, Any

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from sotesilta.consent import services
from sotesilta.core.plugin_api import HELSINKI, InputInvalid, Principal, require_aware
from sotesilta.core.plugin_api.data import AccessReasonIn, UnitOfWork, parse_reason

#: a read without a client relationship states its reason in the query (GET, withdraw)
REASON_CODE = Annotated[
    str | None,
    msgspec.Meta(description="access_reason: why you open a client you have no relationship with"),
]
REASON_DETAIL = Annotated[str | None, msgspec.Meta(max_length=500, description="the reason in your words")]


class ConsentIn(msgspec.Struct, kw_only=True):
    scope: Annotated[
        str, msgspec.Meta(description="named_consultation, information_exchange or contact_social_care")
    ]
    recipient: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            description="the county's social care by its code (e.g. 03), or a named organisation or unit",
        ),
    ]
    given_how: Annotated[str, msgspec.Meta(description="oral, written or electronic")]
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    #: needed when the user has no client relationship with the client (see docs/api.md)
    access_reason: AccessReasonIn | None = None


@post(
    "/api/v1/clients/{client_id:int}/consents",
    operation_id="createConsent",
    tags=["consent"],
    status_code=201,
    summary="Record a client's consent",
    sync_to_thread=True,
)
def create_consent(
    client_id: FromPath[int],
    data: JSONBody[ConsentIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> services.ConsentView:
    view = services.create_consent(
        uow,
        principal=principal,
        client_id=client_id,
        scope=data.scope,
        recipient=data.recipient,
        given_how=data.given_how,
        valid_from=require_aware(data.valid_from, "valid_from"),
        valid_until=require_aware(data.valid_until, "valid_until"),
        reason=data.access_reason.reason() if data.access_reason else None,
    )
    return view


@post(
    "/api/v1/consents/{consent_id:int}/withdraw",
    operation_id="withdrawConsent",
    tags=["consent"],
    status_code=200,
    summary="Withdraw a consent: nothing new may use it",
    sync_to_thread=True,
)
def withdraw_consent(
    consent_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    access_reason: FromQuery[REASON_CODE] = None,
    access_reason_detail: FromQuery[REASON_DETAIL] = None,
) -> services.ConsentView:
    return services.withdraw_consent(
        uow,
        principal=principal,
        consent_id=consent_id,
        reason=parse_reason(access_reason, access_reason_detail),
    )


@get(
    "/api/v1/clients/{client_id:int}/consents",
    operation_id="listConsents",
    tags=["consent"],
    summary="A client's consents, live and withdrawn",
    sync_to_thread=True,
)
def list_consents(
    client_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    access_reason: FromQuery[REASON_CODE] = None,
    access_reason_detail: FromQuery[REASON_DETAIL] = None,
) -> list[services.ConsentView]:
    return services.list_consents(
        uow,
        principal=principal,
        client_id=client_id,
        reason=parse_reason(access_reason, access_reason_detail),
    )


@get(
    "/api/v1/clients/{client_id:int}/access-log",
    operation_id="getClientAccessLog",
    tags=["consent"],
    summary="Who used the client's data, when and on what basis (default: the last 12 months)",
    sync_to_thread=True,
)
def get_client_access_log(
    client_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    now: NamedDependency[datetime],
    start: FromQuery[datetime | None] = None,
    until: FromQuery[datetime | None] = None,
    reason: FromQuery[str | None] = None,
    format: FromQuery[str] = "json",
    access_reason: FromQuery[REASON_CODE] = None,
    access_reason_detail: FromQuery[REASON_DETAIL] = None,
) -> Response[Any]:
    if format not in ("json", "html"):
        raise InputInvalid("format is json or html", field="format")
    begin = require_aware(start, "start") or now - timedelta(days=365)
    end = require_aware(until, "until") or now + timedelta(seconds=1)
    rows = services.access_report(
        uow,
        principal=principal,
        client_id=client_id,
        start=begin,
        end=end,
        reason=reason,
        access_reason=parse_reason(access_reason, access_reason_detail),
    )
    if format == "html":
        return Response(printable_report(client_id, begin, end, rows), media_type="text/html; charset=utf-8")
    return Response(rows)


def printable_report(
    client_id: int, start: datetime, end: datetime, rows: list[services.AccessReportRow]
) -> str:
    """A self-contained page to print and hand to the client (Finnish, times in Helsinki)."""

    def when(moment: datetime) -> str:
        local = moment.astimezone(HELSINKI)
        return f"{local.day}.{local.month}.{local.year} {local:%H.%M}"

    def basis(row: services.AccessReportRow) -> str:
        if not row.flagged:
            return escape(row.basis) + (f" ({escape(row.reason)})" if row.reason else "")
        # no client relationship: the client sees it marked, with the reason the user gave
        return f"<strong>⚠ Ilmoitettu syy</strong>: {escape(row.reason or '')}"

    body = "".join(
        f"<tr><td>{escape(when(r.at))}</td><td>{escape(r.who)}</td><td>{escape(r.role)}</td>"
        f"<td>{escape(r.action)}</td><td>{escape(r.what)}</td><td>{basis(r)}</td></tr>"
        for r in rows
    )
    return (
        '<!doctype html><html lang="fi"><head><meta charset="utf-8">'
        "<title>Tietojesi käsittely</title></head><body>"
        f"<h1>Kuka on käsitellyt tietojasi</h1><p>Asiakas {client_id}, {escape(when(start))} – "
        f"{escape(when(end))}</p><table><thead><tr><th>Aika</th><th>Käsittelijä</th><th>Rooli</th>"
        "<th>Toiminto</th><th>Tieto</th><th>Peruste</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


ROUTES = [create_consent, withdraw_consent, list_consents, get_client_access_log]
