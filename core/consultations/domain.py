"""SHL §35 notifications: on what ground one is made, and how its receiver follows it up.

A notification of a need for social care (sosiaalihuoltolaki 1301/2014, §35) concerns an
identified person. A health professional makes it with the person's consent, or without it
on one of the two grounds the section names: the person evidently cannot look after their
own care, health or safety, or a child's interest requires it. The ground is stored as a
code, so that the access log and the client's access report can say it.

Only the receiving unit moves a notification on, and only forward:
sent → received → in progress → closed. Skipping a step (closing a received one that needs
nothing more) is allowed; going back, standing still or moving a closed one is not.
"""

from __future__ import annotations

from enum import StrEnum

from sotesilta.core.kernel.errors import DomainError, StateConflict


class ShlStatus(StrEnum):
    SENT = "sent"  # in the receiving unit's inbox, not yet acknowledged
    RECEIVED = "received"  # the receiver has acknowledged it
    IN_PROGRESS = "in_progress"  # the receiver is assessing the need
    CLOSED = "closed"


#: the statuses in their only order
SHL_ORDER = (ShlStatus.SENT, ShlStatus.RECEIVED, ShlStatus.IN_PROGRESS, ShlStatus.CLOSED)


class ShlGround(StrEnum):
    """Why a notification may be made: with consent, or one of §35's grounds without it."""

    CONSENT = "consent"  # the person agreed that social care is contacted
    CANNOT_LOOK_AFTER_SELF = "cannot_look_after_self"  # evidently cannot look after own care, health, safety
    CHILD_INTEREST = "child_interest"  # a child's interest requires it


#: the grounds that need no consent (§35)
WITHOUT_CONSENT = frozenset({ShlGround.CANNOT_LOOK_AFTER_SELF, ShlGround.CHILD_INTEREST})


def advance(current: ShlStatus, wanted: ShlStatus) -> ShlStatus:
    """The new status, when ``wanted`` lies ahead of ``current``; ``StateConflict`` otherwise."""
    if SHL_ORDER.index(wanted) <= SHL_ORDER.index(current):
        raise StateConflict(
            f"an SHL notification that is {current.value} cannot become {wanted.value}: "
            "it only moves forward (sent, received, in_progress, closed)",
            field="status",
            current=current.value,
        )
    return wanted


def ground_logged(ground: ShlGround) -> str:
    """What the access log keeps of the ground (a code, never free text: the log is not sealed)."""
    return f"SHL §35 ground: {ground.value}"


class ShlReceiverMissing(DomainError):
    """The county has not named the unit that receives its SHL notifications."""

    kind = "conflict"
    code = "shl-receiver-missing"
    title = "No receiver for SHL notifications"
