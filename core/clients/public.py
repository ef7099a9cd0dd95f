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
from sotesilta.core.clients.service import client_in_scope
from sotesilta.core.clients.tables import ClientAccessGrant, ClientAlias, ClientRecord

__all__ = [
    "REASON_HOLDS",
    "AccessReasonIn",
    "ClientAccess",
    "ClientAccessGrant",
    "ClientAlias",
    "ClientRecord",
    "client_access",
    "client_in_scope",
    "has_relationship",
    "normalise_phone",
    "parse_identity_code",
    "parse_reason",
]
