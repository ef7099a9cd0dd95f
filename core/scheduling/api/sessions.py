"""Guidance session rules, generated sessions and absences."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta

from sotesilta.core.kernel.clock import require_aware
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.fields import ClockTime, clock_time
from sotesilta.core.kernel.web.security import requires_role
from sotesilta.core.scheduling.domain.sessions import SessionMode
from sotesilta.core.scheduling.service import rules as session_rules
from sotesilta.core.scheduling.service import sessions
from sotesilta.core.scheduling.service.rules import RuleEnded, RuleView
from sotesilta.core.scheduling.service.sessions import SessionView


class TimeSpan(msgspec.Struct):
    start: ClockTime
    end: ClockTime


class SessionRuleIn(msgspec.Struct, kw_only=True):
    worker_id: int
    station_id: int
    weekday: Annotated[int, Meta(ge=0, le=6, description="0 = Monday")]
    start: Annotated[ClockTime, Meta(description="local time, Europe/Helsinki")]
    end: ClockTime
    first_date: Annotated[date, Meta(description="the first occurrence; must fall on `weekday`")]
    interval_weeks: Annotated[int, Meta(ge=1, le=8, description="2 = every second week")] = 1
    until: date | None = None
    slot_minutes: Annotated[int, Meta(ge=10, le=240)] = 45
    breaks: Annotated[list[TimeSpan], Meta(max_length=10)] = msgspec.field(default_factory=list)
    booked_slots: bool = True
    walk_in: TimeSpan | None = None
    walk_in_capacity: Annotated[int, Meta(ge=0, le=200)] = 0
    mode: SessionMode = SessionMode.ON_SITE
    video_link: Annotated[str, Meta(max_length=500)] | None = None


class SessionRuleCreated(msgspec.Struct):
    id: int
    worker_id: int
    station_id: int
    sessions_created: int
    generated_until: date | None


class AbsenceIn(msgspec.Struct):
    worker_id: int
    starts_at: Annotated[datetime, Meta(tz=True)]
    ends_at: Annotated[datetime, Meta(tz=True)]
    reason: Annotated[str, Meta(min_length=1, max_length=200)]


Replacement = Annotated[
    SessionRuleIn, Meta(description="a rule to start from `from_date`, in the same transaction")
]


class AbsenceRecorded(msgspec.Struct, rename={"absence_id": "id"}):
    absence_id: int
    cancelled_sessions: int
    orphaned_bookings: int


class SessionRuleEndIn(msgspec.Struct, kw_only=True):
    from_date: Annotated[date, Meta(description="the first Helsinki day without the rule's sessions")]
    orphan_bookings: Annotated[
        bool,
        Meta(
            description="cancel the later sessions' bookings onto the bookers' times to rebook; "
            "without it such bookings refuse the change (409 session-rule-has-bookings)"
        ),
    ] = False
    replacement: (
        Annotated[
            SessionRuleIn, Meta(description="a rule to start from `from_date`, in the same transaction")
        ]
        | None
    ) = None


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
) -> SessionRuleCreated:
    rule, created = sessions.create_session_rule(uow, principal=principal, draft=_draft(data))
    return SessionRuleCreated(
        id=rule.id or 0,
        worker_id=rule.worker_id,
        station_id=rule.station_id,
        sessions_created=created,
        generated_until=rule.generated_until,
    )


def _draft(data: SessionRuleIn) -> sessions.SessionRuleDraft:
    """The rule as the use case takes it: the same fields, its times as pairs."""
    return sessions.SessionRuleDraft(
        **{
            **msgspec.structs.asdict(data),
            "start": clock_time(data.start),
            "end": clock_time(data.end),
            "breaks": tuple(_pair(b) for b in data.breaks),
            "walk_in": _pair(data.walk_in) if data.walk_in else None,
        }
    )


def _pair(span: TimeSpan) -> tuple[time, time]:
    return clock_time(span.start), clock_time(span.end)


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
) -> list[RuleView]:
    return session_rules.list_session_rules(uow, principal=principal)


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
) -> RuleEnded:
    return session_rules.end_session_rule(
        uow,
        principal=principal,
        rule_id=rule_id,
        from_date=data.from_date,
        orphan=data.orphan_bookings,
        replacement=_draft(data.replacement) if data.replacement else None,
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
) -> list[SessionView]:
    begin = require_aware(start, "start") or now
    until = require_aware(until, "until")
    return sessions.list_sessions(
        uow,
        principal=principal,
        start=begin,
        end=until or begin + timedelta(weeks=4),
        station_id=station_id,
        worker_id=worker_id,
    )


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
) -> AbsenceRecorded:
    result = sessions.record_absence(
        uow,
        principal=principal,
        worker_id=data.worker_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        reason=data.reason,
    )
    return msgspec.convert(result, AbsenceRecorded, from_attributes=True)


ROUTES = [create_session_rule, list_session_rules, end_session_rule, list_sessions, record_absence]
