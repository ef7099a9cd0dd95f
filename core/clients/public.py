"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.clients.access import (
    REASON_HOLDS,
    AccessReasonIn,
    ClientAccess,
    client_access,
    has_relationship,
    parse_reason,
)
from sotesilta.core.clients.domain import normalise_phone, parse_identity_code
from sotesilta.core.clients.service import ClientRecordView, client_in_scope, client_names, opened_client
from sotesilta.core.clients.tables import ClientAccessGrant, ClientAlias, ClientRecord

__all__ = [
    "REASON_HOLDS",
    "AccessReasonIn",
    "ClientAccess",
    "ClientAccessGrant",
    "ClientAlias",
    "ClientRecord",
    "ClientRecordView",
    "client_access",
    "client_in_scope",
    "client_names",
    "has_relationship",
    "normalise_phone",
    "opened_client",
    "parse_identity_code",
    "parse_reason",
]
