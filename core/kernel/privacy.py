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
    #: no client relationship: the user stated why (a code and free text); shown flagged
    #: in the client's access report
    STATED_REASON = "stated_reason"
    #: the user's unit received the matter to handle, e.g. an SHL §35 notification to its inbox
    UNIT_WORKLIST = "unit_worklist"


class AccessReasonCode(StrEnum):
    """Why a user without a client relationship opens a client's data (chosen from a list)."""

    URGENT_CARE = "urgent_care"  # the client needs care now and the data is needed for it
    CLIENT_PRESENT = "client_present"  # the client is here and asks the user to see or act on it
    CARE_HANDOVER = "care_handover"  # taking over the client's care from a colleague or unit
    STATUTORY_TASK = "statutory_task"  # a duty set by law (e.g. an SHL 35 notification, a report)


#: who may state which reason: health staff act in care, social care also in its statutory tasks;
#: managers and admins see numbers, never people, so they may state none
REASONS_BY_ROLE: dict[str, frozenset[AccessReasonCode]] = {
    "health_staff": frozenset(
        {AccessReasonCode.URGENT_CARE, AccessReasonCode.CLIENT_PRESENT, AccessReasonCode.CARE_HANDOVER}
    ),
    "instructor": frozenset(AccessReasonCode),
}
REASON_DETAIL_MAX = 500


@dataclass(frozen=True)
class AccessReason:
    """A stated reason: its code from the list and the user's own words (1-500 characters)."""

    code: AccessReasonCode
    detail: str


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
