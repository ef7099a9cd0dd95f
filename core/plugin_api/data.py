"""Core's records and use cases that the built-in plugins (consent, calendar) build on.

A municipality plugin seldom needs these. They are re-exported here so that a
plugin imports ``sotesilta.core.plugin_api`` and nothing deeper, and the core may
move its modules without breaking plugins.
"""

from sotesilta.core.accounts.tables import UserAccount, UserStation
from sotesilta.core.clients.access import (
    AccessReasonIn,
    ClientAccess,
    client_access,
    parse_reason,
    stated_reasons,
)
from sotesilta.core.clients.service import client_in_scope, create_client, find_client_by_identity_code
from sotesilta.core.clients.tables import ClientAlias, ClientRecord
from sotesilta.core.kernel.access import access_event, require_role
from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.kernel.prepared import Prepared
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.secrets import keyed_digest
from sotesilta.core.kernel.types import UTCDateTime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.service import may_manage_worker, own_worker_id, worker_in_scope
from sotesilta.core.organisations.tables import Station, Worker
from sotesilta.core.rehab.domain import ContactStatus
from sotesilta.core.rehab.tables import Contact, ContactWorker, GroupMeeting, IntensivePeriod, RehabGroup
from sotesilta.core.scheduling.domain.bookings import SLOT_HOLDING_STATUSES, AppointmentStatus
from sotesilta.core.scheduling.domain.sessions import SessionStatus
from sotesilta.core.scheduling.service.bookings import BookingView, get_booking
from sotesilta.core.scheduling.tables import Booking, GuidanceSession, SessionRule, WorkerBusy

__all__ = [
    "SLOT_HOLDING_STATUSES",
    "AccessReasonIn",
    "AppointmentStatus",
    "Booking",
    "BookingView",
    "ClientAccess",
    "ClientAlias",
    "ClientRecord",
    "Contact",
    "ContactStatus",
    "ContactWorker",
    "GroupMeeting",
    "GuidanceSession",
    "IntensivePeriod",
    "MessageKind",
    "OutgoingMessage",
    "Prepared",
    "RehabGroup",
    "Sealer",
    "SessionRule",
    "SessionStatus",
    "Station",
    "UTCDateTime",
    "UnitOfWork",
    "UserAccount",
    "UserStation",
    "Worker",
    "WorkerBusy",
    "access_event",
    "client_access",
    "client_in_scope",
    "create_client",
    "find_client_by_identity_code",
    "get_booking",
    "keyed_digest",
    "may_manage_worker",
    "own_worker_id",
    "parse_reason",
    "require_role",
    "stated_reasons",
    "worker_in_scope",
]
