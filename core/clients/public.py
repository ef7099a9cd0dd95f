"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.clients.domain import normalise_phone, parse_identity_code
from sotesilta.core.clients.service import client_in_scope
from sotesilta.core.clients.tables import ClientRecord

__all__ = [
    "ClientRecord",
    "client_in_scope",
    "normalise_phone",
    "parse_identity_code",
]
