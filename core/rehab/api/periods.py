"""Intensive rehabilitation: decisions, periods, contact plans, closed groups, schedules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta

from sotesilta.core.kernel.clock import require_aware
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.fields import ClockTime, clock_time
from sotesilta.core.rehab.domain import ContactKind, ContactStatus, EndReason
from sotesilta.core.rehab.service import contacts
from sotesilta.core.rehab.service import periods as rehab_periods
from sotesilta.core.rehab.service.contacts import AttendanceView, ContactView, GroupView
from sotesilta.core.rehab.service.periods import DecisionView, PeriodView

TAGS = ["intensive rehabilitation"]


class DecisionIn(msgspec.Struct, kw_only=True):
    client_id: int
    decided_on: date
    valid_from: date
    valid_until: date
    decision_maker: Annotated[str, Meta(min_length=1, max_length=200, description="the official who decided")]


class GoalIn(msgspec.Struct, kw_only=True):
    text: Annotated[str, Meta(min_length=1, max_length=500)]
    sub_goals: Annotated[list[str], Meta(max_length=10)] = msgspec.field(default_factory=list)


class PeriodIn(msgspec.Struct, kw_only=True):
    decision_id: int
    starts_on: date
    planned_end: date
    responsible_worker_id: int
    co_worker_id: int | None = None
    goals: Annotated[list[GoalIn], Meta(max_length=10)] = msgspec.field(default_factory=list)
    weekly_target: (
        Annotated[int, Meta(ge=1, le=14, description="the municipality's default if unset")] | None
    ) = None
    age_exception_reason: Annotated[str, Meta(max_length=500)] | None = None


class CloseIn(msgspec.Struct, kw_only=True):
    ended_on: date
    reason: EndReason


class ContactIn(msgspec.Struct, kw_only=True):
    kind: ContactKind
    starts_at: datetime
    minutes: Annotated[
        int, Meta(ge=1, le=24 * 60, description="short contacts count too (at least 5 minutes)")
    ]
    worker_ids: Annotated[list[int], Meta(max_length=4)] = msgspec.field(default_factory=list)
    place: Annotated[str, Meta(max_length=300)] | None = None
    video_link: Annotated[str, Meta(max_length=500)] | None = None
    note: Annotated[str, Meta(max_length=1000)] | None = None


class ContactOutcomeIn(msgspec.Struct, kw_only=True):
    status: ContactStatus
    note: Annotated[str, Meta(max_length=1000)] | None = None


class GroupIn(msgspec.Struct, kw_only=True):
    municipality: Annotated[str, Meta(min_length=3, max_length=3)]
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    worker_ids: Annotated[list[int], Meta(min_length=1, max_length=4)]
    member_period_ids: Annotated[list[int], Meta(min_length=1, max_length=20)]
    weekday: Annotated[int, Meta(ge=0, le=6, description="0 = Monday")]
    start: Annotated[ClockTime, Meta(description="local time, Europe/Helsinki")]
    minutes: Annotated[int, Meta(ge=5, le=480)]
    first_date: date
    meetings: Annotated[int, Meta(ge=1, le=52)]
    place: Annotated[str, Meta(max_length=300)] | None = None


class AttendanceIn(msgspec.Struct, kw_only=True):
    period_id: int
    status: ContactStatus


class AttendanceListIn(msgspec.Struct, kw_only=True):
    attendance: Annotated[list[AttendanceIn], Meta(min_length=1, max_length=20)]


@post(
    "/api/v1/service-decisions",
    operation_id="createServiceDecision",
    tags=TAGS,
    summary="Record a fixed-term decision on social rehabilitation",
    sync_to_thread=True,
)
def create_service_decision(
    data: JSONBody[DecisionIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> DecisionView:
    return rehab_periods.create_service_decision(
        uow,
        principal=principal,
        **msgspec.structs.asdict(data),
    )


@post(
    "/api/v1/intensive-periods",
    operation_id="openIntensivePeriod",
    tags=TAGS,
    summary="Open an intensive period under a decision, within the municipality's policy",
    sync_to_thread=True,
)
def open_intensive_period(
    data: JSONBody[PeriodIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> PeriodView:
    return rehab_periods.open_intensive_period(
        uow,
        principal=principal,
        draft=msgspec.convert(data, rehab_periods.PeriodDraft, from_attributes=True),
    )


@get(
    "/api/v1/intensive-periods/{period_id:int}",
    operation_id="getIntensivePeriod",
    tags=TAGS,
    summary="A period with its goals",
    sync_to_thread=True,
)
def get_intensive_period(
    period_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> PeriodView:
    return rehab_periods.get_intensive_period(
        uow,
        principal=principal,
        period_id=period_id,
    )


@post(
    "/api/v1/intensive-periods/{period_id:int}/close",
    operation_id="closeIntensivePeriod",
    tags=TAGS,
    status_code=200,
    summary="End a period; its planned contacts after the end are cancelled",
    sync_to_thread=True,
)
def close_intensive_period(
    period_id: FromPath[int],
    data: JSONBody[CloseIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> PeriodView:
    return rehab_periods.close_intensive_period(
        uow,
        principal=principal,
        period_id=period_id,
        ended_on=data.ended_on,
        reason=data.reason,
    )


@post(
    "/api/v1/intensive-periods/{period_id:int}/contacts",
    operation_id="planContact",
    tags=TAGS,
    summary="Plan a contact; refused when it overlaps a worker's other appointments",
    sync_to_thread=True,
)
def plan_contact(
    period_id: FromPath[int],
    data: JSONBody[ContactIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> ContactView:
    require_aware(data.starts_at, "starts_at")
    return contacts.plan_contact(
        uow,
        principal=principal,
        period_id=period_id,
        draft=msgspec.convert(data, contacts.ContactDraft, from_attributes=True),
    )


@post(
    "/api/v1/contacts/{contact_id:int}/outcome",
    operation_id="recordContactOutcome",
    tags=TAGS,
    status_code=200,
    summary="Mark a contact realised (fulfilled), cancelled or no-show; again to correct",
    sync_to_thread=True,
)
def record_contact_outcome(
    contact_id: FromPath[int],
    data: JSONBody[ContactOutcomeIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> ContactView:
    return contacts.record_contact_outcome(
        uow,
        principal=principal,
        contact_id=contact_id,
        status=data.status,
        note=data.note,
    )


@post(
    "/api/v1/rehab-groups",
    operation_id="createGroup",
    tags=TAGS,
    summary="A closed group with members and weekly meetings; each member gets a contact per meeting",
    sync_to_thread=True,
)
def create_group(
    data: JSONBody[GroupIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> GroupView:
    fields = msgspec.structs.asdict(data) | {"start": clock_time(data.start)}
    draft = msgspec.convert(fields, contacts.GroupDraft)
    return contacts.create_group(
        uow,
        principal=principal,
        draft=draft,
    )


@post(
    "/api/v1/group-meetings/{meeting_id:int}/attendance",
    operation_id="recordGroupAttendance",
    tags=TAGS,
    status_code=200,
    summary="Attendance per member of a group meeting",
    sync_to_thread=True,
)
def record_group_attendance(
    meeting_id: FromPath[int],
    data: JSONBody[AttendanceListIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> AttendanceView:
    return contacts.record_group_attendance(
        uow,
        principal=principal,
        meeting_id=meeting_id,
        attendance=[(a.period_id, a.status) for a in data.attendance],
    )


@get(
    "/api/v1/workers/{worker_id:int}/schedule",
    operation_id="getWorkerSchedule",
    tags=TAGS,
    summary="A worker's sessions, bookings, contacts and absences in a range (no client identity)",
    sync_to_thread=True,
)
def get_worker_schedule(
    worker_id: FromPath[int],
    start: FromQuery[datetime],
    end: FromQuery[datetime],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> list[contacts.Appointment]:
    return contacts.worker_schedule(
        uow,
        principal=principal,
        worker_id=worker_id,
        start=require_aware(start, "start") or start,
        end=require_aware(end, "end") or end,
    )


ROUTES = [
    create_service_decision,
    open_intensive_period,
    get_intensive_period,
    close_intensive_period,
    plan_contact,
    record_contact_outcome,
    create_group,
    record_group_attendance,
    get_worker_schedule,
]
