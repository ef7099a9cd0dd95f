"""Intensive rehabilitation: decisions, periods, contact plans, closed groups, schedules."""

from __future__ import annotations

from datetime import date, datetime, time

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from pydantic import BaseModel, Field

from sotesilta.core.kernel.clock import require_aware
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.domain import ContactKind, ContactStatus, EndReason
from sotesilta.core.rehab.service import contacts
from sotesilta.core.rehab.service import periods as rehab_periods
from sotesilta.core.rehab.service.contacts import AttendanceView, ContactView, GroupView
from sotesilta.core.rehab.service.periods import DecisionView, PeriodView

TAGS = ["intensive rehabilitation"]


class DecisionIn(BaseModel):
    client_id: int
    decided_on: date
    valid_from: date
    valid_until: date
    decision_maker: str = Field(min_length=1, max_length=200, description="the official who decided")


class GoalIn(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    sub_goals: list[str] = Field(default_factory=list, max_length=10)


class PeriodIn(BaseModel):
    decision_id: int
    starts_on: date
    planned_end: date
    responsible_worker_id: int
    co_worker_id: int | None = None
    goals: list[GoalIn] = Field(default_factory=list, max_length=10)
    weekly_target: int | None = Field(
        default=None, ge=1, le=14, description="the municipality's default if unset"
    )
    age_exception_reason: str | None = Field(default=None, max_length=500)


class CloseIn(BaseModel):
    ended_on: date
    reason: EndReason


class ContactIn(BaseModel):
    kind: ContactKind
    starts_at: datetime
    minutes: int = Field(ge=1, le=24 * 60, description="short contacts count too (at least 5 minutes)")
    worker_ids: list[int] = Field(default_factory=list, max_length=4)
    place: str | None = Field(default=None, max_length=300)
    video_link: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=1000)


class OutcomeIn(BaseModel):
    status: ContactStatus
    note: str | None = Field(default=None, max_length=1000)


class GroupIn(BaseModel):
    municipality: str = Field(min_length=3, max_length=3)
    name: str = Field(min_length=1, max_length=200)
    worker_ids: list[int] = Field(min_length=1, max_length=4)
    member_period_ids: list[int] = Field(min_length=1, max_length=20)
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: time = Field(description="local time, Europe/Helsinki")
    minutes: int = Field(ge=5, le=480)
    first_date: date
    meetings: int = Field(ge=1, le=52)
    place: str | None = Field(default=None, max_length=300)


class AttendanceIn(BaseModel):
    period_id: int
    status: ContactStatus


class AttendanceListIn(BaseModel):
    attendance: list[AttendanceIn] = Field(min_length=1, max_length=20)


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
        **data.model_dump(),
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
    draft = rehab_periods.PeriodDraft(
        **{
            **data.model_dump(exclude={"goals"}),
            "goals": tuple(rehab_periods.GoalDraft(g.text, tuple(g.sub_goals)) for g in data.goals),
        }
    )
    return rehab_periods.open_intensive_period(
        uow,
        principal=principal,
        draft=draft,
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
    draft = contacts.ContactDraft(**{**data.model_dump(), "worker_ids": tuple(data.worker_ids)})
    return contacts.plan_contact(
        uow,
        principal=principal,
        period_id=period_id,
        draft=draft,
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
    data: JSONBody[OutcomeIn],
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
    draft = contacts.GroupDraft(
        **{
            **data.model_dump(),
            "worker_ids": tuple(data.worker_ids),
            "member_period_ids": tuple(data.member_period_ids),
        }
    )
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
