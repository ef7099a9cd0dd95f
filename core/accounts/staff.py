"""A member of staff as a colleague reaches her: her name, her station and its phone (who
booked a time, who asked a consultation).

Staff names and stations' phones are not client data: reading them is not logged. Her station
is the one asked for when she works there (a nurse books for the patient in front of her, at
her own station), otherwise the first of hers by name.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import case, select
from sqlmodel import col

from sotesilta.core.accounts.tables import UserAccount, UserStation
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Station


class StaffContact(msgspec.Struct, frozen=True, kw_only=True):
    """A member of staff with her station (none when her account has no station)."""

    name: str
    station_name_fi: str | None = None
    station_name_sv: str | None = None
    station_phone: str = ""

    def station_name(self, language: str) -> str | None:
        return self.station_name_sv if language == "sv" and self.station_name_sv else self.station_name_fi


def staff_contact(uow: UnitOfWork, *, user_id: int, station_id: int | None = None) -> StaffContact:
    """The user's name and station (``station_id`` if hers): one statement."""
    order: list[Any] = [col(Station.name_fi)]
    if station_id is not None:
        order.insert(0, case((col(Station.id) == station_id, 0), else_=1))
    row = uow.session.execute(
        select(
            col(UserAccount.display_name),
            col(Station.name_fi),
            col(Station.name_sv),
            col(Station.phone),
        )
        .select_from(UserAccount)
        .outerjoin(UserStation, col(UserStation.user_id) == col(UserAccount.id))
        .outerjoin(Station, col(Station.id) == col(UserStation.station_id))
        .where(col(UserAccount.id) == user_id)
        .order_by(*order)
        .limit(1)
    ).one()
    name, name_fi, name_sv, phone = row
    return StaffContact(
        name=name, station_name_fi=name_fi, station_name_sv=name_sv, station_phone=phone or ""
    )
