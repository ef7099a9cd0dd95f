"""Reading closed groups for the instructor's pages: my groups, and one group's meetings with
each member's attendance.

Groups are made by ``contacts.create_group`` and attendance is marked by
``contacts.record_group_attendance``; these reads show what they wrote. A member
shows as a client number, never a name, and reading a group's members is logged.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import func, or_, select
from sqlmodel import col

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


class GroupSummary(msgspec.Struct, frozen=True, kw_only=True):
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
    led = select(col(GroupWorker.group_id)).where(col(GroupWorker.worker_id) == (worker_id or -1))
    groups = uow.session.scalars(
        select(RehabGroup)
        .where(
            col(RehabGroup.municipality_code).in_(list(principal.municipalities)),
            or_(col(RehabGroup.created_by) == principal.user_id, col(RehabGroup.id).in_(led)),
        )
        .order_by(col(RehabGroup.name), col(RehabGroup.id))
    ).all()
    ids = [g.id or 0 for g in groups]
    members: dict[int, int] = {
        group_id: count
        for group_id, count in uow.session.execute(
            select(col(GroupMember.group_id), func.count())
            .where(col(GroupMember.group_id).in_(ids))
            .group_by(col(GroupMember.group_id))
        )
    }
    meetings: dict[int, tuple[int, datetime | None]] = {
        group_id: (count, last)
        for group_id, count, last in uow.session.execute(
            select(col(GroupMeeting.group_id), func.count(), func.max(col(GroupMeeting.starts_at)))
            .where(col(GroupMeeting.group_id).in_(ids))
            .group_by(col(GroupMeeting.group_id))
        )
    }
    upcoming: dict[int, datetime] = {
        group_id: first
        for group_id, first in uow.session.execute(
            select(col(GroupMeeting.group_id), func.min(col(GroupMeeting.starts_at)))
            .where(col(GroupMeeting.group_id).in_(ids), col(GroupMeeting.ends_at) > now)
            .group_by(col(GroupMeeting.group_id))
        )
    }
    return [
        GroupSummary(
            id=g.id or 0,
            municipality_code=g.municipality_code,
            name=g.name,
            members=members.get(g.id or 0, 0),
            meetings=meetings.get(g.id or 0, (0, None))[0],
            next_meeting=upcoming.get(g.id or 0),
            last_meeting=meetings.get(g.id or 0, (0, None))[1],
        )
        for g in groups
    ]


class MeetingView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    starts_at: datetime
    ends_at: datetime
    place: str | None
    attendance: tuple[tuple[int, str], ...]  # (period id, contact status) of members in their period


class MemberView(msgspec.Struct, frozen=True, kw_only=True):
    period_id: int
    client_id: int
    closed: bool


class GroupDetail(msgspec.Struct, frozen=True, kw_only=True):
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
            select(col(Worker.display_name))
            .join(GroupWorker, col(GroupWorker.worker_id) == col(Worker.id))
            .where(col(GroupWorker.group_id) == group_id)
            .order_by(col(Worker.display_name))
        )
    )
    members = tuple(
        MemberView(period_id=period.id or 0, client_id=period.client_id, closed=period.ended_on is not None)
        for period in uow.session.scalars(
            select(IntensivePeriod)
            .join(GroupMember, col(GroupMember.period_id) == col(IntensivePeriod.id))
            .where(col(GroupMember.group_id) == group_id)
            .order_by(col(IntensivePeriod.client_id), col(IntensivePeriod.id))
        )
    )
    found = uow.session.scalars(
        select(GroupMeeting)
        .where(col(GroupMeeting.group_id) == group_id)
        .order_by(col(GroupMeeting.starts_at))
    ).all()
    statuses: dict[int, list[tuple[int, str]]] = {}
    for meeting_id, period_id, status in uow.session.execute(
        select(col(Contact.group_meeting_id), col(Contact.period_id), col(Contact.status))
        .where(col(Contact.group_meeting_id).in_([m.id for m in found]))
        .order_by(col(Contact.period_id))
    ):
        statuses.setdefault(meeting_id or 0, []).append((period_id, status))
    meetings = tuple(
        MeetingView(
            id=m.id or 0,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            place=m.place,
            attendance=tuple(statuses.get(m.id or 0, ())),
        )
        for m in found
    )
    for member in members:
        access.log_use(uow, principal, AccessAction.READ, "rehab_group", group_id, member.client_id)
    uow.commit()
    return GroupDetail(
        id=group.id or 0,
        municipality_code=group.municipality_code,
        name=group.name,
        workers=workers,
        members=members,
        meetings=meetings,
    )
