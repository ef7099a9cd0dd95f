"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.accounts.domain import home_of
from sotesilta.core.accounts.service import authenticate
from sotesilta.core.accounts.staff import StaffContact, staff_contact
from sotesilta.core.accounts.tables import UserAccount, UserStation
from sotesilta.core.accounts.throttle import throttle

__all__ = [
    "StaffContact",
    "UserAccount",
    "UserStation",
    "authenticate",
    "home_of",
    "staff_contact",
    "throttle",
]
