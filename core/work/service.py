"""What announces itself on every page a member of staff opens: counts for the menu and the
start page, each feature's own small statement, run only for the roles it concerns:

- health staff: consultations with an answer she has not read, and her times to rebook;
- instructors: consultations with something new for her (a question addressed to her, or to
  nobody and unanswered, that she has not opened; a message she has not read), and, for a
  rehabilitation worker, her 3X10D measurements due.

Counting reads no client's data (no names, nothing opened), so nothing is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sotesilta.core.consultations import public as consultations
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab import public as rehab
from sotesilta.core.scheduling import public as scheduling


@dataclass(frozen=True)
class News:
    """The counts, by what they lead to; zero where the role has none."""

    consultations: int = 0
    to_rebook: int = 0
    measurements_due: int = 0

    @property
    def total(self) -> int:
        return self.consultations + self.to_rebook + self.measurements_due


def news_for(uow: UnitOfWork, principal: Principal) -> News | None:
    """The counts for this person; ``None`` (and no statement) for managers and admins."""
    nurse = principal.has_any_role(Role.HEALTH_STAFF)
    instructor = principal.has_any_role(Role.INSTRUCTOR)
    if not nurse and not instructor:
        return None
    return News(
        consultations=consultations.news_count(uow, principal=principal),
        to_rebook=scheduling.orphaned_count(uow, principal=principal) if nurse else 0,
        measurements_due=rehab.due_measurement_count(uow, principal=principal) if instructor else 0,
    )
