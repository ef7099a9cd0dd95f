"""What a feed holds: the appointments in its window, as events without client identity.

Busy-only feeds show plain busy blocks; pseudonymous ones a short code derived
from the client with a keyed hash. Nothing here reads a sealed column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select, union_all

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
    SessionStatus,
    Station,
    UnitOfWork,
    keyed_digest,
)
from sotesilta.core.plugin_api.data import GroupMeeting as Meeting

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


def _bookings_where(worker: object, w: FeedWindow) -> object:
    return and_(
        Booking.worker_id == worker,
        Booking.starts_at >= w.start,
        Booking.starts_at < w.end,
        or_(
            Booking.status.in_(_HOLDING),
            and_(
                Booking.status == AppointmentStatus.CANCELLED.value,
                Booking.cancelled_at >= w.tombstones_since,
            ),
        ),
    )


def _sessions_where(stations_or_worker: object, w: FeedWindow) -> object:
    return and_(
        stations_or_worker,
        GuidanceSession.starts_at >= w.start,
        GuidanceSession.starts_at < w.end,
        or_(
            GuidanceSession.status == SessionStatus.SCHEDULED.value,
            func.coalesce(GuidanceSession.updated_at, _EPOCH) >= w.tombstones_since,
        ),
    )


def _contacts_where(worker: object, w: FeedWindow) -> object:
    return and_(
        ContactWorker.worker_id == worker,
        Contact.starts_at >= w.start,
        Contact.starts_at < w.end,
        or_(Contact.status.in_(_LIVE_CONTACT), Contact.updated_at >= w.tombstones_since),
    )


@dataclass(frozen=True)
class Scope:
    """Whose appointments: the worker's own (``mine``), or sessions at the user's stations."""

    worker_id: int | None
    station_ids: tuple[int, ...]


def _session_owner(scope: Scope) -> object:
    if scope.worker_id is not None:
        return GuidanceSession.worker_id == scope.worker_id
    return GuidanceSession.station_id.in_(scope.station_ids or (-1,))


def version_of(uow: UnitOfWork, scope: Scope, w: FeedWindow) -> tuple[int, int, int, datetime | None]:
    """(count, sum of sequences, largest id, last change) of everything in the feed: one query.

    Every change raises some SEQUENCE and every new appointment adds a row, so
    a feed whose version is unchanged has unchanged content (for the same day).
    """
    parts = [
        select(
            func.count(),
            func.coalesce(func.sum(GuidanceSession.sequence), 0),
            func.coalesce(func.max(GuidanceSession.id), 0),
            func.max(GuidanceSession.updated_at),
        ).where(_sessions_where(_session_owner(scope), w))
    ]
    if scope.worker_id is not None:
        parts.append(
            select(
                func.count(),
                func.coalesce(func.sum(Booking.sequence), 0),
                func.coalesce(func.max(Booking.id), 0),
                func.max(Booking.updated_at),
            ).where(_bookings_where(scope.worker_id, w))
        )
        parts.append(
            select(
                func.count(),
                func.coalesce(func.sum(Contact.sequence), 0),
                func.coalesce(func.max(Contact.id), 0),
                func.max(Contact.updated_at),
            )
            .join(ContactWorker, ContactWorker.contact_id == Contact.id)
            .where(_contacts_where(scope.worker_id, w))
        )
    rows = uow.session.execute(union_all(*parts)).all()
    changed = [r[3] for r in rows if r[3] is not None]
    return (
        sum(int(r[0]) for r in rows),
        sum(int(r[1]) for r in rows),
        max(int(r[2]) for r in rows),
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
    texts: dict = field(init=False)  # type: ignore[type-arg]

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


def collect(uow: UnitOfWork, scope: Scope, w: FeedWindow, render: _Render) -> list[FeedItem]:
    """The feed's events, from three queries; nothing here reads a sealed column."""
    items: list[FeedItem] = []
    texts = render.texts
    sessions = uow.session.execute(
        select(
            GuidanceSession.id,
            GuidanceSession.sequence,
            GuidanceSession.status,
            GuidanceSession.starts_at,
            GuidanceSession.ends_at,
            GuidanceSession.updated_at,
            GuidanceSession.mode,
            GuidanceSession.video_link,
            Station.name_fi,
            Station.name_sv,
            Station.address,
        )
        .join(Station, Station.id == GuidanceSession.station_id)
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
    bookings = uow.session.execute(
        select(
            Booking.id,
            Booking.sequence,
            Booking.status,
            Booking.starts_at,
            Booking.ends_at,
            Booking.updated_at,
            Booking.client_id,
            Station.name_fi,
            Station.name_sv,
            Station.address,
            GuidanceSession.mode,
            GuidanceSession.video_link,
        )
        .join(Station, Station.id == Booking.station_id)
        .join(GuidanceSession, GuidanceSession.id == Booking.session_id)
        .where(_bookings_where(scope.worker_id, w))
    ).all()
    for b in bookings:
        station = render.station(b.name_fi, b.name_sv)
        subject = f"client:{b.client_id}" if b.client_id else f"booking:{b.id}"
        items.append(
            render.item(
                f"sotesilta-booking-{b.id}@{UID_DOMAIN}",
                b.sequence,
                b.status == AppointmentStatus.CANCELLED.value,
                b.starts_at,
                b.ends_at,
                b.updated_at,
                texts["booking"].format(station=station, code=pseudonym(render.secret, subject)),
                f"{station}, {b.address}",
                b.video_link if b.mode == "remote" else None,
            )
        )
    contacts = uow.session.execute(
        select(
            Contact.id,
            Contact.sequence,
            Contact.status,
            Contact.starts_at,
            Contact.ends_at,
            Contact.updated_at,
            Contact.kind,
            Contact.place,
            Contact.video_link,
            Contact.group_meeting_id,
            IntensivePeriod.client_id,
        )
        .join(ContactWorker, ContactWorker.contact_id == Contact.id)
        .join(IntensivePeriod, IntensivePeriod.id == Contact.period_id)
        .where(_contacts_where(scope.worker_id, w))
    ).all()
    meetings: dict[int, list] = {}  # type: ignore[type-arg]
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
                c.place,
                c.video_link,
            )
        )
    items.extend(_group_items(uow, meetings, render))
    return items


def _group_items(uow: UnitOfWork, meetings: dict[int, list], render: _Render) -> list[FeedItem]:  # type: ignore[type-arg]
    """A group meeting is one event for its workers, however many members it has."""
    if not meetings:
        return []
    names = dict(
        uow.session.execute(
            select(Meeting.id, RehabGroup.name)
            .join(RehabGroup, RehabGroup.id == Meeting.group_id)
            .where(Meeting.id.in_(list(meetings)))
        ).all()
    )
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
                first.place,
                None,
            )
        )
    return out
