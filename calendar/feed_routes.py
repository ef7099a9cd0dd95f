"""API routes: feed subscriptions, the feeds themselves, and the client's invitation."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any

import msgspec
from litestar import HttpMethod, Request, Response, delete, get, post, put, route
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from sotesilta.calendar import feeds, invitations, subscriptions, worker_invitations
from sotesilta.calendar.subscriptions import Feed, IssuedSubscription, Privacy, SubscriptionView
from sotesilta.calendar.worker_invitations import InvitationSettingView
from sotesilta.core.plugin_api import Principal, Runtime
from sotesilta.core.plugin_api.data import UnitOfWork, get_booking
from sotesilta.core.plugin_api.web import EXCLUDE_FROM_AUTH, problem_responses

CALENDAR = "text/calendar"  # the server adds "; charset=utf-8" to every text type
TAGS = ["calendar"]


class FeedSubscriptionIn(msgspec.Struct, kw_only=True):
    name: Annotated[
        str, msgspec.Meta(min_length=1, max_length=100, description="the device or app, e.g. 'work phone'")
    ]
    feed: Annotated[
        Feed, msgspec.Meta(description="mine (my appointments) or stations (my stations' sessions)")
    ] = "mine"
    privacy: Annotated[Privacy, msgspec.Meta(description="busy_only or pseudonymous")] = "busy_only"
    language: Annotated[str | None, msgspec.Meta(description="fi, sv or en; your own by default")] = None


@post(
    "/api/v1/me/feeds",
    operation_id="createFeedSubscription",
    tags=TAGS,
    summary="A secret calendar feed URL for one device or app (shown once)",
    sync_to_thread=True,
)
def create_feed_subscription(
    data: JSONBody[FeedSubscriptionIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> IssuedSubscription:
    return subscriptions.create_feed_subscription(
        uow,
        principal=principal,
        **msgspec.structs.asdict(data),
        base_url=runtime.settings.public_base_url,
    )


@get(
    "/api/v1/me/feeds",
    operation_id="listFeedSubscriptions",
    tags=TAGS,
    summary="My feed subscriptions, with when and by what each was last fetched",
    sync_to_thread=True,
)
def list_feed_subscriptions(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> list[SubscriptionView]:
    return subscriptions.list_feed_subscriptions(uow, principal=principal)


@delete(
    "/api/v1/me/feeds/{subscription_id:int}",
    operation_id="revokeFeedSubscription",
    tags=TAGS,
    status_code=200,
    summary="Revoke a feed: its URL answers 404 from now on",
    sync_to_thread=True,
)
def revoke_feed_subscription(
    subscription_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> SubscriptionView:
    return subscriptions.revoke_feed_subscription(uow, principal=principal, subscription_id=subscription_id)


class InvitationSettingIn(msgspec.Struct, kw_only=True):
    enabled: Annotated[
        bool, msgspec.Meta(description="send each booking of mine, made, moved or cancelled, to my calendar")
    ]
    address: (
        Annotated[str, msgspec.Meta(max_length=254, description="my calendar's e-mail address")] | None
    ) = None
    privacy: Annotated[Privacy, msgspec.Meta(description="busy_only or pseudonymous, as a feed")] = (
        "busy_only"
    )
    language: Annotated[str | None, msgspec.Meta(description="fi, sv or en; your own by default")] = None


@get(
    "/api/v1/me/calendar-invitations",
    operation_id="getCalendarInvitationSetting",
    tags=TAGS,
    summary="Whether my bookings reach my own calendar as e-mail invitations (iMIP), and where",
    sync_to_thread=True,
)
def get_calendar_invitation_setting(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> InvitationSettingView:
    return worker_invitations.get_invitation_setting(uow, principal=principal)


@put(
    "/api/v1/me/calendar-invitations",
    operation_id="setCalendarInvitationSetting",
    tags=TAGS,
    summary="Turn the calendar invitations of my bookings on (to an address) or off",
    sync_to_thread=True,
)
def set_calendar_invitation_setting(
    data: JSONBody[InvitationSettingIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> InvitationSettingView:
    return worker_invitations.set_invitation_setting(uow, principal=principal, **msgspec.structs.asdict(data))


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # an unreadable date is ignored, as HTTP says
    return parsed if parsed.tzinfo else None


def _feed_operation(_handler: Any, method: str, _path: Any) -> str:
    """``getFeed`` and ``headFeed``: one handler, an operation per method."""
    return "headFeed" if method == HttpMethod.HEAD else "getFeed"


def _feed(token: str, request: Request[Any, Any, Any], uow: UnitOfWork, runtime: Runtime) -> Response[bytes]:
    settings = runtime.settings
    answer = feeds.serve_feed(
        uow,
        token=token.removesuffix(".ics"),
        secret=runtime.secret,
        past_days=settings.feed_past_days,
        future_days=settings.feed_future_days,
        tombstone_days=settings.feed_tombstone_days,
        user_agent=request.headers.get("user-agent"),
        if_none_match=request.headers.get("if-none-match"),
        if_modified_since=_since(request.headers.get("if-modified-since")),
    )
    headers = {
        "ETag": answer.etag,
        "Last-Modified": answer.last_modified,
        "Cache-Control": "private, no-cache",
        "Referrer-Policy": "no-referrer",
    }
    if answer.status == 304:
        return Response(b"", status_code=304, headers=headers)
    headers["Content-Disposition"] = 'inline; filename="sotesilta.ics"'
    return Response(answer.body, media_type=CALENDAR, headers=headers)


@route(
    "/feeds/{token:str}",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],  # calendar apps check a feed with HEAD
    operation_id=_feed_operation,
    tags=TAGS,
    summary="The iCalendar feed behind a secret URL (no login: the URL is the key)",
    opt={EXCLUDE_FROM_AUTH: True},
    media_type=CALENDAR,
    responses={
        304: ResponseSpec(None, description="Not modified since the ETag or date the app sent"),
        **problem_responses(404),  # an unknown or revoked token
    },
    sync_to_thread=True,
)
def get_feed(
    token: FromPath[str],
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[bytes]:
    answer = _feed(token, request, uow, runtime)
    if request.method == HttpMethod.HEAD:  # the same headers, no body
        headers = dict(answer.headers)
        return Response(b"", status_code=answer.status_code, media_type=CALENDAR, headers=headers)
    return answer


@get(
    "/api/v1/bookings/{booking_id:int}/invitation.ics",
    operation_id="getBookingInvitation",
    tags=TAGS,
    summary="The client's calendar invitation (.ics) in the client's language, without health information",
    sync_to_thread=True,
    media_type=CALENDAR,
)
def get_booking_invitation(
    booking_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    now: NamedDependency[datetime],
) -> Response[bytes]:
    view = get_booking(
        uow,
        principal=principal,
        booking_id=booking_id,
    )
    root, sequence = invitations.chain_position(uow, booking_id)
    body = invitations.invitation_ics(view, root, sequence, now)
    return Response(
        body,
        media_type=CALENDAR,
        headers={"Content-Disposition": f'attachment; filename="appointment-{root}.ics"'},
    )


ROUTES = [
    create_feed_subscription,
    list_feed_subscriptions,
    revoke_feed_subscription,
    get_calendar_invitation_setting,
    set_calendar_invitation_setting,
    get_feed,
    get_booking_invitation,
]
