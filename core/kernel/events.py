"""What happened, for plugins that notify or export: never a client's identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EventKind(StrEnum):
    BOOKING_CREATED = "booking.created"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_RESCHEDULED = "booking.rescheduled"  # the new booking; ``facts["from"]`` is the old one
    VISIT_RECORDED = "visit.recorded"  # an outcome, or its correction
    CONSULTATION_OPENED = "consultation.opened"
    CONSULTATION_ANSWERED = "consultation.answered"  # its first answer
    SHL_NOTIFICATION_SENT = "shl_notification.sent"  # to the receiving unit ``facts["unit_id"]``
    SHL_NOTIFICATION_MOVED = "shl_notification.moved"  # the receiver moved it to ``facts["status"]``


@dataclass(frozen=True)
class DomainEvent:
    kind: EventKind
    municipality: str
    subject_id: int  # the booking, visit or consultation
    at: datetime
    #: plain facts (station, times, statuses, codes), never names, identity codes or free text
    facts: Mapping[str, str | int | bool | None] = field(default_factory=dict)
