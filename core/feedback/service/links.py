"""The client's feedback link: a secret URL on the instructions, one per booking.

The token is the booking's random reference and an HMAC-SHA-256 of it under the
server secret (like the client's instructions link, with its own label): only
the server can make one, and nothing is stored when it is handed out, so
``createBooking``, ``getBooking`` and a reprint show the same URL. When the
link is used, only the SHA-256 of its token is kept (``feedback_link_used``),
which names no booking to anyone without the secret.

A link opens when the visit begins and closes ``VALID_DAYS`` later; a moved
booking's link leads to the new visit. Changing the server secret invalidates
the links handed out before.

A walk-in client has no booking: their link names the walk-in place instead (``w<place id>``
and its HMAC, printed on the queue ticket). A place is one arrival, never reused, so the link
is that client's; it opens when they are registered and closes ``VALID_DAYS`` later.
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256

from sqlalchemy import Row, select
from sqlmodel import col

from sotesilta.core.feedback.domain import Audience
from sotesilta.core.kernel.errors import RecordNotFound
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegistry
from sotesilta.core.kernel.secrets import token_digest
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Station
from sotesilta.core.scheduling.public import (
    AppointmentStatus,
    Booking,
    GuidanceSession,
    WalkInPlace,
    WalkInStatus,
)

#: the client's page; it reads the form with getFeedbackForm and the same token
LINK_PATH = "/feedback/"
VALID_DAYS = 30
#: a chain of moves longer than this is not followed (it never is in practice)
MAX_MOVES = 20
_REFERENCE_LENGTH, _MAC_LENGTH = 36, 43  # a UUID; 32 bytes in unpadded base64url
#: a walk-in place's reference: "w" and the place's number (a UUID never looks like it)
_WALK_IN = re.compile(r"^w[1-9][0-9]{0,11}$")
#: what a walk-in place's status means for its feedback link (a free place is nobody's)
_WALK_IN_VISIT = {
    WalkInStatus.WAITING.value: AppointmentStatus.ARRIVED.value,
    WalkInStatus.CALLED.value: AppointmentStatus.ARRIVED.value,
    WalkInStatus.SEEN.value: AppointmentStatus.FULFILLED.value,
    WalkInStatus.LEFT.value: AppointmentStatus.NOSHOW.value,
}


def link_token(secret: bytes, reference: str) -> str:
    mac = hmac.new(secret, f"feedback-link:{reference}".encode(), sha256).digest()
    return f"{reference}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def feedback_url(
    secret: bytes,
    base_url: str,
    forms: FeedbackFormRegistry,
    *,
    reference: str,
    municipality: str,
    status: str,
) -> str | None:
    """The URL for the booking's instructions, where its municipality has a client form."""
    if (
        status == AppointmentStatus.CANCELLED.value
        or forms.current(Audience.CLIENT_VISIT, municipality) is None
    ):
        return None
    return f"{base_url.rstrip('/')}{LINK_PATH}{link_token(secret, reference)}"


def walk_in_feedback_url(
    secret: bytes, base_url: str, forms: FeedbackFormRegistry, *, place_id: int, municipality: str
) -> str | None:
    """The URL for a walk-in client's queue ticket, where the municipality has a client form."""
    if forms.current(Audience.CLIENT_VISIT, municipality) is None:
        return None
    return f"{base_url.rstrip('/')}{LINK_PATH}{link_token(secret, f'w{place_id}')}"


@dataclass(frozen=True)
class LinkedVisit:
    """What a valid token leads to: the (latest) booking's facts, never the client."""

    status: str
    starts_at: datetime
    municipality: str
    station_key: str
    language: str
    #: SHA-256 of the visit's own token: a moved booking's old and new links are one link
    used_key: str

    @property
    def closes_at(self) -> datetime:
        return self.starts_at + timedelta(days=VALID_DAYS)


def _visit(uow: UnitOfWork, **where: object) -> Row[int | None, str, str, datetime, str, str, str] | None:
    """The latest booking whose columns have the ``where`` values, with its station's key."""
    query = select(
        col(Booking.id),
        col(Booking.reference),
        col(Booking.status),
        col(Booking.starts_at),
        col(Booking.municipality_code),
        col(Booking.preferred_language),
        col(Station.key),
    ).join(Station, col(Station.id) == col(Booking.station_id))
    for column, value in where.items():
        query = query.where(getattr(Booking, column) == value)
    return uow.session.execute(query.order_by(col(Booking.id).desc()).limit(1)).first()


def visit_of(uow: UnitOfWork, secret: bytes, token: str) -> LinkedVisit:
    """The visit a token names, following moves; ``RecordNotFound`` for anything else."""
    reference, dot, mac = token.partition(".")
    walk_in = _WALK_IN.match(reference) is not None
    if (
        (len(reference) != _REFERENCE_LENGTH and not walk_in)
        or not dot
        or len(mac) != _MAC_LENGTH
        or not hmac.compare_digest(token, link_token(secret, reference))
    ):
        raise RecordNotFound("no such feedback link")  # checked before any query
    if walk_in:
        return _walk_in_visit(uow, int(reference[1:]), token_digest(token))
    row = _visit(uow, reference=reference)
    for _ in range(MAX_MOVES):
        if row is None or row.status != AppointmentStatus.CANCELLED.value:
            break
        moved = _visit(uow, rescheduled_from=row.id)
        if moved is None:
            break
        row = moved
    if row is None:
        raise RecordNotFound("no such feedback link")
    return LinkedVisit(
        row.status,
        row.starts_at,
        row.municipality_code,
        row.key,
        row.preferred_language,
        token_digest(link_token(secret, row.reference)),
    )


def _walk_in_visit(uow: UnitOfWork, place_id: int, used_key: str) -> LinkedVisit:
    row = uow.session.execute(
        select(
            col(WalkInPlace.status),
            col(WalkInPlace.registered_at),
            col(WalkInPlace.preferred_language),
            col(Station.municipality_code),
            col(Station.key),
        )
        .join(GuidanceSession, col(GuidanceSession.id) == col(WalkInPlace.session_id))
        .join(Station, col(Station.id) == col(GuidanceSession.station_id))
        .where(col(WalkInPlace.id) == place_id)
    ).first()
    if row is None or row.status not in _WALK_IN_VISIT or row.registered_at is None:
        raise RecordNotFound("no such feedback link")
    return LinkedVisit(
        _WALK_IN_VISIT[row.status],
        row.registered_at,
        row.municipality_code,
        row.key,
        row.preferred_language or "fi",
        used_key,
    )
