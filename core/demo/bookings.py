"""The demo's upcoming bookings: a few by each demo nurse, for fictional clients, so that
her list, a booking's page and the instructor's day have something to show."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.domain.bookings import BookingRequest, ClientDetails, ClientRelationship
from sotesilta.core.scheduling.service import bookings, slots
from sotesilta.core.scheduling.tables import Booking

log = logging.getLogger("sotesilta.demo")

#: fictional clients: (name, age, language, note)
CLIENTS = (
    ("Aino Demo", 34, "fi", "Toimeentulo huolettaa; ei vielä yhteyttä sosiaalitoimeen."),
    ("Bertil Demo", 58, "sv", "Önskar hjälp med ansökan om bostadsbidrag."),
    ("Eero Demo", 45, "fi", None),
    ("Saara Demo", 27, "fi", "Yksinäisyys ja asumiseen liittyvät huolet."),
)


def write_demo_bookings(
    uow_factory: Callable[[], UnitOfWork], nurses: Sequence[str], per_nurse: int = 2
) -> int:
    """Book the soonest free times in each nurse's municipality, through the use case; a
    nurse who has booked before is left as she is (the demo runs again)."""
    made = 0
    for index, username in enumerate(nurses):
        with uow_factory() as uow:
            principal = accounts.principal_of_user(uow, username)
            if uow.session.scalar(
                select(func.count()).select_from(Booking).where(col(Booking.booked_by) == principal.user_id)
            ):
                continue
            municipality = sorted(principal.municipalities)[0]
            reasons = sorted(uow.plugins.code_lists.codes("guidance_reason", municipality))[:2]
            free = slots.find_free_slots(
                uow,
                principal=principal,
                municipality=municipality,
                scope=slots.SearchScope.MUNICIPALITY,
                limit=per_nurse,
            )
        for number, slot in enumerate(free):
            name, age, language, note = CLIENTS[(index + number) % len(CLIENTS)]
            request = BookingRequest(
                slot_id=slot.slot_id,
                client=ClientDetails(name=name, phone="040 000 0000", age=age),
                reasons=tuple(reasons),
                preferred_language=language,
                note=note,
                existing_relationship=ClientRelationship.NO if note else ClientRelationship.UNKNOWN,
            )
            try:
                with uow_factory() as uow:
                    bookings.create_booking(uow, principal=principal, request=request)
                made += 1
            except DomainError as exc:  # a municipality's rule refused it: the demo goes on
                log.warning("demo booking skipped", extra={"slot_id": slot.slot_id, "why": str(exc)})
    return made
