"""Guidance session rules, generated sessions and absences."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from pydantic import AwareDatetime, BaseModel, Field

from sotesilta.core.kernel.clock import require_aware
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.security import requires_role
from sotesilta.core.scheduling.domain.sessions import SessionMode
from sotesilta.core.scheduling.service import rules as session_rules
from sotesilta.core.scheduling.service import sessions


class TimeSpan(BaseModel):
    start: time
    end: time


class SessionRuleIn(BaseModel):
    worker_id: int
    station_id: int
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: time = Field(description="local time, Europe/Helsinki")
    end: time
    first_date: date = Field(description="the first occurrence; must fall on `weekday`")
    interval_weeks: int = Field(default=1, ge=1, le=8, description="2 = every second week")
    until: date | None = None
    slot_minutes: int = Field(default=45, ge=10, le=240)
    breaks: list[TimeSpan] = Field(default_factory=list, max_length=10)
    booked_slots: bool = True
    walk_in: TimeSpan | None = None
    walk_in_capacity: int = Field(default=0, ge=0, le=200)
    mode: SessionMode = SessionMode.ON_SITE
    video_link: str | None = Field(default=None, max_length=500)


class SessionRuleOut(BaseModel):
    id: int
    worker_id: int
    station_id: int
    sessions_created: int
    generated_until: date | None


class SessionOut(BaseModel):
    id: int
    rule_id: int | None
    worker_id: int
    worker_name: str
    station_id: int
    station_key: str
    starts_at: datetime
    ends_at: datetime
    walk_in_starts_at: datetime | None
    walk_in_ends_at: datetime | None
    walk_in_capacity: int
    mode: str
    video_link: str | None
    status: str
    cancel_reason: str | None
    slots: int
    booked: int


class AbsenceIn(BaseModel):
    worker_id: int
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=200)


class AbsenceOut(BaseModel):
    id: int
    cancelled_sessions: int
    orphaned_bookings: int


class SessionRuleView(BaseModel):
    id: int
    worker_id: int
    worker_name: str
    station_id: int
    station_key: str
    municipality_code: str
    weekday: int
    start: time
    end: time
    interval_weeks: int
    first_date: date
    until: date | None
    slot_minutes: int
    breaks: str
    booked_slots: bool
    walk_in_start: time | None
    walk_in_end: time | None
    walk_in_capacity: int
    mode: str
    video_link: str | None
    active: bool
    upcoming_sessions: int
    upcoming_bookings: int


class SessionRuleEndIn(BaseModel):
    from_date: date = Field(description="the first Helsinki day without the rule's sessions")
    orphan_bookings: bool = Field(
        default=False,
        description="cancel the later sessions' bookings onto the bookers' times to rebook; "
        "without it such bookings refuse the change (409 session-rule-has-bookings)",
    )
    replacement: SessionRuleIn | None = Field(
        default=None, description="a rule to start from `from_date`, in the same transaction"
    )


class SessionRuleEndOut(BaseModel):
    id: int
    until: date
    cancelled_sessions: int
    orphaned_bookings: int
    kept_sessions: int
    replacement_id: int | None
    replacement_sessions: int


SCHEDULERS = [requires_role(Role.ADMIN, Role.INSTRUCTOR)]


@post(
    "/api/v1/session-rules",
    operation_id="createSessionRule",
    tags=["sessions"],
    guards=SCHEDULERS,
    summary="Define a repeating guidance session; its sessions are generated for the horizon",
    sync_to_thread=True,
)
def create_session_rule(
    data: JSONBody[SessionRuleIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> SessionRuleOut:
    rule, created = sessions.create_session_rule(
        uow,
        principal=principal,
        draft=_draft(data),
    )
    return SessionRuleOut(
        id=rule.id or 0,
        worker_id=rule.worker_id,
        station_id=rule.station_id,
        sessions_created=created,
        generated_until=rule.generated_until,
    )


def _draft(data: SessionRuleIn) -> sessions.SessionRuleDraft:
    return sessions.SessionRuleDraft(
        worker_id=data.worker_id,
        station_id=data.station_id,
        weekday=data.weekday,
        start=data.start,
        end=data.end,
        first_date=data.first_date,
        interval_weeks=data.interval_weeks,
        until=data.until,
        slot_minutes=data.slot_minutes,
        breaks=tuple((b.start, b.end) for b in data.breaks),
        booked_slots=data.booked_slots,
        walk_in=(data.walk_in.start, data.walk_in.end) if data.walk_in else None,
        walk_in_capacity=data.walk_in_capacity,
        mode=data.mode,
        video_link=data.video_link,
    )


@get(
    "/api/v1/session-rules",
    operation_id="listSessionRules",
    tags=["sessions"],
    guards=SCHEDULERS,
    summary="The session rules of my municipalities, with their upcoming sessions and bookings",
    sync_to_thread=True,
)
def list_session_rules(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> list[SessionRuleView]:
    return [SessionRuleView(**vars(r)) for r in session_rules.list_session_rules(uow, principal=principal)]


@post(
    "/api/v1/session-rules/{rule_id:int}/end",
    operation_id="endSessionRule",
    tags=["sessions"],
    guards=SCHEDULERS,
    status_code=200,
    summary="End a rule from a day on (its later sessions cancelled); optionally start its replacement",
    sync_to_thread=True,
)
def end_session_rule(
    rule_id: FromPath[int],
    data: JSONBody[SessionRuleEndIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> SessionRuleEndOut:
    ended = session_rules.end_session_rule(
        uow,
        principal=principal,
        rule_id=rule_id,
        from_date=data.from_date,
        orphan=data.orphan_bookings,
        replacement=_draft(data.replacement) if data.replacement else None,
    )
    return SessionRuleEndOut(
        id=ended.rule_id,
        until=ended.until,
        cancelled_sessions=ended.cancelled_sessions,
        orphaned_bookings=ended.orphaned_bookings,
        kept_sessions=ended.kept_sessions,
        replacement_id=ended.replacement_id,
        replacement_sessions=ended.replacement_sessions,
    )


@get(
    "/api/v1/sessions",
    operation_id="listSessions",
    tags=["sessions"],
    summary="Sessions in a period (default: the next four weeks)",
    sync_to_thread=True,
)
def list_sessions(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    now: NamedDependency[datetime],
    start: FromQuery[datetime | None] = None,
    until: FromQuery[datetime | None] = None,
    station_id: FromQuery[int | None] = None,
    worker_id: FromQuery[int | None] = None,
) -> list[SessionOut]:
    begin = require_aware(start, "start") or now
    until = require_aware(until, "until")
    found = sessions.list_sessions(
        uow,
        principal=principal,
        start=begin,
        end=until or begin + timedelta(weeks=4),
        station_id=station_id,
        worker_id=worker_id,
    )
    return [SessionOut(**vars(s)) for s in found]


@post(
    "/api/v1/absences",
    operation_id="recordAbsence",
    tags=["sessions"],
    guards=SCHEDULERS,
    summary="Record a worker's absence: their sessions are cancelled, bookings orphaned",
    sync_to_thread=True,
)
def record_absence(
    data: JSONBody[AbsenceIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> AbsenceOut:
    result = sessions.record_absence(
        uow,
        principal=principal,
        worker_id=data.worker_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        reason=data.reason,
    )
    return AbsenceOut(
        id=result.absence_id,
        cancelled_sessions=result.cancelled_sessions,
        orphaned_bookings=result.orphaned_bookings,
    )


ROUTES = [create_session_rule, list_session_rules, end_session_rule, list_sessions, record_absence]
