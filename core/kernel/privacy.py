"""Access to client data: what is logged, and the questions asked of consent.

Every reading or change of a client's data writes one access-log entry in the
same transaction (Act 703/2023): who, in which role, when, what, about which
client, and on what basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AccessAction(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    SEARCH = "search"


class AccessBasis(StrEnum):
    CLIENT_RELATIONSHIP = "client_relationship"  # asiakassuhde
    TASK = "task"  # the professional's task, e.g. the booking they made
    CONSENT = "consent"  # suostumus


class ConsentScope(StrEnum):
    NAMED_CONSULTATION = "named_consultation"
    INFORMATION_EXCHANGE = "information_exchange"
    CONTACT_SOCIAL_CARE = "contact_social_care"


class ConsentGiven(StrEnum):
    ORAL = "oral"
    WRITTEN = "written"
    ELECTRONIC = "electronic"


@dataclass(frozen=True)
class AccessEvent:
    at: datetime
    user_id: int
    role: str
    action: AccessAction
    subject_type: str  # "booking", "client", "consultation", "consent", ...
    subject_id: int
    client_id: int | None
    basis: AccessBasis
    consent_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ConsentQuery:
    client_id: int
    scope: ConsentScope
    recipient: str  # the organisation or unit the data goes to, e.g. a municipality code
    at: datetime


@dataclass(frozen=True)
class ConsentDecision:
    allowed: bool
    consent_id: int | None
    reason: str
