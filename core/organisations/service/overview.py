"""What a county's admin sees of the organisation: every unit, station and worker of the
county (closed ones too, to reopen them), its users to link, and the recent changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.service.queries import StationView, WorkerView, worker_views
from sotesilta.core.organisations.tables import Municipality, OrganisationChange, Station, Worker


def county_stations(uow: UnitOfWork, *, counties: Iterable[str]) -> list[StationView]:
    query = (
        select(Station)
        .where(col(Station.county_code).in_(list(counties)))
        .order_by(col(Station.municipality_code), col(Station.name_fi))
    )
    return msgspec.convert(list(uow.session.scalars(query)), list[StationView], from_attributes=True)


def county_workers(uow: UnitOfWork, *, counties: Iterable[str]) -> list[WorkerView]:
    query = (
        select(Worker)
        .where(col(Worker.county_code).in_(list(counties)))
        .order_by(col(Worker.display_name), col(Worker.id))
    )
    return worker_views(uow, list(uow.session.scalars(query)))


def county_municipalities(uow: UnitOfWork, *, counties: Iterable[str]) -> list[tuple[str, str, str]]:
    """(code, Finnish name, Swedish name) of the counties' municipalities, by code."""
    query = (
        select(col(Municipality.code), col(Municipality.name_fi), col(Municipality.name_sv))
        .where(col(Municipality.county_code).in_(list(counties)))
        .order_by(col(Municipality.code))
    )
    return [(code, fi, sv) for code, fi, sv in uow.session.execute(query)]


class UserChoice(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    display_name: str
    #: the worker the user is linked to already, if any
    worker_id: int | None


def _accounts_table(name: str) -> Any:
    # the accounts feature's tables, by name: organisations sits below accounts
    return Municipality.metadata.tables[name]


def county_users(uow: UnitOfWork, *, county: str) -> list[UserChoice]:
    """Active users of the county (all their municipalities in it), to link to a worker."""
    users, places = _accounts_table("user_account"), _accounts_table("user_municipality")
    municipalities = select(col(Municipality.code)).where(col(Municipality.county_code) == county)
    # a user with a municipality outside the county is not the county's to link
    outside = select(places.c.user_id).where(places.c.municipality_code.not_in(municipalities))
    inside = select(places.c.user_id).where(places.c.municipality_code.in_(municipalities))
    query = (
        select(users.c.id, users.c.username, users.c.display_name, col(Worker.id))
        .outerjoin(Worker, col(Worker.user_id) == users.c.id)
        .where(users.c.active.is_(True), users.c.id.in_(inside), users.c.id.not_in(outside))
        .order_by(users.c.username)
    )
    return [
        UserChoice(id=user_id, username=username, display_name=name, worker_id=worker_id)
        for user_id, username, name, worker_id in uow.session.execute(query)
    ]


class ChangeView(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    #: who made it; None for the plugins' initial data and other trusted jobs
    username: str | None
    entity: str
    entity_id: int
    action: str
    changes: dict[str, Any]


def recent_changes(uow: UnitOfWork, *, counties: Iterable[str], limit: int = 20) -> list[ChangeView]:
    users = _accounts_table("user_account")
    query = (
        select(OrganisationChange, users.c.username)
        .outerjoin(users, users.c.id == col(OrganisationChange.user_id))
        .where(col(OrganisationChange.county_code).in_(list(counties)))
        .order_by(col(OrganisationChange.at).desc(), col(OrganisationChange.id).desc())
        .limit(limit)
    )
    return [
        ChangeView(
            at=change.at,
            username=username,
            entity=change.entity,
            entity_id=change.entity_id,
            action=change.action,
            changes=msgspec.json.decode(change.changes),
        )
        for change, username in uow.session.execute(query)
    ]
