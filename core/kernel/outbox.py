"""The message outbox, as use cases see it: a message is written in the use case's own
transaction, so it is sent if and only if the change that caused it commits.

The outbox itself (its table, the worker that delivers) is the ``messages`` feature's; the
runtime binds an implementation to every unit of work (``uow.outbox``), like the plugins and
the sealer, so no call passes it by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sotesilta.core.kernel.uow import UnitOfWork


class MessageKind(StrEnum):
    """What a message is, for the admins' list (never what it says)."""

    BOOKING_CONFIRMATION = "booking-confirmation"
    BOOKING_REMINDER = "booking-reminder"
    BOOKING_CANCELLED = "booking-cancelled"
    BOOKING_MOVED = "booking-moved"
    FEEDBACK_REQUEST = "feedback-request"
    #: a worker's calendar invitation (iMIP) for a booking made or moved, and its cancellation
    CALENDAR_INVITATION = "calendar-invitation"
    CALENDAR_CANCELLATION = "calendar-cancellation"
    #: to a member of the public who asked to be contacted (issue 23)
    CONTACT_REQUEST_RECEIVED = "contact-request-received"


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send. ``recipient``, ``subject`` and ``body`` are sealed at rest."""

    #: the wellbeing services county whose message it is (its admins see it)
    county: str
    #: a registered channel: "email", "sms", ...
    channel: str
    kind: MessageKind
    recipient: str
    subject: str
    body: str
    #: unique per message: enqueuing the same key again adds nothing, and the channel
    #: passes it on (an e-mail's Message-ID) so that a receiver can drop a duplicate
    idempotency_key: str
    language: str = "fi"
    #: not before this moment (a reminder); ``None``: at once
    due_at: datetime | None = None
    #: a message to a client waits out the night (21-08 Helsinki time)
    quiet_hours: bool = False
    #: what it is about, e.g. "booking:12": a later change withdraws what is not sent yet
    about: str | None = None
    #: an iCalendar object sent beside the body (an e-mail's ``text/calendar`` part, RFC 6047):
    #: its METHOD line names the part's method; sealed at rest like the body
    calendar: str | None = None


class Outbox(Protocol):
    #: where the links in messages lead: the server's public address
    public_base_url: str
    #: the key links in messages are made with (the server secret)
    link_secret: bytes

    def enqueue(self, uow: UnitOfWork, message: OutgoingMessage) -> bool:
        """Write ``message`` in the unit's transaction; False when its key was already there."""
        ...

    def withdraw(self, uow: UnitOfWork, *, about: str, kinds: Iterable[MessageKind]) -> int:
        """Withdraw the messages of these kinds about ``about`` not sent yet; how many."""
        ...
