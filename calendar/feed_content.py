"""What a feed holds: the appointments in its window, as events without client identity.

Busy-only feeds show plain busy blocks; pseudonymous ones a short code derived
from the client with a keyed hash. The only sealed column read is a contact's place (where
the worker meets the client), as the event's location for the worker's own calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union_all
from sqlmodel import col

from sotesilta.calendar.serialise import UID_DOMAIN, FeedItem
from sotesilta.core.plugin_api import HELSINKI, local_to_utc
from sotesilta.core.plugin_api.data import (
    SLOT_HOLDING_STATUSES,
    AppointmentStatus,
    Booking,
    Contact,
    ContactStatus,
    ContactWorker,
    GuidanceSession,
    IntensivePeriod,
    RehabGroup,
    SessionRule,
    SessionStatus,
    Station,
    UnitOfWork,
    keyed_digest,
)
from sotesilta.core.plugin_api.data import GroupMeeting as Meeting

#: a contact's place is sealed (it may be the client's home); opened for the worker's own feed
CONTACT_PLACE = "contact.place"
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

TEXTS = {
    "fi": {
        "busy": "Varattu",
        "booking": "Sosiaaliohjaus – {station} – asiakas {code}",
        "session": "Sosiaaliohjauksen vastaanotto – {station}",
        "remote": " (etä)",
        "contact": "Intensiivinen tuki: {kind} – asiakas {code}",
        "group": "Intensiivinen tuki: ryhmätapaaminen – {group}",
        "mine": "Omat tapaamiset",
        "stations": "Asemieni vastaanotot",
        "kinds": {
            "individual_meeting": "yksilötapaaminen",
            "network_meeting": "verkostotapaaminen",
            "video_call": "videopuhelu",
            "phone_call": "puhelu",
            "group_session": "ryhmätapaaminen",
        },
    },
    "sv": {
        "busy": "Upptagen",
        "booking": "Socialhandledning – {station} – klient {code}",
        "session": "Socialhandledningens mottagning – {station}",
        "remote": " (distans)",
        "contact": "Intensivt stöd: {kind} – klient {code}",
        "group": "Intensivt stöd: gruppträff – {group}",
        "mine": "Mina möten",
        "stations": "Mina stationers mottagningar",
        "kinds": {
            "individual_meeting": "individuell träff",
            "network_meeting": "nätverksmöte",
            "video_call": "videosamtal",
            "phone_call": "telefonsamtal",
            "group_session": "gruppträff",
        },
    },
    "en": {
        "busy": "Busy",
        "booking": "Social guidance – {station} – client {code}",
        "session": "Social guidance hours – {station}",
        "remote": " (remote)",
        "contact": "Intensive support: {kind} – client {code}",
        "group": "Intensive support: group session – {group}",
        "mine": "My appointments",
        "stations": "My stations' guidance hours",
        "kinds": {
            "individual_meeting": "individual meeting",
            "network_meeting": "network meeting",
            "video_call": "video call",
            "phone_call": "phone call",
            "group_session": "group session",
        },
    },
}


# --- what a feed holds ---------------------------------------------------------------


@dataclass(frozen=True)
class FeedWindow:
    start: datetime
    end: datetime
    tombstones_since: datetime
    day: date


def window_for(now: datetime, past_days: int, future_days: int, tombstone_days: int) -> FeedWindow:
    """Whole local days, so the window (and so the ETag) moves once a day."""
    today = now.astimezone(HELSINKI).date()
    return FeedWindow(
        local_to_utc(today - timedelta(days=past_days), time()),
        local_to_utc(today + timedelta(days=future_days + 1), time()),
        local_to_utc(today - timedelta(days=tombstone_days), time()),
        today,
    )


_HOLDING = [s.value for s in SLOT_HOLDING_STATUSES]
_LIVE_CONTACT = [ContactStatus.BOOKED.value, ContactStatus.FULFILLED.value, ContactStatus.NOSHOW.value]
_EPOCH = datetime(2000, 1, 1, tzinfo=HELSINKI)


def _bookings_where(worker: int, w: FeedWindow) -> ColumnElement[bool]:
    return and_(
        col(Booking.worker_id) == worker,
        col(Booking.starts_at) >= w.start,
        col(Booking.starts_at) < w.end,
        or_(
            col(Booking.status).in_(_HOLDING),
            and_(
                col(Booking.status) == AppointmentStatus.CANCELLED.value,
                col(Booking.cancelled_at) >= w.tombstones_since,
            ),
        ),
    )


def _sessions_where(stations_or_worker: ColumnElement[bool], w: FeedWindow) -> ColumnElement[bool]:
    return and_(
        stations_or_worker,
        col(GuidanceSession.starts_at) >= w.start,
        col(GuidanceSession.starts_at) < w.end,
        or_(
            col(GuidanceSession.status) == SessionStatus.SCHEDULED.value,
            func.coalesce(col(GuidanceSession.updated_at), _EPOCH) >= w.tombstones_since,
        ),
    )


def _contacts_where(worker: int, w: FeedWindow) -> ColumnElement[bool]:
    return and_(
        col(ContactWorker.worker_id) == worker,
        col(Contact.starts_at) >= w.start,
        col(Contact.starts_at) < w.end,
        or_(col(Contact.status).in_(_LIVE_CONTACT), col(Contact.updated_at) >= w.tombstones_since),
    )


@dataclass(frozen=True)
class Scope:
    """Whose appointments: the worker's own (``mine``), or sessions at the user's stations."""

    worker_id: int | None
    station_ids: tuple[int, ...]


def _session_owner(scope: Scope) -> ColumnElement[bool]:
    if scope.worker_id is not None:
        return col(GuidanceSession.worker_id) == scope.worker_id
    return col(GuidanceSession.station_id).in_(scope.station_ids or (-1,))


def version_of(uow: UnitOfWork, scope: Scope, w: FeedWindow) -> tuple[int, int, int, datetime | None]:
    """(count, sum of sequences, largest id, last change) of everything in the feed: one query.

    Every change raises some SEQUENCE and every new appointment adds a row, so
    a feed whose version is unchanged has unchanged content (for the same day).
    """
    parts = [
        select(
            func.count(),
            func.coalesce(func.sum(col(GuidanceSession.sequence)), 0),
            func.coalesce(func.max(col(GuidanceSession.id)), 0),
            func.max(col(GuidanceSession.updated_at)),
        ).where(_sessions_where(_session_owner(scope), w))
    ]
    if scope.worker_id is not None:
        parts.append(
            select(
                func.count(),
                func.coalesce(func.sum(col(Booking.sequence)), 0),
                func.coalesce(func.max(col(Booking.id)), 0),
                func.max(col(Booking.updated_at)),
            ).where(_bookings_where(scope.worker_id, w))
        )
        parts.append(
            select(
                func.count(),
                func.coalesce(func.sum(col(Contact.sequence)), 0),
                func.coalesce(func.max(col(Contact.id)), 0),
                func.max(col(Contact.updated_at)),
            )
            .join(ContactWorker, col(ContactWorker.contact_id) == col(Contact.id))
            .where(_contacts_where(scope.worker_id, w))
        )
    rows = uow.session.execute(union_all(*parts)).all()
    changed = [r[3] for r in rows if r[3] is not None]
    return (
        sum(int(r[0]) for r in rows),
        sum(int(r[1]) for r in rows),
        max(int(r[2] or 0) for r in rows),
        max(changed, default=None),
    )


def pseudonym(secret: bytes, subject: str) -> str:
    """A short stable code for a client (or a booking without one); not reversible without the key."""
    number = int(keyed_digest(secret, f"feed-pseudonym:{subject}")[:10], 16)
    code = ""
    for _ in range(4):
        number, digit = divmod(number, len(_CODE_ALPHABET))
        code += _CODE_ALPHABET[digit]
    return code


@dataclass
class _Render:
    language: str
    busy_only: bool
    secret: bytes
    texts: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.texts = TEXTS[self.language]

    def item(
        self,
        uid: str,
        sequence: int,
        cancelled: bool,
        starts_at: datetime,
        ends_at: datetime,
        stamp: datetime | None,
        summary: str,
        location: str | None,
        url: str | None,
    ) -> FeedItem:
        stamp = stamp or _EPOCH
        if self.busy_only:
            return FeedItem(uid, sequence, cancelled, starts_at, ends_at, stamp, self.texts["busy"])
        return FeedItem(uid, sequence, cancelled, starts_at, ends_at, stamp, summary, location, url)

    def station(self, name_fi: str, name_sv: str) -> str:
        return name_sv if self.language == "sv" else name_fi


def first_bookings(uow: UnitOfWork, moved_from: list[int | None]) -> dict[int, int]:
    """The first booking of each move chain that ``moved_from`` (rescheduled_from) continues.

    Keyed by every booking met on the way (a moved booking looks up its rescheduled_from).
    One query per move in the longest chain: a booking is seldom moved twice.
    """
    parent: dict[int, int | None] = {}
    todo = {i for i in moved_from if i is not None}
    while todo:
        rows = uow.session.execute(
            select(col(Booking.id), col(Booking.rescheduled_from)).where(col(Booking.id).in_(todo))
        ).all()
        parent.update({row.id: row.rescheduled_from for row in rows})
        todo = {row.rescheduled_from for row in rows if row.rescheduled_from is not None} - parent.keys()

    def root(i: int) -> int:
        while (up := parent.get(i)) is not None:
            i = up
        return i

    return {i: root(i) for i in parent}


def booking_rows() -> Select[*tuple[Any, ...]]:
    """What a booking's event is made of (the feed's and the worker's invitation's): no sealed
    column, nothing of the client but the record's id (for the pseudonym)."""
    query: Select[*tuple[Any, ...]] = (
        select(
            col(Booking.id),
            col(Booking.sequence),
            col(Booking.status),
            col(Booking.starts_at),
            col(Booking.ends_at),
            col(Booking.updated_at),
            col(Booking.client_id),
            col(Booking.rescheduled_from),
            col(Station.name_fi),
            col(Station.name_sv),
            col(Station.address),
            col(GuidanceSession.mode),
            col(GuidanceSession.video_link),
        )
        .join(Station, col(Station.id) == col(Booking.station_id))
        .join(GuidanceSession, col(GuidanceSession.id) == col(Booking.session_id))
    )
    return query


