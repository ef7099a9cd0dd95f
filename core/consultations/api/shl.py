"""SHL §35 notifications: sent to the county's receiving unit, followed up in its inbox."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from sotesilta.core.consultations.domain import ShlGround, ShlStatus
from sotesilta.core.consultations.service import shl
from sotesilta.core.kernel.errors import RecordNotFound
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork

County = Annotated[str, msgspec.Meta(pattern=r"^\d{2}$", examples=["03"])]


class ShlIn(msgspec.Struct, kw_only=True):
    municipality: Annotated[str, msgspec.Meta(min_length=3, max_length=3, description="the sender's")]
    client_id: Annotated[int, msgspec.Meta(description="the person the notification concerns")]
    ground: Annotated[
        ShlGround,
        msgspec.Meta(
            description="consent (the person agreed: a contact_social_care consent to the receiving "
            "unit's key or the county's code), or without consent (SHL §35): cannot_look_after_self "
            "(evidently cannot look after own care, health or safety) or child_interest"
        ),
    ]
    summary: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    ground_without_consent: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=4000,
                description="without consent: what shows the ground (20+ characters); none with consent",
            ),
        ]
        | None
    ) = None


class ShlStatusIn(msgspec.Struct, kw_only=True):
    status: Annotated[ShlStatus, msgspec.Meta(description="forward only: received, in_progress, closed")]


class ShlReceiverIn(msgspec.Struct, kw_only=True):
    unit_id: Annotated[int, msgspec.Meta(description="an active unit of the county (its intake unit)")]
    secure_email: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=254,
                description="the unit's secure mailbox; delivered to once the message outbox exists",
            ),
        ]
        | None
    ) = None


@post(
    "/api/v1/shl-notifications",
    operation_id="createShlNotification",
    tags=["consultations"],
    status_code=201,
    summary="Notify the county's receiving unit of a person's need for social care (SHL §35)",
    sync_to_thread=True,
)
def create_shl_notification(
    data: JSONBody[ShlIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> shl.ShlView:
    return shl.create_shl_notification(
        uow,
        principal=principal,
        municipality=data.municipality,
        client_id=data.client_id,
        ground=data.ground,
        summary=data.summary,
        ground_without_consent=data.ground_without_consent,
    )


@get(
    "/api/v1/shl-notifications",
    operation_id="listShlNotifications",
    tags=["consultations"],
    summary="My unit's inbox of SHL notifications (box=inbox), or those I sent (box=sent)",
    sync_to_thread=True,
)
def list_shl_notifications(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    box: FromQuery[Literal["inbox", "sent"]] = "inbox",
    open_only: FromQuery[bool] = False,
    limit: FromQuery[int] = 100,
) -> list[shl.ShlView]:
    return shl.list_shl_notifications(uow, principal=principal, box=box, open_only=open_only, limit=limit)


@get(
    "/api/v1/shl-notifications/{notification_id:int}",
    operation_id="getShlNotification",
    tags=["consultations"],
    summary="One notification: the receiving unit sees the person (logged); the sender its status",
    sync_to_thread=True,
)
def get_shl_notification(
    notification_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> shl.ShlView:
    return shl.read_shl_notification(uow, principal=principal, notification_id=notification_id)


@post(
    "/api/v1/shl-notifications/{notification_id:int}/acknowledge",
    operation_id="acknowledgeShlNotification",
    tags=["consultations"],
    status_code=200,
    summary="The receiving unit confirms it has the notification (sent → received)",
    sync_to_thread=True,
)
def acknowledge_shl_notification(
    notification_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> shl.ShlView:
    return shl.acknowledge_shl_notification(uow, principal=principal, notification_id=notification_id)


@post(
    "/api/v1/shl-notifications/{notification_id:int}/status",
    operation_id="updateShlNotificationStatus",
    tags=["consultations"],
    status_code=200,
    summary="The receiving unit moves a notification on (received, in_progress, closed; forward only)",
    sync_to_thread=True,
)
def update_shl_notification_status(
    notification_id: FromPath[int],
    data: JSONBody[ShlStatusIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> shl.ShlView:
    return shl.move_shl_notification(
        uow, principal=principal, notification_id=notification_id, status=data.status
    )


@get(
    "/api/v1/counties/{county:str}/shl-receiver",
    operation_id="getShlReceiver",
    tags=["consultations"],
    summary="Where the county's SHL notifications go (its admins)",
    sync_to_thread=True,
)
def get_shl_receiver(
    county: FromPath[County],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> shl.ShlReceiverView:
    found = shl.get_receiver(uow, principal=principal, county=county)
    if found is None:
        raise RecordNotFound(f"county {county} has not named its receiving unit yet", field="county")
    return found


@put(
    "/api/v1/counties/{county:str}/shl-receiver",
    operation_id="setShlReceiver",
    tags=["consultations"],
    summary="Name the unit that receives the county's SHL notifications (its admins)",
    sync_to_thread=True,
)
def set_shl_receiver(
    county: FromPath[County],
    data: JSONBody[ShlReceiverIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> shl.ShlReceiverView:
    return shl.set_receiver(
        uow, principal=principal, county=county, unit_id=data.unit_id, secure_email=data.secure_email
    )


ROUTES = [
    list_shl_notifications,
    create_shl_notification,
    get_shl_notification,
    acknowledge_shl_notification,
    update_shl_notification_status,
    get_shl_receiver,
    set_shl_receiver,
]
