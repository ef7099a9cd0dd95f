"""Reading closed groups for the instructor's pages: my groups, and one group's meetings with
each member's attendance.

Groups are made by ``contacts.create_group`` and attendance is marked by
``contacts.record_group_attendance``; these reads show what they wrote. A member
shows as a client number, never a name, and reading a group's members is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import Worker
from sotesilta.core.rehab.tables import (
    Contact,
    GroupMeeting,
    GroupMember,
    GroupWorker,
    IntensivePeriod,
    RehabGroup,
)


@dataclass(frozen=True)
class GroupSummary:
    id: int
    municipality_code: str
    name: str
    members: int
    meetings: int
    next_meeting: datetime | None  # None when every meeting is over
    last_meeting: datetime | None


def list_groups(uow: UnitOfWork, *, principal: Principal) -> list[GroupSummary]:
    """The groups the instructor leads (as one of its workers) or made, in their municipalities.

    Counts only, no client: nothing here is logged.
    """
    now = uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    worker_id = organisations.own_worker_id(uow, principal)
    led = select(GroupWorker.group_id).where(GroupWorker.worker_id == (worker_id or -1))
    groups = uow.session.scalars(
        select(RehabGroup)
        .where(
            RehabGroup.municipality_code.in_(list(principal.municipalities)),
            or_(RehabGroup.created_by == principal.user_id, RehabGroup.id.in_(led)),
        )
        .order_by(RehabGroup.name, RehabGroup.id)
    ).all()
    ids = [g.id for g in groups]
    members = dict(
        uow.session.execute(
            select(GroupMember.group_id, func.count())
            .where(GroupMember.group_id.in_(ids))
            .group_by(GroupMember.group_id)
        ).all()
    )
    meetings = {
        group_id: (count, last)
        for group_id, count, last in uow.session.execute(
            select(GroupMeeting.group_id, func.count(), func.max(GroupMeeting.starts_at))
            .where(GroupMeeting.group_id.in_(ids))
            .group_by(GroupMeeting.group_id)
        ).all()
    }
    upcoming = dict(
        uow.session.execute(
            select(GroupMeeting.group_id, func.min(GroupMeeting.starts_at))
            .where(GroupMeeting.group_id.in_(ids), GroupMeeting.ends_at > now)
            .group_by(GroupMeeting.group_id)
        ).all()
    )
    return [
        GroupSummary(
            g.id or 0,
            g.municipality_code,
            g.name,
            int(members.get(g.id, 0)),
            int(meetings.get(g.id, (0, None))[0]),
            upcoming.get(g.id),
            meetings.get(g.id, (0, None))[1],
        )
        for g in groups
    ]


@dataclass(frozen=True)
class MeetingView:
    id: int
    starts_at: datetime
    ends_at: datetime
    place: str | None
    attendance: tuple[tuple[int, str], ...]  # (period id, contact status) of members in their period


@dataclass(frozen=True)
class MemberView:
    period_id: int
    client_id: int
    closed: bool


@dataclass(frozen=True)
class GroupDetail:
    id: int
    municipality_code: str
    name: str
    workers: tuple[str, ...]  # display names (staff names are not client data)
    members: tuple[MemberView, ...]
    meetings: tuple[MeetingView, ...]


def get_group(
    uow: UnitOfWork,
    *,
    principal: Principal,
    group_id: int,
) -> GroupDetail:
    """A group of the instructor's municipalities (as ``record_group_attendance`` allows); the
    members' reads are logged."""
    access.require_role(principal, Role.INSTRUCTOR)
    group = uow.session.get(RehabGroup, group_id)
    if group is None or group.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no group {group_id}")
    workers = tuple(
        uow.session.scalars(
            select(Worker.display_name)
            .join(GroupWorker, GroupWorker.worker_id == Worker.id)
            .where(GroupWorker.group_id == group_id)
            .order_by(Worker.display_name)
        )
    )
    members = tuple(
        MemberView(period.id or 0, period.client_id, period.ended_on is not None)
        for period in uow.session.scalars(
            select(IntensivePeriod)
            .join(GroupMember, GroupMember.period_id == IntensivePeriod.id)
            .where(GroupMember.group_id == group_id)
            .order_by(IntensivePeriod.client_id, IntensivePeriod.id)
        )
    )
    found = uow.session.scalars(
        select(GroupMeeting).where(GroupMeeting.group_id == group_id).order_by(GroupMeeting.starts_at)
    ).all()
    statuses: dict[int, list[tuple[int, str]]] = {}
    for meeting_id, period_id, status in uow.session.execute(
        select(Contact.group_meeting_id, Contact.period_id, Contact.status)
        .where(Contact.group_meeting_id.in_([m.id for m in found]))
        .order_by(Contact.period_id)
    ):
        statuses.setdefault(meeting_id, []).append((period_id, status))
    meetings = tuple(
        MeetingView(m.id or 0, m.starts_at, m.ends_at, m.place, tuple(statuses.get(m.id or 0, ())))
        for m in found
    )
    for member in members:
        access.log_use(uow, principal, AccessAction.READ, "rehab_group", group_id, member.client_id)
    uow.commit()
    return GroupDetail(group.id or 0, group.municipality_code, group.name, workers, members, meetings)
