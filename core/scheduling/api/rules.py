"""Session rules: the repeating sessions of a worker at a station, defined, listed and ended."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import SCHEDULERS
from sotesilta.core.kernel.web.fields import ClockTime, clock_time
from sotesilta.core.scheduling.domain.sessions import SessionMode
from sotesilta.core.scheduling.service import rules as session_rules
from sotesilta.core.scheduling.service import sessions
from sotesilta.core.scheduling.service.rules import RuleEnded, RuleView


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


Replacement = Annotated[
    SessionRuleIn, Meta(description="a rule to start from `from_date`, in the same transaction")
]


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


ROUTES = [create_session_rule, list_session_rules, end_session_rule]
