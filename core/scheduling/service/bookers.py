"""Who booked a time, and how to reach her: what the instructor needs beside the nurse's note.

The booker is a member of staff, so her name and her station's phone are not client data:
reading them is not logged. Her station is the booking's own when she works there (she booked
for the patient in front of her), otherwise the first of hers by name.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import case, select
from sqlmodel import col

from sotesilta.core.accounts.public import UserAccount, UserStation
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Station


class Booker(msgspec.Struct, frozen=True, kw_only=True):
    """The person who booked, with her station (none when her account has no station)."""

    name: str
    station_name_fi: str | None = None
    station_name_sv: str | None = None
    station_phone: str = ""

    def station_name(self, language: str) -> str | None:
        return self.station_name_sv if language == "sv" and self.station_name_sv else self.station_name_fi


def booker_of(uow: UnitOfWork, *, booked_by: int, station_id: int) -> Booker:
    """The booker of a booking at ``station_id``: one statement (her name, her station)."""
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
        .where(col(UserAccount.id) == booked_by)
        .order_by(case((col(Station.id) == station_id, 0), else_=1), col(Station.name_fi))
        .limit(1)
    ).one()
    name, name_fi, name_sv, phone = row
    return Booker(name=name, station_name_fi=name_fi, station_name_sv=name_sv, station_phone=phone or "")
