"""Contact plans: planned contacts, closed groups, outcomes, and workers' schedules.

A planned contact lies inside its period and is checked against each
worker's other appointments (guidance sessions, other contacts, absences).
A group meeting gives each member a contact of kind ``group_session``, so
attendance counts in the member's intensity like any other contact.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal

import msgspec
from sqlalchemy import BindParameter, CompoundSelect, String, bindparam, cast, literal, select, union_all
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.clock import ensure_utc, local_date, local_to_utc, require_aware
from sotesilta.core.kernel.errors import (
    AfterPeriodEnd,
    BookingStateInvalid,
    InputInvalid,
    NotGroupMember,
    NotStartedYet,
    RecordNotFound,
    ScheduleConflict,
)
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import WorkerMunicipality
from sotesilta.core.rehab.domain import CONTACT_OUTCOMES, ContactKind, ContactStatus, weekly_meeting_days
from sotesilta.core.rehab.service.periods import closing_days_of, period_in_scope
from sotesilta.core.rehab.tables import (
    Contact,
    ContactWorker,
    GroupMeeting,
    GroupMember,
    GroupWorker,
    IntensivePeriod,
    RehabGroup,
)
from sotesilta.core.scheduling.public import (
    SLOT_HOLDING_STATUSES,
    Absence,
    Booking,
    GuidanceSession,
    SessionStatus,
    WorkerBusy,
)

log = logging.getLogger("sotesilta.contacts")

MIN_MINUTES, MAX_MINUTES = 5, 8 * 60
MAX_WORKERS, MAX_NOTE_CHARS = 4, 1000
MAX_MEETINGS, MAX_MEMBERS = 52, 20
#: contact statuses that occupy the workers' time
_OCCUPYING = (ContactStatus.BOOKED.value, ContactStatus.FULFILLED.value, ContactStatus.NOSHOW.value)


class ContactDraft(msgspec.Struct, frozen=True):
    kind: ContactKind
    starts_at: datetime
    minutes: int
    worker_ids: tuple[int, ...] = ()  # the period's responsible worker when empty
    place: str | None = None
    video_link: str | None = None
    note: str | None = None


class ContactView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    period_id: int
    kind: ContactKind
    starts_at: datetime
    ends_at: datetime
    place: str | None
    video_link: str | None
    worker_ids: tuple[int, ...]
    status: ContactStatus
    note: str | None
    group_meeting_id: int | None
    sequence: int


#: what occupies a worker (busy: an entry of their own calendar)
AppointmentKind = Literal["guidance_session", "booking", "contact", "absence", "busy"]


class ScheduleStatus(StrEnum):
    """A schedule entry's status: a scheduled session's, an occupying booking's or contact's,
    or an absence's or busy time's (a class, so the document names it apart from a booking's)."""

    SCHEDULED = "scheduled"
    BOOKED = "booked"
    ARRIVED = "arrived"
    CHECKED_IN = "checked-in"
    FULFILLED = "fulfilled"
    NOSHOW = "noshow"
    ABSENT = "absent"
    BUSY = "busy"


class Appointment(msgspec.Struct, frozen=True):
    """One entry of a worker's schedule; never names a client."""

    kind: AppointmentKind
    id: int
    starts_at: datetime
    ends_at: datetime
    status: ScheduleStatus
    detail: str | None = None  # contact kind, or the session's station id


def _minutes(value: int) -> timedelta:
    if not MIN_MINUTES <= value <= MAX_MINUTES:
        raise InputInvalid(f"a contact lasts {MIN_MINUTES}-{MAX_MINUTES} minutes", field="minutes")
    return timedelta(minutes=value)


def _place_and_link(kind: ContactKind, place: str | None, link: str | None) -> tuple[str | None, str | None]:
    place = place.strip() if place and place.strip() else None
    link = link.strip() if link and link.strip() else None
    if place is not None and len(place) > 300:
        raise InputInvalid("a place is at most 300 characters", field="place")
    if link is not None and (
        not link.startswith("https://") or len(link) > 500 or any(c.isspace() for c in link)
    ):
        raise InputInvalid(
            "a video link is an https:// address of at most 500 characters", field="video_link"
        )
    if kind is ContactKind.VIDEO_CALL and link is None:
        raise InputInvalid("a video call needs its video link", field="video_link")
    if (
        kind in (ContactKind.INDIVIDUAL_MEETING, ContactKind.NETWORK_MEETING)
        and place is None
        and link is None
    ):
        raise InputInvalid("a meeting needs a place or a video link", field="place")
    return place, link


#: where a contact takes place may be the client's home: sealed (personal data at rest)
PLACE = "contact.place"


def _note(sealer: Sealer, note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE_CHARS:
        raise InputInvalid(f"a note is at most {MAX_NOTE_CHARS} characters", field="note")
    return sealer.seal(note.strip(), context="contact.note")


def _within_period(period: IntensivePeriod, starts_at: datetime, ends_at: datetime) -> None:
    if period.ended_on is not None:
        raise BookingStateInvalid(f"intensive period {period.id} is closed", field="period_id")
    first, last = local_date(starts_at), local_date(ends_at - timedelta(microseconds=1))
    if first < period.starts_on or last > period.planned_end:
        raise InputInvalid(
            f"a contact falls within its period, {period.starts_on} - {period.planned_end}", field="starts_at"
        )


def _workers_of(uow: UnitOfWork, municipality: str, ids: Sequence[int]) -> tuple[int, ...]:
    unique = tuple(dict.fromkeys(ids))
    if not 1 <= len(unique) <= MAX_WORKERS:
        raise InputInvalid(f"a contact has 1-{MAX_WORKERS} workers", field="worker_ids")
    found = set(
        uow.session.scalars(
            select(col(WorkerMunicipality.worker_id)).where(
                col(WorkerMunicipality.worker_id).in_(unique),
                col(WorkerMunicipality.municipality_code) == municipality,
            )
        )
    )
    missing = [w for w in unique if w not in found]
    if missing:
        raise RecordNotFound(
            f"no worker {missing[0]} serving municipality {municipality}", field="worker_ids"
        )
    return unique


def _schedule_statement() -> CompoundSelect[str, int, datetime, datetime, str, str | None]:
    """One query over sessions, bookings, contacts, absences and busy times from the worker's own
    calendar; built once (it runs per contact)."""
    worker: BindParameter[int] = bindparam("worker")
    start: BindParameter[datetime] = bindparam("start")
    end: BindParameter[datetime] = bindparam("end")
    detail = String(32)
    s, b, c, a, x = GuidanceSession, Booking, Contact, Absence, WorkerBusy
    sessions = select(
        literal("guidance_session"),
        col(s.id),
        col(s.starts_at),
        col(s.ends_at),
        col(s.status),
        cast(col(s.station_id), detail),
    ).where(
        col(s.worker_id) == worker,
        col(s.status) == SessionStatus.SCHEDULED.value,
        col(s.starts_at) < end,
        col(s.ends_at) > start,
    )
    bookings = select(
        literal("booking"), col(b.id), col(b.starts_at), col(b.ends_at), col(b.status), literal(None)
    ).where(
        col(b.worker_id) == worker,
        col(b.status).in_([v.value for v in SLOT_HOLDING_STATUSES]),
        col(b.starts_at) < end,
        col(b.ends_at) > start,
    )
    contacts = (
        select(literal("contact"), col(c.id), col(c.starts_at), col(c.ends_at), col(c.status), col(c.kind))
        .join_from(Contact, ContactWorker, col(ContactWorker.contact_id) == col(c.id))
        .where(
            col(ContactWorker.worker_id) == worker,
            col(c.status).in_(_OCCUPYING),
            col(c.starts_at) < end,
            col(c.ends_at) > start,
        )
    )
    absences = select(
        literal("absence"), col(a.id), col(a.starts_at), col(a.ends_at), literal("absent"), literal(None)
    ).where(col(a.worker_id) == worker, col(a.starts_at) < end, col(a.ends_at) > start)
    busy = select(
        literal("busy"), col(x.id), col(x.starts_at), col(x.ends_at), literal("busy"), literal(None)
    ).where(col(x.worker_id) == worker, col(x.starts_at) < end, col(x.ends_at) > start)
    return union_all(sessions, bookings, contacts, absences, busy)


_SCHEDULE = _schedule_statement()


def appointments_of(uow: UnitOfWork, worker_id: int, start: datetime, end: datetime) -> list[Appointment]:
    """Everything that occupies the worker between ``start`` and ``end`` (overlapping it)."""
    rows = uow.session.execute(_SCHEDULE, {"worker": worker_id, "start": start, "end": end}).all()
    found = [
        Appointment(
            typing.cast(AppointmentKind, kind),
            id_,
            ensure_utc(s),
            ensure_utc(e),
            ScheduleStatus(status),
            detail,
        )
        for kind, id_, s, e, status, detail in rows
    ]
    # at the same start the longer entry (a session around its bookings) comes first
    found.sort(key=lambda a: (a.starts_at, -a.ends_at.timestamp(), a.kind, a.id))
    return found


def conflicts_of(
    uow: UnitOfWork,
    worker_ids: Sequence[int],
    starts_at: datetime,
    ends_at: datetime,
    *,
    own_contacts: Collection[int] = (),
) -> list[tuple[int, Appointment]]:
    """(worker, appointment) pairs that overlap the time (``own_contacts`` are not other)."""
    return [
        (worker_id, a)
        for worker_id in worker_ids
        for a in appointments_of(uow, worker_id, starts_at, ends_at)
        # a worker's booked guidance time sits inside a session: the session alone is the conflict
        if a.kind != "booking" and not (a.kind == "contact" and a.id in own_contacts)
    ]


def _refuse_conflicts(
    uow: UnitOfWork,
    worker_ids: Sequence[int],
    starts_at: datetime,
    ends_at: datetime,
    *,
    field: str = "starts_at",
    own_contacts: Collection[int] = (),
) -> None:
    """Refuse a time that overlaps the workers' other appointments."""
    clashes = conflicts_of(uow, worker_ids, starts_at, ends_at, own_contacts=own_contacts)
    if clashes:
        worker_id, first = clashes[0]
        raise ScheduleConflict(
            f"worker {worker_id} has a {first.kind.replace('_', ' ')} "
            f"{first.starts_at.isoformat()} - {first.ends_at.isoformat()}",
            field=field,
            worker_id=worker_id,
            conflicts=[{"kind": a.kind, "id": a.id} for w, a in clashes if w == worker_id],
        )


def _view(uow: UnitOfWork, contact: Contact) -> ContactView:
    sealer = uow.sealer
    workers = tuple(
        uow.session.scalars(
            select(col(ContactWorker.worker_id))
            .where(col(ContactWorker.contact_id) == contact.id)
            .order_by(col(ContactWorker.worker_id))
        )
    )
    return ContactView(
        id=contact.id or 0,
        period_id=contact.period_id,
        kind=ContactKind(contact.kind),
        starts_at=contact.starts_at,
        ends_at=contact.ends_at,
        place=sealer.open_optional(contact.place, context=PLACE),
        video_link=contact.video_link,
        worker_ids=workers,
        status=ContactStatus(contact.status),
        note=sealer.open_optional(contact.note, context="contact.note"),
        group_meeting_id=contact.group_meeting_id,
        sequence=contact.sequence,
    )


def _add_contact(uow: UnitOfWork, contact: Contact, worker_ids: Sequence[int]) -> Contact:
    uow.session.add(contact)
    uow.session.flush()
    for worker_id in worker_ids:
        uow.session.add(ContactWorker(contact_id=contact.id or 0, worker_id=worker_id))
    uow.session.flush()
    return contact


class CheckedDraft(msgspec.Struct, frozen=True):
    """A draft the period's rules accept, before its time is checked against the workers'."""

    draft: ContactDraft
    starts_at: datetime
    ends_at: datetime
    place: str | None
    video_link: str | None
    worker_ids: tuple[int, ...]


def check_draft(uow: UnitOfWork, period: IntensivePeriod, draft: ContactDraft) -> CheckedDraft:
    """Everything about a planned contact but its workers' other appointments."""
    if draft.kind is ContactKind.GROUP_SESSION:
        raise InputInvalid("group sessions come from a group's meetings (createGroup)", field="kind")
    require_aware(draft.starts_at, "starts_at")
    starts_at = draft.starts_at.astimezone(uow.now.tzinfo)
    ends_at = starts_at + _minutes(draft.minutes)
    _within_period(period, starts_at, ends_at)
    place, link = _place_and_link(draft.kind, draft.place, draft.video_link)
    workers = _workers_of(uow, period.municipality_code, draft.worker_ids or (period.responsible_worker_id,))
    return CheckedDraft(draft, starts_at, ends_at, place, link, workers)


def add_planned_contact(
    uow: UnitOfWork, principal: Principal, period: IntensivePeriod, draft: ContactDraft
) -> Contact:
    """Check and add one planned contact, without committing: ``plan_contact`` commits one,
    a recurring plan commits all of them or none."""
    sealer, now = uow.sealer, uow.now
    checked = check_draft(uow, period, draft)
    _refuse_conflicts(uow, checked.worker_ids, checked.starts_at, checked.ends_at)
    contact = _add_contact(
        uow,
        Contact(
            period_id=period.id or 0,
            kind=draft.kind.value,
            starts_at=checked.starts_at,
            ends_at=checked.ends_at,
            place=sealer.seal_optional(checked.place, context=PLACE),
            video_link=checked.video_link,
            status=ContactStatus.BOOKED.value,
            note=_note(sealer, draft.note),
            created_by=principal.user_id,
            created_at=now,
            updated_at=now,
        ),
        checked.worker_ids,
    )
    access.log_use(uow, principal, AccessAction.CREATE, "contact", contact.id or 0, period.client_id)
    return contact


def plan_contact(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
    draft: ContactDraft,
) -> ContactView:
    period = period_in_scope(uow, principal, period_id)
    contact = add_planned_contact(uow, principal, period, draft)
    view = _view(uow, contact)
    uow.commit()
    return view


def _refuse_revival_conflicts(uow: UnitOfWork, contact: Contact) -> None:
    """A cancelled contact marked as having happened takes its workers' time again: refuse it when
    that time has been given to something else since (its own group meeting's contacts are not)."""
    workers = list(
        uow.session.scalars(
            select(col(ContactWorker.worker_id)).where(col(ContactWorker.contact_id) == contact.id)
        )
    )
    own = {contact.id or 0}
    if contact.group_meeting_id is not None:
        own |= set(
            uow.session.scalars(
                select(col(Contact.id)).where(col(Contact.group_meeting_id) == contact.group_meeting_id)
            )
        )
    _refuse_conflicts(uow, workers, contact.starts_at, contact.ends_at, field="status", own_contacts=own)


def _set_outcome(
    uow: UnitOfWork, contact: Contact, period: IntensivePeriod, status: ContactStatus, now: datetime
) -> None:
    if status not in CONTACT_OUTCOMES:
        raise InputInvalid("an outcome is fulfilled, cancelled or noshow", field="status")
    if status is not ContactStatus.CANCELLED and contact.starts_at > now:
        raise NotStartedYet(f"contact {contact.id} has not started yet", field="status")
    end = period.last_day
    if (
        status is not ContactStatus.CANCELLED
        and local_date(contact.ends_at - timedelta(microseconds=1)) > end
    ):
        # the period was closed before this contact (closing cancelled it): it stays cancelled
        raise AfterPeriodEnd(f"contact {contact.id} lies after its period's end, {end}", field="status")
    if contact.status == ContactStatus.CANCELLED.value and status is not ContactStatus.CANCELLED:
        _refuse_revival_conflicts(uow, contact)
    if contact.status != status.value:
        contact.status = status.value
        contact.sequence += 1
        contact.updated_at = now


def record_contact_outcome(
    uow: UnitOfWork,
    *,
    principal: Principal,
    contact_id: int,
    status: ContactStatus,
    note: str | None,
) -> ContactView:
    """Realised, cancelled or no-show; a later call corrects it (the sequence grows)."""
    sealer, now = uow.sealer, uow.now
    contact = uow.session.get(Contact, contact_id)
    if contact is None:
        raise RecordNotFound(f"no contact {contact_id}")
    try:
        period = period_in_scope(uow, principal, contact.period_id)
    except RecordNotFound:
        raise RecordNotFound(f"no contact {contact_id}") from None
    _set_outcome(uow, contact, period, status, now)
    if note is not None:
        contact.note = _note(sealer, note)
    uow.session.flush()
    access.log_use(uow, principal, AccessAction.UPDATE, "contact", contact_id, period.client_id)
    view = _view(uow, contact)
    uow.commit()
    return view


def list_period_contacts(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
) -> list[ContactView]:
    """A period's contacts in time order, for its instructors; the read is logged."""
    period = period_in_scope(uow, principal, period_id)
    found = uow.session.scalars(
        select(Contact)
        .where(col(Contact.period_id) == period_id)
        .order_by(col(Contact.starts_at), col(Contact.id))
    ).all()
    views = [_view(uow, contact) for contact in found]
    access.log_use(uow, principal, AccessAction.READ, "contact", period_id, period.client_id)
    uow.commit()
    return views


# --- closed groups -------------------------------------------------------------


class GroupDraft(msgspec.Struct, frozen=True):
    municipality: str
    name: str
    worker_ids: tuple[int, ...]
    member_period_ids: tuple[int, ...]
    weekday: int  # 0 = Monday
    start: time  # Europe/Helsinki
    minutes: int
    first_date: date
    meetings: int
    place: str | None = None


class GroupView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    municipality_code: str
    name: str
    worker_ids: tuple[int, ...]
    member_period_ids: tuple[int, ...]
    meetings: tuple[tuple[int, datetime, datetime], ...]  # (id, starts_at, ends_at)
    #: public holidays (the municipality's closing days) the weekly series stepped over
    skipped_days: tuple[date, ...] = ()


def create_group(
    uow: UnitOfWork,
    *,
    principal: Principal,
    draft: GroupDraft,
) -> GroupView:
    """A closed group with its members and weekly meetings; members get a contact per meeting."""
    now = uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    if draft.municipality not in principal.municipalities:
        raise RecordNotFound(f"no municipality {draft.municipality} for you", field="municipality")
    name = draft.name.strip()
    if not 1 <= len(name) <= 200:
        raise InputInvalid("a group's name is 1-200 characters", field="name")
    if not 0 <= draft.weekday <= 6:
        raise InputInvalid("weekday is 0 (Monday) - 6 (Sunday)", field="weekday")
    if not 1 <= draft.meetings <= MAX_MEETINGS:
        raise InputInvalid(f"a group has 1-{MAX_MEETINGS} meetings", field="meetings")
    members = tuple(dict.fromkeys(draft.member_period_ids))
    if not 1 <= len(members) <= MAX_MEMBERS:
        raise InputInvalid(f"a closed group has 1-{MAX_MEMBERS} members", field="member_period_ids")
    length = _minutes(draft.minutes)
    place, _ = _place_and_link(ContactKind.GROUP_SESSION, draft.place, None)
    workers = _workers_of(uow, draft.municipality, draft.worker_ids)
    periods = [period_in_scope(uow, principal, period_id) for period_id in members]
    for period in periods:
        if period.municipality_code != draft.municipality or period.ended_on is not None:
            raise InputInvalid(f"intensive period {period.id} is not open in {draft.municipality}")
    closed = closing_days_of(uow.plugins.municipalities, draft.municipality)
    days, skipped = weekly_meeting_days(draft.first_date, draft.weekday, draft.meetings, closed)
    starts = [local_to_utc(day, draft.start) for day in days]
    if starts[0] <= now:
        raise InputInvalid("a group's first meeting is in the future", field="first_date")
    group = RehabGroup(
        municipality_code=draft.municipality, name=name, created_by=principal.user_id, created_at=now
    )
    uow.session.add(group)
    uow.session.flush()
    uow.session.add_all([GroupWorker(group_id=group.id or 0, worker_id=w) for w in workers])
    uow.session.add_all([GroupMember(group_id=group.id or 0, period_id=p.id or 0) for p in periods])
    meetings = []
    sealed_place = uow.sealer.seal_optional(place, context=PLACE)  # each member's contact holds it
    for starts_at in starts:
        _refuse_conflicts(uow, workers, starts_at, starts_at + length)
        meeting = GroupMeeting(
            group_id=group.id or 0, starts_at=starts_at, ends_at=starts_at + length, place=place
        )
        uow.session.add(meeting)
        uow.session.flush()
        meetings.append((meeting.id or 0, meeting.starts_at, meeting.ends_at))
        for period in periods:
            day = local_date(starts_at)
            if period.starts_on <= day <= period.planned_end:
                _add_contact(
                    uow,
                    Contact(
                        period_id=period.id or 0,
                        kind=ContactKind.GROUP_SESSION.value,
                        starts_at=starts_at,
                        ends_at=starts_at + length,
                        place=sealed_place,
                        group_meeting_id=meeting.id,
                        status=ContactStatus.BOOKED.value,
                        created_by=principal.user_id,
                        created_at=now,
                        updated_at=now,
                    ),
                    workers,
                )
    for period in periods:
        access.log_use(
            uow,
            principal,
            AccessAction.UPDATE,
            "intensive_period",
            period.id or 0,
            period.client_id,
        )
    uow.commit()
    return GroupView(
        id=group.id or 0,
        municipality_code=group.municipality_code,
        name=name,
        worker_ids=workers,
        member_period_ids=members,
        meetings=tuple(meetings),
        skipped_days=tuple(skipped),
    )


class AttendanceView(msgspec.Struct, frozen=True, kw_only=True):
    meeting_id: int
    attendance: tuple[tuple[int, str], ...]  # (period id, contact status)


def record_group_attendance(
    uow: UnitOfWork,
    *,
    principal: Principal,
    meeting_id: int,
    attendance: Sequence[tuple[int, ContactStatus]],
) -> AttendanceView:
    """Attendance per member: fulfilled (came), noshow, or cancelled (told in advance)."""
    now = uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    meeting = uow.session.get(GroupMeeting, meeting_id)
    group = uow.session.get(RehabGroup, meeting.group_id) if meeting else None
    if meeting is None or group is None or group.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no group meeting {meeting_id}")
    if not attendance:
        raise InputInvalid("give the attendance of at least one member", field="attendance")
    contacts = {
        c.period_id: c
        for c in uow.session.scalars(select(Contact).where(col(Contact.group_meeting_id) == meeting_id))
    }
    periods = {
        p.id: p
        for p in uow.session.scalars(
            select(IntensivePeriod).where(col(IntensivePeriod.id).in_(list(contacts)))
        )
    }
    seen: set[int] = set()
    for period_id, status in attendance:
        if period_id in seen:
            raise InputInvalid(f"member {period_id} appears twice", field="attendance")
        seen.add(period_id)
        contact = contacts.get(period_id)
        if contact is None:
            raise NotGroupMember(f"period {period_id} is not a member at this meeting", field="attendance")
        _set_outcome(uow, contact, periods[period_id], status, now)
    uow.session.flush()
    clients = {period_id: period.client_id for period_id, period in periods.items()}
    for period_id in sorted(seen):
        access.log_use(
            uow,
            principal,
            AccessAction.UPDATE,
            "contact",
            contacts[period_id].id or 0,
            clients[period_id],
        )
    result = AttendanceView(
        meeting_id=meeting_id, attendance=tuple(sorted((p, c.status) for p, c in contacts.items()))
    )
    uow.commit()
    return result


def worker_schedule(
    uow: UnitOfWork, *, principal: Principal, worker_id: int, start: datetime, end: datetime
) -> list[Appointment]:
    """A worker's appointments in a range: for the worker themself and their municipality's staff."""
    access.require_role(principal, Role.INSTRUCTOR, Role.ADMIN)
    organisations.worker_in_scope(uow, principal, worker_id)
    if not start < end or end - start > timedelta(days=62):
        raise InputInvalid("give a range of at most 62 days, start before end", field="end")
    return appointments_of(uow, worker_id, start, end)