def booking_uid(booking_id: int) -> str:
    return f"sotesilta-booking-{booking_id}@{UID_DOMAIN}"


def booking_item(render: _Render, b: Any, first: dict[int, int]) -> FeedItem:
    """One booking's event; ``first``: the first booking of each move chain (``first_bookings``)."""
    station = render.station(b.name_fi, b.name_sv)
    if b.client_id:
        subject = f"client:{b.client_id}"
    else:
        # without a client record the client is the booking's, and a move keeps the first one's
        # (``first`` holds only these chains: looked up for a moved booking with a record, the
        # feed answered 500)
        subject = f"booking:{b.id if b.rescheduled_from is None else first[b.rescheduled_from]}"
    return render.item(
        booking_uid(b.id),
        b.sequence,
        b.status == AppointmentStatus.CANCELLED.value,
        b.starts_at,
        b.ends_at,
        b.updated_at,
        render.texts["booking"].format(station=station, code=pseudonym(render.secret, subject)),
        f"{station}, {b.address}",
        b.video_link if b.mode == "remote" else None,
    )


def collect(uow: UnitOfWork, scope: Scope, w: FeedWindow, render: _Render) -> list[FeedItem]:
    """The feed's events, from three queries; nothing here reads a sealed column."""
    items: list[FeedItem] = []
    texts = render.texts
    sessions = uow.session.execute(
        select(
            col(GuidanceSession.id),
            col(GuidanceSession.sequence),
            col(GuidanceSession.status),
            col(GuidanceSession.starts_at),
            col(GuidanceSession.ends_at),
            # sessions made before they were stamped at creation: their rule's creation
            func.coalesce(col(GuidanceSession.updated_at), col(SessionRule.created_at)).label("updated_at"),
            col(GuidanceSession.mode),
            col(GuidanceSession.video_link),
            col(Station.name_fi),
            col(Station.name_sv),
            col(Station.address),
        )
        .join(Station, col(Station.id) == col(GuidanceSession.station_id))
        .outerjoin(SessionRule, col(SessionRule.id) == col(GuidanceSession.rule_id))
        .where(_sessions_where(_session_owner(scope), w))
    ).all()
    scheduled = SessionStatus.SCHEDULED.value
    for s in sessions:
        station = render.station(s.name_fi, s.name_sv)
        items.append(
            render.item(
                f"sotesilta-session-{s.id}@{UID_DOMAIN}",
                s.sequence,
                s.status != scheduled,
                s.starts_at,
                s.ends_at,
                s.updated_at,
                texts["session"].format(station=station) + (texts["remote"] if s.mode == "remote" else ""),
                f"{station}, {s.address}",
                s.video_link,
            )
        )
    if scope.worker_id is None:
        return items
    bookings = uow.session.execute(booking_rows().where(_bookings_where(scope.worker_id, w))).all()
    first = first_bookings(uow, [b.rescheduled_from for b in bookings if not b.client_id])
    items.extend(booking_item(render, b, first) for b in bookings)
    contacts = uow.session.execute(
        select(
            col(Contact.id),
            col(Contact.sequence),
            col(Contact.status),
            col(Contact.starts_at),
            col(Contact.ends_at),
            col(Contact.updated_at),
            col(Contact.kind),
            col(Contact.place),
            col(Contact.video_link),
            col(Contact.group_meeting_id),
            col(IntensivePeriod.client_id),
        )
        .join(ContactWorker, col(ContactWorker.contact_id) == col(Contact.id))
        .join(IntensivePeriod, col(IntensivePeriod.id) == col(Contact.period_id))
        .where(_contacts_where(scope.worker_id, w))
    ).all()
    meetings: dict[int, list[Any]] = {}
    for c in contacts:
        if c.group_meeting_id is not None:
            meetings.setdefault(c.group_meeting_id, []).append(c)
            continue
        kind = texts["kinds"].get(c.kind, c.kind)
        items.append(
            render.item(
                f"sotesilta-contact-{c.id}@{UID_DOMAIN}",
                c.sequence,
                c.status == ContactStatus.CANCELLED.value,
                c.starts_at,
                c.ends_at,
                c.updated_at,
                texts["contact"].format(kind=kind, code=pseudonym(render.secret, f"client:{c.client_id}")),
                uow.sealer.open_optional(c.place, context=CONTACT_PLACE),
                c.video_link,
            )
        )
    items.extend(_group_items(uow, meetings, render))
    return items


def _group_items(uow: UnitOfWork, meetings: dict[int, list[Any]], render: _Render) -> list[FeedItem]:
    """A group meeting is one event for its workers, however many members it has."""
    if not meetings:
        return []
    rows = uow.session.execute(
        select(col(Meeting.id), col(RehabGroup.name))
        .join(RehabGroup, col(RehabGroup.id) == col(Meeting.group_id))
        .where(col(Meeting.id).in_(list(meetings)))
    ).all()
    names = {meeting_id: name for meeting_id, name in rows}
    out = []
    for meeting_id, members in meetings.items():
        first = members[0]
        out.append(
            render.item(
                f"sotesilta-groupmeeting-{meeting_id}@{UID_DOMAIN}",
                # each member's change raises its contact's sequence, so the sum rises by one per change
                sum(m.sequence for m in members),
                all(m.status == ContactStatus.CANCELLED.value for m in members),
                first.starts_at,
                first.ends_at,
                max(m.updated_at for m in members),
                render.texts["group"].format(group=names.get(meeting_id, "")),
                uow.sealer.open_optional(first.place, context=CONTACT_PLACE),
                None,
            )
        )
    return out
